-- Foundation schema (PostgreSQL). Kept in step with ../sqlite/0001_foundation.sql:
-- same tables, columns and index names; only the column types differ.
-- Timestamps are Unix milliseconds; identifiers are UUIDv7 text; flags are BOOLEAN.

CREATE TABLE team_members (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    sort_key      TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'technician')),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX team_members_email_key ON team_members (email);
CREATE INDEX team_members_sort ON team_members (sort_key, id);

CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    sort_key      TEXT NOT NULL,
    slug          TEXT NOT NULL,
    contact_email TEXT,
    phone         TEXT,
    website       TEXT,
    notes         TEXT NOT NULL DEFAULT '',
    archived_at   BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_slug_key ON customers (slug);
CREATE INDEX customers_sort ON customers (sort_key, id);

CREATE TABLE assignment_groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    sort_key    TEXT NOT NULL,
    customer_id TEXT REFERENCES customers (id) ON DELETE CASCADE,
    manager_id  TEXT REFERENCES team_members (id) ON DELETE SET NULL,
    builtin     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX assignment_groups_name_key ON assignment_groups (COALESCE(customer_id, ''), sort_key);
CREATE INDEX assignment_groups_sort ON assignment_groups (sort_key, id);

CREATE TABLE assignment_group_members (
    group_id       TEXT NOT NULL REFERENCES assignment_groups (id) ON DELETE CASCADE,
    team_member_id TEXT NOT NULL REFERENCES team_members (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, team_member_id)
);
CREATE INDEX assignment_group_members_member ON assignment_group_members (team_member_id);

CREATE TABLE end_users (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    sort_key         TEXT NOT NULL,
    email            TEXT NOT NULL,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    first_sign_in_at BIGINT,
    last_sign_in_at  BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX end_users_email_key ON end_users (customer_id, email);
CREATE INDEX end_users_sort ON end_users (customer_id, sort_key, id);

CREATE TABLE api_tokens (
    id             TEXT PRIMARY KEY,
    team_member_id TEXT NOT NULL REFERENCES team_members (id) ON DELETE CASCADE,
    label          TEXT NOT NULL,
    token_hash     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT,
    revoked_at     BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_hash);

CREATE TABLE console_sessions (
    token_hash     TEXT PRIMARY KEY,
    team_member_id TEXT NOT NULL REFERENCES team_members (id) ON DELETE CASCADE,
    csrf_token     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX console_sessions_member ON console_sessions (team_member_id);

CREATE TABLE sign_in_failures (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      TEXT NOT NULL,
    client_ip  TEXT NOT NULL,
    failed_at  BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email, failed_at);
CREATE INDEX sign_in_failures_ip ON sign_in_failures (client_ip, failed_at);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    summary     TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id, at);

-- The built-in Everyone group: every team member, computed, never stored as rows.
INSERT INTO assignment_groups (id, name, sort_key, customer_id, manager_id, builtin, created_at, updated_at)
VALUES ('00000000-0000-7000-8000-000000000001', 'Everyone', 'everyone', NULL, NULL, TRUE, 0, 0);
