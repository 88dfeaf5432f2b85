//! What callers send as a portal document ([`PortalDraft`]) and its validation into
//! [`PortalSettings`]. The console, the API and the preview all go through [`PortalDraft::validate`].

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::colour::Colour;
use super::document::{
    DEFAULT_PRIMARY, DEFAULT_SECONDARY, Design, ExternalLink, ExternalLinks, Features, KnowledgeBase,
    LINKS_MAX, PortalSettings, Ticketing,
};
use super::hostname::Hostname;
use super::layout::{
    Button, ButtonSize, ButtonTarget, DESCRIPTION_MAX, HEADLINE_MAX, LABEL_MAX, Layout, Section, SectionKind,
};
use crate::customer::web_url;
use crate::slug::Slug;
use crate::text;
use crate::validation::{FieldError, ValidationErrors, label};

/// A portal document as a caller sends it (API `PUT`, console form, preview). The read-only
/// fields (`url`, `revision`, `updated_at`, `updated_by`, `contrast_warning`, `design.logo_url`) may be sent back
/// and are ignored; every other field is required; unknown fields are refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalDraft {
    pub active: bool,
    pub slug: String,
    #[serde(default)]
    pub custom_domain: Option<String>,
    pub design: DesignDraft,
    pub features: FeaturesDraft,
    pub layout: LayoutDraft,
    #[serde(default)]
    pub url: Option<Value>,
    #[serde(default)]
    pub revision: Option<Value>,
    #[serde(default)]
    pub updated_at: Option<Value>,
    #[serde(default)]
    pub updated_by: Option<Value>,
    #[serde(default)]
    pub contrast_warning: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignDraft {
    pub primary_color: String,
    pub secondary_color: String,
    #[serde(default)]
    pub logo_url: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeaturesDraft {
    pub ticketing: TicketingDraft,
    pub knowledge_base: KnowledgeBaseDraft,
    pub external_links: ExternalLinksDraft,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketingDraft {
    pub enabled: bool,
    #[serde(default)]
    pub default_assignment_group_id: Option<Uuid>,
    /// Offer the plain form beside the request types; absent: yes.
    #[serde(default)]
    pub plain_form: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBaseDraft {
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalLinksDraft {
    pub enabled: bool,
    #[serde(default)]
    pub links: Vec<LinkDraft>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkDraft {
    /// Omit for a new link: one is assigned.
    #[serde(default)]
    pub id: Option<String>,
    pub label: String,
    pub url: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutDraft {
    pub sections: Vec<SectionDraft>,
    pub buttons: Vec<ButtonDraft>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDraft {
    /// `search`, `large_buttons` or `small_buttons`.
    pub kind: String,
    #[serde(default)]
    pub headline: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonDraft {
    /// `submit_ticket`, `my_tickets`, `knowledge_base` or `link:{id}`.
    pub target: String,
    /// `large` or `small`.
    pub size: String,
    pub label: String,
    #[serde(default)]
    pub description: String,
}

fn link_id(field: &str, raw: &str) -> Result<String, FieldError> {
    let id = raw.trim();
    let ok =
        (1..=40).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(id.to_string())
    } else {
        Err(FieldError::new(field, format!("{} must be 1–40 letters, digits, '-' or '_'.", label(field))))
    }
}

impl PortalDraft {
    /// Checks every rule that needs no database, naming each bad field with its JSON path.
    /// Enabled features without buttons get default buttons; links without ids get one.
    pub fn validate(self) -> Result<PortalSettings, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let slug = errors.check(Slug::parse("slug", &self.slug));
        let custom_domain = match self.custom_domain.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(raw) => errors.check(Hostname::parse("custom_domain", raw).map(Some)),
        };
        let primary = errors.check(Colour::parse("design.primary_color", &self.design.primary_color));
        let secondary = errors.check(Colour::parse("design.secondary_color", &self.design.secondary_color));

        let ticketing = self.features.ticketing;
        if ticketing.enabled && ticketing.default_assignment_group_id.is_none() {
            errors.push(FieldError::new(
                "features.ticketing.default_assignment_group_id",
                "A default assignment group is required when Ticketing is enabled: tickets from the portal go to this group.",
            ));
        }
        let links = validate_links(&mut errors, self.features.external_links.links);
        let features = Features {
            ticketing: Ticketing {
                enabled: ticketing.enabled,
                default_assignment_group_id: ticketing.default_assignment_group_id,
                plain_form: ticketing.plain_form.unwrap_or(true),
            },
            knowledge_base: KnowledgeBase { enabled: self.features.knowledge_base.enabled },
            external_links: ExternalLinks { enabled: self.features.external_links.enabled, links },
        };
        let sections = validate_sections(&mut errors, self.layout.sections);
        let mut settings = PortalSettings {
            active: self.active,
            slug: slug.unwrap_or_else(|| Slug::from_trusted(String::new())),
            custom_domain: custom_domain.flatten(),
            design: Design {
                primary_color: primary.unwrap_or(DEFAULT_PRIMARY),
                secondary_color: secondary.unwrap_or(DEFAULT_SECONDARY),
            },
            features,
            layout: Layout { sections, buttons: Vec::new() },
        };
        settings.layout.buttons = validate_buttons(&mut errors, self.layout.buttons, &settings);
        errors.into_result()?;
        settings.sync_buttons();
        Ok(settings)
    }
}

fn validate_links(errors: &mut ValidationErrors, drafts: Vec<LinkDraft>) -> Vec<ExternalLink> {
    if drafts.len() > LINKS_MAX {
        errors.push(FieldError::new(
            "features.external_links.links",
            format!("External links may hold at most {LINKS_MAX} links."),
        ));
    }
    let mut seen = HashSet::new();
    let mut links = Vec::new();
    for (i, draft) in drafts.into_iter().enumerate() {
        let at = |name: &str| format!("features.external_links.links[{i}].{name}");
        let id = match draft.id.as_deref().map(str::trim) {
            None | Some("") => Some(Uuid::now_v7().simple().to_string()[20..].to_string()),
            Some(raw) => errors.check(link_id(&at("id"), raw)),
        };
        if let Some(id) = &id
            && !seen.insert(id.clone())
        {
            errors.push(FieldError::new(at("id"), format!("{} is used by another link.", label(&at("id")))));
        }
        let label = errors.check(text::bounded(&at("label"), &draft.label, 1, LABEL_MAX, false));
        let url = errors.check(web_url(&at("url"), &draft.url));
        let description =
            errors.check(text::bounded(&at("description"), &draft.description, 0, DESCRIPTION_MAX, false));
        if let (Some(id), Some(label), Some(url), Some(description)) = (id, label, url, description) {
            links.push(ExternalLink { id, label, url, description });
        }
    }
    links
}

fn validate_sections(errors: &mut ValidationErrors, drafts: Vec<SectionDraft>) -> Vec<Section> {
    let mut sections = Vec::new();
    for (i, draft) in drafts.into_iter().enumerate() {
        let kind = errors.check(SectionKind::parse(&format!("layout.sections[{i}].kind"), &draft.kind));
        let headline = errors.check(text::bounded(
            &format!("layout.sections[{i}].headline"),
            &draft.headline,
            0,
            HEADLINE_MAX,
            false,
        ));
        if let (Some(kind), Some(headline)) = (kind, headline) {
            sections.push(Section { kind, headline });
        }
    }
    let kinds: HashSet<SectionKind> = sections.iter().map(|s| s.kind).collect();
    if sections.len() != SectionKind::ALL.len() || kinds.len() != SectionKind::ALL.len() {
        errors.push(FieldError::new(
            "layout.sections",
            "Sections must list each of search, large_buttons and small_buttons exactly once.",
        ));
    }
    sections
}

fn validate_buttons(
    errors: &mut ValidationErrors,
    drafts: Vec<ButtonDraft>,
    settings: &PortalSettings,
) -> Vec<Button> {
    let enabled = settings.enabled_targets();
    let mut seen = HashSet::new();
    let mut buttons = Vec::new();
    for (i, draft) in drafts.into_iter().enumerate() {
        let at = |name: &str| format!("layout.buttons[{i}].{name}");
        let target = match draft.target.trim().parse::<ButtonTarget>() {
            Ok(target) => Some(target),
            Err(message) => {
                errors.push(FieldError::new(at("target"), format!("{} {message}.", label(&at("target")))));
                None
            }
        };
        if let Some(target) = &target {
            if let ButtonTarget::Link(id) = target
                && settings.link(id).is_none()
            {
                errors.push(FieldError::new(
                    at("target"),
                    format!("{} is the link '{id}', which does not exist.", label(&at("target"))),
                ));
            } else if matches!(target, ButtonTarget::RequestType(_)) && !settings.features.ticketing.enabled {
                errors.push(FieldError::new(
                    at("target"),
                    format!("{} is a request type, and Ticketing is disabled.", label(&at("target"))),
                ));
            } else if !enabled.contains(target) && !matches!(target, ButtonTarget::RequestType(_)) {
                errors.push(FieldError::new(
                    at("target"),
                    format!("{} is {}, which is disabled.", label(&at("target")), target.feature_name()),
                ));
            } else if !seen.insert(target.clone()) {
                errors.push(FieldError::new(
                    at("target"),
                    format!("{}: '{target}' has more than one button.", label(&at("target"))),
                ));
            }
        }
        let size = errors.check(ButtonSize::parse(&at("size"), &draft.size));
        let label = errors.check(text::bounded(&at("label"), &draft.label, 1, LABEL_MAX, false));
        let description =
            errors.check(text::bounded(&at("description"), &draft.description, 0, DESCRIPTION_MAX, false));
        if let (Some(target), Some(size), Some(label), Some(description)) = (target, size, label, description)
        {
            buttons.push(Button { target, size, label, description });
        }
    }
    buttons
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn document() -> Value {
        json!({
            "active": true, "slug": "acme", "custom_domain": null,
            "design": {"primary_color": "#1F6FEB", "secondary_color": "#fff", "logo_url": null},
            "features": {
                "ticketing": {"enabled": true, "default_assignment_group_id": "0192f0c0-0000-7000-8000-000000000001"},
                "knowledge_base": {"enabled": false},
                "external_links": {"enabled": true, "links": [{"label": "HR", "url": "https://hr.example", "description": ""}]}
            },
            "layout": {
                "sections": [{"kind": "small_buttons", "headline": ""}, {"kind": "search", "headline": "Hi"},
                             {"kind": "large_buttons", "headline": "Help"}],
                "buttons": [{"target": "my_tickets", "size": "small", "label": "Mine", "description": ""}]
            },
            "url": "http://x/p/acme", "revision": 3, "updated_at": "2026-01-01T00:00:00Z", "updated_by": "Ada"
        })
    }

    fn validate(value: Value) -> Result<PortalSettings, ValidationErrors> {
        serde_json::from_value::<PortalDraft>(value).unwrap().validate()
    }

    fn refused(mutate: impl FnOnce(&mut Value)) -> ValidationErrors {
        let mut value = document();
        mutate(&mut value);
        validate(value).unwrap_err()
    }

    #[test]
    fn a_valid_document_is_normalised() {
        let settings = validate(document()).unwrap();
        assert_eq!(settings.design.primary_color.to_string(), "#1f6feb");
        assert_eq!(settings.design.secondary_color.to_string(), "#ffffff");
        let link_id = settings.features.external_links.links[0].id.clone();
        assert!(!link_id.is_empty(), "a link without an id gets one");
        let targets: Vec<String> = settings.layout.buttons.iter().map(|b| b.target.to_string()).collect();
        assert_eq!(targets, ["my_tickets", "submit_ticket", format!("link:{link_id}").as_str()]);
        assert_eq!(settings.layout.sections[0].kind, SectionKind::SmallButtons, "the section order is kept");
    }

    #[test]
    fn each_rule_names_its_field() {
        type Mutation = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(Mutation, &str)> = vec![
            (Box::new(|v| v["slug"] = json!("Acme!")), "slug"),
            (Box::new(|v| v["slug"] = json!("api")), "slug"),
            (Box::new(|v| v["custom_domain"] = json!("https://x.example")), "custom_domain"),
            (Box::new(|v| v["design"]["primary_color"] = json!("blue")), "design.primary_color"),
            (Box::new(|v| v["design"]["secondary_color"] = json!("#12345")), "design.secondary_color"),
            (
                Box::new(|v| v["features"]["ticketing"]["default_assignment_group_id"] = json!(null)),
                "features.ticketing.default_assignment_group_id",
            ),
            (
                Box::new(|v| {
                    v["features"]["external_links"]["links"][0]["url"] = json!("javascript:alert(1)");
                }),
                "features.external_links.links[0].url",
            ),
            (
                Box::new(|v| v["features"]["external_links"]["links"][0]["url"] = json!("data:text/html,x")),
                "features.external_links.links[0].url",
            ),
            (
                Box::new(|v| v["features"]["external_links"]["links"][0]["label"] = json!("x".repeat(81))),
                "features.external_links.links[0].label",
            ),
            (
                Box::new(|v| {
                    v["features"]["external_links"]["links"][0]["description"] = json!("x".repeat(301));
                }),
                "features.external_links.links[0].description",
            ),
            (
                Box::new(|v| v["layout"]["sections"][0]["headline"] = json!("x".repeat(121))),
                "layout.sections[0].headline",
            ),
            (Box::new(|v| v["layout"]["sections"][0]["kind"] = json!("search")), "layout.sections"),
            (Box::new(|v| v["layout"]["sections"][0]["kind"] = json!("hero")), "layout.sections[0].kind"),
            (
                Box::new(|v| {
                    v["layout"]["sections"].as_array_mut().unwrap().pop();
                }),
                "layout.sections",
            ),
            (
                Box::new(|v| v["layout"]["buttons"][0]["target"] = json!("knowledge_base")),
                "layout.buttons[0].target",
            ),
            (
                Box::new(|v| v["layout"]["buttons"][0]["target"] = json!("link:nope")),
                "layout.buttons[0].target",
            ),
            (Box::new(|v| v["layout"]["buttons"][0]["target"] = json!("home")), "layout.buttons[0].target"),
            (Box::new(|v| v["layout"]["buttons"][0]["size"] = json!("huge")), "layout.buttons[0].size"),
            (Box::new(|v| v["layout"]["buttons"][0]["label"] = json!("")), "layout.buttons[0].label"),
            (
                Box::new(|v| v["layout"]["buttons"][0]["description"] = json!("x".repeat(301))),
                "layout.buttons[0].description",
            ),
        ];
        for (mutate, field) in cases {
            let errors = refused(mutate);
            assert!(errors.message_for(field).is_some(), "expected an error on {field}, got {errors:?}");
        }
    }

    #[test]
    fn a_button_may_not_target_a_disabled_feature_or_appear_twice() {
        let errors = refused(|v| v["features"]["ticketing"] = json!({"enabled": false}));
        assert_eq!(
            errors.message_for("layout.buttons[0].target"),
            Some("Button 1 target is Ticketing, which is disabled.")
        );
        let errors = refused(|v| {
            v["layout"]["buttons"] = json!([
                {"target": "my_tickets", "size": "small", "label": "A"},
                {"target": "my_tickets", "size": "large", "label": "B"}
            ]);
        });
        assert!(errors.message_for("layout.buttons[1].target").is_some());
    }

    #[test]
    fn unknown_fields_are_refused_and_read_only_ones_ignored() {
        let mut value = document();
        value["theme"] = json!("dark");
        assert!(serde_json::from_value::<PortalDraft>(value).is_err());
        let mut value = document();
        value["revision"] = json!("anything");
        value["design"]["logo_url"] = json!("https://evil.example/logo.svg");
        assert!(validate(value).is_ok());
    }

    #[test]
    fn disabling_a_feature_removes_its_buttons_when_synced() {
        let mut settings = validate(document()).unwrap();
        settings.features.ticketing.enabled = false;
        settings.sync_buttons();
        assert!(settings.layout.buttons.iter().all(|b| matches!(b.target, ButtonTarget::Link(_))));
        settings.features.knowledge_base.enabled = true;
        settings.sync_buttons();
        assert!(settings.layout.buttons.iter().any(|b| b.target == ButtonTarget::KnowledgeBase));
    }

    #[test]
    fn changes_are_described_for_the_revision_list() {
        let before = validate(document()).unwrap();
        let mut after = before.clone();
        after.active = false;
        after.design.primary_color = Colour::rgb(0, 0, 0);
        after.features.knowledge_base.enabled = true;
        after.sync_buttons();
        let described = after.describe_changes(&before);
        assert_eq!(described[0], "deactivated the portal");
        assert!(described.contains(&"enabled Knowledge Base".to_string()));
        assert!(described.iter().any(|c| c.starts_with("changed the colours to #000000")));
        assert!(after.describe_changes(&after).is_empty());
    }
}
