-- Pending sign-ins live in a sealed cookie, so starting one writes nothing. A state that comes
-- back is remembered here until it expires, so that it answers once. Kept identical across both
-- backends.
CREATE TABLE spent_login_states (
    state_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX spent_login_states_expiry ON spent_login_states (expires_at);
