//! Bulk import of a customer's end users from CSV: a dry run reports every row's outcome and
//! writes nothing; a real run is all or nothing, in one transaction with one event.

use crate::context::Context;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use portico_domain::actor::Actor;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::import::{self, ImportReport};
use portico_domain::sso::AcceptedDomains;

/// Reads `csv` (`name,email,role` with a header row) and creates or updates the customer's end
/// users (admins only). Addresses must lie in the customer's allowed e-mail domains: those of
/// its SSO configurations together (any domain when none restricts them). A report with errors
/// from a real run ([`ImportReport::refused`]) means nothing was written.
pub async fn import_end_users(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    csv: &[u8],
    dry_run: bool,
) -> UseCaseResult<ImportReport> {
    let store = cx.store();
    actor.require_admin()?;
    let customer = store.customer(customer_id).await?;
    if customer.archived {
        return Err(UseCaseError::Conflict {
            field: "customer_id",
            message: "the customer is archived; restore it first".into(),
        });
    }
    let configs = store.sso_configs(customer_id).await?;
    let accepted = AcceptedDomains::of(configs.iter().map(|c| &c.settings));
    let rows = import::read(csv, &accepted);
    let mut tx = store.begin_write().await?;
    let existing = tx.end_users_by_email(customer_id).await?;
    let plan = import::plan(rows, &existing, dry_run);
    if dry_run || plan.report.errors > 0 {
        // Dropped unwritten: a dry run, or a real run with errors, changes nothing.
        return Ok(plan.report);
    }
    tx.insert_end_users(customer_id, &plan.creates).await?;
    for (id, changes) in &plan.updates {
        tx.update_end_user(*id, changes).await?;
    }
    let report = plan.report;
    let summary = format!(
        "imported end users of {} from CSV: {} created, {} updated, {} unchanged",
        customer.name, report.created, report.updated, report.unchanged
    );
    let event = NewEvent::new(EventKind::EndUsersImported, customer_id, summary)
        .for_customer(customer_id)
        .with("created", report.created)
        .with("updated", report.updated)
        .with("unchanged", report.unchanged);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(report)
}
