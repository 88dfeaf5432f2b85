-- A reply token per recipient: the address one notification about one ticket went to. A reply is
-- attributed to a person only through the token that was mailed to that person, so a token seen
-- by one recipient (a follower, a forwarded mail) never lets anyone write as another.
CREATE TABLE mail_reply_tokens (
    token      TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX mail_reply_tokens_recipient ON mail_reply_tokens (ticket_id, address);

-- The e-mail domains a customer's own people use (comma-separated, lower-case): customer managers
-- invite colleagues only at these domains.
ALTER TABLE customers ADD COLUMN email_domains TEXT NOT NULL DEFAULT '';

-- Console sign-in through the MSP's own identity provider: an identity (issuer, subject) belongs
-- to one team member, linked at their first sign-in by the address the provider verified.
CREATE TABLE console_identities (
    issuer         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    team_member_id TEXT NOT NULL REFERENCES team_members (id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
-- One identity per member and provider: two first sign-ins at once cannot both link.
CREATE UNIQUE INDEX console_identities_member ON console_identities (team_member_id, issuer);
