//! Knowledge base articles: Markdown, published or not, for all customers or chosen ones.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::text;
use super::validation::{FieldError, ValidationErrors};

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 100_000;

#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub id: Uuid,
    pub title: String,
    /// Markdown; rendered and sanitised when shown.
    pub body: String,
    pub published: bool,
    /// `true`: every customer's portal; `false`: only `customer_ids`.
    pub all_customers: bool,
    pub customer_ids: Vec<Uuid>,
    pub views: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    /// The body rendered and sanitised when saved; `None` for an article saved before that was
    /// done, until it is rendered again.
    #[serde(skip)]
    pub body_html: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleDraft {
    pub title: Option<String>,
    pub body: Option<String>,
    pub published: Option<bool>,
    pub all_customers: Option<bool>,
    pub customer_ids: Option<Vec<Uuid>>,
}

/// An article body rendered once, when saved: sanitised HTML for views, plain text for
/// snippets and search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedBody {
    pub html: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleContent {
    pub title: String,
    pub body: String,
    pub published: bool,
    pub all_customers: bool,
    pub customer_ids: Vec<Uuid>,
}

impl ArticleDraft {
    /// Applies the draft over `current` (none when creating: title and body required).
    pub fn apply(self, current: Option<&Article>) -> Result<ArticleContent, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = match (&self.title, current) {
            (Some(raw), _) => errors.check(text::bounded("title", raw, 1, TITLE_MAX, false)),
            (None, Some(now)) => Some(now.title.clone()),
            (None, None) => {
                errors.push(FieldError::new("title", "Title is required."));
                None
            }
        };
        let body = match (&self.body, current) {
            (Some(raw), _) => errors.check(text::bounded("body", raw, 1, BODY_MAX, true)),
            (None, Some(now)) => Some(now.body.clone()),
            (None, None) => {
                errors.push(FieldError::new("body", "Body is required."));
                None
            }
        };
        let all_customers = self.all_customers.or(current.map(|c| c.all_customers)).unwrap_or(true);
        let mut customer_ids =
            self.customer_ids.or(current.map(|c| c.customer_ids.clone())).unwrap_or_default();
        customer_ids.sort();
        customer_ids.dedup();
        if !all_customers && customer_ids.is_empty() {
            errors.push(FieldError::new(
                "customer_ids",
                "choose at least one customer, or make the article visible to all",
            ));
        }
        errors.into_result()?;
        Ok(ArticleContent {
            title: ValidationErrors::checked(title, "title")?,
            body: ValidationErrors::checked(body, "body")?,
            published: self.published.or(current.map(|c| c.published)).unwrap_or(false),
            all_customers,
            customer_ids: if all_customers { Vec::new() } else { customer_ids },
        })
    }
}

/// An article as a list in the portal shows it: a line with its title, without the body.
#[derive(Debug, Clone)]
pub struct ArticleLine {
    pub id: Uuid,
    pub title: String,
    pub views: i64,
    pub updated_at: time::OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleOrder {
    Recent,
    Popular,
}

/// An article found by search: what a list of results shows, with the words that matched
/// marked `[[…]]` in the snippet.
#[derive(Debug, Clone)]
pub struct Found {
    pub id: Uuid,
    pub title: String,
    pub snippet: String,
}

/// Words of a search, letters and digits only, lowercased; at most eight.
pub fn search_words(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        // No word is longer; a page of letters is not a word to look up.
        .map(|w| w.chars().take(64).collect::<String>().to_lowercase())
        .take(8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_article_needs_a_title_and_a_body_and_starts_unpublished() {
        let errors = ArticleDraft::default().apply(None).unwrap_err();
        assert!(errors.message_for("title").is_some() && errors.message_for("body").is_some());
        let content =
            ArticleDraft { title: Some("VPN".into()), body: Some("Use it.".into()), ..Default::default() }
                .apply(None)
                .unwrap();
        assert!(!content.published && content.all_customers);
    }

    #[test]
    fn chosen_visibility_needs_customers() {
        let draft = ArticleDraft {
            title: Some("t".into()),
            body: Some("b".into()),
            all_customers: Some(false),
            ..Default::default()
        };
        assert!(draft.apply(None).unwrap_err().message_for("customer_ids").is_some());
    }
}
