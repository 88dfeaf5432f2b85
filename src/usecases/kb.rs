//! The knowledge base: articles written by the team, rendered once when saved.

use uuid::Uuid;

use super::UseCaseResult;
use crate::domain::actor::Actor;
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::kb::{Article, ArticleContent, ArticleDraft, RenderedBody};
use crate::domain::validation::ValidationErrors;
use crate::render::markdown;
use crate::store::Store;

/// Markdown rendered and sanitised within the bounds (nesting, time) every body must keep.
async fn rendered(content: &ArticleContent) -> UseCaseResult<RenderedBody> {
    Ok(markdown::render_for_saving(content.body.clone()).await.map_err(ValidationErrors::from)?)
}

pub async fn create_article(store: &Store, actor: &Actor, draft: ArticleDraft) -> UseCaseResult<Article> {
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
    store: &Store,
    actor: &Actor,
    id: Uuid,
    draft: ArticleDraft,
) -> UseCaseResult<Article> {
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

pub async fn delete_article(store: &Store, actor: &Actor, id: Uuid) -> UseCaseResult<()> {
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
