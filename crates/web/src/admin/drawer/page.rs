//! The drawer as a page: what it shows at each step (settings, layout, sign-in, revisions), where
//! a refused field is, and the portal's address as the drawer reads it.

use super::*;

/// A group the default-group select offers.
pub struct GroupOption {
    pub id: String,
    pub name: String,
    pub global: bool,
}

/// An SSO configuration as the drawer lists it.
pub struct SsoSummary {
    pub label: String,
    pub provider_title: &'static str,
    pub enabled: bool,
    pub redirect_uri: String,
    pub secret_warning: Option<String>,
    pub edit_url: String,
    /// It signs in through Portico's built-in demo identity provider.
    pub demo: bool,
    pub last_failure: Option<crate::admin::sso::FailureRow>,
}

/// Someone saved while this form was open.
pub struct Conflict {
    pub newer: Vec<PortalRevision>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/drawer.html")]
pub(super) struct DrawerPage {
    pub(super) nav: Nav,
    pub(super) customer: Customer,
    pub(super) state: DrawerState,
    pub(super) step: u8,
    pub(super) errors: ValidationErrors,
    pub(super) error_summary: Vec<(String, String)>,
    pub(super) notice: Option<String>,
    pub(super) conflict: Option<Conflict>,
    pub(super) groups: Vec<GroupOption>,
    pub(super) url_prefix: String,
    pub(super) url_suffix: String,
    /// The address to share, or why there is none yet.
    pub(super) portal_url: Result<String, &'static str>,
    pub(super) contrast_warning: Option<String>,
    pub(super) logo_url: Option<String>,
    pub(super) revisions: Vec<PortalRevision>,
    pub(super) sso_configs: Vec<SsoSummary>,
    pub(super) has_enabled_sso: bool,
    pub(super) sign_in_conflicts: Vec<SignInConflict>,
    pub(super) read_only: bool,
    pub(super) action_url: String,
    pub(super) preview_url: String,
    /// The request types offered to this customer: (button target, name), for adding buttons.
    pub(super) request_types: Vec<(String, String)>,
}

/// A refused sign-in that may have been an attempt to take over an end user's account.
pub(super) struct SignInConflict {
    pub(super) at: String,
    pub(super) at_text: String,
    pub(super) summary: String,
}

pub(super) const CONFLICT_TIME: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

impl DrawerPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }

    fn link_error(&self, index: &usize, field: &str) -> &str {
        self.error(&format!("features.external_links.links[{index}].{field}"))
    }

    fn button_error(&self, index: &usize, field: &str) -> &str {
        self.error(&format!("layout.buttons[{index}].{field}"))
    }

    fn section_error(&self, index: &usize, field: &str) -> &str {
        self.error(&format!("layout.sections[{index}].{field}"))
    }

    fn target_title(&self, target: &str) -> String {
        match self.request_types.iter().find(|(t, _)| t == target) {
            Some((_, name)) => format!("Request type: {name}"),
            None => self.state.target_title(target),
        }
    }

    /// Whether a button opens a request type (such buttons can be removed).
    fn is_request_button(&self, target: &str) -> bool {
        target.starts_with("request_type:")
    }

    /// Request types without a button yet.
    fn addable_request_types(&self) -> Vec<&(String, String)> {
        self.request_types
            .iter()
            .filter(|(t, _)| !self.state.buttons.iter().any(|b| &b.target == t))
            .collect()
    }

    fn section_title(&self, kind: &str) -> &'static str {
        DrawerState::section_title(kind)
    }

    fn picker(&self, colour: &str) -> String {
        state::picker_value(colour)
    }

    fn group_selected(&self, id: &str) -> bool {
        self.state.ticketing_group == id
    }
}

/// The request types offered to the customer, for the layout's buttons.
pub(super) async fn offered_types(
    app: &AppState,
    user: &ConsoleUser,
    customer_id: Uuid,
) -> PageResult<Vec<portico_domain::request_type::Offered>> {
    Ok(portico_core::usecases::request_types::catalogue(&app.core, &user.actor(), customer_id)
        .await
        .map_err(AppError::from)?)
}

/// Adds a button for the chosen request type, named and described as the type is; a type
/// not offered to the customer, or one with a button already, adds nothing.
pub(super) async fn add_request_button(
    app: &AppState,
    user: &ConsoleUser,
    customer_id: Uuid,
    state: &mut DrawerState,
    chosen: &str,
) -> PageResult<()> {
    let offered = offered_types(app, user, customer_id).await?;
    let Some(found) = offered.into_iter().find(|o| format!("request_type:{}", o.request_type.id) == chosen)
    else {
        return Ok(());
    };
    if state.buttons.iter().any(|b| b.target == chosen) {
        return Ok(());
    }
    let settings = &found.request_type.settings;
    state.buttons.push(state::ButtonRow {
        target: chosen.to_string(),
        size: "small".into(),
        label: settings.name.chars().take(portico_domain::portal::layout::LABEL_MAX).collect(),
        description: settings
            .description
            .replace(['\n', '\r'], " ")
            .chars()
            .take(portico_domain::portal::layout::DESCRIPTION_MAX)
            .collect(),
    });
    Ok(())
}

/// Where a field's input is, for the error summary's links; and what people call it.
pub(super) fn locate(field: &str) -> (String, String) {
    let indexed = |prefix: &str| -> Option<(usize, String)> {
        let rest = field.strip_prefix(prefix)?;
        let (index, name) = rest.split_once("].")?;
        Some((index.parse().ok()?, name.to_string()))
    };
    if let Some((i, name)) = indexed("features.external_links.links[") {
        return (format!("link-{i}-{name}"), format!("External link {} {name}", i + 1));
    }
    if let Some((i, name)) = indexed("layout.buttons[") {
        return (format!("button-{i}-{name}"), format!("Button {} {name}", i + 1));
    }
    if let Some((i, name)) = indexed("layout.sections[") {
        return (format!("section-{i}-{name}"), format!("Section {} {name}", i + 1));
    }
    let (anchor, label) = match field {
        "slug" => ("slug", "Portal URL"),
        "custom_domain" => ("custom_domain", "Custom domain"),
        "design.primary_color" => ("primary_color", "Primary colour"),
        "design.secondary_color" => ("secondary_color", "Secondary colour"),
        "features.ticketing.default_assignment_group_id" => ("ticketing_group", "Default assignment group"),
        "features.external_links.links" => ("links", "External links"),
        "layout.sections" => ("sections", "Sections"),
        "logo" => ("logo", "Logo"),
        other => (other, other),
    };
    (anchor.to_string(), label.to_string())
}

/// Layout errors show on step 2, everything else on step 1.
pub(super) fn step_for(errors: &ValidationErrors) -> u8 {
    if !errors.is_empty() && errors.errors().iter().all(|e| e.field.starts_with("layout.")) { 2 } else { 1 }
}

pub(super) async fn usable_groups(
    state: &AppState,
    actor: &Actor,
    customer_id: Uuid,
) -> PageResult<Vec<GroupOption>> {
    let groups = crate::admin::directory::groups(state, actor, Some(customer_id)).await?;
    Ok(groups
        .into_iter()
        .map(|g| GroupOption { id: g.id.to_string(), global: g.customer_id.is_none(), name: g.name })
        .collect())
}

pub(super) struct View {
    pub(super) state: DrawerState,
    pub(super) step: u8,
    pub(super) errors: ValidationErrors,
    pub(super) notice: Option<String>,
    pub(super) conflict: Option<Conflict>,
}

pub(super) async fn render(
    app: &AppState,
    user: &ConsoleUser,
    customer: Customer,
    view: View,
) -> PageResult<Response> {
    let state = view.state;
    // The same address the API and the portal use, from the drawer's unsaved state; while the
    // custom domain (or, without one, the slug) is invalid, no address but a note saying why:
    // never a made-up one, and never the portal's own while another was asked for.
    let addressing = app.config.addressing();
    let (url_prefix, url_suffix) = addressing.around_slug();
    let portal_url = shared_address(&addressing, &state);
    let contrast_warning = match (
        Colour::parse("primary", &state.primary_color),
        Colour::parse("secondary", &state.secondary_color),
    ) {
        (Ok(primary), Ok(secondary)) => Theme::new(primary, secondary).weak_pair_warning(),
        _ => None,
    };
    let error_summary = view
        .errors
        .errors()
        .iter()
        .map(|e| {
            // Messages are sentences that name their field; the link goes to it.
            let (anchor, _) = locate(&e.field);
            (anchor, e.message.clone())
        })
        .collect();
    let status = if view.conflict.is_some() {
        StatusCode::CONFLICT
    } else if view.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let stored = portals::portal(&app.core, &user.actor(), customer.id).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let sso_configs: Vec<SsoSummary> = sso::sso_configs(&app.core, &user.actor(), customer.id)
        .await?
        .into_iter()
        .map(|config| SsoSummary {
            label: config.settings.label.clone(),
            provider_title: config.settings.provider.title(),
            enabled: config.settings.enabled,
            redirect_uri: app.config.sso_redirect_uri(&stored.settings, config.id),
            secret_warning: config.settings.secret_warning(today),
            edit_url: paths::customer_sso(customer.id, config.id),
            demo: crate::demo_idp::is_demo_discovery(
                &app.config.public_url,
                &config.settings.discovery_url(),
            ),
            last_failure: config.last_failure.as_ref().map(crate::admin::sso::FailureRow::of),
        })
        .collect();
    let has_enabled_sso = sso_configs.iter().any(|c| c.enabled);
    let sign_in_conflicts =
        history::customer_events(&app.core, &user.actor(), customer.id, EventKind::EndUserSignInConflict, 5)
            .await?
            .into_iter()
            .map(|event| SignInConflict {
                at: event.at.format(&Rfc3339).unwrap_or_default(),
                at_text: event.at.format(CONFLICT_TIME).unwrap_or_default(),
                summary: format!("{} (end user {})", event.summary(), event.subject_id),
            })
            .collect();
    let request_types = offered_types(app, user, customer.id)
        .await?
        .into_iter()
        .map(|offered| {
            (format!("request_type:{}", offered.request_type.id), offered.request_type.settings.name)
        })
        .collect();
    let page = DrawerPage {
        request_types,
        sign_in_conflicts,
        nav: user.nav("customers"),
        sso_configs,
        groups: usable_groups(app, &user.actor(), customer.id).await?,
        revisions: portals::portal_revisions(&app.core, &user.actor(), customer.id).await?,
        logo_url: (!state.logo_id.is_empty()).then(|| paths::logo(&state.logo_id)),
        action_url: paths::customer_portal(customer.id),
        preview_url: paths::customer_portal_preview(customer.id),
        read_only: !user.member.role.may_change_settings(),
        has_enabled_sso,
        customer,
        state,
        step: view.step,
        errors: view.errors,
        error_summary,
        notice: view.notice,
        conflict: view.conflict,
        url_prefix,
        url_suffix,
        portal_url,
        contrast_warning,
    };
    Ok((status, page).into_response())
}

/// The address to share for the drawer's state, or why there is none yet.
pub(super) fn shared_address(
    addressing: &PortalAddressing,
    state: &DrawerState,
) -> Result<String, &'static str> {
    let typed_domain = state.custom_domain.trim();
    if !typed_domain.is_empty() {
        return Hostname::parse("custom_domain", typed_domain)
            .map(|domain| format!("https://{}/", domain.as_str()))
            .map_err(|_| NO_ADDRESS_DOMAIN);
    }
    Slug::parse("slug", &state.slug)
        .map(|slug| addressing.address(&slug, None).url())
        .map_err(|_| NO_ADDRESS_SLUG)
}

pub const NO_ADDRESS_DOMAIN: &str = "None yet: the custom domain is not a valid host name.";
pub const NO_ADDRESS_SLUG: &str = "None yet: the Portal URL is not valid.";
