//! The knowledge base in the portal, and the one search box over articles, the user's own
//! tickets and the portal's buttons and links.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;

use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::chrome::Chrome;
use super::extract::{PortalError, PortalResult, PortalUser};
use super::pages::{self, Action, Message};
use crate::state::AppState;
use portico_core::paths::portal;
use portico_core::render::markdown;
use portico_core::usecases::{UseCaseError, kb, tickets};
use portico_domain::kb::Article;
use portico_domain::kb::{ArticleLine, ArticleOrder, search_words};
use portico_domain::page::PageRequest;
use portico_domain::portal::layout::ButtonTarget;
use portico_domain::ticket::Ticket;

/// Article pages exist only while the portal offers its knowledge base.
fn open_for_articles(user: &PortalUser) -> Result<(), PortalError> {
    if user.live.portal.settings.features.knowledge_base.enabled {
        return Ok(());
    }
    Err(pages::message(
        &user.live,
        Message {
            status: StatusCode::NOT_FOUND,
            title: "There is no knowledge base here".into(),
            text: "This portal does not offer articles.".into(),
            action: Some(Action { label: "Go to the start page".into(), href: user.live.link(portal::HOME) }),
        },
    )
    .into())
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/kb_list.html")]
struct ListPage {
    chrome: Chrome,
    popular: Vec<ArticleLine>,
    recent: Vec<ArticleLine>,
    recent_title: &'static str,
    next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

/// Most read articles listed above the rest.
const POPULAR_SHOWN: usize = 5;

pub async fn list(
    State(state): State<AppState>,
    user: PortalUser,
    Query(query): Query<ListQuery>,
) -> PortalResult {
    open_for_articles(&user)?;
    user.kept_page(&state, async || article_list(&state, &user, query).await).await
}

async fn article_list(state: &AppState, user: &PortalUser, query: ListQuery) -> PortalResult {
    let live = &user.live;
    let page = PageRequest::parse(query.cursor.as_deref(), Some(20)).map_err(|bad| {
        PortalError::bad_link(
            live,
            bad,
            Action { label: "Knowledge base".into(), href: live.link(portal::KB) },
        )
    })?;
    let fail = |error: UseCaseError| user.fail(error);
    let popular = kb::portal_article_lines(
        &state.core,
        &user.actor(),
        ArticleOrder::Popular,
        &PageRequest::first(POPULAR_SHOWN as u32),
    )
    .await
    .map_err(fail)?;
    let recent = kb::portal_article_lines(&state.core, &user.actor(), ArticleOrder::Recent, &page)
        .await
        .map_err(fail)?;
    let next_page = recent.next_cursor.map(|c| {
        format!(
            "{}?cursor={}",
            live.link(portal::KB),
            form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()
        )
    });
    // With only a handful of articles both lists would show the same ones: one list then.
    let few = query.cursor.is_none() && next_page.is_none() && recent.items.len() <= POPULAR_SHOWN;
    let popular = if query.cursor.is_some() || few {
        Vec::new()
    } else {
        popular.items.into_iter().filter(|a| a.views > 0).collect()
    };
    let recent_title = if few { "Articles" } else { "Recently updated" };
    Ok(ListPage { chrome: user.chrome(), popular, recent: recent.items, recent_title, next_page }
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/article.html")]
struct ArticlePage {
    chrome: Chrome,
    article: Article,
    body_html: String,
}

#[derive(Deserialize)]
#[serde(from = "ArticleParam")]
pub struct ArticleId(Uuid);

#[derive(Deserialize)]
struct ArticleParam {
    article_id: Uuid,
}

impl From<ArticleParam> for ArticleId {
    fn from(param: ArticleParam) -> Self {
        Self(param.article_id)
    }
}

crate::path::path_values! {
    ArticleId => Response =
        pages::plain_message(StatusCode::NOT_FOUND, "Article not found", "There is no such article here.");
}

pub async fn show(State(state): State<AppState>, user: PortalUser, ArticleId(id): ArticleId) -> PortalResult {
    open_for_articles(&user)?;
    let page = user.kept_page(&state, async || article_page(&state, &user, id).await).await?;
    if page.status() == StatusCode::OK {
        kb::count_portal_article_view(&state.core, &user.actor(), id).map_err(|e| user.fail(e))?;
    }
    Ok(page)
}

async fn article_page(state: &AppState, user: &PortalUser, id: Uuid) -> PortalResult {
    let live = &user.live;
    let article = match kb::read_portal_article(&state.core, &user.actor(), id).await {
        Ok(article) => article,
        Err(UseCaseError::NotFound(_)) => {
            return Ok(pages::message(
                live,
                Message {
                    status: StatusCode::NOT_FOUND,
                    title: "Article not found".into(),
                    text: "There is no such article here.".into(),
                    action: Some(Action { label: "Knowledge base".into(), href: live.link(portal::KB) }),
                },
            ));
        }
        Err(error) => return Err(user.fail(error)),
    };
    // Rendered when saved: a view never runs Markdown or the sanitiser.
    let body_html = article.body_html.clone().unwrap_or_else(|| markdown::as_plain_html(&article.body));
    Ok(ArticlePage { chrome: user.chrome(), article, body_html }.into_response())
}

/// A found article, its snippet already escaped with the matches marked.
pub struct ArticleHit {
    pub id: Uuid,
    pub title: String,
    pub snippet_html: String,
}

/// A button or link of the portal that matches.
pub struct LinkHit {
    pub label: String,
    pub description: String,
    pub href: String,
    pub external: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    searched: bool,
    articles: Vec<ArticleHit>,
    tickets: Vec<Ticket>,
    links: Vec<LinkHit>,
    knowledge_base: bool,
    ticketing: bool,
}

impl SearchPage {
    fn nothing_found(&self) -> bool {
        self.articles.is_empty() && self.tickets.is_empty() && self.links.is_empty()
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a snippet, then turns the database's `[[…]]` match markers into `<mark>`.
pub fn marked_snippet(raw: &str) -> String {
    escape(raw).replace("[[", "<mark>").replace("]]", "</mark>")
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    user: PortalUser,
    Query(query): Query<SearchQuery>,
) -> PortalResult {
    let q = query.q.unwrap_or_default().chars().take(200).collect::<String>();
    let (live, session) = (&user.live, &user.session);
    let settings = &live.portal.settings;
    let words = search_words(&q);
    let mut page = SearchPage {
        chrome: user.chrome(),
        searched: !words.is_empty(),
        q: q.clone(),
        articles: Vec::new(),
        tickets: Vec::new(),
        links: Vec::new(),
        knowledge_base: settings.features.knowledge_base.enabled,
        ticketing: settings.features.ticketing.enabled,
    };
    if words.is_empty() {
        return Ok(page.into_response());
    }
    if page.knowledge_base {
        match kb::search_portal_articles(&state.core, &session.actor(), &q, 20).await {
            Ok(found) => {
                page.articles = found
                    .into_iter()
                    .map(|hit| ArticleHit {
                        id: hit.id,
                        title: hit.title,
                        snippet_html: marked_snippet(&hit.snippet),
                    })
                    .collect();
            }
            Err(error) => return Err(user.fail(error)),
        }
    }
    if page.ticketing {
        match tickets::search_portal_tickets(&state.core, &session.actor(), &words, 10).await {
            Ok(found) => page.tickets = found,
            Err(error) => return Err(user.fail(error)),
        }
    }
    if page.ticketing {
        // Requests of the catalogue are services too.
        let offered =
            portico_core::usecases::request_types::catalogue(&state.core, &session.actor(), live.customer.id)
                .await
                .map_err(|e| user.fail(e))?;
        for offered in offered.iter().filter(|o| super::catalogue::matches(o, &words)) {
            let settings = &offered.request_type.settings;
            page.links.push(LinkHit {
                label: settings.name.clone(),
                description: settings.description.clone(),
                href: live.link(&portal::request_form(offered.request_type.id)),
                external: false,
            });
        }
    }
    for button in &settings.layout.buttons {
        let (href, external) = match &button.target {
            ButtonTarget::SubmitTicket => (live.link(portal::NEW_TICKET), false),
            ButtonTarget::MyTickets => (live.link(portal::TICKETS), false),
            ButtonTarget::KnowledgeBase => (live.link(portal::KB), false),
            // Request types are found above, through the catalogue.
            ButtonTarget::RequestType(_) => continue,
            ButtonTarget::Link(id) => match settings.link(id) {
                Some(link) => (link.url.clone(), true),
                None => continue,
            },
        };
        let haystack = format!("{} {}", button.label, button.description).to_lowercase();
        if words.iter().all(|w| haystack.contains(w.as_str())) {
            page.links.push(LinkHit {
                label: button.label.clone(),
                description: button.description.clone(),
                href,
                external,
            });
        }
    }
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_before_matches_are_marked() {
        assert_eq!(
            marked_snippet("reset the [[VPN]] <b>now</b>"),
            "reset the <mark>VPN</mark> &lt;b&gt;now&lt;/b&gt;"
        );
    }
}
