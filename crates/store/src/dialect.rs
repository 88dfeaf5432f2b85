//! The few places where SQLite and PostgreSQL truly differ.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// Statements run on every new connection.
    pub(crate) fn session_setup(self) -> &'static [&'static str] {
        match self {
            // WAL lets readers run beside the writer; the busy timeout makes writers queue.
            // FULL: a commit is on disk before it is acknowledged, so a ticket that was answered
            // "created" survives a power loss (NORMAL in WAL mode may lose the last commits).
            Self::Sqlite => &[
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = FULL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 10000",
            ],
            Self::Postgres => &[],
        }
    }

    /// Connections a pool keeps when the settings do not say. A SQLite connection is a thread
    /// of this process working on a local file: beyond about twice the cores, more of them only
    /// take turns on the CPU and wake each other (measured: 4 served 10–40% more pages than 10
    /// on 2 cores). A PostgreSQL connection waits on a server, so more of them overlap.
    pub fn default_connections(self) -> u32 {
        match self {
            Self::Sqlite => 4,
            Self::Postgres => 10,
        }
    }

    /// Whether a pooled connection is pinged before each use. A server's connection can drop
    /// (a restart, a proxy's timeout); a connection to a file in this process cannot, and the
    /// ping would cost a round trip through its worker thread for every query.
    pub(crate) fn tests_connections_before_use(self) -> bool {
        self == Self::Postgres
    }

    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }
}

/// Full-text search over knowledge base articles: the one query that differs per database.
/// Parameters: `$1` the search expression from [`Backend::search_expression`], `$2` the customer
/// whose portal searches, `$3` the limit, `$4` the candidates ranked at most. Columns: `id`,
/// `title` and `snippet` (matches between `[[` and `]]`), best match first.
///
/// Ranking reads every match's positions, so a word in every article (the commonest words of
/// instructions) would rank all of them: over a second at 20,000 articles. So only the newest
/// `$4` matches the customer may see are ranked (`candidates`, found through the index in the
/// order articles were written, stopping at `$4`); the best `$3` of those are kept (`best`);
/// only for those is the title read and a snippet cut, the costly part. Bodies are never read.
///
/// SQLite: FTS5 returns matches in rowid (= creation) order, newest first when asked, and
/// ranks only the rows it returns; a snippet needs the match of its own FTS5 cursor, so the
/// outer query matches again, limited to the kept rows by their rowid.
pub(crate) const SQLITE_ARTICLE_SEARCH: &str = "WITH candidates AS (
        SELECT articles_fts.rowid AS fts_rowid, a.id, a.updated_at, -bm25(articles_fts, 0.0, 10.0, 1.0) AS rank
        FROM articles_fts JOIN articles a ON a.search_rowid = articles_fts.rowid
        WHERE articles_fts MATCH $1 AND a.published = 1
          AND (a.all_customers = 1 OR EXISTS (SELECT 1 FROM article_customers ac WHERE ac.article_id = a.id AND ac.customer_id = $2))
        ORDER BY articles_fts.rowid DESC LIMIT $4
    ), best AS (
        SELECT fts_rowid, id, updated_at, rank FROM candidates ORDER BY rank DESC, updated_at DESC LIMIT $3
    )
    SELECT best.id, a.title, snippet(articles_fts, 2, '[[', ']]', '…', 16) AS snippet
    FROM best
    JOIN articles_fts ON articles_fts.rowid = best.fts_rowid
    JOIN articles a ON a.id = best.id
    WHERE articles_fts MATCH $1
    ORDER BY best.rank DESC, best.updated_at DESC";

/// PostgreSQL: the GIN index on `search` finds the matches, the newest `$4` are kept by their
/// creation time, `ts_rank_cd` ranks those from the stored tsvector (read for them only), and
/// `ts_headline` (which re-parses the text) runs for the kept rows only.
pub(crate) const POSTGRES_ARTICLE_SEARCH: &str = "WITH candidates AS MATERIALIZED (
        SELECT a.id, a.updated_at, a.created_at
        FROM articles a
        WHERE a.search @@ to_tsquery('english', $1) AND a.published = TRUE
          AND (a.all_customers = TRUE OR EXISTS (SELECT 1 FROM article_customers ac WHERE ac.article_id = a.id AND ac.customer_id = $2))
        ORDER BY a.created_at DESC, a.id DESC LIMIT $4
    ), best AS (
        SELECT c.id, c.updated_at, ts_rank_cd(a.search, to_tsquery('english', $1))::float8 AS rank
        FROM candidates c JOIN articles a ON a.id = c.id
        ORDER BY rank DESC, c.updated_at DESC LIMIT $3
    )
    SELECT best.id, a.title,
           ts_headline('english', a.body_text, to_tsquery('english', $1),
                       'StartSel=[[, StopSel=]], MaxWords=24, MinWords=10, ShortWord=2') AS snippet
    FROM best JOIN articles a ON a.id = best.id
    ORDER BY best.rank DESC, best.updated_at DESC";

impl Backend {
    pub(crate) fn article_search(self) -> &'static str {
        match self {
            Self::Sqlite => SQLITE_ARTICLE_SEARCH,
            Self::Postgres => POSTGRES_ARTICLE_SEARCH,
        }
    }

    /// The database's query language for "all these words, as prefixes", from words that are
    /// already only letters and digits (so nothing of a person's typing reaches the syntax).
    pub(crate) fn search_expression(self, words: &[String]) -> String {
        match self {
            Self::Sqlite => words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" "),
            Self::Postgres => words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & "),
        }
    }

    /// Whether articles need their search index written by the store (SQLite's FTS5 table);
    /// PostgreSQL keeps its tsvector column itself.
    pub(crate) fn indexes_articles_itself(self) -> bool {
        self == Self::Postgres
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_expressions_match_all_words_as_prefixes() {
        let words = vec!["vpn".to_string(), "reset".to_string()];
        assert_eq!(Backend::Sqlite.search_expression(&words), "\"vpn\"* \"reset\"*");
        assert_eq!(Backend::Postgres.search_expression(&words), "vpn:* & reset:*");
    }

    use super::*;

    #[test]
    fn the_backend_follows_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://data/portico.db?mode=rwc"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
    }
}
