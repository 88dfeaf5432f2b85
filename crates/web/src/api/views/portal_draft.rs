//! The portal document as a caller sends it (`PUT` and preview), parsed here and handed to the
//! domain's [`PortalDraft`], which validates it for the console and the API alike.

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use portico_domain::portal::draft::{
    ButtonDraft, DesignDraft, ExternalLinksDraft, FeaturesDraft, KnowledgeBaseDraft, LayoutDraft, LinkDraft,
    PortalDraft, SectionDraft, TicketingDraft,
};

/// A portal document as a caller sends it (API `PUT`, console form, preview). The read-only
/// fields (`url`, `revision`, `updated_at`, `updated_by`, `contrast_warning`, `design.logo_url`) may be sent back
/// and are ignored; every other field is required; unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "PortalDraft", deny_unknown_fields)]
#[schema(as = PortalDraft)]
pub struct PortalDraftBody {
    pub active: bool,
    pub slug: String,
    #[serde(default)]
    pub custom_domain: Option<String>,
    pub design: DesignDraftBody,
    pub features: FeaturesDraftBody,
    pub layout: LayoutDraftBody,
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub url: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub revision: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub updated_at: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub updated_by: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub contrast_warning: Option<Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "DesignDraft", deny_unknown_fields)]
#[schema(as = DesignDraft)]
pub struct DesignDraftBody {
    pub primary_color: String,
    pub secondary_color: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub logo_url: Option<Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "FeaturesDraft", deny_unknown_fields)]
#[schema(as = FeaturesDraft)]
pub struct FeaturesDraftBody {
    pub ticketing: TicketingDraftBody,
    pub knowledge_base: KnowledgeBaseDraftBody,
    pub external_links: ExternalLinksDraftBody,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "TicketingDraft", deny_unknown_fields)]
#[schema(as = TicketingDraft)]
pub struct TicketingDraftBody {
    pub enabled: bool,
    #[serde(default)]
    pub default_assignment_group_id: Option<Uuid>,
    /// Offer the plain ticket form ("Something else") beside the request types; absent: `true`.
    /// A portal without request types always offers it.
    #[serde(default)]
    pub plain_form: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "KnowledgeBaseDraft", deny_unknown_fields)]
#[schema(as = KnowledgeBaseDraft)]
pub struct KnowledgeBaseDraftBody {
    pub enabled: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "ExternalLinksDraft", deny_unknown_fields)]
#[schema(as = ExternalLinksDraft)]
pub struct ExternalLinksDraftBody {
    pub enabled: bool,
    #[serde(default)]
    pub links: Vec<LinkDraftBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "LinkDraft", deny_unknown_fields)]
#[schema(as = LinkDraft)]
pub struct LinkDraftBody {
    /// Omit for a new link: one is assigned.
    #[serde(default)]
    pub id: Option<String>,
    pub label: String,
    pub url: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "LayoutDraft", deny_unknown_fields)]
#[schema(as = LayoutDraft)]
pub struct LayoutDraftBody {
    pub sections: Vec<SectionDraftBody>,
    pub buttons: Vec<ButtonDraftBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "SectionDraft", deny_unknown_fields)]
#[schema(as = SectionDraft)]
pub struct SectionDraftBody {
    /// `search`, `large_buttons` or `small_buttons`.
    pub kind: String,
    #[serde(default)]
    pub headline: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename = "ButtonDraft", deny_unknown_fields)]
#[schema(as = ButtonDraft)]
pub struct ButtonDraftBody {
    /// `submit_ticket`, `my_tickets`, `knowledge_base`, `link:{id}`, or `request_type:{id}` for a request
    /// type offered to the customer (opens its form).
    pub target: String,
    /// `large` or `small`.
    pub size: String,
    pub label: String,
    #[serde(default)]
    pub description: String,
}

impl From<PortalDraftBody> for PortalDraft {
    fn from(body: PortalDraftBody) -> Self {
        let PortalDraftBody {
            active,
            slug,
            custom_domain,
            design,
            features,
            layout,
            url,
            revision,
            updated_at,
            updated_by,
            contrast_warning,
        } = body;
        Self {
            active,
            slug,
            custom_domain,
            design: design.into(),
            features: features.into(),
            layout: layout.into(),
            url,
            revision,
            updated_at,
            updated_by,
            contrast_warning,
        }
    }
}

impl From<DesignDraftBody> for DesignDraft {
    fn from(body: DesignDraftBody) -> Self {
        let DesignDraftBody { primary_color, secondary_color, logo_url } = body;
        Self { primary_color, secondary_color, logo_url }
    }
}

impl From<FeaturesDraftBody> for FeaturesDraft {
    fn from(body: FeaturesDraftBody) -> Self {
        let FeaturesDraftBody { ticketing, knowledge_base, external_links } = body;
        Self {
            ticketing: ticketing.into(),
            knowledge_base: knowledge_base.into(),
            external_links: external_links.into(),
        }
    }
}

impl From<TicketingDraftBody> for TicketingDraft {
    fn from(body: TicketingDraftBody) -> Self {
        let TicketingDraftBody { enabled, default_assignment_group_id, plain_form } = body;
        Self { enabled, default_assignment_group_id, plain_form }
    }
}

impl From<KnowledgeBaseDraftBody> for KnowledgeBaseDraft {
    fn from(body: KnowledgeBaseDraftBody) -> Self {
        let KnowledgeBaseDraftBody { enabled } = body;
        Self { enabled }
    }
}

impl From<ExternalLinksDraftBody> for ExternalLinksDraft {
    fn from(body: ExternalLinksDraftBody) -> Self {
        let ExternalLinksDraftBody { enabled, links } = body;
        Self { enabled, links: links.into_iter().map(LinkDraft::from).collect() }
    }
}

impl From<LinkDraftBody> for LinkDraft {
    fn from(body: LinkDraftBody) -> Self {
        let LinkDraftBody { id, label, url, description } = body;
        Self { id, label, url, description }
    }
}

impl From<LayoutDraftBody> for LayoutDraft {
    fn from(body: LayoutDraftBody) -> Self {
        let LayoutDraftBody { sections, buttons } = body;
        Self {
            sections: sections.into_iter().map(SectionDraft::from).collect(),
            buttons: buttons.into_iter().map(ButtonDraft::from).collect(),
        }
    }
}

impl From<SectionDraftBody> for SectionDraft {
    fn from(body: SectionDraftBody) -> Self {
        let SectionDraftBody { kind, headline } = body;
        Self { kind, headline }
    }
}

impl From<ButtonDraftBody> for ButtonDraft {
    fn from(body: ButtonDraftBody) -> Self {
        let ButtonDraftBody { target, size, label, description } = body;
        Self { target, size, label, description }
    }
}
