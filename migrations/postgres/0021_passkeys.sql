-- Passkeys (WebAuthn credentials) team members sign in to the console with, as a second factor.
-- The credential is webauthn-rs's own record (public key, counter, backup state) as JSON; only the
-- authenticator holds the private key.
CREATE TABLE console_passkeys (
    id             TEXT PRIMARY KEY,
    team_member_id TEXT NOT NULL REFERENCES team_members (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    credential_id  TEXT NOT NULL,
    credential     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT
);
CREATE UNIQUE INDEX console_passkeys_credential ON console_passkeys (credential_id);
CREATE INDEX console_passkeys_member ON console_passkeys (team_member_id);
