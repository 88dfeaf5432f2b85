//! The drawer's form state exactly as typed: it renders even when invalid, survives every
//! round trip (all fields of both steps are always submitted), and becomes a [`PortalDraft`]
//! for validation. Field names are flat and indexed: `link.0.url`, `button.2.size`, `section.1.headline`.

use std::collections::BTreeMap;

use portico_domain::portal::colour::Colour;
use portico_domain::portal::document::PortalSettings;
use portico_domain::portal::draft::{
    ButtonDraft, DesignDraft, ExternalLinksDraft, FeaturesDraft, KnowledgeBaseDraft, LayoutDraft, LinkDraft,
    PortalDraft, SectionDraft, TicketingDraft,
};
use portico_domain::portal::layout::{ButtonTarget, SectionKind};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkRow {
    pub id: String,
    pub label: String,
    pub url: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionRow {
    pub kind: String,
    pub headline: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ButtonRow {
    pub target: String,
    pub size: String,
    pub label: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrawerState {
    /// The revision this form started from: saving over a newer one is a conflict.
    pub revision: i64,
    pub active: bool,
    pub slug: String,
    pub custom_domain: String,
    /// The chosen logo (possibly uploaded but not saved yet); empty for none.
    pub logo_id: String,
    pub primary_color: String,
    pub secondary_color: String,
    pub ticketing: bool,
    pub ticketing_group: String,
    /// Offer the plain form beside the request types.
    pub ticketing_plain_form: bool,
    pub knowledge_base: bool,
    pub external_links: bool,
    pub links: Vec<LinkRow>,
    pub sections: Vec<SectionRow>,
    pub buttons: Vec<ButtonRow>,
}

/// What the person asked for with the button they pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Next,
    Back,
    Save,
    Preview,
    UploadLogo,
    RemoveLogo,
    AddLink,
    RemoveLink(usize),
    /// A button for the request type chosen in the form's `add_request_type` field.
    AddRequestButton,
    /// Takes a request type's button away (other buttons follow their features).
    RemoveButton(usize),
    Move {
        list: List,
        index: usize,
        up: bool,
    },
    /// No button (e.g. Enter in a text field): stay on the step.
    Stay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Links,
    Buttons,
    Sections,
}

impl Action {
    pub fn parse(raw: &str) -> Self {
        let parts: Vec<&str> = raw.split('.').collect();
        match parts.as_slice() {
            ["next"] => Self::Next,
            ["back"] => Self::Back,
            ["save"] => Self::Save,
            ["preview"] => Self::Preview,
            ["upload_logo"] => Self::UploadLogo,
            ["remove_logo"] => Self::RemoveLogo,
            ["add_link"] => Self::AddLink,
            ["remove_link", index] => index.parse().map(Self::RemoveLink).unwrap_or(Self::Stay),
            ["add_request_button"] => Self::AddRequestButton,
            ["remove_button", index] => index.parse().map(Self::RemoveButton).unwrap_or(Self::Stay),
            ["move", list, index, direction] => {
                let list = match *list {
                    "link" => List::Links,
                    "button" => List::Buttons,
                    "section" => List::Sections,
                    _ => return Self::Stay,
                };
                match (index.parse(), *direction) {
                    (Ok(index), "up") => Self::Move { list, index, up: true },
                    (Ok(index), "down") => Self::Move { list, index, up: false },
                    _ => Self::Stay,
                }
            }
            _ => Self::Stay,
        }
    }
}

/// What the colour picker beside a hex field shows for `value`: the colour as `#rrggbb`, or
/// black, which is what a browser shows for anything a colour input cannot hold (a refused
/// value, or nothing).
pub fn picker_value(value: &str) -> String {
    Colour::parse("colour", value).map(|c| c.to_string()).unwrap_or_else(|_| "#000000".to_string())
}

/// The colour a person chose: the hex field, unless they left it as it was and changed the
/// picker beside it. The picker counts as changed only when it differs from what it was shown
/// with ([`picker_value`]), so a refused value — which the picker shows as black — stays
/// refused until the person changes it, and is never replaced by black behind their back.
fn chosen_colour(fields: &BTreeMap<&str, &str>, name: &str) -> String {
    let typed = fields.get(name).copied().unwrap_or_default().trim().to_string();
    let was = fields.get(format!("{name}_was").as_str()).copied().unwrap_or_default();
    let picked = fields.get(format!("{name}_picker").as_str()).copied().unwrap_or_default();
    let picker_changed = !picked.is_empty() && !picked.eq_ignore_ascii_case(&picker_value(was));
    if typed.eq_ignore_ascii_case(was.trim()) && picker_changed { picked.to_string() } else { typed }
}

fn move_item<T>(items: &mut [T], index: usize, up: bool) {
    if index >= items.len() {
        return;
    }
    if up && index > 0 {
        items.swap(index, index - 1);
    } else if !up && index + 1 < items.len() {
        items.swap(index, index + 1);
    }
}

impl DrawerState {
    pub fn from_settings(settings: &PortalSettings, logo_id: Option<&str>, revision: i64) -> Self {
        Self {
            revision,
            active: settings.active,
            slug: settings.slug.to_string(),
            custom_domain: settings.custom_domain.as_ref().map(ToString::to_string).unwrap_or_default(),
            logo_id: logo_id.unwrap_or_default().to_string(),
            primary_color: settings.design.primary_color.to_string(),
            secondary_color: settings.design.secondary_color.to_string(),
            ticketing: settings.features.ticketing.enabled,
            ticketing_plain_form: settings.features.ticketing.plain_form,
            ticketing_group: settings
                .features
                .ticketing
                .default_assignment_group_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            knowledge_base: settings.features.knowledge_base.enabled,
            external_links: settings.features.external_links.enabled,
            links: settings
                .features
                .external_links
                .links
                .iter()
                .map(|l| LinkRow {
                    id: l.id.clone(),
                    label: l.label.clone(),
                    url: l.url.clone(),
                    description: l.description.clone(),
                })
                .collect(),
            sections: settings
                .layout
                .sections
                .iter()
                .map(|s| SectionRow { kind: s.kind.as_str().to_string(), headline: s.headline.clone() })
                .collect(),
            buttons: settings
                .layout
                .buttons
                .iter()
                .map(|b| ButtonRow {
                    target: b.target.to_string(),
                    size: b.size.as_str().to_string(),
                    label: b.label.clone(),
                    description: b.description.clone(),
                })
                .collect(),
        }
    }

    /// Reads a submitted form (`name=value` pairs in document order).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let fields: BTreeMap<&str, &str> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let text = |name: &str| fields.get(name).copied().unwrap_or_default().to_string();
        let mut links: BTreeMap<usize, LinkRow> = BTreeMap::new();
        let mut sections: BTreeMap<usize, SectionRow> = BTreeMap::new();
        let mut buttons: BTreeMap<usize, ButtonRow> = BTreeMap::new();
        for (name, value) in &fields {
            let parts: Vec<&str> = name.split('.').collect();
            let [list, index, field] = parts.as_slice() else { continue };
            let Ok(index) = index.parse::<usize>() else { continue };
            let value = value.to_string();
            match *list {
                "link" => {
                    let row = links.entry(index).or_default();
                    match *field {
                        "id" => row.id = value,
                        "label" => row.label = value,
                        "url" => row.url = value,
                        "description" => row.description = value,
                        _ => {}
                    }
                }
                "section" => {
                    let row = sections.entry(index).or_default();
                    match *field {
                        "kind" => row.kind = value,
                        "headline" => row.headline = value,
                        _ => {}
                    }
                }
                "button" => {
                    let row = buttons.entry(index).or_default();
                    match *field {
                        "target" => row.target = value,
                        "size" => row.size = value,
                        "label" => row.label = value,
                        "description" => row.description = value,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Self {
            revision: text("revision").parse().unwrap_or_default(),
            active: fields.contains_key("active"),
            slug: text("slug"),
            custom_domain: text("custom_domain"),
            logo_id: text("logo_id"),
            primary_color: chosen_colour(&fields, "primary_color"),
            secondary_color: chosen_colour(&fields, "secondary_color"),
            ticketing: fields.contains_key("ticketing"),
            ticketing_group: text("ticketing_group"),
            ticketing_plain_form: fields.contains_key("ticketing_plain_form"),
            knowledge_base: fields.contains_key("knowledge_base"),
            external_links: fields.contains_key("external_links"),
            links: links.into_values().collect(),
            sections: sections.into_values().collect(),
            buttons: buttons.into_values().collect(),
        }
    }

    /// Applies an editing action that needs no validation.
    pub fn apply(&mut self, action: &Action) {
        match action {
            Action::RemoveLogo => self.logo_id.clear(),
            Action::AddLink => self.links.push(LinkRow::default()),
            Action::RemoveLink(index) if *index < self.links.len() => {
                self.links.remove(*index);
            }
            Action::RemoveButton(index)
                if self
                    .buttons
                    .get(*index)
                    .is_some_and(|b| matches!(b.target.parse(), Ok(ButtonTarget::RequestType(_)))) =>
            {
                self.buttons.remove(*index);
            }
            Action::Move { list, index, up } => match list {
                List::Links => move_item(&mut self.links, *index, *up),
                List::Buttons => move_item(&mut self.buttons, *index, *up),
                List::Sections => move_item(&mut self.sections, *index, *up),
            },
            _ => {}
        }
    }

    /// The drawer's rule: switching a feature off (or removing a link) takes its buttons away.
    /// The API instead refuses a document whose buttons point at something disabled.
    pub fn drop_buttons_of_disabled_features(&mut self) {
        let link_ids: Vec<&str> =
            self.links.iter().map(|l| l.id.as_str()).filter(|id| !id.is_empty()).collect();
        let keep: Vec<bool> = self
            .buttons
            .iter()
            .map(|button| match button.target.parse::<ButtonTarget>() {
                Ok(ButtonTarget::SubmitTicket | ButtonTarget::MyTickets | ButtonTarget::RequestType(_)) => {
                    self.ticketing
                }
                Ok(ButtonTarget::KnowledgeBase) => self.knowledge_base,
                Ok(ButtonTarget::Link(id)) => self.external_links && link_ids.contains(&id.as_str()),
                Err(_) => true,
            })
            .collect();
        let mut keep = keep.into_iter();
        self.buttons.retain(|_| keep.next().unwrap_or(true));
    }

    pub fn to_draft(&self) -> PortalDraft {
        PortalDraft {
            active: self.active,
            slug: self.slug.clone(),
            custom_domain: Some(self.custom_domain.clone()),
            design: DesignDraft {
                primary_color: self.primary_color.clone(),
                secondary_color: self.secondary_color.clone(),
                logo_url: None,
            },
            features: FeaturesDraft {
                ticketing: TicketingDraft {
                    enabled: self.ticketing,
                    default_assignment_group_id: self.ticketing_group.trim().parse().ok(),
                    plain_form: Some(self.ticketing_plain_form),
                },
                knowledge_base: KnowledgeBaseDraft { enabled: self.knowledge_base },
                external_links: ExternalLinksDraft {
                    enabled: self.external_links,
                    links: self
                        .links
                        .iter()
                        .map(|l| LinkDraft {
                            id: Some(l.id.clone()).filter(|id| !id.trim().is_empty()),
                            label: l.label.clone(),
                            url: l.url.clone(),
                            description: l.description.clone(),
                        })
                        .collect(),
                },
            },
            layout: LayoutDraft {
                sections: self
                    .sections
                    .iter()
                    .map(|s| SectionDraft { kind: s.kind.clone(), headline: s.headline.clone() })
                    .collect(),
                buttons: self
                    .buttons
                    .iter()
                    .map(|b| ButtonDraft {
                        target: b.target.clone(),
                        size: b.size.clone(),
                        label: b.label.clone(),
                        description: b.description.clone(),
                    })
                    .collect(),
            },
            url: None,
            revision: None,
            updated_at: None,
            updated_by: None,
            contrast_warning: None,
        }
    }

    /// What a button opens, as the layout step names it.
    pub fn target_title(&self, target: &str) -> String {
        match target.parse::<ButtonTarget>() {
            Ok(ButtonTarget::SubmitTicket) => "Submit a ticket".into(),
            Ok(ButtonTarget::MyTickets) => "My tickets".into(),
            Ok(ButtonTarget::KnowledgeBase) => "Knowledge base".into(),
            Ok(ButtonTarget::RequestType(_)) => "Request type".into(),
            Ok(ButtonTarget::Link(id)) => match self.links.iter().find(|l| l.id == id) {
                Some(link) if !link.label.trim().is_empty() => {
                    format!("External link: {}", link.label.trim())
                }
                _ => "External link".into(),
            },
            Err(_) => target.to_string(),
        }
    }

    pub fn section_title(kind: &str) -> &'static str {
        SectionKind::parse("kind", kind).map(SectionKind::title).unwrap_or("Section")
    }
}

#[cfg(test)]
mod tests;
