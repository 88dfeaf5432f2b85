//! Demo data: a living MSP to explore Portico with, seeded only into an empty database —
//! customers with active portals in their own colours, logos, layouts and links, each signing
//! in through the built-in demo identity provider; tickets in every status with replies and
//! internal notes; knowledge base articles for all customers and for one; groups with members.
//! Everything goes through the same use cases as the console and the API.

use std::io::Cursor;

use serde_json::json;
use uuid::Uuid;

use portico_core::Context;
use portico_core::usecases::sso::SsoRules;
use portico_core::usecases::team::{NewPassword, OneTimePassword};
use portico_core::usecases::tickets::{TicketRequest, Visibility};
use portico_core::usecases::{customers, end_users, groups, kb, portals, sso, team, tickets};
use portico_domain::actor::Actor;
use portico_domain::customer::CustomerDraft;
use portico_domain::end_user::{EndUser, EndUserDraft};
use portico_domain::group::GroupDraft;
use portico_domain::invariant::guaranteed;
use portico_domain::kb::ArticleDraft;
use portico_domain::portal::draft::PortalDraft;
use portico_domain::sso::draft::SsoDraft;
use portico_domain::team::{TeamMember, TeamMemberDraft};
use portico_domain::ticket::TicketChanges;
use portico_domain::ticket::{ContactSource, Status, TicketDraft};
use portico_web::demo_idp::DemoIdp;

pub const ADMIN_EMAIL: &str = "admin@demo-msp.example";

/// The admin sign-in printed after seeding.
pub struct DemoSignIn {
    pub email: String,
    pub password: String,
}

struct DemoCustomer {
    name: &'static str,
    contact: &'static str,
    /// Primary and secondary colours of its portal.
    colours: (&'static str, &'static str),
    /// (name, e-mail) of each end user.
    end_users: &'static [(&'static str, &'static str)],
    /// (label, url, description) of its portal's external links.
    links: &'static [(&'static str, &'static str, &'static str)],
}

const CUSTOMERS: &[DemoCustomer] = &[
    DemoCustomer {
        name: "Acme Corporation",
        contact: "it@acme.example",
        colours: ("#1f4ed8", "#f59e0b"),
        end_users: &[
            ("Ada Lovelace", "ada@acme.example"),
            ("Grace Hopper", "grace@acme.example"),
            ("Alan Turing", "alan@acme.example"),
        ],
        links: &[
            ("Status page", "https://status.acme.example", "Outages and maintenance"),
            ("HR portal", "https://hr.acme.example", "Holidays, payslips and forms"),
        ],
    },
    DemoCustomer {
        name: "Globex",
        contact: "helpdesk@globex.example",
        colours: ("#0f766e", "#fde68a"),
        end_users: &[("Hank Scorpio", "hank@globex.example"), ("Homer Simpson", "homer@globex.example")],
        links: &[("Safety handbook", "https://safety.globex.example", "Read before entering the plant")],
    },
    DemoCustomer {
        name: "Initech",
        contact: "office@initech.example",
        colours: ("#6d28d9", "#e9d5ff"),
        end_users: &[
            ("Peter Gibbons", "peter@initech.example"),
            ("Milton Waddams", "milton@initech.example"),
        ],
        links: &[],
    },
    DemoCustomer {
        name: "Umbrella Health",
        contact: "ops@umbrella-health.example",
        colours: ("#b91c1c", "#111827"),
        end_users: &[("Alice Abernathy", "alice@umbrella-health.example")],
        links: &[("Clinical systems", "https://clinical.umbrella-health.example", "EHR and lab results")],
    },
];

/// What seeding needs from the running server: its demo identity provider and sealer.
pub struct DemoContext<'a> {
    pub idp: &'a DemoIdp,
    pub rules: SsoRules<'a>,
}

/// Seeds the demo MSP when the database holds no team member and no customer; `None` otherwise.
pub async fn seed(cx: &Context, context: &DemoContext<'_>) -> anyhow::Result<Option<DemoSignIn>> {
    if !portico_core::usecases::install::is_fresh(cx, &Actor::system()).await? {
        return Ok(None);
    }
    let actor = Actor::system();
    let (admin, OneTimePassword(password)) = member(cx, &actor, ADMIN_EMAIL, "Dana Admin", "admin").await?;
    let (sam, _) = member(cx, &actor, "sam@demo-msp.example", "Sam Technician", "technician").await?;
    let (robin, _) = member(cx, &actor, "robin@demo-msp.example", "Robin Network", "technician").await?;

    let group = |name: &str, customer_id, manager_id, member_ids| GroupDraft {
        name: Some(name.to_string()),
        customer_id: Some(customer_id),
        manager_id: Some(manager_id),
        member_ids: Some(member_ids),
    };
    let desk =
        groups::create_group(cx, &actor, group("Service Desk", None, Some(admin.id), vec![admin.id, sam.id]))
            .await?;
    groups::create_group(cx, &actor, group("Network Operations", None, Some(robin.id), vec![robin.id]))
        .await?;

    let mut people = Vec::new();
    for (index, demo) in CUSTOMERS.iter().enumerate() {
        let draft = CustomerDraft {
            name: Some(demo.name.to_string()),
            contact_email: Some(Some(demo.contact.to_string())),
            email_domains: demo.contact.rsplit_once('@').map(|(_, domain)| vec![domain.to_string()]),
            ..Default::default()
        };
        let customer = customers::create_customer(cx, &actor, draft).await?;
        let mut users = Vec::new();
        for (position, (user_name, email)) in demo.end_users.iter().enumerate() {
            // The first person of each customer manages it: sees all of its tickets and people.
            let role = if position == 0 { "manager" } else { "member" };
            let draft = EndUserDraft {
                name: Some(user_name.to_string()),
                email: Some(email.to_string()),
                role: Some(role.to_string()),
                ..Default::default()
            };
            users.push(end_users::create_end_user(cx, &actor, customer.id, draft).await?);
        }
        let receiving = if index == 0 {
            let on_site = group(
                &format!("{} On-site Support", demo.name),
                Some(customer.id),
                Some(sam.id),
                vec![sam.id, robin.id],
            );
            groups::create_group(cx, &actor, on_site).await?.id
        } else {
            desk.id
        };
        open_portal(cx, &actor, context, customer.id, demo, receiving, index).await?;
        people.push((customer.id, users));
    }
    articles(cx, &actor, people[0].0).await?;
    catalogue(cx, &actor, people[0].0, people.get(1).map(|p| p.0)).await?;
    conversations(cx, &people, (&sam, &robin, &admin)).await?;
    Ok(Some(DemoSignIn { email: admin.email.to_string(), password }))
}

/// A service catalogue: types for every customer (one with a conditional field), one for the
/// first customer only, and one the second customer hides.
async fn catalogue(cx: &Context, actor: &Actor, first: Uuid, second: Option<Uuid>) -> anyhow::Result<()> {
    use portico_core::usecases::request_types;
    use portico_domain::request_type::{Override, RequestTypeDraft};
    let types = [
        json!({"name": "New laptop", "icon": "💻", "category": "Hardware",
        "description": "A new or replacement laptop, set up and ready to use.",
        "fields": [
            {"key": "model", "label": "Model", "kind": "select", "required": true,
             "options": ["Standard (14\")", "Developer (16\")", "Something else"]},
            {"key": "other_model", "label": "Which model do you need?", "kind": "text", "required": true,
             "show_when": {"field": "model", "equals": "Something else"}},
            {"key": "extras", "label": "Extras", "kind": "multiselect", "options": ["Docking station", "Headset", "Bag"]},
            {"key": "needed_by", "label": "Needed by", "kind": "date", "required": true},
            {"key": "replaces", "label": "It replaces a broken laptop", "kind": "checkbox"}
        ]}),
        json!({"name": "New starter", "icon": "👋", "category": "Accounts", "default_urgency": "high",
        "description": "Accounts, e-mail and equipment for someone joining.",
        "fields": [
            {"key": "name", "label": "Their full name", "kind": "text", "required": true},
            {"key": "start", "label": "First day", "kind": "date", "required": true},
            {"key": "manager", "label": "Their manager's e-mail address", "kind": "email", "required": true},
            {"key": "systems", "label": "Systems they need", "kind": "multiselect",
             "options": ["E-mail", "CRM", "Accounting", "VPN"]},
            {"key": "notes", "label": "Anything else we should know", "kind": "textarea"}
        ]}),
        json!({"name": "Password reset", "icon": "🔑", "category": "Accounts",
        "description": "Locked out, or a password that expired.",
        "fields": [
            {"key": "system", "label": "Which system", "kind": "select", "required": true,
             "options": ["Windows sign-in", "E-mail", "VPN", "Other"]},
            {"key": "reach", "label": "A phone number we can call you on", "kind": "text"}
        ]}),
        json!({"name": "Report an outage", "icon": "🚨", "category": "Problems", "ticket_type": "incident",
        "default_urgency": "high", "description": "Something many people depend on is down.",
        "fields": [
            {"key": "service", "label": "What is down", "kind": "text", "required": true},
            {"key": "affected", "label": "How many people are affected", "kind": "number"},
            {"key": "since", "label": "Since when", "kind": "text", "help": "For example: since 9:30 this morning."}
        ]}),
    ];
    let mut created = Vec::new();
    for body in types {
        let draft: RequestTypeDraft = serde_json::from_value(body)?;
        created.push(request_types::create_request_type(cx, actor, draft).await?);
    }
    let own: RequestTypeDraft = serde_json::from_value(json!({
    "name": "Visitor badge", "icon": "🪪", "category": "Facilities", "customer_ids": [first],
    "description": "A badge for a visitor to the office.",
    "fields": [
        {"key": "visitor", "label": "Visitor's name", "kind": "text", "required": true},
        {"key": "day", "label": "Day of the visit", "kind": "date", "required": true}
    ]}))?;
    request_types::create_request_type(cx, actor, own).await?;
    if let Some(second) = second {
        let hidden = Override { hidden: true, assignment_group_id: None };
        request_types::tailor(cx, actor, second, created[1].id, hidden).await?;
    }
    Ok(())
}

/// Activates a customer's portal: colours, a logo, features, a layout with links, and sign-in
/// through the demo identity provider.
async fn open_portal(
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
    sso::create_sso_config(cx, &context.rules, actor, customer_id, sso_draft, None).await?;
    Ok(())
}

/// A simple two-colour mark, different per customer, as a PNG.
fn logo_image((primary, secondary): (&str, &str), index: usize) -> Vec<u8> {
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

async fn articles(cx: &Context, actor: &Actor, acme: Uuid) -> anyhow::Result<()> {
    let article = |title: &str, body: &str, customers: Option<Vec<Uuid>>| ArticleDraft {
        title: Some(title.to_string()),
        body: Some(body.to_string()),
        published: Some(true),
        all_customers: Some(customers.is_none()),
        customer_ids: customers,
    };
    let all = [
        (
            "Reset your password",
            "If you forgot your password:\n\n1. Open the sign-in page of your company account.\n2. Choose **Forgot password**.\n3. Follow the link in the e-mail you receive within a few minutes.\n\nStill locked out? [Submit a ticket](../tickets/new) and we will help.",
        ),
        (
            "Connect to the VPN from home",
            "Install the VPN client from the software centre, then sign in with your company account.\n\n- Keep the client up to date.\n- If it drops every hour, restart it and tell us the time it happened.",
        ),
        (
            "Set up e-mail on your phone",
            "Add an **Exchange** or **Microsoft 365** account and sign in with your company address. Your phone may ask you to allow device management: accept it.",
        ),
        (
            "What to include in a ticket",
            "Tell us what you tried to do, what happened instead, and since when. A **screenshot** of the error helps most: attach it to the ticket.",
        ),
        (
            "Printer shows 'paper jam' but there is none",
            "Open every tray and the back door, remove any torn scraps, then switch the printer off and on. If the message stays, submit a ticket with the printer's name.",
        ),
    ];
    for (title, body) in all {
        kb::create_article(cx, actor, article(title, body, None)).await?;
    }
    kb::create_article(
        cx,
        actor,
        article(
            "Acme: book a meeting room",
            "Meeting rooms are booked in the Acme calendar. The large room on floor 2 has a video bar: start a meeting from its touch panel.",
            Some(vec![acme]),
        ),
    )
    .await?;
    Ok(())
}

/// Tickets in every status, with replies from both sides and internal notes.
async fn conversations(
    cx: &Context,
    people: &[(Uuid, Vec<EndUser>)],
    (sam, robin, admin): (&TeamMember, &TeamMember, &TeamMember),
) -> anyhow::Result<()> {
    let tech = |member: &TeamMember| Actor::team_member(member.id, &member.name, member.role);
    struct Story {
        customer: usize,
        person: usize,
        summary: &'static str,
        details: &'static str,
        urgency: &'static str,
        replies: &'static [(bool, &'static str)],
        status: Status,
    }
    // (from the team?, text); notes start with "Note: " and are internal.
    let stories = [
        Story {
            customer: 0,
            person: 0,
            summary: "Laptop will not charge",
            details: "The light on the charger stays off since this morning.",
            urgency: "high",
            replies: &[
                (true, "Please try another socket; we are bringing a spare charger."),
                (false, "Another socket did not help."),
                (true, "Note: order a replacement charger (model 65W USB-C)."),
            ],
            status: Status::InProgress,
        },
        Story {
            customer: 0,
            person: 1,
            summary: "Access to the finance share",
            details: "I moved to the finance team and need the finance folder.",
            urgency: "medium",
            replies: &[
                (true, "Note: waiting for approval from the finance lead."),
                (true, "We asked your manager to approve the access."),
            ],
            status: Status::OnHold,
        },
        Story {
            customer: 0,
            person: 2,
            summary: "VPN drops every hour",
            details: "At home the VPN disconnects on the hour, every hour.",
            urgency: "medium",
            replies: &[
                (true, "We updated the VPN profile; please restart the client."),
                (false, "It has stayed up all day now. Thanks!"),
            ],
            status: Status::Resolved,
        },
        Story {
            customer: 1,
            person: 0,
            summary: "New starter: laptop and accounts",
            details: "Marge starts on Monday and needs a laptop, e-mail and a badge.",
            urgency: "medium",
            replies: &[],
            status: Status::New,
        },
        Story {
            customer: 1,
            person: 1,
            summary: "Printer on floor 2 is jammed",
            details: "It says paper jam but there is no paper stuck.",
            urgency: "low",
            replies: &[(true, "The fuser was worn; we replaced it."), (false, "Printing works again.")],
            status: Status::Closed,
        },
        Story {
            customer: 2,
            person: 0,
            summary: "Cannot open the TPS report template",
            details: "Word says the file is corrupt.",
            urgency: "low",
            replies: &[(true, "Note: the template on the share is from 2009; ask the office for a new one.")],
            status: Status::New,
        },
        Story {
            customer: 2,
            person: 1,
            summary: "My stapler was taken",
            details: "It is a red Swingline.",
            urgency: "high",
            replies: &[
                (true, "That is for facilities, but we have asked them for you."),
                (false, "Thank you."),
            ],
            status: Status::InProgress,
        },
        Story {
            customer: 3,
            person: 0,
            summary: "Lab results system is slow",
            details: "Opening a patient's results takes over a minute.",
            urgency: "high",
            replies: &[
                (true, "Note: database server at 95% CPU; escalated to network operations."),
                (true, "We found the cause and are fixing it tonight."),
            ],
            status: Status::InProgress,
        },
    ];
    for (n, story) in stories.iter().enumerate() {
        let (customer_id, users) = &people[story.customer];
        let requester = &users[story.person.min(users.len() - 1)];
        let as_requester = Actor::end_user(requester);
        let request = TicketRequest {
            draft: TicketDraft {
                kind: Some(if n % 3 == 0 { "service_request" } else { "incident" }.into()),
                short_description: Some(story.summary.into()),
                description: Some(story.details.into()),
                urgency: Some(story.urgency.into()),
            },
            customer_id: *customer_id,
            requester_id: requester.id,
            assignment_group_id: None,
            source: if n % 2 == 0 { ContactSource::Portal } else { ContactSource::Email },
            submission_key: None,
            typed: None,
        };
        let ticket = tickets::submit_ticket(cx, &as_requester, request).await?.ticket;
        let helper = if story.customer == 3 { robin } else { sam };
        for (from_team, text) in story.replies {
            match (from_team, text.strip_prefix("Note: ")) {
                (true, Some(note)) => {
                    tickets::comment(cx, &tech(admin), ticket.id, note, Visibility::Internal).await?;
                }
                (true, None) => {
                    tickets::comment(cx, &tech(helper), ticket.id, text, Visibility::Public).await?;
                }
                (false, _) => {
                    tickets::comment(cx, &as_requester, ticket.id, text, Visibility::Public).await?;
                }
            }
        }
        if story.status != Status::New {
            let changes = TicketChanges { status: Some(story.status), ..Default::default() };
            tickets::update_ticket(cx, &tech(helper), ticket.id, changes).await?;
        }
    }
    Ok(())
}

/// The active portals and their addresses, to print at start.
pub async fn portal_addresses(cx: &Context) -> anyhow::Result<Vec<(String, String)>> {
    let actor = Actor::system();
    let page =
        portico_domain::page::PageRequest::parse(None, Some(50)).map_err(|bad| anyhow::anyhow!("{bad:?}"))?;
    let customers = customers::list_customers(cx, &actor, &Default::default(), &page).await?;
    let mut found = Vec::new();
    for customer in customers.items {
        let portal = portals::portal(cx, &actor, customer.id).await?;
        if portal.settings.active {
            found.push((customer.name, cx.config().portal_url(&portal.settings)));
        }
    }
    Ok(found)
}

async fn member(
    cx: &Context,
    actor: &Actor,
    email: &str,
    name: &str,
    role: &str,
) -> anyhow::Result<(TeamMember, OneTimePassword)> {
    let draft = TeamMemberDraft {
        email: Some(email.to_string()),
        name: Some(name.to_string()),
        role: Some(role.to_string()),
        active: None,
    };
    Ok(team::create_team_member(cx, actor, draft, NewPassword::Generated).await?)
}
