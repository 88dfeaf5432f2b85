-- Articles are rendered and sanitised once, when saved: a view only reads the HTML. NULL for an
-- article saved before this, until the start-up pass renders it (views show its text till then).
-- Kept identical across both backends.
ALTER TABLE articles ADD COLUMN body_html TEXT;
