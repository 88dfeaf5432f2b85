//! Demo data: a small MSP to explore Portico with, seeded only into an empty database.

use crate::cli::create_team_member;
use crate::domain::actor::Actor;
use crate::domain::customer::CustomerDraft;
use crate::domain::end_user::EndUserDraft;
use crate::domain::group::GroupDraft;
use crate::store::Store;

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
    let (admin, password) = create_team_member(store, ADMIN_EMAIL, "Dana Admin", "admin", None).await?;
    let (tech_a, _) =
        create_team_member(store, "sam@demo-msp.example", "Sam Technician", "technician", None).await?;
    let (tech_b, _) =
        create_team_member(store, "robin@demo-msp.example", "Robin Network", "technician", None).await?;

    let group = |name: &str, customer_id, manager_id, member_ids| GroupDraft {
        name: Some(name.to_string()),
        customer_id: Some(customer_id),
        manager_id: Some(manager_id),
        member_ids: Some(member_ids),
    };
    store
        .create_group(
            &group("Service Desk", None, Some(admin.id), vec![admin.id, tech_a.id]).into_new()?,
            &actor,
        )
        .await?;
    store
        .create_group(
            &group("Network Operations", None, Some(tech_b.id), vec![tech_b.id]).into_new()?,
            &actor,
        )
        .await?;

    for (index, DemoCustomer { name, contact, end_users }) in CUSTOMERS.iter().enumerate() {
        let draft = CustomerDraft {
            name: Some(name.to_string()),
            contact_email: Some(Some(contact.to_string())),
            ..Default::default()
        };
        let customer = store.create_customer(&draft.into_new()?, &actor).await?;
        for (user_name, email) in end_users.iter() {
            let draft = EndUserDraft {
                name: Some(user_name.to_string()),
                email: Some(email.to_string()),
                active: None,
            };
            store.create_end_user(customer.id, &draft.into_new()?, &actor).await?;
        }
        if index == 0 {
            let on_site = group(
                &format!("{name} On-site Support"),
                Some(customer.id),
                Some(tech_a.id),
                vec![tech_a.id, tech_b.id],
            );
            store.create_group(&on_site.into_new()?, &actor).await?;
        }
    }
    Ok(Some(DemoSignIn { email: admin.email.to_string(), password }))
}
