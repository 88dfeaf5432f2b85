//! Knowledge base articles on the wire.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use portico_domain::kb::{Article, ArticleDraft};

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Article)]
pub struct ArticleView {
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
}

impl From<Article> for ArticleView {
    fn from(article: Article) -> Self {
        // The rendered body is for pages; integrations get the Markdown.
        let Article {
            id,
            title,
            body,
            published,
            all_customers,
            customer_ids,
            views,
            created_at,
            updated_at,
            updated_by,
            body_html: _,
        } = article;
        Self {
            id,
            title,
            body,
            published,
            all_customers,
            customer_ids,
            views,
            created_at,
            updated_at,
            updated_by,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "ArticleDraft", deny_unknown_fields)]
#[schema(as = ArticleDraft)]
pub struct ArticleDraftBody {
    pub title: Option<String>,
    pub body: Option<String>,
    pub published: Option<bool>,
    pub all_customers: Option<bool>,
    pub customer_ids: Option<Vec<Uuid>>,
}

impl From<ArticleDraftBody> for ArticleDraft {
    fn from(body: ArticleDraftBody) -> Self {
        let ArticleDraftBody { title, body, published, all_customers, customer_ids } = body;
        Self { title, body, published, all_customers, customer_ids }
    }
}
