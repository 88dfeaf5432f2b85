-- Outgoing mail. Each row is one message to one recipient, composed from an event by the mail
-- consumer and kept with its delivery state. The Message-ID is derived from the event and the
-- recipient, so an event delivered twice to the consumer never queues a second copy.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    event_id        TEXT NOT NULL,
    ticket_id       TEXT,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    -- The message exactly as it is sent (RFC 5322 bytes).
    message         BYTEA NOT NULL,
    -- queued | sending | sent | failed
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claim           TEXT,
    lease_until     BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
CREATE INDEX mail_outbox_ticket ON mail_outbox (ticket_id, created_at);

-- The unguessable per-ticket token in reply addresses (support+t-TOKEN@…), made when the first
-- mail about the ticket is composed.
ALTER TABLE tickets ADD COLUMN mail_token TEXT;
CREATE UNIQUE INDEX tickets_mail_token ON tickets (mail_token);

-- Incoming messages already handled, by Message-ID: a message delivered twice is handled once.
CREATE TABLE inbound_mail (
    message_id  TEXT PRIMARY KEY,
    outcome     TEXT NOT NULL,
    ticket_id   TEXT,
    reason      TEXT,
    sender      TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX inbound_mail_received ON inbound_mail (received_at);

-- Incoming mail finds its sender among every customer's end users by address.
CREATE INDEX end_users_email ON end_users (email);
