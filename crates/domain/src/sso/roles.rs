//! Roles from the identity provider: a configuration may name group values that make an end user
//! a manager of their customer. When it names some, the role follows the IdP's groups at every
//! sign-in, up and down; when it names none, the role is the MSP's team's to set.

use super::SsoSettings;
use crate::end_user::{CustomerRole, RoleSource};

/// The role the identity provider's groups give, or `None` when this configuration does not
/// manage roles (no manager groups). Groups match ignoring case; a missing claim means no groups.
pub fn role_from_groups(settings: &SsoSettings, groups: Option<&[String]>) -> Option<CustomerRole> {
    if settings.manager_groups.is_empty() {
        return None;
    }
    let managers: Vec<String> = settings.manager_groups.iter().map(|g| g.to_lowercase()).collect();
    let is_manager =
        groups.unwrap_or_default().iter().any(|group| managers.contains(&group.trim().to_lowercase()));
    Some(if is_manager { CustomerRole::Manager } else { CustomerRole::Member })
}

/// The role a sign-in must write, if any: the decided role when it differs from the stored one
/// or when the stored one was not the IdP's (a team-set role the IdP now takes over).
pub fn role_to_write(
    decided: Option<CustomerRole>,
    role: CustomerRole,
    source: RoleSource,
) -> Option<CustomerRole> {
    decided.filter(|decided| *decided != role || source != RoleSource::Idp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::Provider;

    fn settings(manager_groups: &[&str]) -> SsoSettings {
        let mut settings = SsoSettings::example(Provider::Okta);
        settings.manager_groups = manager_groups.iter().map(std::string::ToString::to_string).collect();
        settings
    }

    fn groups(values: &[&str]) -> Vec<String> {
        values.iter().map(std::string::ToString::to_string).collect()
    }

    #[test]
    fn without_manager_groups_the_idp_does_not_manage_roles() {
        let none = settings(&[]);
        assert_eq!(role_from_groups(&none, Some(&groups(&["IT Managers"]))), None);
        assert_eq!(role_from_groups(&none, None), None);
    }

    #[test]
    fn a_matching_group_makes_a_manager_ignoring_case() {
        let it = settings(&["IT Managers", "0f9c3b6e-1111-4f4e-9c3a-2b7d1e5a9f00"]);
        assert_eq!(
            role_from_groups(&it, Some(&groups(&["Everyone", "it managers"]))),
            Some(CustomerRole::Manager)
        );
        assert_eq!(
            role_from_groups(&it, Some(&groups(&["0F9C3B6E-1111-4F4E-9C3A-2B7D1E5A9F00"]))),
            Some(CustomerRole::Manager)
        );
    }

    #[test]
    fn no_matching_group_or_no_claim_makes_a_member() {
        let it = settings(&["IT Managers"]);
        assert_eq!(role_from_groups(&it, Some(&groups(&["Everyone"]))), Some(CustomerRole::Member));
        assert_eq!(role_from_groups(&it, Some(&[])), Some(CustomerRole::Member));
        assert_eq!(role_from_groups(&it, None), Some(CustomerRole::Member), "a missing claim demotes too");
        assert_eq!(role_from_groups(&it, Some(&groups(&["IT Managers (old)"]))), Some(CustomerRole::Member));
    }

    #[test]
    fn a_sign_in_writes_the_role_when_it_changes_or_the_idp_takes_it_over() {
        use CustomerRole::{Manager, Member};
        assert_eq!(role_to_write(None, Manager, RoleSource::Team), None, "a team-set role is left alone");
        assert_eq!(role_to_write(Some(Manager), Member, RoleSource::Idp), Some(Manager));
        assert_eq!(role_to_write(Some(Member), Manager, RoleSource::Idp), Some(Member));
        assert_eq!(role_to_write(Some(Member), Member, RoleSource::Team), Some(Member));
        assert_eq!(role_to_write(Some(Manager), Manager, RoleSource::Idp), None, "nothing changes");
    }
}
