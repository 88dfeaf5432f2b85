//! Tests of `inbound_mail`.

use super::*;

fn settings() -> MailSettings {
    MailSettings {
        inbound_address: Some(EmailAddress::parse("inbound", "help@msp.example").unwrap()),
        ..Default::default()
    }
}

#[test]
fn the_token_is_read_only_from_the_inbound_address() {
    let settings = settings();
    assert_eq!(reply_token(&settings, "help+t-abc234@msp.example").as_deref(), Some("abc234"));
    assert_eq!(reply_token(&settings, "HELP+t-ABC234@MSP.example").as_deref(), Some("abc234"));
    assert_eq!(reply_token(&settings, "other+t-abc234@msp.example"), None);
    assert_eq!(reply_token(&settings, "help+t-abc234@evil.example"), None);
    assert_eq!(reply_token(&settings, "help+x-abc234@msp.example"), None);
    assert_eq!(reply_token(&settings, "help+t-@msp.example"), None);
    assert_eq!(reply_token(&settings, "help+t-a'b@msp.example"), None);
    assert_eq!(reply_token(&settings, "help@msp.example"), None);
}

#[test]
fn the_subject_tag_is_parsed_strictly() {
    assert_eq!(subject_number("Re: [T-000123] Printer jams"), Some(123));
    assert_eq!(subject_number("[T-1234567] x"), Some(1_234_567));
    assert_eq!(subject_number("[T-12a] x"), None);
    assert_eq!(subject_number("[T-] x"), None);
    assert_eq!(subject_number("T-000123 without brackets"), None);
    assert_eq!(subject_number("[T-99999999999999999999]"), None);
}

#[test]
fn reply_prefixes_are_stripped_from_new_tickets_subjects() {
    assert_eq!(strip_reply_prefixes("Re: Fwd: RE: Printer"), "Printer");
    assert_eq!(strip_reply_prefixes("Reboot needed"), "Reboot needed");
}
