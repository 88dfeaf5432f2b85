-- Tickets (PostgreSQL). Kept in step with ../sqlite/0004_tickets.sql.

-- The instance-wide ticket number: one row, bumped in the transaction that creates a ticket.
CREATE TABLE ticket_numbers (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    last_value BIGINT NOT NULL
);
INSERT INTO ticket_numbers (id, last_value) VALUES (1, 0);

CREATE TABLE tickets (
    id                  TEXT PRIMARY KEY,
    number              BIGINT NOT NULL,
    customer_id         TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    requester_id        TEXT NOT NULL REFERENCES end_users (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,
    short_description   TEXT NOT NULL,
    description         TEXT NOT NULL,
    urgency             TEXT NOT NULL,
    status              TEXT NOT NULL,
    assignment_group_id TEXT NOT NULL REFERENCES assignment_groups (id),
    assignee_id         TEXT REFERENCES team_members (id) ON DELETE SET NULL,
    contact_source      TEXT NOT NULL,
    -- A form's one-time token: a double submit finds the ticket the first one made.
    submission_key      TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX tickets_number_key ON tickets (number);
CREATE UNIQUE INDEX tickets_submission_key ON tickets (submission_key);
CREATE INDEX tickets_requester ON tickets (requester_id, updated_at);
CREATE INDEX tickets_queue ON tickets (assignment_group_id, status, updated_at);
CREATE INDEX tickets_customer ON tickets (customer_id, updated_at);

CREATE TABLE ticket_comments (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    public      BOOLEAN NOT NULL,
    author_kind TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    author_name TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, created_at);
