//! The knowledge base in the console: articles with a Markdown body, published or not,
//! for all customers or chosen ones, with a preview before publishing.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::directory;
use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUser, NoFields, PageId};
use crate::state::AppState;
use portico_core::paths;
use portico_core::render::markdown;
use portico_core::usecases::kb;
use portico_domain::customer::Customer;
use portico_domain::kb::ArticleOrder;
use portico_domain::kb::{Article, ArticleDraft};
use portico_domain::page::PageRequest;
use portico_domain::validation::ValidationErrors;

#[derive(Template, WebTemplate)]
#[template(path = "admin/kb/list.html")]
struct ListPage {
    nav: Nav,
    articles: Vec<Article>,
    next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let page = PageRequest::parse(query.cursor.as_deref(), Some(50))?;
    let found = kb::list_articles(&state.core, &user.actor(), None, ArticleOrder::Recent, &page).await?;
    let next_page = found.next_cursor.map(|c| {
        format!("{}?cursor={}", paths::KB, form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>())
    });
    Ok(ListPage { nav: user.nav("kb"), articles: found.items, next_page }.into_response())
}

/// The article form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ArticleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    published: Option<String>,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    customer_ids: Vec<String>,
    action: Option<String>,
}

impl ArticleForm {
    fn from_article(article: &Article) -> Self {
        Self {
            title: article.title.clone(),
            body: article.body.clone(),
            published: article.published.then(|| "on".into()),
            visibility: if article.all_customers { "all".into() } else { "chosen".into() },
            customer_ids: article.customer_ids.iter().map(Uuid::to_string).collect(),
            action: None,
        }
    }

    fn draft(&self) -> ArticleDraft {
        ArticleDraft {
            title: Some(self.title.clone()),
            body: Some(self.body.clone()),
            published: Some(self.published.is_some()),
            all_customers: Some(self.visibility != "chosen"),
            customer_ids: Some(self.customer_ids.iter().filter_map(|id| Uuid::parse_str(id).ok()).collect()),
        }
    }

    fn chosen(&self, id: &Uuid) -> bool {
        self.customer_ids.iter().any(|c| c == &id.to_string())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/kb/form.html")]
struct FormPage {
    nav: Nav,
    article_id: Option<Uuid>,
    action: String,
    form: ArticleForm,
    errors: ValidationErrors,
    customers: Vec<Customer>,
    preview_html: Option<String>,
}

impl FormPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }
}

async fn form_page(
    state: &AppState,
    user: &ConsoleUser,
    article_id: Option<Uuid>,
    form: ArticleForm,
    errors: ValidationErrors,
    preview_html: Option<String>,
) -> PageResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let action = article_id.map_or(paths::KB.to_string(), paths::article);
    let page = FormPage {
        nav: user.nav("kb"),
        article_id,
        action,
        form,
        errors,
        customers: directory::customers(state, &user.actor()).await?,
        preview_html,
    };
    Ok((status, page).into_response())
}

pub async fn new_form(State(state): State<AppState>, user: ConsoleUser) -> PageResult<Response> {
    let form = ArticleForm { visibility: "all".into(), ..Default::default() };
    form_page(&state, &user, None, form, ValidationErrors::new(), None).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    let article = kb::article(&state.core, &user.actor(), id).await?;
    form_page(&state, &user, Some(id), ArticleForm::from_article(&article), ValidationErrors::new(), None)
        .await
}

/// Saves (create or update), or with the Preview button shows the rendered body first.
async fn save(
    state: &AppState,
    user: &ConsoleUser,
    id: Option<Uuid>,
    form: ArticleForm,
) -> PageResult<Response> {
    if form.action.as_deref() == Some("preview") {
        return match markdown::render_for_saving(form.body.clone()).await {
            Ok(rendered) => {
                form_page(state, user, id, form, ValidationErrors::new(), Some(rendered.html)).await
            }
            Err(refused) => form_page(state, user, id, form, refused.into(), None).await,
        };
    }
    let saved = match id {
        Some(id) => kb::update_article(&state.core, &user.actor(), id, form.draft()).await,
        None => kb::create_article(&state.core, &user.actor(), form.draft()).await,
    };
    match saved {
        Ok(article) => Ok(flash::redirect(paths::KB, Done::ArticleSaved(article.id), None)),
        Err(error) => {
            let errors = PageError::from(error).into_form_errors()?;
            form_page(state, user, id, form, errors, None).await
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    ConsoleForm { user, form }: ConsoleForm<ArticleForm>,
) -> PageResult<Response> {
    save(&state, &user, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, form }: ConsoleForm<ArticleForm>,
) -> PageResult<Response> {
    save(&state, &user, Some(id), form).await
}

pub async fn delete(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, .. }: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    kb::delete_article(&state.core, &user.actor(), id).await?;
    Ok(flash::redirect(paths::KB, Done::ArticleDeleted, None))
}
