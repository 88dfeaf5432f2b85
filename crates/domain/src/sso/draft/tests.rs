//! Tests of `draft`.

use serde_json::json;

use super::*;

fn draft(value: serde_json::Value) -> SsoDraft {
    serde_json::from_value(value).unwrap()
}

#[test]
fn presets_derive_their_discovery_urls() {
    let (okta, _) = draft(json!({"label": "Okta", "provider": "okta", "okta_domain": "Acme.Okta.com",
            "authorization_server": "default", "client_id": "abc", "client_secret": "s3cret"}))
    .apply(None, false, false)
    .unwrap();
    assert_eq!(okta.discovery_url(), "https://acme.okta.com/oauth2/default/.well-known/openid-configuration");
    let (microsoft, _) = draft(json!({"label": "Microsoft", "provider": "microsoft",
            "tenant_id": "9188040d-6c67-4c5b-b112-36a304b66dad", "client_id": "abc", "client_secret": "s"}))
    .apply(None, false, false)
    .unwrap();
    assert_eq!(
        microsoft.discovery_url(),
        "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0/.well-known/openid-configuration"
    );
    assert_eq!(microsoft.scopes, ["openid", "email", "profile"]);
    assert!(!microsoft.jit_provisioning && microsoft.enabled, "just-in-time provisioning is opt-in");
}

#[test]
fn an_explicit_discovery_url_wins() {
    let (settings, _) = draft(json!({"label": "Okta", "provider": "okta", "okta_domain": "acme.okta.com",
            "discovery_url": "https://idp.internal.example/.well-known/openid-configuration",
            "client_id": "abc", "client_secret": "s"}))
    .apply(None, false, false)
    .unwrap();
    assert_eq!(settings.discovery_url(), "https://idp.internal.example/.well-known/openid-configuration");
}

#[test]
fn each_rule_names_its_field() {
    for (value, field) in [
        (
            json!({"provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s"}),
            "label",
        ),
        (json!({"label": "L", "provider": "saml", "client_id": "c", "client_secret": "s"}), "provider"),
        (json!({"label": "L", "provider": "okta", "client_id": "c", "client_secret": "s"}), "okta_domain"),
        (json!({"label": "L", "provider": "microsoft", "client_id": "c", "client_secret": "s"}), "tenant_id"),
        (
            json!({"label": "L", "provider": "microsoft", "tenant_id": "not a tenant", "client_id": "c", "client_secret": "s"}),
            "tenant_id",
        ),
        (json!({"label": "L", "provider": "oidc", "client_id": "c", "client_secret": "s"}), "discovery_url"),
        (
            json!({"label": "L", "provider": "oidc", "discovery_url": "http://idp.example/.well-known/openid-configuration", "client_id": "c", "client_secret": "s"}),
            "discovery_url",
        ),
        (
            json!({"label": "L", "provider": "oidc", "discovery_url": "https://idp.example/", "client_id": "c", "client_secret": "s"}),
            "discovery_url",
        ),
        (
            json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_secret": "s"}),
            "client_id",
        ),
        (
            json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c"}),
            "client_secret",
        ),
        (
            json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "scopes": "email profile"}),
            "scopes",
        ),
        (
            json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "allowed_email_domains": ["not a domain"]}),
            "allowed_email_domains",
        ),
        (
            json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "secret_expires_at": "next week"}),
            "secret_expires_at",
        ),
    ] {
        let errors = draft(value).apply(None, false, false).unwrap_err();
        assert!(errors.message_for(field).is_some(), "{field}: {errors:?}");
    }
}

#[test]
fn insecure_discovery_is_allowed_only_when_the_deployment_says_so() {
    let value = json!({"label": "L", "provider": "oidc", "discovery_url": "http://127.0.0.2:9000/.well-known/openid-configuration",
            "client_id": "c", "client_secret": "s"});
    assert!(draft(value.clone()).apply(None, false, false).is_err());
    assert!(draft(value).apply(None, false, true).is_ok());
}

#[test]
fn an_update_keeps_the_secret_unless_a_new_one_is_given() {
    let (current, _) = draft(json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s"}))
            .apply(None, false, false)
            .unwrap();
    let (changed, secret) = draft(json!({"label": "New label"})).apply(Some(&current), true, false).unwrap();
    assert_eq!((changed.label.as_str(), secret), ("New label", SecretChange::Keep));
    let (_, secret) = draft(json!({"client_secret": "new"})).apply(Some(&current), true, false).unwrap();
    assert_eq!(secret, SecretChange::Set("new".into()));
}

#[test]
fn a_secret_close_to_expiry_is_warned_about() {
    let (mut settings, _) = draft(json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "secret_expires_at": "2027-01-10"}))
            .apply(None, false, false)
            .unwrap();
    let today = time::macros::date!(2026 - 12 - 20);
    assert!(settings.secret_warning(today).unwrap().contains("21 days"));
    assert!(settings.secret_warning(time::macros::date!(2026 - 11 - 01)).is_none());
    settings.secret_expires_at = Some(time::macros::date!(2026 - 12 - 01));
    assert!(settings.secret_warning(today).unwrap().contains("expired"));
}

#[test]
fn a_multi_tenant_microsoft_configuration_needs_domains_and_an_acknowledgement() {
    for tenant in ["common", "organizations", "Common"] {
        let base = json!({"label": "M", "provider": "microsoft", "tenant_id": tenant, "client_id": "c", "client_secret": "s"});
        let errors = draft(base.clone()).apply(None, false, false).unwrap_err();
        assert!(
            errors.message_for("tenant_id").unwrap().contains("any Microsoft Entra tenant"),
            "{errors:?}"
        );
        let mut with_domains = base.clone();
        with_domains["allowed_email_domains"] = json!(["acme.example"]);
        let errors = draft(with_domains.clone()).apply(None, false, false).unwrap_err();
        assert!(errors.message_for("multi_tenant_acknowledged").is_some(), "{errors:?}");
        with_domains["multi_tenant_acknowledged"] = json!(true);
        let (settings, _) = draft(with_domains).apply(None, false, false).unwrap();
        assert!(settings.is_multi_tenant() && settings.multi_tenant_problem().is_none());
        assert!(settings.tenant_warning().unwrap().contains("acme.example"));
    }
    let by_url = json!({"label": "M", "provider": "microsoft", "client_id": "c", "client_secret": "s",
            "discovery_url": "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"});
    assert!(draft(by_url).apply(None, false, false).unwrap_err().message_for("tenant_id").is_some());
    let single = json!({"label": "M", "provider": "microsoft", "tenant_id": "acme.example", "client_id": "c", "client_secret": "s"});
    let (settings, _) = draft(single).apply(None, false, false).unwrap();
    assert!(!settings.is_multi_tenant() && settings.tenant_warning().is_none());
}

#[test]
fn manager_groups_are_trimmed_deduplicated_and_bounded() {
    let base = json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s"});
    let (settings, _) = draft(base.clone()).apply(None, false, false).unwrap();
    assert_eq!((settings.groups_claim.as_str(), settings.manager_groups.len()), ("groups", 0));
    let mut with_groups = base.clone();
    with_groups["groups_claim"] = json!(" roles ");
    with_groups["manager_groups"] =
        json!([" IT Managers ", "it managers", "", "0f9c3b6e-1111-4f4e-9c3a-2b7d1e5a9f00"]);
    let (settings, _) = draft(with_groups).apply(None, false, false).unwrap();
    assert_eq!(settings.groups_claim, "roles");
    assert_eq!(settings.manager_groups, ["IT Managers", "0f9c3b6e-1111-4f4e-9c3a-2b7d1e5a9f00"]);
    let (kept, _) = draft(json!({"label": "Renamed"})).apply(Some(&settings), true, false).unwrap();
    assert_eq!((kept.groups_claim, kept.manager_groups), (settings.groups_claim, settings.manager_groups));

    for (field, value) in [
        ("groups_claim", json!("")),
        ("groups_claim", json!("my groups")),
        ("groups_claim", json!("x".repeat(101))),
        ("groups_claim", json!("grüppen")),
        ("manager_groups", json!(["x".repeat(257)])),
        ("manager_groups", json!(["Admins\u{202E}"])),
        ("manager_groups", json!(["line\nbreak"])),
        ("manager_groups", json!((0..51).map(|i| format!("group {i}")).collect::<Vec<_>>())),
    ] {
        let mut body = base.clone();
        body[field] = value.clone();
        let errors = draft(body).apply(None, false, false).unwrap_err();
        assert!(errors.message_for(field).is_some(), "{field} {value}: {errors:?}");
    }
    let fifty = (0..50).map(|i| format!("group {i}")).collect::<Vec<_>>();
    let mut body = base;
    body["manager_groups"] = json!(fifty);
    assert_eq!(draft(body).apply(None, false, false).unwrap().0.manager_groups.len(), 50);
}

#[test]
fn settings_stored_before_roles_existed_read_with_the_defaults() {
    let (settings, _) = draft(json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s"}))
            .apply(None, false, false)
            .unwrap();
    let mut stored = serde_json::to_value(&settings).unwrap();
    let object = stored.as_object_mut().unwrap();
    object.remove("groups_claim");
    object.remove("manager_groups");
    let read: SsoSettings = serde_json::from_value(stored).unwrap();
    assert_eq!(read, settings);
}

#[test]
fn email_domains_are_matched_case_insensitively() {
    let (settings, _) = draft(json!({"label": "L", "provider": "okta", "okta_domain": "a.okta.com", "client_id": "c", "client_secret": "s", "allowed_email_domains": ["@Acme.Example", "acme.example"]}))
            .apply(None, false, false)
            .unwrap();
    assert_eq!(settings.allowed_email_domains, ["acme.example"]);
    assert!(settings.allows_email_domain("ACME.example"));
    assert!(!settings.allows_email_domain("evil.example"));
}
