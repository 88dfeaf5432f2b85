-- An article's FTS5 row is found through a rowid stored with the article, never by its
-- `article_id` column, which FTS5 cannot index: looking an article up by it read the whole
-- search index, so each article written cost more than the one before (20,000 articles took
-- minutes to create). Kept in step with ../postgres/0018_article_search_rowids.sql.
ALTER TABLE articles ADD COLUMN search_rowid INTEGER;
DELETE FROM articles_fts;
UPDATE articles SET search_rowid = rowid;
INSERT INTO articles_fts (rowid, article_id, title, body)
    SELECT search_rowid, id, title, body_text FROM articles;
CREATE UNIQUE INDEX articles_search_rowid ON articles (search_rowid);
