//! Assignment groups on the wire.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use portico_domain::group::{AssignmentGroup, GroupDraft};
use portico_domain::patch::nullable;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AssignmentGroup)]
pub struct AssignmentGroupView {
    pub id: Uuid,
    pub name: String,
    /// `null` for a global group, usable for every customer.
    pub customer_id: Option<Uuid>,
    pub manager_id: Option<Uuid>,
    pub member_ids: Vec<Uuid>,
    /// The built-in Everyone group.
    pub builtin: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<AssignmentGroup> for AssignmentGroupView {
    fn from(group: AssignmentGroup) -> Self {
        let AssignmentGroup {
            id,
            name,
            customer_id,
            manager_id,
            member_ids,
            builtin,
            created_at,
            updated_at,
        } = group;
        Self { id, name, customer_id, manager_id, member_ids, builtin, created_at, updated_at }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "GroupDraft", deny_unknown_fields)]
#[schema(as = GroupDraft)]
pub struct GroupDraftBody {
    pub name: Option<String>,
    /// `null` or absent on create: a global group. Fixed after creation.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub customer_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub manager_id: Option<Option<Uuid>>,
    pub member_ids: Option<Vec<Uuid>>,
}

impl From<GroupDraftBody> for GroupDraft {
    fn from(body: GroupDraftBody) -> Self {
        let GroupDraftBody { name, customer_id, manager_id, member_ids } = body;
        Self { name, customer_id, manager_id, member_ids }
    }
}
