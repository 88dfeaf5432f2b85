//! The knowledge base: articles written by the team, rendered once when saved.

use crate::context::Context;
use std::sync::Arc;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use crate::render::markdown;
use portico_domain::actor::Actor;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::kb::{Article, ArticleContent, ArticleDraft, RenderedBody};
use portico_domain::kb::{ArticleLine, ArticleOrder, Found};
use portico_domain::page::{Page, PageRequest};
use portico_domain::validation::ValidationErrors;

/// Markdown rendered and sanitised within the bounds (nesting, time) every body must keep.
async fn rendered(content: &ArticleContent) -> UseCaseResult<RenderedBody> {
    Ok(markdown::render_for_saving(content.body.clone()).await.map_err(ValidationErrors::from)?)
}

pub async fn create_article(cx: &Context, actor: &Actor, draft: ArticleDraft) -> UseCaseResult<Article> {
    let store = cx.store();
    actor.require_team()?;
    let content = draft.apply(None)?;
    let body = rendered(&content).await?;
    let mut tx = store.begin_write().await?;
    let id = tx.insert_article(&content, &body, actor).await?;
    tx.record(actor, article_event(EventKind::ArticleCreated, id, &content, "created")).await?;
    tx.commit().await?;
    Ok(store.article(id).await?)
}

/// Changes the fields the draft names; the rest stay as they are.
pub async fn update_article(
    cx: &Context,
    actor: &Actor,
    id: Uuid,
    draft: ArticleDraft,
) -> UseCaseResult<Article> {
    let store = cx.store();
    actor.require_team()?;
    let current = store.article(id).await?;
    let content = draft.apply(Some(&current))?;
    let body = rendered(&content).await?;
    let mut tx = store.begin_write().await?;
    tx.write_article(id, &content, &body, actor).await?;
    tx.record(actor, article_event(EventKind::ArticleUpdated, id, &content, "changed")).await?;
    tx.commit().await?;
    Ok(store.article(id).await?)
}

pub async fn delete_article(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<()> {
    let store = cx.store();
    actor.require_team()?;
    let existing = store.article(id).await?;
    let mut tx = store.begin_write().await?;
    tx.delete_article(id).await?;
    let event = NewEvent::new(EventKind::ArticleDeleted, id, format!("deleted article '{}'", existing.title));
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(())
}

fn article_event(kind: EventKind, id: Uuid, content: &ArticleContent, verb: &str) -> NewEvent {
    let customers: Vec<String> = content.customer_ids.iter().map(Uuid::to_string).collect();
    NewEvent::new(kind, id, format!("{verb} article '{}'", content.title))
        .with("published", content.published)
        .with("all_customers", content.all_customers)
        .with("customer_ids", customers)
}

/// One article, published or not, for the team.
pub async fn article(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<Article> {
    actor.require_team()?;
    Ok(cx.store().article(id).await?)
}

/// A page of articles, all or those `visible_to` one customer, for the team.
pub async fn list_articles(
    cx: &Context,
    actor: &Actor,
    visible_to: Option<Uuid>,
    order: ArticleOrder,
    page: &PageRequest,
) -> UseCaseResult<Page<Article>> {
    actor.require_team()?;
    Ok(cx.store().list_articles(visible_to, order, page).await?)
}

/// The customer whose portal an end user reads; only end users read a portal's articles.
fn reader_customer(actor: &Actor) -> UseCaseResult<Uuid> {
    actor.as_end_user().map(|(_, customer_id)| customer_id).ok_or(UseCaseError::NotFound("end user"))
}

/// The portal's article lines: published articles the end user's organisation may read.
pub async fn portal_article_lines(
    cx: &Context,
    actor: &Actor,
    order: ArticleOrder,
    page: &PageRequest,
) -> UseCaseResult<Page<ArticleLine>> {
    let customer_id = reader_customer(actor)?;
    if page.after.is_some() {
        return Ok(cx.store().list_article_lines(customer_id, order, page).await?);
    }
    // First pages are what every portal page shows: kept.
    let lines = cx
        .read_models()
        .article_lines
        .get_or_load((customer_id, order, page.limit), customer_id, async || {
            Ok::<_, UseCaseError>(Arc::new(cx.store().list_article_lines(customer_id, order, page).await?))
        })
        .await?;
    Ok(lines.as_ref().clone())
}

/// A published article the end user's organisation may read.
pub async fn read_portal_article(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<Article> {
    Ok(cx.store().article_for_customer(id, reader_customer(actor)?).await?)
}

/// Counts one view of an article the end user was shown (read now, or from memory when the page
/// was kept): views order the "most read" lists.
pub fn count_portal_article_view(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<()> {
    reader_customer(actor)?;
    cx.store().count_article_view(id);
    Ok(())
}

/// The published articles the end user's organisation may read that match `query`, best first.
pub async fn search_portal_articles(
    cx: &Context,
    actor: &Actor,
    query: &str,
    limit: i64,
) -> UseCaseResult<Vec<Found>> {
    Ok(cx
        .store()
        .search_articles(reader_customer(actor)?, query, limit, portico_store::kb::SEARCH_CANDIDATES)
        .await?)
}
