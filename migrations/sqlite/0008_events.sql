-- Domain events: every change is recorded here in the transaction that makes it. `seq` comes
-- from the one-row counter below, taken inside that transaction, so positions grow in the
-- order of commits and a consumer that has read up to N has seen everything up to N.
CREATE TABLE events (
    seq          BIGINT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    at           BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     TEXT,
    actor_name   TEXT NOT NULL,
    customer_id  TEXT,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    payload      TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject_kind, subject_id, seq);
CREATE INDEX events_customer ON events (customer_id, kind, seq);

CREATE TABLE event_sequence (
    id       INTEGER PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
INSERT INTO event_sequence (id, last_seq) VALUES (1, 0);

-- How far each consumer got; the lease makes one instance at a time deliver to a consumer, and
-- a failing consumer waits until `retry_at` without holding up the others.
CREATE TABLE event_consumers (
    name        TEXT PRIMARY KEY,
    position    BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    retry_at    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT,
    updated_at  BIGINT NOT NULL
);

-- The audit log is written by a consumer of events: the event's id makes a repeated delivery harmless.
ALTER TABLE audit_log ADD COLUMN event_id TEXT;
CREATE UNIQUE INDEX audit_log_event ON audit_log (event_id);
