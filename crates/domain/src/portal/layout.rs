//! The landing page layout: buttons (large or small, in order) and the three sections.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validation::{FieldError, label};

pub const LABEL_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 300;
pub const HEADLINE_MAX: usize = 120;

/// What a landing-page button opens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ButtonTarget {
    SubmitTicket,
    MyTickets,
    KnowledgeBase,
    /// An external link, by its id.
    Link(String),
    /// A request type's form, by the type's id (one offered to the customer).
    RequestType(uuid::Uuid),
}

impl ButtonTarget {
    /// The feature a target belongs to, as people call it.
    pub fn feature_name(&self) -> &'static str {
        match self {
            Self::SubmitTicket | Self::MyTickets | Self::RequestType(_) => "Ticketing",
            Self::KnowledgeBase => "Knowledge Base",
            Self::Link(_) => "External links",
        }
    }
}

impl fmt::Display for ButtonTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SubmitTicket => f.write_str("submit_ticket"),
            Self::MyTickets => f.write_str("my_tickets"),
            Self::KnowledgeBase => f.write_str("knowledge_base"),
            Self::Link(id) => write!(f, "link:{id}"),
            Self::RequestType(id) => write!(f, "request_type:{id}"),
        }
    }
}

impl FromStr for ButtonTarget {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let refused = || {
            format!(
                "must be submit_ticket, my_tickets, knowledge_base, link:{{id}} or request_type:{{id}} (got '{raw}')"
            )
        };
        match raw {
            "submit_ticket" => Ok(Self::SubmitTicket),
            "my_tickets" => Ok(Self::MyTickets),
            "knowledge_base" => Ok(Self::KnowledgeBase),
            other => match (other.strip_prefix("link:"), other.strip_prefix("request_type:")) {
                (Some(id), _) if !id.is_empty() => Ok(Self::Link(id.to_string())),
                (_, Some(id)) => uuid::Uuid::parse_str(id).map(Self::RequestType).map_err(|_| refused()),
                _ => Err(refused()),
            },
        }
    }
}

impl Serialize for ButtonTarget {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ButtonTarget {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonSize {
    Large,
    Small,
}

impl ButtonSize {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "large" => Ok(Self::Large),
            "small" => Ok(Self::Small),
            _ => Err(FieldError::new(field, format!("{} must be large or small.", label(field)))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Large => "large",
            Self::Small => "small",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub target: ButtonTarget,
    pub size: ButtonSize,
    pub label: String,
    /// Shown on large buttons only.
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    Search,
    LargeButtons,
    SmallButtons,
}

impl SectionKind {
    pub const ALL: [SectionKind; 3] = [Self::Search, Self::LargeButtons, Self::SmallButtons];

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "search" => Ok(Self::Search),
            "large_buttons" => Ok(Self::LargeButtons),
            "small_buttons" => Ok(Self::SmallButtons),
            _ => Err(FieldError::new(
                field,
                format!("{} must be search, large_buttons or small_buttons.", label(field)),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::LargeButtons => "large_buttons",
            Self::SmallButtons => "small_buttons",
        }
    }

    /// How the console names the section.
    pub fn title(self) -> &'static str {
        match self {
            Self::Search => "Search",
            Self::LargeButtons => "Large buttons",
            Self::SmallButtons => "Small buttons",
        }
    }

    pub fn default_headline(self) -> &'static str {
        match self {
            Self::Search => "How can we help?",
            Self::LargeButtons => "Get help",
            Self::SmallButtons => "More",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub kind: SectionKind,
    /// Empty hides the headline.
    pub headline: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// The three sections, each once, in display order.
    pub sections: Vec<Section>,
    /// In display order within each size.
    pub buttons: Vec<Button>,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            sections: SectionKind::ALL
                .iter()
                .map(|kind| Section { kind: *kind, headline: kind.default_headline().to_string() })
                .collect(),
            buttons: Vec::new(),
        }
    }
}

impl Layout {
    pub fn buttons_of(&self, size: ButtonSize) -> impl Iterator<Item = &Button> {
        self.buttons.iter().filter(move |b| b.size == size)
    }
}

/// The button a feature gets when it is switched on.
pub fn default_button(target: &ButtonTarget, link_label: &str, link_description: &str) -> Button {
    let (size, label, description) = match target {
        ButtonTarget::SubmitTicket => {
            (ButtonSize::Large, "Submit a ticket", "Report a problem or ask for something you need.")
        }
        ButtonTarget::MyTickets => {
            (ButtonSize::Large, "My tickets", "Follow up on your requests and reply to our team.")
        }
        ButtonTarget::KnowledgeBase => {
            (ButtonSize::Large, "Knowledge base", "Find answers and step-by-step guides.")
        }
        // A link's or a request type's own name and description.
        ButtonTarget::Link(_) | ButtonTarget::RequestType(_) => {
            (ButtonSize::Small, link_label, link_description)
        }
    };
    Button { target: target.clone(), size, label: label.to_string(), description: description.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip_through_their_names() {
        for name in ["submit_ticket", "my_tickets", "knowledge_base", "link:abc"] {
            assert_eq!(name.parse::<ButtonTarget>().unwrap().to_string(), name);
        }
        assert!("link:".parse::<ButtonTarget>().is_err());
        assert!("tickets".parse::<ButtonTarget>().is_err());
    }

    #[test]
    fn the_default_layout_has_each_section_once() {
        let kinds: Vec<_> = Layout::default().sections.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, SectionKind::ALL);
    }
}
