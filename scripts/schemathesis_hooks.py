"""Schemathesis hooks for Portico's API: how to make bodies of the media types it cannot
generate by itself. Loaded by scripts/schemathesis through SCHEMATHESIS_HOOKS."""

import schemathesis
from hypothesis import strategies as st

# POST /inbound-email takes a raw e-mail message: well-formed ones, near misses and any bytes.
_headers = st.sampled_from(
    [
        b"From: erin@schema.example\r\nTo: help@schema.example\r\nSubject: Printer\r\nMessage-ID: <a@schema.example>\r\n",
        b"From: someone@unknown.example\r\nTo: help+t-abc@schema.example\r\nSubject: Re: [T-000001] x\r\n",
        b"From: bounce@schema.example\r\nAuto-Submitted: auto-replied\r\nTo: help@schema.example\r\n",
        b"Content-Type: multipart/mixed; boundary=\"x\"\r\nFrom: =?utf-8?B?!!?= <odd@@x>\r\n",
    ]
)
_messages = st.one_of(
    st.builds(lambda head, body: head + b"\r\n" + body, _headers, st.binary(max_size=512)),
    st.binary(max_size=2048),
)
schemathesis.openapi.media_type("message/rfc822", _messages)
