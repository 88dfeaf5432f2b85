-- End User Portals (SQLite). Kept in step with ../postgres/0002_portals.sql.

-- Uploaded logos after re-encoding, addressed by the SHA-256 of their bytes.
CREATE TABLE logos (
    id           TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- One portal per customer. `settings` is the validated document (JSON); the columns beside it
-- are written from the same value in the same statement, for lookups and integrity.
CREATE TABLE portals (
    customer_id      TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    slug             TEXT NOT NULL,
    custom_domain    TEXT,
    active           INTEGER NOT NULL,
    default_group_id TEXT REFERENCES assignment_groups (id),
    logo_id          TEXT REFERENCES logos (id),
    settings         TEXT NOT NULL,
    revision         BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    updated_by       TEXT NOT NULL,
    updated_by_id    TEXT
);
CREATE UNIQUE INDEX portals_slug_key ON portals (slug);
CREATE UNIQUE INDEX portals_custom_domain_key ON portals (custom_domain);

-- Every saved state of a portal, for the revision list and restore.
CREATE TABLE portal_revisions (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    revision    BIGINT NOT NULL,
    settings    TEXT NOT NULL,
    logo_id     TEXT REFERENCES logos (id),
    summary     TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    actor_id    TEXT,
    at          BIGINT NOT NULL,
    PRIMARY KEY (customer_id, revision)
);

-- Slugs a portal used before: their old URLs redirect to the current one.
CREATE TABLE portal_old_slugs (
    slug        TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    retired_at  BIGINT NOT NULL
);
CREATE INDEX portal_old_slugs_customer ON portal_old_slugs (customer_id);
