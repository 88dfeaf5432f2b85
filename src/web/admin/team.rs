//! The team members list.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::layout::Nav;
use super::page_error::PageResult;
use super::session::ConsoleUser;
use crate::app::AppState;
use crate::domain::page::PageRequest;
use crate::domain::team::TeamMember;
use crate::web::paths;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/team/list.html")]
struct ListPage {
    nav: Nav,
    q: String,
    members: Vec<TeamMember>,
    next_page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let page = PageRequest::parse(query.cursor.as_deref(), Some(50))?;
    let q = query.q.unwrap_or_default();
    let found = state.store.list_team_members(Some(&q), &page).await?;
    let next_page = found.next_cursor.map(|cursor| {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &q)
            .append_pair("cursor", &cursor)
            .finish();
        format!("{}?{query}", paths::TEAM)
    });
    Ok(ListPage { nav: user.nav("team"), q, members: found.items, next_page }.into_response())
}
