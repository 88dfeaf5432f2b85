-- Two-step sign-in for the console, and where API tokens were last used (PostgreSQL). Kept in step
-- with ../sqlite/0020_console_mfa.sql.

-- A member's authenticator app secret, sealed under the server key (never stored in the clear).
-- enabled_at stays NULL while enrolment waits for the first correct code; last_used_step is the
-- 30-second step of the last code accepted, so no code is ever accepted twice.
CREATE TABLE team_member_totp (
    team_member_id TEXT PRIMARY KEY REFERENCES team_members (id) ON DELETE CASCADE,
    secret_sealed  TEXT NOT NULL,
    enabled_at     BIGINT,
    last_used_step BIGINT,
    created_at     BIGINT NOT NULL
);

-- Single-use recovery codes, stored only as hashes; used_at marks one spent.
CREATE TABLE recovery_codes (
    id             TEXT PRIMARY KEY,
    team_member_id TEXT NOT NULL REFERENCES team_members (id) ON DELETE CASCADE,
    code_hash      TEXT NOT NULL,
    used_at        BIGINT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX recovery_codes_member ON recovery_codes (team_member_id, code_hash);

-- The console's security settings: one row.
CREATE TABLE console_settings (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    mfa_required BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at   BIGINT NOT NULL
);
INSERT INTO console_settings (id, mfa_required, updated_at) VALUES (1, FALSE, 0);

-- The address an API token was last used from (with last_used_at, written at most once a minute).
ALTER TABLE api_tokens ADD COLUMN last_used_ip TEXT;
