//! Demo data: a living MSP to explore Portico with, seeded only into an empty database —
//! customers with active portals in their own colours, logos, layouts and links, each signing
//! in through the built-in demo identity provider; tickets in every status with replies and
//! internal notes; knowledge base articles for all customers and for one; groups with members.
//! Everything goes through the same use cases as the console and the API.
//!
//! `portal_setup` opens each customer's portal in its colours; `content` writes the catalogue, the
//! articles and the conversations.

mod content;
mod portal_setup;

use serde_json::json;
use uuid::Uuid;

use portico_core::Context;
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

use self::content::{articles, catalogue, conversations};
use self::portal_setup::open_portal;

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

/// What seeding needs from the running server: its demo identity provider.
pub struct DemoContext<'a> {
    pub idp: &'a DemoIdp,
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
