-- Files on tickets. The content lives in the attachment store under its SHA-256 (local files or
-- an S3-compatible bucket), written before the row commits; housekeeping removes contents no row
-- refers to. A redacted file keeps its row (who, when) but loses its content.
CREATE TABLE attachments (
    id             TEXT PRIMARY KEY,
    ticket_id      TEXT NOT NULL REFERENCES tickets (id),
    comment_id     TEXT REFERENCES ticket_comments (id),
    filename       TEXT NOT NULL,
    size           BIGINT NOT NULL,
    content_type   TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    public         INTEGER NOT NULL DEFAULT 1,
    has_thumbnail  INTEGER NOT NULL DEFAULT 0,
    uploader_kind  TEXT NOT NULL,
    uploader_id    TEXT,
    uploader_name  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    redacted_at    BIGINT,
    redacted_by    TEXT
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, created_at);
CREATE INDEX attachments_sha256 ON attachments (sha256);
