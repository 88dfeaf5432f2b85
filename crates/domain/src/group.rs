//! Assignment groups: the response teams tickets are routed to.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::patch::nullable;
use super::text;
use super::validation::{FieldError, ValidationErrors};

pub const NAME_MAX: usize = 80;
pub const MEMBERS_MAX: usize = 1000;

/// The built-in group of every team member; it cannot be edited or deleted.
pub const EVERYONE_ID: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);

#[derive(Debug, Clone, Serialize)]
pub struct AssignmentGroup {
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

impl AssignmentGroup {
    pub fn is_global(&self) -> bool {
        self.customer_id.is_none()
    }

    /// A group may serve a customer when it is global or that customer's own.
    pub fn serves(&self, customer_id: Uuid) -> bool {
        self.customer_id.is_none_or(|own| own == customer_id)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDraft {
    pub name: Option<String>,
    /// `null` or absent on create: a global group. Fixed after creation.
    #[serde(default, deserialize_with = "nullable")]
    pub customer_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    pub manager_id: Option<Option<Uuid>>,
    pub member_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub name: String,
    pub customer_id: Option<Uuid>,
    pub manager_id: Option<Uuid>,
    pub member_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub manager_id: Option<Option<Uuid>>,
    pub member_ids: Option<Vec<Uuid>>,
}

impl GroupChanges {
    /// Each field with whether it changes, its name in the API and its name for people.
    fn fields(&self) -> [(bool, &'static str, &'static str); 3] {
        [
            (self.name.is_some(), "name", "name"),
            (self.manager_id.is_some(), "manager_id", "manager"),
            (self.member_ids.is_some(), "member_ids", "members"),
        ]
    }

    /// The API names of the fields that change, for event payloads.
    pub fn changed_fields(&self) -> Vec<&'static str> {
        self.fields().into_iter().filter(|(changed, ..)| *changed).map(|(_, field, _)| field).collect()
    }

    pub fn summary(&self) -> String {
        let labels: Vec<&str> =
            self.fields().into_iter().filter(|(changed, ..)| *changed).map(|(.., label)| label).collect();
        format!("changed {}", labels.join(", "))
    }
}

/// Refused: the built-in Everyone group follows the team and is never edited by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("The built-in Everyone group cannot be edited or deleted.")]
pub struct BuiltinGroup;

/// Whether the group `id` may be changed or deleted: every group but Everyone.
pub fn check_editable(id: Uuid) -> Result<(), BuiltinGroup> {
    if id == EVERYONE_ID { Err(BuiltinGroup) } else { Ok(()) }
}

fn members(raw: Vec<Uuid>) -> Result<Vec<Uuid>, FieldError> {
    if raw.len() > MEMBERS_MAX {
        return Err(FieldError::new(
            "member_ids",
            format!("A group may have at most {MEMBERS_MAX} members."),
        ));
    }
    let mut unique = raw;
    unique.sort();
    unique.dedup();
    Ok(unique)
}

impl GroupDraft {
    pub fn into_new(self) -> Result<NewGroup, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = match &self.name {
            Some(raw) => errors.check(text::bounded("name", raw, 1, NAME_MAX, false)),
            None => {
                errors.push(FieldError::new("name", "Name is required."));
                None
            }
        };
        let member_ids = errors.check(members(self.member_ids.unwrap_or_default()));
        errors.into_result()?;
        Ok(NewGroup {
            name: ValidationErrors::checked(name, "name")?,
            customer_id: self.customer_id.flatten(),
            manager_id: self.manager_id.flatten(),
            member_ids: ValidationErrors::checked(member_ids, "member_ids")?,
        })
    }

    /// `current_customer` is the group's scope, which cannot move once the group exists.
    pub fn into_changes(self, current_customer: Option<Uuid>) -> Result<GroupChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut changes = GroupChanges { manager_id: self.manager_id, ..Default::default() };
        if let Some(requested) = self.customer_id
            && requested != current_customer
        {
            errors.push(FieldError::new(
                "customer_id",
                "cannot be changed after the group is created; create a new group instead",
            ));
        }
        if let Some(raw) = &self.name {
            changes.name = errors.check(text::bounded("name", raw, 1, NAME_MAX, false));
        }
        if let Some(raw) = self.member_ids {
            changes.member_ids = errors.check(members(raw));
        }
        errors.into_result()?;
        Ok(changes)
    }
}

/// A manager or member who is not on the team, with the field that names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}: no team member has the ID {id}.", crate::validation::label(field))]
pub struct UnknownPerson {
    pub field: &'static str,
    pub id: Uuid,
}

/// Managers and members must be team members: the first one `is_member` does not know.
pub fn check_people(
    manager_id: Option<Uuid>,
    member_ids: &[Uuid],
    is_member: impl Fn(Uuid) -> bool,
) -> Result<(), UnknownPerson> {
    if let Some(id) = manager_id.filter(|id| !is_member(*id)) {
        return Err(UnknownPerson { field: "manager_id", id });
    }
    match member_ids.iter().copied().find(|id| !is_member(*id)) {
        Some(id) => Err(UnknownPerson { field: "member_ids", id }),
        None => Ok(()),
    }
}

#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    pub search: Option<String>,
    /// Only groups usable for this customer: the global ones and its own.
    pub usable_for: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_without_a_customer_is_global_and_serves_everyone() {
        let draft: GroupDraft = serde_json::from_str(r#"{"name":"Service Desk"}"#).unwrap();
        let new = draft.into_new().unwrap();
        assert_eq!(new.customer_id, None);
        assert!(new.member_ids.is_empty());
    }

    #[test]
    fn duplicate_members_are_folded() {
        let id = Uuid::now_v7();
        let draft =
            GroupDraft { name: Some("A".into()), member_ids: Some(vec![id, id]), ..Default::default() };
        assert_eq!(draft.into_new().unwrap().member_ids, vec![id]);
    }

    #[test]
    fn the_scope_of_a_group_is_fixed() {
        let draft: GroupDraft = serde_json::from_str(r#"{"customer_id":null}"#).unwrap();
        let errors = draft.into_changes(Some(Uuid::now_v7())).unwrap_err();
        assert!(errors.message_for("customer_id").is_some());
        let same: GroupDraft = serde_json::from_str(r#"{"customer_id":null}"#).unwrap();
        assert!(same.into_changes(None).is_ok());
    }

    #[test]
    fn managers_and_members_must_be_on_the_team() {
        let (known, stranger) = (Uuid::now_v7(), Uuid::now_v7());
        let is_member = |id| id == known;
        assert_eq!(check_people(Some(known), &[known], is_member), Ok(()));
        assert_eq!(
            check_people(Some(stranger), &[known], is_member),
            Err(UnknownPerson { field: "manager_id", id: stranger })
        );
        assert_eq!(
            check_people(None, &[known, stranger], is_member),
            Err(UnknownPerson { field: "member_ids", id: stranger })
        );
    }

    #[test]
    fn everyone_is_the_one_group_that_cannot_be_edited() {
        assert_eq!(check_editable(EVERYONE_ID), Err(BuiltinGroup));
        assert_eq!(check_editable(Uuid::now_v7()), Ok(()));
    }

    #[test]
    fn changes_name_their_fields_for_people_and_for_integrations() {
        let changes = GroupChanges { manager_id: Some(None), member_ids: Some(vec![]), ..Default::default() };
        assert_eq!(changes.summary(), "changed manager, members");
        assert_eq!(changes.changed_fields(), ["manager_id", "member_ids"]);
    }

    #[test]
    fn the_everyone_id_is_the_one_the_schema_seeds() {
        // The migrations insert the built-in group; the constant must name that very row.
        for schema in [
            include_str!("../../../migrations/sqlite/0001_foundation.sql"),
            include_str!("../../../migrations/postgres/0001_foundation.sql"),
        ] {
            let seeded = schema
                .split("INSERT INTO assignment_groups")
                .nth(1)
                .expect("the schema seeds the built-in group");
            assert!(seeded.contains(&format!("'{EVERYONE_ID}'")), "the seeded id is not {EVERYONE_ID}");
        }
    }
}
