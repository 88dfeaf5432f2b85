//! The portal document: its validated form ([`PortalSettings`]) and what callers get back
//! ([`PortalDocument`]). What callers send is a [`PortalDraft`](super::draft::PortalDraft).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::colour::{Colour, Theme};
use super::hostname::Hostname;
use super::layout::{ButtonTarget, Layout, default_button};
use crate::slug::Slug;

pub const LINKS_MAX: usize = 50;
pub const DEFAULT_PRIMARY: Colour = Colour::rgb(0x1f, 0x6f, 0xeb);
pub const DEFAULT_SECONDARY: Colour = Colour::rgb(0xf6, 0xf8, 0xfa);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Design {
    pub primary_color: Colour,
    pub secondary_color: Colour,
}

impl Design {
    pub fn theme(&self) -> Theme {
        Theme::new(self.primary_color, self.secondary_color)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticketing {
    pub enabled: bool,
    /// Where tickets submitted through the portal go: a global group or one of this customer's.
    pub default_assignment_group_id: Option<Uuid>,
    /// Whether the plain ticket form is offered as "Something else" beside the request types
    /// (a portal without request types always has it).
    #[serde(default = "offered")]
    pub plain_form: bool,
}

fn offered() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeBase {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalLink {
    pub id: String,
    pub label: String,
    pub url: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalLinks {
    pub enabled: bool,
    /// Kept while the feature is off, so switching it back on loses nothing.
    pub links: Vec<ExternalLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    pub ticketing: Ticketing,
    pub knowledge_base: KnowledgeBase,
    pub external_links: ExternalLinks,
}

/// A portal's settings, valid by construction (built by
/// [`PortalDraft::validate`](super::draft::PortalDraft::validate) or [`PortalSettings::new_for`]).
/// Serialised as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalSettings {
    pub active: bool,
    pub slug: Slug,
    pub custom_domain: Option<Hostname>,
    pub design: Design,
    pub features: Features,
    pub layout: Layout,
}

impl PortalSettings {
    /// A new customer's portal: inactive, default colours, no features.
    pub fn new_for(slug: Slug) -> Self {
        Self {
            active: false,
            slug,
            custom_domain: None,
            design: Design { primary_color: DEFAULT_PRIMARY, secondary_color: DEFAULT_SECONDARY },
            features: Features {
                ticketing: Ticketing { enabled: false, default_assignment_group_id: None, plain_form: true },
                knowledge_base: KnowledgeBase { enabled: false },
                external_links: ExternalLinks { enabled: false, links: Vec::new() },
            },
            layout: Layout::default(),
        }
    }

    /// Every target the enabled features offer, in their natural order.
    pub fn enabled_targets(&self) -> Vec<ButtonTarget> {
        let mut targets = Vec::new();
        if self.features.ticketing.enabled {
            targets.extend([ButtonTarget::SubmitTicket, ButtonTarget::MyTickets]);
        }
        if self.features.knowledge_base.enabled {
            targets.push(ButtonTarget::KnowledgeBase);
        }
        if self.features.external_links.enabled {
            targets
                .extend(self.features.external_links.links.iter().map(|l| ButtonTarget::Link(l.id.clone())));
        }
        targets
    }

    pub fn link(&self, id: &str) -> Option<&ExternalLink> {
        self.features.external_links.links.iter().find(|l| l.id == id)
    }

    /// Brings the buttons in line with the features: enabled targets without a button get a
    /// default one (at the end), buttons of disabled features or removed links go.
    pub fn sync_buttons(&mut self) {
        let enabled = self.enabled_targets();
        let ticketing = self.features.ticketing.enabled;
        // Buttons of request types are added by hand and stay while the portal takes tickets.
        self.layout.buttons.retain(|b| {
            enabled.contains(&b.target) || (ticketing && matches!(b.target, ButtonTarget::RequestType(_)))
        });
        for target in enabled {
            if !self.layout.buttons.iter().any(|b| b.target == target) {
                let (label, description) = match &target {
                    ButtonTarget::Link(id) => {
                        self.link(id).map(|l| (l.label.clone(), l.description.clone())).unwrap_or_default()
                    }
                    _ => Default::default(),
                };
                self.layout.buttons.push(default_button(&target, &label, &description));
            }
        }
    }

    pub fn theme(&self) -> Theme {
        self.design.theme()
    }

    /// A sentence per changed area, for the revision list and the audit log.
    pub fn describe_changes(&self, before: &PortalSettings) -> Vec<String> {
        let mut changes = Vec::new();
        if self.active != before.active {
            changes.push(
                if self.active { "activated the portal" } else { "deactivated the portal" }.to_string(),
            );
        }
        if self.slug != before.slug {
            changes.push(format!("changed the portal address from {} to {}", before.slug, self.slug));
        }
        if self.custom_domain != before.custom_domain {
            changes.push(match &self.custom_domain {
                Some(domain) => format!("set the custom domain {domain}"),
                None => "removed the custom domain".to_string(),
            });
        }
        if self.design != before.design {
            changes.push(format!(
                "changed the colours to {} / {}",
                self.design.primary_color, self.design.secondary_color
            ));
        }
        let toggles = [
            ("Ticketing", before.features.ticketing.enabled, self.features.ticketing.enabled),
            ("Knowledge Base", before.features.knowledge_base.enabled, self.features.knowledge_base.enabled),
            ("External links", before.features.external_links.enabled, self.features.external_links.enabled),
        ];
        for (name, was, is) in toggles {
            if was != is {
                changes.push(format!("{} {name}", if is { "enabled" } else { "disabled" }));
            }
        }
        if self.features.ticketing.default_assignment_group_id
            != before.features.ticketing.default_assignment_group_id
        {
            changes.push("changed the default assignment group".to_string());
        }
        if self.features.ticketing.plain_form != before.features.ticketing.plain_form {
            let offered = if self.features.ticketing.plain_form { "offered" } else { "stopped offering" };
            changes.push(format!("{offered} the plain ticket form"));
        }
        if self.features.external_links.links != before.features.external_links.links {
            changes.push("changed the external links".to_string());
        }
        if self.layout.sections != before.layout.sections {
            changes.push("changed the sections".to_string());
        }
        if self.layout.buttons != before.layout.buttons {
            changes.push("changed the buttons".to_string());
        }
        changes
    }
}

/// The portal as the API returns it: the settings plus read-only facts.
#[derive(Debug, Clone, Serialize)]
pub struct PortalDocument {
    pub active: bool,
    pub slug: String,
    pub custom_domain: Option<String>,
    /// Where end users reach the portal (read-only; follows the slug or custom domain).
    pub url: String,
    pub design: Value,
    pub features: Features,
    pub layout: Layout,
    /// The revision this document is; send it back in `If-Match` to save over it.
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    /// Set when the chosen colours are hard to tell apart (< 3:1); text stays readable anyway.
    pub contrast_warning: Option<String>,
}

impl PortalDocument {
    pub fn new(
        settings: &PortalSettings,
        url: String,
        logo_url: Option<String>,
        revision: i64,
        updated_at: OffsetDateTime,
        updated_by: String,
    ) -> Self {
        Self {
            active: settings.active,
            slug: settings.slug.to_string(),
            custom_domain: settings.custom_domain.as_ref().map(ToString::to_string),
            url,
            design: serde_json::json!({
                "logo_url": logo_url,
                "primary_color": settings.design.primary_color,
                "secondary_color": settings.design.secondary_color,
            }),
            features: settings.features.clone(),
            layout: settings.layout.clone(),
            revision,
            updated_at,
            updated_by,
            contrast_warning: settings.theme().weak_pair_warning(),
        }
    }
}
