//! Facts about the installation as a whole, for the command line and the demo.

use super::UseCaseResult;
use crate::context::Context;
use portico_domain::actor::Actor;

/// Whether nothing has been set up yet: no team member and no customer. Operators only.
pub async fn is_fresh(cx: &Context, actor: &Actor) -> UseCaseResult<bool> {
    actor.require_team()?;
    let store = cx.store();
    Ok(store.count_team_members().await? == 0 && store.count_customers().await? == 0)
}
