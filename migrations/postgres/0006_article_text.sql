-- Articles keep a plain-text copy of their Markdown body (PostgreSQL). Kept in step with
-- ../sqlite/0006_article_text.sql: search indexes and snippets use it, never the Markdown.
ALTER TABLE articles ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
UPDATE articles SET body_text = body;
DROP INDEX articles_search;
ALTER TABLE articles DROP COLUMN search;
ALTER TABLE articles ADD COLUMN search TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body_text), 'B')
) STORED;
CREATE INDEX articles_search ON articles USING GIN (search);
