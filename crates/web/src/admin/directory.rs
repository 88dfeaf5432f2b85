//! Whole lists for the console's choices (selects and checkboxes): every page of a list.

use std::future::Future;

use uuid::Uuid;

use super::page_error::PageResult;
use crate::state::AppState;
use portico_core::usecases::UseCaseResult;
use portico_core::usecases::customers;
use portico_core::usecases::groups;
use portico_core::usecases::team;
use portico_domain::actor::Actor;
use portico_domain::customer::Customer;
use portico_domain::customer::CustomerFilter;
use portico_domain::group::AssignmentGroup;
use portico_domain::group::GroupFilter;
use portico_domain::page::{MAX_LIMIT, Page, PageRequest};
use portico_domain::team::TeamMember;

async fn every_page<T, F, Fut>(mut fetch: F) -> PageResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = UseCaseResult<Page<T>>>,
{
    let mut all = Vec::new();
    let mut page = PageRequest::first(MAX_LIMIT);
    loop {
        let found = fetch(page).await?;
        all.extend(found.items);
        match found.next_cursor {
            Some(cursor) => page = PageRequest::parse(Some(&cursor), Some(MAX_LIMIT))?,
            None => return Ok(all),
        }
    }
}

/// Every customer that is not archived.
pub async fn customers(state: &AppState, actor: &Actor) -> PageResult<Vec<Customer>> {
    let filter = CustomerFilter::default();
    every_page(|page| {
        let filter = filter.clone();
        async move { customers::list_customers(&state.core, actor, &filter, &page).await }
    })
    .await
}

pub async fn team_members(state: &AppState, actor: &Actor) -> PageResult<Vec<TeamMember>> {
    every_page(|page| async move { team::list_team_members(&state.core, actor, None, &page).await }).await
}

/// Every group, or those usable for one customer (global ones and its own).
pub async fn groups(
    state: &AppState,
    actor: &Actor,
    usable_for: Option<Uuid>,
) -> PageResult<Vec<AssignmentGroup>> {
    let filter = GroupFilter { search: None, usable_for };
    every_page(|page| {
        let filter = filter.clone();
        async move { groups::list_groups(&state.core, actor, &filter, &page).await }
    })
    .await
}
