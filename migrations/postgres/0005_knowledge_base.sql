-- Knowledge base (PostgreSQL). Kept in step with ../sqlite/0005_knowledge_base.sql, apart from
-- the full-text index: a tsvector column with a GIN index here, FTS5 there.

CREATE TABLE articles (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published     BOOLEAN NOT NULL,
    all_customers BOOLEAN NOT NULL,
    views         BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    updated_by    TEXT NOT NULL,
    search        TSVECTOR GENERATED ALWAYS AS (
                      setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
                  ) STORED
);
CREATE INDEX articles_updated ON articles (updated_at);
CREATE INDEX articles_search ON articles USING GIN (search);

CREATE TABLE article_customers (
    article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, customer_id)
);
CREATE INDEX article_customers_customer ON article_customers (customer_id);
