//! WHERE clauses made of only the conditions a filter asks for.
//!
//! `($1 IS NULL OR column = $1)` reads well but hides the condition from the query planner,
//! which then scans the whole table. Building the clause from the conditions present keeps
//! every one of them usable by an index, with `$n` placeholders both databases accept.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe};

use super::{StoreError, StoreResult};
use portico_domain::page::PageRequest;

enum Value {
    Text(String),
    Int(i64),
}

#[derive(Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Conditions {
    fn placeholder(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// A condition whose `?` is the bound text `value`, e.g. `("t.requester_id = ?", id)`.
    pub(crate) fn text(&mut self, condition: &str, value: impl Into<String>) -> &mut Self {
        let placeholder = self.placeholder(Value::Text(value.into()));
        self.clauses.push(condition.replacen('?', &placeholder, 1));
        self
    }

    /// A condition whose every `?` is the same bound text `value`, e.g.
    /// `("(requester_id = ? OR id IN (… end_user_id = ?))", id)`.
    pub(crate) fn text_each(&mut self, condition: &str, value: impl Into<String>) -> &mut Self {
        let placeholder = self.placeholder(Value::Text(value.into()));
        self.clauses.push(condition.replace('?', &placeholder));
        self
    }

    /// `(a LIKE ? OR b LIKE ?)` with one bound pattern: `term` found anywhere in any of the
    /// columns (stored lowercase), wildcards in it taken literally. Blank terms add nothing.
    /// A term longer than [`SEARCH_TERM_MAX`] is refused before any database sees it (SQLite
    /// refuses long patterns as "too complex", and no one searches with a page of text).
    pub(crate) fn like_any(&mut self, columns: &[&str], term: Option<&str>) -> StoreResult<&mut Self> {
        let Some(term) = term.filter(|term| !term.trim().is_empty()) else { return Ok(self) };
        let placeholder = self.placeholder(Value::Text(like_pattern(term)?));
        let alternatives: Vec<String> =
            columns.iter().map(|column| format!("{column} LIKE {placeholder} ESCAPE '\\'")).collect();
        self.clauses.push(format!("({})", alternatives.join(" OR ")));
        Ok(self)
    }

    /// A condition whose `?` is the bound integer `value`.
    pub(crate) fn int(&mut self, condition: &str, value: i64) -> &mut Self {
        let placeholder = self.placeholder(Value::Int(value));
        self.clauses.push(condition.replacen('?', &placeholder, 1));
        self
    }

    /// A placeholder bound to the `LIKE` pattern for `term` (found anywhere, wildcards literal),
    /// for a condition written with [`raw`](Self::raw).
    pub(crate) fn like_placeholder(&mut self, term: &str) -> StoreResult<String> {
        Ok(self.placeholder(Value::Text(like_pattern(term)?)))
    }

    /// A placeholder bound to `value`, for a condition written with [`raw`](Self::raw).
    pub(crate) fn text_placeholder(&mut self, value: impl Into<String>) -> String {
        self.placeholder(Value::Text(value.into()))
    }

    /// A condition made of constant SQL and placeholders from this builder, nothing else.
    pub(crate) fn raw(&mut self, condition: String) -> &mut Self {
        self.clauses.push(condition);
        self
    }

    /// A condition with no value, e.g. `"a.published = TRUE"`; only ever a constant.
    pub(crate) fn fixed(&mut self, condition: &'static str) -> &mut Self {
        self.clauses.push(condition.to_string());
        self
    }

    /// `column IN (…)` over text values; an empty list matches nothing.
    pub(crate) fn any_of(&mut self, column: &str, values: impl IntoIterator<Item = String>) -> &mut Self {
        let placeholders: Vec<String> =
            values.into_iter().map(|v| self.placeholder(Value::Text(v))).collect();
        self.clauses.push(if placeholders.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("{column} IN ({})", placeholders.join(", "))
        });
        self
    }

    /// A keyset condition `(columns) < (values)`, for paging.
    pub(crate) fn before(&mut self, columns: &str, key: Vec<Keyed>) -> &mut Self {
        self.keyset(columns, "<", key)
    }

    /// A keyset condition `(columns) > (values)`, for paging in ascending order.
    pub(crate) fn after(&mut self, columns: &str, key: Vec<Keyed>) -> &mut Self {
        self.keyset(columns, ">", key)
    }

    /// The rows after a page's cursor, in `(sort_key, id)` order.
    pub(crate) fn after_cursor(&mut self, columns: &str, page: &PageRequest) -> &mut Self {
        match &page.after {
            Some(cursor) => self
                .after(columns, vec![Keyed::Text(cursor.sort_key.clone()), Keyed::Text(cursor.id.clone())]),
            None => self,
        }
    }

    fn keyset(&mut self, columns: &str, comparison: &str, key: Vec<Keyed>) -> &mut Self {
        let placeholders: Vec<String> = key
            .into_iter()
            .map(|part| match part {
                Keyed::Text(text) => self.placeholder(Value::Text(text)),
                Keyed::Int(int) => self.placeholder(Value::Int(int)),
            })
            .collect();
        self.clauses.push(format!("({columns}) {comparison} ({})", placeholders.join(", ")));
        self
    }

    /// ` WHERE a AND b`, or nothing without conditions.
    pub(crate) fn clause(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!(" WHERE {}", self.clauses.join(" AND ")) }
    }

    /// The next placeholder after the conditions', for what follows them (e.g. the LIMIT).
    pub(crate) fn next_placeholder(&self) -> String {
        format!("${}", self.values.len() + 1)
    }

    /// `sql` (which embeds [`clause`](Self::clause)) with the conditions' values bound in order.
    pub(crate) fn query(self, sql: String) -> Query<'static, Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in self.values {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(int) => query.bind(int),
            };
        }
        query
    }
}

/// One part of a keyset position.
pub(crate) enum Keyed {
    Text(String),
    Int(i64),
}

/// How many characters a search term may have.
pub(crate) const SEARCH_TERM_MAX: usize = 200;

/// A search term for `LIKE`, with its wildcards escaped (`\` is the escape character).
pub(crate) fn like_pattern(term: &str) -> StoreResult<String> {
    let length = term.trim().chars().count();
    if length > SEARCH_TERM_MAX {
        return Err(StoreError::Invalid {
            field: "q",
            message: format!("Search must be at most {SEARCH_TERM_MAX} characters (it has {length})."),
        });
    }
    let mut pattern = String::from("%");
    for c in term.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Ok(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_search_terms_are_escaped() {
        assert_eq!(like_pattern(" 100%_A\\ ").unwrap(), "%100\\%\\_a\\\\%");
    }

    #[test]
    fn a_search_term_past_its_bound_is_refused_naming_the_limit() {
        assert!(like_pattern(&"a".repeat(SEARCH_TERM_MAX)).is_ok());
        let error = like_pattern(&"a".repeat(60_000)).unwrap_err();
        assert!(error.to_string().contains("at most 200 characters"), "{error}");
    }

    #[test]
    fn only_present_conditions_are_written_and_numbered_in_order() {
        let mut conditions = Conditions::default();
        conditions.text("t.customer_id = ?", "c").any_of("t.group_id", ["g1".into(), "g2".into()]);
        conditions
            .fixed("t.status <> 'closed'")
            .before("rank, id", vec![Keyed::Int(1), Keyed::Text("x".into())]);
        assert_eq!(
            conditions.clause(),
            " WHERE t.customer_id = $1 AND t.group_id IN ($2, $3) AND t.status <> 'closed' AND (rank, id) < ($4, $5)"
        );
        assert_eq!(conditions.next_placeholder(), "$6");
        assert_eq!(Conditions::default().clause(), "");
        let mut none = Conditions::default();
        none.any_of("t.group_id", Vec::new());
        assert_eq!(none.clause(), " WHERE 1 = 0");
    }

    #[test]
    fn a_search_binds_its_pattern_once_and_ascending_pages_start_after_the_cursor() {
        let page = PageRequest::parse(
            Some(&portico_domain::page::Cursor { sort_key: "a".into(), id: "id".into() }.encode()),
            None,
        )
        .unwrap();
        let mut conditions = Conditions::default();
        conditions.like_any(&["name", "email"], Some(" 50%_ ")).unwrap().after_cursor("sort_key, id", &page);
        assert_eq!(
            conditions.clause(),
            " WHERE (name LIKE $1 ESCAPE '\\' OR email LIKE $1 ESCAPE '\\') AND (sort_key, id) > ($2, $3)"
        );
        assert_eq!(conditions.next_placeholder(), "$4");
        let mut blank = Conditions::default();
        blank.like_any(&["name"], Some("  ")).unwrap().after_cursor("sort_key, id", &PageRequest::default());
        assert_eq!(blank.clause(), "");
    }
}
