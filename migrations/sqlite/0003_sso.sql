-- End-user single sign-on (SQLite). Kept in step with ../postgres/0003_sso.sql.

-- A portal's SSO configurations. `settings` is the validated configuration (JSON, never the
-- secret); `secret` is the client secret sealed under the server key.
CREATE TABLE sso_configs (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    settings    TEXT NOT NULL,
    secret      TEXT,
    enabled     INTEGER NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX sso_configs_customer ON sso_configs (customer_id, created_at);

-- Sign-ins in progress: one row per authorization request, used once, expiring in minutes.
CREATE TABLE login_states (
    state_hash    TEXT PRIMARY KEY,
    customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    sso_config_id TEXT NOT NULL REFERENCES sso_configs (id) ON DELETE CASCADE,
    browser_hash  TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    return_to     TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX login_states_expiry ON login_states (expires_at);

-- Who an end user is at an IdP: keyed by configuration, issuer and subject, never by e-mail.
CREATE TABLE end_user_identities (
    id            TEXT PRIMARY KEY,
    end_user_id   TEXT NOT NULL REFERENCES end_users (id) ON DELETE CASCADE,
    sso_config_id TEXT NOT NULL REFERENCES sso_configs (id) ON DELETE CASCADE,
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    tenant_id     TEXT,
    object_id     TEXT,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX end_user_identities_subject_key ON end_user_identities (sso_config_id, issuer, subject);
CREATE INDEX end_user_identities_user ON end_user_identities (end_user_id);

-- End users' portal sessions: valid only at the portal (customer) that created them.
CREATE TABLE portal_sessions (
    token_hash    TEXT PRIMARY KEY,
    customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    end_user_id   TEXT NOT NULL REFERENCES end_users (id) ON DELETE CASCADE,
    sso_config_id TEXT NOT NULL REFERENCES sso_configs (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    id_token      TEXT,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX portal_sessions_user ON portal_sessions (end_user_id);
