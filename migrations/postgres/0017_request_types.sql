-- Request types: the service catalogue (PostgreSQL). Kept in step with ../sqlite/0017_request_types.sql.
-- A type's form and defaults are one JSON document (settings); who may use it is a row per
-- chosen customer (none: every customer); each customer may hide a type or route it elsewhere.
CREATE TABLE request_types (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    sort_key            TEXT NOT NULL,
    settings            TEXT NOT NULL,
    assignment_group_id TEXT REFERENCES assignment_groups (id) ON DELETE SET NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX request_types_sort ON request_types (sort_key, id);

CREATE TABLE request_type_customers (
    request_type_id TEXT NOT NULL REFERENCES request_types (id) ON DELETE CASCADE,
    customer_id     TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (request_type_id, customer_id)
);
CREATE INDEX request_type_customers_customer ON request_type_customers (customer_id);

CREATE TABLE request_type_overrides (
    request_type_id     TEXT NOT NULL REFERENCES request_types (id) ON DELETE CASCADE,
    customer_id         TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    hidden              BOOLEAN NOT NULL,
    assignment_group_id TEXT REFERENCES assignment_groups (id) ON DELETE SET NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (request_type_id, customer_id)
);
CREATE INDEX request_type_overrides_customer ON request_type_overrides (customer_id);

-- A ticket filed through a type keeps its answers with their labels (JSON), so editing or
-- removing the type never changes what the ticket says; answers_text is what search reads.
ALTER TABLE tickets ADD COLUMN request_type_id TEXT REFERENCES request_types (id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN answers TEXT;
ALTER TABLE tickets ADD COLUMN answers_text TEXT;
CREATE INDEX tickets_request_type ON tickets (request_type_id, updated_at);
