//! Each demo customer's portal: its colours, a logo drawn for it, its layout, links and
//! sign-in through the demo identity provider.

use std::io::Cursor;

use super::*;

/// Activates a customer's portal: colours, a logo, features, a layout with links, and sign-in
/// through the demo identity provider.
pub(super) async fn open_portal(
    cx: &Context,
    actor: &Actor,
    context: &DemoContext<'_>,
    customer_id: Uuid,
    demo: &DemoCustomer,
    receiving_group: Uuid,
    index: usize,
) -> anyhow::Result<()> {
    let current = portals::portal(cx, actor, customer_id).await?;
    let links: Vec<_> = demo
        .links
        .iter()
        .enumerate()
        .map(|(n, (label, url, description))| json!({"id": format!("link-{n}"), "label": label, "url": url, "description": description}))
        .collect();
    let mut buttons = vec![
        json!({"target": "submit_ticket", "size": "large", "label": "Report a problem", "description": "Something is broken or you need something"}),
        json!({"target": "knowledge_base", "size": "large", "label": "Find an answer", "description": "Guides written by your IT team"}),
        json!({"target": "my_tickets", "size": "small", "label": "My tickets", "description": ""}),
    ];
    for n in 0..demo.links.len() {
        buttons.push(json!({"target": format!("link:link-{n}"), "size": "small", "label": demo.links[n].0, "description": demo.links[n].2}));
    }
    // Each portal orders its sections its own way.
    let sections = match index % 3 {
        0 => vec![
            ("search", "How can we help?"),
            ("large_buttons", "Get help"),
            ("small_buttons", "Shortcuts"),
        ],
        1 => vec![("large_buttons", "What do you need?"), ("search", "Search"), ("small_buttons", "More")],
        _ => vec![
            ("search", "Search the help centre"),
            ("small_buttons", "Quick links"),
            ("large_buttons", "Ask us"),
        ],
    };
    let document = json!({
        "active": true,
        "slug": current.settings.slug.to_string(),
        "design": {"primary_color": demo.colours.0, "secondary_color": demo.colours.1},
        "features": {
            "ticketing": {"enabled": true, "default_assignment_group_id": receiving_group},
            "knowledge_base": {"enabled": true},
            "external_links": {"enabled": !links.is_empty(), "links": links},
        },
        "layout": {
            "sections": sections.iter().map(|(kind, headline)| json!({"kind": kind, "headline": headline})).collect::<Vec<_>>(),
            "buttons": buttons,
        },
    });
    let draft: PortalDraft = serde_json::from_value(document)?;
    let settings = draft.validate().map_err(|errors| anyhow::anyhow!("demo portal: {errors:?}"))?;
    let saved = portals::save_portal(cx, actor, customer_id, &settings, None, current.revision).await?;
    let logo = portico_core::logo::process(&logo_image(demo.colours, index))?;
    portals::set_logo(cx, actor, customer_id, Some(&logo), Some(saved.revision)).await?;

    let client_id = DemoIdp::client_id(customer_id);
    let sso_draft = SsoDraft {
        label: Some("Sign in with the demo identity provider".into()),
        provider: Some("oidc".into()),
        discovery_url: Some(Some(context.idp.discovery_url())),
        client_secret: Some(context.idp.client_secret(&client_id)),
        client_id: Some(client_id),
        scopes: Some("openid email profile".into()),
        enabled: Some(true),
        ..Default::default()
    };
    sso::create_sso_config(cx, actor, customer_id, sso_draft, None).await?;
    Ok(())
}

/// A simple two-colour mark, different per customer, as a PNG.
pub(super) fn logo_image((primary, secondary): (&str, &str), index: usize) -> Vec<u8> {
    let rgb = |hex: &str| {
        let value = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
        image::Rgba([(value >> 16) as u8, (value >> 8) as u8, value as u8, 255])
    };
    let (a, b) = (rgb(primary), rgb(secondary));
    let size = 160u32;
    let image = image::RgbaImage::from_fn(size, size, |x, y| {
        let (cx, cy) = (x as i32 - 80, y as i32 - 80);
        let inside = match index % 4 {
            0 => cx * cx + cy * cy < 70 * 70,
            1 => cx.abs() + cy.abs() < 75,
            2 => cx.abs() < 70 && cy.abs() < 70,
            _ => cy > -70 && cy < 70 && cx.abs() < (70 - cy) / 2 + 10,
        };
        let ring = (cx * cx + cy * cy) < 35 * 35;
        match (inside, ring) {
            (true, true) => b,
            (true, false) => a,
            _ => image::Rgba([0, 0, 0, 0]),
        }
    });
    let mut png = Vec::new();
    guaranteed(
        image::DynamicImage::ImageRgba8(image).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png),
        "a PNG can be written to memory",
    );
    png
}
