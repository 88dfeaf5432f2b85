//! What the demo MSP has to show: a catalogue of request types, knowledge base articles, and
//! tickets in every state with their conversations.

use super::*;

/// A service catalogue: types for every customer (one with a conditional field), one for the
/// first customer only, and one the second customer hides.
pub(super) async fn catalogue(
    cx: &Context,
    actor: &Actor,
    first: Uuid,
    second: Option<Uuid>,
) -> anyhow::Result<()> {
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

pub(super) async fn articles(cx: &Context, actor: &Actor, acme: Uuid) -> anyhow::Result<()> {
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
pub(super) async fn conversations(
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
