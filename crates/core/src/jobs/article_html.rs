//! Gives articles saved before bodies were rendered at save time their HTML, in the background
//! at start, under the same bounds as a save. A body that cannot be rendered within them is
//! shown as escaped text until someone edits it.

use crate::render::markdown;
use portico_store::Store;

pub async fn render_articles_saved_before(store: Store) {
    loop {
        let batch = match store.articles_without_html(20).await {
            Ok(batch) if batch.is_empty() => return,
            Ok(batch) => batch,
            Err(error) => {
                tracing::warn!(%error, "could not find articles to render");
                return;
            }
        };
        for (id, body) in batch {
            let html = match markdown::render_for_saving(body.clone()).await {
                Ok(rendered) => rendered.html,
                Err(refused) => {
                    tracing::warn!(article = %id, %refused, "article body shown as text until edited");
                    markdown::as_plain_html(&body)
                }
            };
            if let Err(error) = store.set_missing_article_html(id, &html).await {
                tracing::warn!(%error, article = %id, "could not store an article's HTML");
                return;
            }
        }
    }
}
