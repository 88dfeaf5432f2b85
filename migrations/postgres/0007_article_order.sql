-- The knowledge base lists articles newest change first and most read first, with the id as a
-- tie-breaker. Indexes in exactly those orders let a page be read in order instead of sorting
-- every article (bodies included) for each request. Kept in step across both backends.
DROP INDEX articles_updated;
CREATE INDEX articles_updated ON articles (updated_at, id);
CREATE INDEX articles_popular ON articles (views, id);
