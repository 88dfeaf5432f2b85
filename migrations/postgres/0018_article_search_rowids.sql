-- Kept in step with ../sqlite/0018_article_search_rowids.sql: PostgreSQL indexes articles itself
-- (the `search` tsvector column and its GIN index), so nothing changes here.
SELECT 1;
