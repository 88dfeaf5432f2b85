-- Articles keep a plain-text copy of their Markdown body (SQLite). Kept in step with
-- ../postgres/0006_article_text.sql: search snippets are cut from it, never from Markdown.
ALTER TABLE articles ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
