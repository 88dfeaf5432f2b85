//! The portal landing page: logo and colours, then the three sections in the stored order.

use askama::Template;

use super::Mode;
use super::assets;
use portico_domain::portal::document::PortalSettings;
use portico_domain::portal::layout::{Button, ButtonSize, ButtonTarget, SectionKind};

/// Everything the landing page shows besides the settings.
pub struct PortalContext<'a> {
    pub customer_name: &'a str,
    pub settings: &'a PortalSettings,
    pub logo_url: Option<String>,
    /// Where this portal's pages live, e.g. `/p/acme`.
    pub base_path: String,
    /// The signed-in end user's name.
    pub user_name: &'a str,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: &'a str,
    /// A manager of the customer: the header links their company's tickets and people.
    pub manager: bool,
    /// The end user's open tickets, newest change first (when the portal takes tickets).
    pub open_tickets: &'a [Line],
    /// The most read articles (when the portal has a knowledge base).
    pub articles: &'a [Line],
}

/// One line of a list on the landing page: a link and what to know about it.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub meta: String,
    pub href: String,
}

/// A button as the page draws it.
pub struct ButtonView {
    pub label: String,
    pub description: String,
    pub href: String,
    pub external: bool,
}

pub struct SectionView {
    pub kind: &'static str,
    pub headline: String,
    pub buttons: Vec<ButtonView>,
}

#[derive(Template)]
#[template(path = "portal/landing.html")]
struct LandingPage<'a> {
    customer_name: &'a str,
    logo_url: Option<String>,
    stylesheet: String,
    theme_url: String,
    base_path: String,
    user_name: &'a str,
    csrf: &'a str,
    manager: bool,
    ticketing: bool,
    preview: bool,
    sections: Vec<SectionView>,
    open_tickets: &'a [Line],
    articles: &'a [Line],
}

fn button_view(button: &Button, context: &PortalContext<'_>) -> ButtonView {
    let base = &context.base_path;
    let (href, external) = match &button.target {
        ButtonTarget::SubmitTicket => (format!("{base}/tickets/new"), false),
        ButtonTarget::MyTickets => (format!("{base}/tickets"), false),
        ButtonTarget::KnowledgeBase => (format!("{base}/kb"), false),
        ButtonTarget::RequestType(id) => (format!("{base}/tickets/new/{id}"), false),
        ButtonTarget::Link(id) => {
            (context.settings.link(id).map(|l| l.url.clone()).unwrap_or_default(), true)
        }
    };
    ButtonView { label: button.label.clone(), description: button.description.clone(), href, external }
}

/// The landing page as HTML. Every user-supplied string is escaped by the template engine;
/// colours reach the page only through the theme stylesheet.
pub fn render(context: &PortalContext<'_>, mode: Mode) -> Result<String, askama::Error> {
    let layout = &context.settings.layout;
    let sections = layout
        .sections
        .iter()
        .map(|section| {
            let buttons = match section.kind {
                SectionKind::Search => Vec::new(),
                SectionKind::LargeButtons => {
                    layout.buttons_of(ButtonSize::Large).map(|b| button_view(b, context)).collect()
                }
                SectionKind::SmallButtons => {
                    layout.buttons_of(ButtonSize::Small).map(|b| button_view(b, context)).collect()
                }
            };
            SectionView { kind: section.kind.as_str(), headline: section.headline.clone(), buttons }
        })
        .collect();
    let design = &context.settings.design;
    LandingPage {
        customer_name: context.customer_name,
        logo_url: context.logo_url.clone(),
        stylesheet: assets::PORTAL_STYLESHEET.to_string(),
        theme_url: assets::theme_stylesheet(&design.primary_color, &design.secondary_color),
        base_path: context.base_path.clone(),
        user_name: context.user_name,
        csrf: context.csrf,
        manager: context.manager,
        ticketing: context.settings.features.ticketing.enabled,
        preview: mode == Mode::Preview,
        sections,
        open_tickets: context.open_tickets,
        articles: context.articles,
    }
    .render()
}
