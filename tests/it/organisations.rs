//! Customer organisations: members, followers and managers. The visibility matrix runs every
//! kind of end user against every ticket route; managers look after their people; followers
//! share, reply and hear of the ticket. Both databases, the real OpenID provider.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::html_form::{form_pairs, value};
use crate::idp::{SsoPortal, TestIdp, Visitor};
use crate::smtp::{SmtpOptions, TestSmtp};
use crate::support::{Backend, TestApp, events_settled, on_both_backends};
use crate::tickets::{submit, ticketing_portal};

on_both_backends!(
    every_kind_of_end_user_sees_exactly_the_tickets_it_should_on_every_route,
    followers_are_shared_with_reply_and_hear_of_the_ticket,
    managers_invite_deactivate_and_reactivate_their_people,
    invitations_reach_only_the_customers_own_people_and_are_limited,
    roles_are_set_by_the_team_in_the_api_and_the_console,
    the_team_shares_tickets_in_the_console,
);

fn accounts() -> Value {
    let person = |email: &str, name: &str| json!({"email": email, "email_verified": true, "name": name});
    json!({
        "ada": person("ada@acme.example", "Ada Asker"),
        "lin": person("lin@acme.example", "Lin Follower"),
        "max": person("max@acme.example", "Max Member"),
        "mia": person("mia@acme.example", "Mia Manager"),
        "dee": person("dee@acme.example", "Dee Deactivated"),
        "zed": person("zed@globex.example", "Zed Elsewhere"),
    })
}

/// Signs `account` in at `portal` and returns the visitor and their end user's id.
async fn signed_in(app: &TestApp, portal: &SsoPortal, account: &str) -> (Visitor, String) {
    let visitor = Visitor::new(app);
    let (status, page, _) = visitor.sign_in(portal, account).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, users) = app
        .get_json(&format!("/customers/{}/end-users?q={account}", portal.customer_id), &app.admin.token)
        .await;
    let id = users["items"][0]["id"].as_str().unwrap_or_else(|| panic!("{account}: {users}")).to_string();
    (visitor, id)
}

async fn make_manager(app: &TestApp, end_user_id: &str) {
    let (status, user) = app
        .patch_json(&format!("/end-users/{end_user_id}"), &app.admin.token, json!({"role": "manager"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["role"], "manager");
    assert_eq!(user["role_source"], "team");
}

async fn get(visitor: &Visitor, portal: &SsoPortal, path: &str) -> (StatusCode, String) {
    let response = visitor.client.get(format!("{}{}", visitor.base, portal.path(path))).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// A form post from a portal page, with the session's CSRF token.
async fn post(
    visitor: &Visitor,
    portal: &SsoPortal,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, page) = get(visitor, portal, "/").await;
    let csrf = value(&form_pairs(&page, "sign-out"), "_csrf").to_string();
    let mut form = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    visitor.client.post(format!("{}{}", visitor.base, portal.path(path))).form(&form).send().await.unwrap()
}

async fn every_kind_of_end_user_sees_exactly_the_tickets_it_should_on_every_route(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let app = TestApp::spawn(backend).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    let (globex, _) = ticketing_portal(&app, &idp, "Globex").await;
    let (ada, _) = signed_in(&app, &acme, "ada").await;
    let (lin, lin_id) = signed_in(&app, &acme, "lin").await;
    let (max, _) = signed_in(&app, &acme, "max").await;
    let (mia, mia_id) = signed_in(&app, &acme, "mia").await;
    let (dee, dee_id) = signed_in(&app, &acme, "dee").await;
    let (zed, zed_id) = signed_in(&app, &globex, "zed").await;
    make_manager(&app, &mia_id).await;
    make_manager(&app, &zed_id).await;

    let submitted =
        submit(&ada, &acme, &[("type", "incident"), ("short_description", "Quarterly report printer")]).await;
    let ticket_path = crate::support::location(&submitted);
    let ticket_id = ticket_path.split('?').next().unwrap().rsplit('/').next().unwrap().to_string();
    let (status, file) = crate::attachments::upload(
        &app,
        &app.technician.token,
        &ticket_id,
        "toner.txt",
        b"toner levels".to_vec(),
        Some("true"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let file_id = file["id"].as_str().unwrap().to_string();
    // Ada shares it with Lin and with Dee; Dee is then deactivated.
    for email in ["lin@acme.example", "dee@acme.example"] {
        let shared = post(&ada, &acme, &format!("/tickets/{ticket_id}/followers"), &[("email", email)]).await;
        assert_eq!(shared.status(), StatusCode::SEE_OTHER, "{email}");
    }
    let (status, _) =
        app.patch_json(&format!("/end-users/{dee_id}"), &app.admin.token, json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK);

    struct Expect {
        who: &'static str,
        sees: bool,
        in_my_list: bool,
        company: Option<bool>,
        may_share: bool,
    }
    let cases = [
        (
            &ada,
            &acme,
            Expect { who: "requester", sees: true, in_my_list: true, company: None, may_share: true },
        ),
        (
            &lin,
            &acme,
            Expect { who: "follower", sees: true, in_my_list: true, company: None, may_share: false },
        ),
        (
            &max,
            &acme,
            Expect { who: "member", sees: false, in_my_list: false, company: None, may_share: false },
        ),
        (
            &mia,
            &acme,
            Expect { who: "manager", sees: true, in_my_list: false, company: Some(true), may_share: true },
        ),
        (
            &zed,
            &globex,
            Expect {
                who: "other manager",
                sees: false,
                in_my_list: false,
                company: Some(false),
                may_share: false,
            },
        ),
    ];
    for (visitor, portal, expect) in cases {
        let who = expect.who;
        let (_, home) = get(visitor, portal, "/").await;
        assert_eq!(home.contains("Company tickets</a>"), expect.company.is_some(), "{who}: the header");
        let (status, page) = get(visitor, portal, &format!("/tickets/{ticket_id}")).await;
        let expected = if expect.sees { StatusCode::OK } else { StatusCode::NOT_FOUND };
        assert_eq!(status, expected, "{who}: the ticket page");
        assert_eq!(page.contains("Quarterly report printer"), expect.sees, "{who}");
        let (_, mine) = get(visitor, portal, "/tickets").await;
        assert_eq!(mine.contains("Quarterly report printer"), expect.in_my_list, "{who}: my tickets");
        if who == "follower" {
            assert!(mine.contains("shared by Ada Asker"), "{mine}");
        }
        let (status, company) = get(visitor, portal, "/company/tickets").await;
        match expect.company {
            Some(listed) => {
                assert_eq!(status, StatusCode::OK, "{who}: company tickets");
                assert_eq!(company.contains("Quarterly report printer"), listed, "{who}: company tickets");
            }
            None => assert_eq!(status, StatusCode::NOT_FOUND, "{who}: company tickets are not theirs"),
        }
        let (_, found) = get(visitor, portal, "/search?q=quarterly").await;
        assert_eq!(found.contains("Quarterly report printer"), expect.sees, "{who}: search");
        let (status, _) = get(visitor, portal, &format!("/tickets/{ticket_id}/files/{file_id}")).await;
        assert_eq!(status, expected, "{who}: the file");
        let reply_text = format!("a reply from the {who}");
        let reply = post(
            visitor,
            portal,
            &format!("/tickets/{ticket_id}/comments"),
            &[("body", reply_text.as_str())],
        )
        .await;
        let expected_post = if expect.sees { StatusCode::SEE_OTHER } else { StatusCode::NOT_FOUND };
        assert_eq!(reply.status(), expected_post, "{who}: replying");
        let share = post(
            visitor,
            portal,
            &format!("/tickets/{ticket_id}/followers"),
            &[("email", "max@acme.example")],
        )
        .await;
        let expected_share = match (expect.sees, expect.may_share) {
            (false, _) => StatusCode::NOT_FOUND,
            (true, true) => StatusCode::SEE_OTHER,
            (true, false) => StatusCode::FORBIDDEN,
        };
        assert_eq!(share.status(), expected_share, "{who}: sharing");
        if expect.may_share {
            // Undo it, so Max stays uninvolved for the rows that follow.
            let (_, users) = app
                .get_json(&format!("/customers/{}/end-users?q=max", acme.customer_id), &app.admin.token)
                .await;
            let max_id = users["items"][0]["id"].as_str().unwrap();
            let removed =
                post(visitor, portal, &format!("/tickets/{ticket_id}/followers/{max_id}/remove"), &[]).await;
            assert_eq!(removed.status(), StatusCode::SEE_OTHER, "{who}: unsharing");
        }
        // End users' sessions never open the API.
        let api =
            visitor.client.get(format!("{}/api/v1/tickets/{ticket_id}", visitor.base)).send().await.unwrap();
        assert_eq!(api.status(), StatusCode::UNAUTHORIZED, "{who}: the API");
    }
    // The status route: the follower closes it, the uninvolved member cannot reopen it.
    let closed = post(&lin, &acme, &format!("/tickets/{ticket_id}/status"), &[("action", "close")]).await;
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    let reopen = post(&max, &acme, &format!("/tickets/{ticket_id}/status"), &[("action", "reopen")]).await;
    assert_eq!(reopen.status(), StatusCode::NOT_FOUND);
    let (_, ticket) = app.get_json(&format!("/tickets/{ticket_id}"), &app.admin.token).await;
    assert_eq!(ticket["status"], "closed");
    // The deactivated follower's session ended: nothing of the ticket, only the way to sign in.
    let (status, page) = get(&dee, &acme, &format!("/tickets/{ticket_id}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session-ended page: {page}");
    assert!(!page.contains("Quarterly report printer"));
    // Exactly the replies of those who may see it landed, in order.
    let (_, comments) = app.get_json(&format!("/tickets/{ticket_id}/comments"), &app.admin.token).await;
    let bodies: Vec<&str> =
        comments["items"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(
        bodies,
        ["a reply from the requester", "a reply from the follower", "a reply from the manager"]
    );
    // Lin stops following: the ticket is gone from Lin's view.
    let stopped = post(&lin, &acme, &format!("/tickets/{ticket_id}/followers/{lin_id}/remove"), &[]).await;
    assert_eq!(stopped.status(), StatusCode::SEE_OTHER);
    assert!(crate::support::location(&stopped).ends_with("/tickets"));
    assert_eq!(get(&lin, &acme, &format!("/tickets/{ticket_id}")).await.0, StatusCode::NOT_FOUND);
}

async fn followers_are_shared_with_reply_and_hear_of_the_ticket(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let Some(smtp) = TestSmtp::start(SmtpOptions::default()).await else { return };
    let settings = smtp.settings();
    let app = TestApp::spawn_with(backend, |config| config.mail = settings).await;
    let (acme, _) = ticketing_portal(&app, &idp, "Acme").await;
    let (ada, ada_id) = signed_in(&app, &acme, "ada").await;
    let (lin, lin_id) = signed_in(&app, &acme, "lin").await;
    let (_, globex_zed) = {
        let (globex, _) = ticketing_portal(&app, &idp, "Globex").await;
        signed_in(&app, &globex, "zed").await
    };
    let submitted = submit(&ada, &acme, &[("type", "incident"), ("short_description", "VPN drops")]).await;
    let ticket_id = crate::support::location(&submitted)
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();

    // Nobody outside the customer, no unknown address, no deactivated colleague.
    for (email, message) in [
        ("zed@globex.example", "belongs to no active colleague"),
        ("nobody@acme.example", "belongs to no active colleague"),
        ("not an address", "e-mail address"),
    ] {
        let refused =
            post(&ada, &acme, &format!("/tickets/{ticket_id}/followers"), &[("email", email)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{email}");
        let page = refused.text().await.unwrap();
        assert!(page.contains(message), "{email}: {page}");
        assert!(page.contains(&format!("value=\"{}\"", email)), "the input is kept");
    }
    let (status, refused) = app
        .post_json(
            &format!("/tickets/{ticket_id}/followers"),
            &app.technician.token,
            json!({"end_user_id": globex_zed}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (_, followers) = app.get_json(&format!("/tickets/{ticket_id}/followers"), &app.admin.token).await;
    assert_eq!(followers["items"], json!([]));

    // Shared through the portal; adding again changes nothing.
    for _ in 0..2 {
        let shared =
            post(&ada, &acme, &format!("/tickets/{ticket_id}/followers"), &[("email", "LIN@acme.example")])
                .await;
        assert_eq!(shared.status(), StatusCode::SEE_OTHER);
    }
    let (_, followers) = app.get_json(&format!("/tickets/{ticket_id}/followers"), &app.admin.token).await;
    let ids: Vec<&str> =
        followers["items"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [lin_id.as_str()]);
    let (_, page) = get(&lin, &acme, &format!("/tickets/{ticket_id}")).await;
    assert!(
        page.contains("Ada Asker</strong> asked for it") && page.contains("Lin Follower (you) follows it"),
        "{page}"
    );
    assert!(!page.contains("Share with a colleague"), "a follower does not share further");

    // The team replies: requester and follower both hear of it; the follower's reply reaches
    // the requester and the team, never the follower themself.
    let (status, _) = app
        .post_json(
            &format!("/tickets/{ticket_id}/comments"),
            &app.technician.token,
            json!({"body": "Please try the new profile.", "public": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let replied =
        post(&lin, &acme, &format!("/tickets/{ticket_id}/comments"), &[("body", "Works for me now")]).await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    events_settled(&app.store).await;
    let received = smtp.wait_for(6).await;
    let to = |address: &str| -> Vec<String> {
        received
            .iter()
            .filter(|mail| mail.header("To").unwrap_or_default().contains(address))
            .map(super::smtp::Received::text)
            .collect()
    };
    let to_lin = to("lin@acme.example");
    assert_eq!(to_lin.len(), 1, "Lin hears of the team's reply only: {to_lin:?}");
    assert!(to_lin[0].contains("Please try the new profile."));
    let to_ada = to("ada@acme.example");
    assert!(to_ada.iter().any(|text| text.contains("Please try the new profile.")), "{to_ada:?}");
    assert!(to_ada.iter().any(|text| text.contains("Works for me now")), "{to_ada:?}");
    assert!(to(&app.technician.email).iter().any(|text| text.contains("Works for me now")));

    // The events name who shared and with whom; the technician removes the follower.
    let (_, events) = app.get_json("/events?limit=200", &app.admin.token).await;
    let added: Vec<&Value> =
        events["items"].as_array().unwrap().iter().filter(|e| e["type"] == "ticket.follower_added").collect();
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(added[0]["actor"]["id"], ada_id.as_str());
    assert_eq!(added[0]["payload"]["end_user_id"], lin_id.as_str());
    let removed = app
        .api(Method::DELETE, &format!("/tickets/{ticket_id}/followers/{lin_id}"), &app.technician.token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let again = app
        .api(Method::DELETE, &format!("/tickets/{ticket_id}/followers/{lin_id}"), &app.technician.token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&lin, &acme, &format!("/tickets/{ticket_id}")).await.0, StatusCode::NOT_FOUND);
}

async fn managers_invite_deactivate_and_reactivate_their_people(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let Some(smtp) = TestSmtp::start(SmtpOptions::default()).await else { return };
    let settings = smtp.settings();
    let app = TestApp::spawn_with(backend, |config| config.mail = settings).await;
    let acme =
        crate::idp::sso_portal(&app, &idp, "Acme", json!({"allowed_email_domains": ["acme.example"]})).await;
    let (mia, mia_id) = signed_in(&app, &acme, "mia").await;
    let (lin, lin_id) = signed_in(&app, &acme, "lin").await;
    let (max, _) = signed_in(&app, &acme, "max").await;
    make_manager(&app, &mia_id).await;

    // Members have no people page.
    assert_eq!(get(&max, &acme, "/people").await.0, StatusCode::NOT_FOUND);
    let sneaky = post(&max, &acme, "/people", &[("name", "Sneaky"), ("email", "sneaky@acme.example")]).await;
    assert_eq!(sneaky.status(), StatusCode::NOT_FOUND);
    let (_, page) = get(&mia, &acme, "/").await;
    assert!(page.contains("/people\">People</a>"), "a manager's header links their people");
    let (_, page) = get(&max, &acme, "/").await;
    assert!(!page.contains("/people\">People</a>"), "a member's does not");

    // Refused invitations keep what was typed and add nobody.
    let before =
        app.get_json(&format!("/customers/{}/end-users", acme.customer_id), &app.admin.token).await.1;
    for (name, email, message) in [
        (
            "Eve Outsider",
            "eve@evil.example",
            "Invitations go to your organisation&#39;s own addresses (acme.example) only",
        ),
        ("Lin Again", "lin@acme.example", "is already one of your organisation&#39;s people"),
        ("", "nameless@acme.example", "Name must not be empty"),
        ("Win at https://evil.example now", "win@acme.example", "Name must be a name, not a web address"),
        ("Bad Address", "bad@", "must be an e-mail address"),
    ] {
        let refused = post(&mia, &acme, "/people", &[("name", name), ("email", email)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{email}");
        let page = refused.text().await.unwrap();
        assert!(page.contains(message), "{email}: {page}");
        assert!(page.contains(&format!("value=\"{email}\"")), "{email}: the input is kept");
    }
    let after = app.get_json(&format!("/customers/{}/end-users", acme.customer_id), &app.admin.token).await.1;
    assert_eq!(before["items"], after["items"]);

    // An invitation adds the colleague and mails them the portal's address.
    let invited = post(&mia, &acme, "/people", &[("name", "Nia New"), ("email", "nia@acme.example")]).await;
    assert_eq!(invited.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&mia, &acme, "/people?done=invited").await;
    assert!(page.contains("Nia New") && page.contains("The invitation is sent"), "{page}");
    let mail = smtp.wait_for(1).await;
    let invitation =
        mail.iter().find(|m| m.header("To").unwrap_or_default().contains("nia@acme.example")).unwrap();
    assert_eq!(invitation.subject(), "Mia Manager invited you to the Acme service portal");
    assert!(invitation.text().contains(&app.url(&format!("/p/{}/", acme.slug))), "{}", invitation.text());

    // Deactivating Lin ends Lin's session at once; Mia cannot deactivate herself.
    let (status, before) = get(&lin, &acme, "/").await;
    assert!(status == StatusCode::OK && before.contains("Lin Follower"), "{before}");
    let off = post(&mia, &acme, &format!("/people/{lin_id}/active"), &[("active", "false")]).await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let (status, after) = get(&lin, &acme, "/").await;
    // The session-ended page, not an error that happens not to be a 200.
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session ended: {after}");
    assert!(after.contains("Your session has ended") && !after.contains("Lin Follower"), "{after}");
    assert_eq!(lin.sign_in(&acme, "lin").await.0, StatusCode::FORBIDDEN, "and Lin cannot sign in again");
    let own = post(&mia, &acme, &format!("/people/{mia_id}/active"), &[("active", "false")]).await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let on = post(&mia, &acme, &format!("/people/{lin_id}/active"), &[("active", "true")]).await;
    assert_eq!(on.status(), StatusCode::SEE_OTHER);
    assert_eq!(lin.sign_in(&acme, "lin").await.0, StatusCode::OK);

    // Another customer's people are out of reach.
    let (globex, _) = ticketing_portal(&app, &idp, "Globex").await;
    let (_, zed_id) = signed_in(&app, &globex, "zed").await;
    let reach = post(&mia, &acme, &format!("/people/{zed_id}/active"), &[("active", "false")]).await;
    assert_eq!(reach.status(), StatusCode::NOT_FOUND);
    let (_, zed) = app.get_json(&format!("/end-users/{zed_id}"), &app.admin.token).await;
    assert_eq!(zed["active"], true);

    // Every change is an event with the manager as actor.
    let (_, events) = app.get_json("/events?limit=200", &app.admin.token).await;
    let by_mia: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"]["id"] == mia_id.as_str())
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(by_mia, ["end_user.invited", "end_user.updated", "end_user.updated"]);
}

async fn invitations_reach_only_the_customers_own_people_and_are_limited(backend: Backend) {
    let Some(idp) = TestIdp::start(accounts()).await else { return };
    let Some(smtp) = TestSmtp::start(SmtpOptions::default()).await else { return };
    let settings = smtp.settings();
    let app = TestApp::spawn_with(backend, |config| config.mail = settings).await;
    let token = app.admin.token.clone();
    // A portal whose sign-in accepts any domain, and a customer with no e-mail domains: its
    // managers cannot invite anyone until the MSP names the customer's domains.
    let acme = crate::idp::sso_portal(&app, &idp, "Acme", json!({})).await;
    let (mia, mia_id) = signed_in(&app, &acme, "mia").await;
    make_manager(&app, &mia_id).await;
    let refused = post(&mia, &acme, "/people", &[("name", "Nia New"), ("email", "nia@acme.example")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("no e-mail domains set up for invitations"));

    // Another customer's person, and an MSP technician, in domains the customer was given.
    let (globex, _) = ticketing_portal(&app, &idp, "Globex").await;
    let (_, zed_id) = signed_in(&app, &globex, "zed").await;
    let domains = json!({"email_domains": ["acme.example", "globex.example", "msp.example"]});
    let (status, customer) =
        app.patch_json(&format!("/customers/{}", acme.customer_id), &token, domains).await;
    assert_eq!(status, StatusCode::OK, "{customer}");
    assert_eq!(customer["email_domains"], json!(["acme.example", "globex.example", "msp.example"]));
    let (status, problem) = app
        .patch_json(
            &format!("/customers/{}", acme.customer_id),
            &token,
            json!({"email_domains": ["not a domain"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem.to_string().contains("email_domains"), "{problem}");
    for email in ["zed@globex.example", app.technician.email.as_str()] {
        let refused = post(&mia, &acme, "/people", &[("name", "Taken Person"), ("email", email)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{email}");
        assert!(refused.text().await.unwrap().contains("This address cannot be invited"), "{email}");
    }
    let (_, zed) = app.get_json(&format!("/end-users/{zed_id}"), &token).await;
    assert_eq!(zed["customer_id"], globex.customer_id.as_str(), "Zed stays Globex's");

    // Twenty invitations an hour per customer; the next is refused and mails no one.
    for n in 0..crate::organisations::INVITATIONS_PER_HOUR {
        let email = format!("new{n}@acme.example");
        let invited = post(&mia, &acme, "/people", &[("name", "New Colleague"), ("email", &email)]).await;
        assert_eq!(invited.status(), StatusCode::SEE_OTHER, "{email}");
    }
    let over =
        post(&mia, &acme, "/people", &[("name", "One Too Many"), ("email", "more@acme.example")]).await;
    assert_eq!(over.status(), StatusCode::TOO_MANY_REQUESTS);
    events_settled(&app.store).await;
    let mails = smtp.wait_for(crate::organisations::INVITATIONS_PER_HOUR as usize).await;
    assert!(!mails.iter().any(|m| m.header("To").unwrap_or_default().contains("more@acme.example")));

    // A people search of 60,000 characters is a clear refusal, not a database error.
    let (status, page) = get(&mia, &acme, &format!("/people?q={}", "a".repeat(60_000))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("Search must be at most 200 characters"), "{page}");
    let (status, problem) = app.get_json(&format!("/customers?q={}", "%".repeat(5000)), &token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("at most 200 characters"), "{problem}");
}

const INVITATIONS_PER_HOUR: i64 = portico::usecases::people::INVITATIONS_PER_HOUR;

async fn roles_are_set_by_the_team_in_the_api_and_the_console(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap();
    let (status, created) = app
        .post_json(
            &format!("/customers/{customer_id}/end-users"),
            token,
            json!({"name": "Mia", "email": "mia@acme.example", "role": "manager"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["role"], "manager");
    let id = created["id"].as_str().unwrap();
    let (status, refused) =
        app.patch_json(&format!("/end-users/{id}"), token, json!({"role": "owner"})).await;
    crate::support::assert_problem_names(status, &refused, StatusCode::UNPROCESSABLE_ENTITY, "role");
    let (status, _) =
        app.patch_json(&format!("/end-users/{id}"), &app.technician.token, json!({"role": "member"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "technicians read; admins change");
    assert_eq!(app.get_json(&format!("/end-users/{id}"), token).await.1["role"], "manager");

    // The console shows the role and where it came from, and changes it.
    let console = app.console(&app.admin.email, &app.admin.password).await;
    let list = format!("/admin/customers/{customer_id}/end-users");
    let page = console.page(&list).await;
    assert!(page.contains("Set by the MSP&#39;s team") || page.contains("Set by the MSP's team"), "{page}");
    let changed = console.submit(&list, &format!("/admin/end-users/{id}/role"), &[("role", "member")]).await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    let (_, user) = app.get_json(&format!("/end-users/{id}"), token).await;
    assert_eq!(user["role"], "member");
    assert_eq!(user["role_source"], "team");
    let (_, events) = app.get_json("/events?limit=200", token).await;
    let summaries: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "end_user.updated")
        .map(|e| e["payload"]["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries, ["made member"]);
}

async fn the_team_shares_tickets_in_the_console(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = &app.admin.token;
    let (_, group) = app.post_json("/assignment-groups", token, json!({"name": "Desk"})).await;
    let (_, customer) = app.post_json("/customers", token, json!({"name": "Acme"})).await;
    let customer_id = customer["id"].as_str().unwrap();
    let (_, other) = app.post_json("/customers", token, json!({"name": "Globex"})).await;
    let mut people = Vec::new();
    for (customer, name, email) in [
        (customer_id, "Ada Asker", "ada@acme.example"),
        (customer_id, "Lin Colleague", "lin@acme.example"),
        (other["id"].as_str().unwrap(), "Zed Elsewhere", "zed@globex.example"),
    ] {
        let (status, user) = app
            .post_json(
                &format!("/customers/{customer}/end-users"),
                token,
                json!({"name": name, "email": email}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        people.push(user["id"].as_str().unwrap().to_string());
    }
    let (status, ticket) = app
        .post_json(
            "/tickets",
            token,
            json!({"customer_id": customer_id, "requester_id": people[0], "type": "incident",
                "short_description": "Printer", "assignment_group_id": group["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    let ticket_path = format!("/admin/tickets/{}", ticket["id"].as_str().unwrap());
    let console = app.console(&app.technician.email, &app.technician.password).await;
    let followers = format!("{ticket_path}/followers");

    let refused = console.submit(&ticket_path, &followers, &[("email", "zed@globex.example")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("The address belongs to no active colleague"));
    let shared = console.submit(&ticket_path, &followers, &[("email", "lin@acme.example")]).await;
    assert_eq!(shared.status(), StatusCode::SEE_OTHER);
    let page = console.page(&crate::support::location(&shared)).await;
    assert!(
        page.contains("The ticket is shared with “Lin Colleague”: they see it in the portal, may reply and get its e-mails."),
        "{page}"
    );
    let removed =
        console.submit(&ticket_path, &format!("{ticket_path}/followers/{}/remove", people[1]), &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let page = console.page(&crate::support::location(&removed)).await;
    assert!(page.contains("The ticket is no longer shared with “Lin Colleague”."), "{page}");
    let (_, list) =
        app.get_json(&format!("/tickets/{}/followers", ticket["id"].as_str().unwrap()), token).await;
    assert_eq!(list["items"], json!([]));
}
