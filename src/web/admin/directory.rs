//! Whole lists for the console's choices (selects and checkboxes): every page of a list.

use std::future::Future;

use uuid::Uuid;

use super::page_error::PageResult;
use crate::domain::customer::Customer;
use crate::domain::group::AssignmentGroup;
use crate::domain::page::{MAX_LIMIT, Page, PageRequest};
use crate::domain::team::TeamMember;
use crate::store::StoreResult;
use crate::store::customers::CustomerFilter;
use crate::store::groups::GroupFilter;
use crate::web::state::AppState;

async fn every_page<T, F, Fut>(mut fetch: F) -> PageResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = StoreResult<Page<T>>>,
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
pub async fn customers(state: &AppState) -> PageResult<Vec<Customer>> {
    let filter = CustomerFilter::default();
    every_page(|page| {
        let filter = filter.clone();
        async move { state.store.list_customers(&filter, &page).await }
    })
    .await
}

pub async fn team_members(state: &AppState) -> PageResult<Vec<TeamMember>> {
    every_page(|page| async move { state.store.list_team_members(None, &page).await }).await
}

/// Every group, or those usable for one customer (global ones and its own).
pub async fn groups(state: &AppState, usable_for: Option<Uuid>) -> PageResult<Vec<AssignmentGroup>> {
    let filter = GroupFilter { search: None, usable_for };
    every_page(|page| {
        let filter = filter.clone();
        async move { state.store.list_groups(&filter, &page).await }
    })
    .await
}
