//! Demo data: a small MSP to explore Portico with, seeded only into an empty database.

use crate::domain::actor::Actor;
use crate::domain::customer::CustomerDraft;
use crate::domain::end_user::EndUserDraft;
use crate::domain::group::GroupDraft;
use crate::domain::team::{TeamMember, TeamMemberDraft};
use crate::store::Store;
use crate::usecases::team::{NewPassword, OneTimePassword};
use crate::usecases::{customers, end_users, groups, team};

pub const ADMIN_EMAIL: &str = "admin@demo-msp.example";

/// The admin sign-in printed after seeding.
pub struct DemoSignIn {
    pub email: String,
    pub password: String,
}

struct DemoCustomer {
    name: &'static str,
    contact: &'static str,
    /// (name, e-mail) of each end user.
    end_users: &'static [(&'static str, &'static str)],
}

const CUSTOMERS: &[DemoCustomer] = &[
    DemoCustomer {
        name: "Acme Corporation",
        contact: "it@acme.example",
        end_users: &[
            ("Ada Lovelace", "ada@acme.example"),
            ("Grace Hopper", "grace@acme.example"),
            ("Alan Turing", "alan@acme.example"),
        ],
    },
    DemoCustomer {
        name: "Globex",
        contact: "helpdesk@globex.example",
        end_users: &[("Hank Scorpio", "hank@globex.example"), ("Homer Simpson", "homer@globex.example")],
    },
    DemoCustomer {
        name: "Initech",
        contact: "office@initech.example",
        end_users: &[
            ("Peter Gibbons", "peter@initech.example"),
            ("Milton Waddams", "milton@initech.example"),
        ],
    },
    DemoCustomer {
        name: "Umbrella Health",
        contact: "ops@umbrella-health.example",
        end_users: &[("Alice Abernathy", "alice@umbrella-health.example")],
    },
];

/// Seeds the demo MSP when the database holds no team member and no customer; `None` otherwise.
pub async fn seed(store: &Store) -> anyhow::Result<Option<DemoSignIn>> {
    if store.count_team_members().await? > 0 || store.count_customers().await? > 0 {
        return Ok(None);
    }
    let actor = Actor::system();
    let (admin, OneTimePassword(password)) =
        member(store, &actor, ADMIN_EMAIL, "Dana Admin", "admin").await?;
    let (tech_a, _) = member(store, &actor, "sam@demo-msp.example", "Sam Technician", "technician").await?;
    let (tech_b, _) = member(store, &actor, "robin@demo-msp.example", "Robin Network", "technician").await?;

    let group = |name: &str, customer_id, manager_id, member_ids| GroupDraft {
        name: Some(name.to_string()),
        customer_id: Some(customer_id),
        manager_id: Some(manager_id),
        member_ids: Some(member_ids),
    };
    groups::create_group(
        store,
        &actor,
        group("Service Desk", None, Some(admin.id), vec![admin.id, tech_a.id]),
    )
    .await?;
    groups::create_group(store, &actor, group("Network Operations", None, Some(tech_b.id), vec![tech_b.id]))
        .await?;

    for (index, DemoCustomer { name, contact, end_users: people }) in CUSTOMERS.iter().enumerate() {
        let draft = CustomerDraft {
            name: Some(name.to_string()),
            contact_email: Some(Some(contact.to_string())),
            ..Default::default()
        };
        let customer = customers::create_customer(store, &actor, draft).await?;
        for (user_name, email) in people.iter() {
            let draft = EndUserDraft {
                name: Some(user_name.to_string()),
                email: Some(email.to_string()),
                active: None,
            };
            end_users::create_end_user(store, &actor, customer.id, draft).await?;
        }
        if index == 0 {
            let on_site = group(
                &format!("{name} On-site Support"),
                Some(customer.id),
                Some(tech_a.id),
                vec![tech_a.id, tech_b.id],
            );
            groups::create_group(store, &actor, on_site).await?;
        }
    }
    Ok(Some(DemoSignIn { email: admin.email.to_string(), password }))
}

async fn member(
    store: &Store,
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
    Ok(team::create_team_member(store, actor, draft, NewPassword::Generated).await?)
}
