-- Knowledge base (SQLite). Kept in step with ../postgres/0005_knowledge_base.sql, apart from
-- the full-text index: FTS5 here, a tsvector column with a GIN index there.

CREATE TABLE articles (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published     INTEGER NOT NULL,
    all_customers INTEGER NOT NULL,
    views         BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    updated_by    TEXT NOT NULL
);
CREATE INDEX articles_updated ON articles (updated_at);

-- The customers an article is visible to, when not to all.
CREATE TABLE article_customers (
    article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, customer_id)
);
CREATE INDEX article_customers_customer ON article_customers (customer_id);

-- Kept in step with `articles` by the store, in the same transaction as each write.
CREATE VIRTUAL TABLE articles_fts USING fts5 (article_id UNINDEXED, title, body, tokenize = 'porter unicode61');
