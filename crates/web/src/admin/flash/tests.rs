//! Tests of `flash`.

use super::*;

#[test]
fn every_confirmation_reads_back_from_its_query() {
    let id = Uuid::now_v7();
    let other = Uuid::now_v7();
    for done in [
        Done::CustomerCreated(id),
        Done::CustomerSaved(id),
        Done::CustomerArchived(id),
        Done::CustomerRestored(id),
        Done::EndUserAdded(id),
        Done::EndUserDeactivated(id),
        Done::EndUserReactivated(id),
        Done::PortalSaved(3),
        Done::PortalRestored(4),
        Done::SsoAdded { customer_id: id, id: other },
        Done::SsoSaved { customer_id: id, id: other },
        Done::SsoRemoved,
        Done::GroupCreated(id),
        Done::GroupSaved(id),
        Done::GroupDeleted,
        Done::TeamMemberSaved(id),
        Done::ArticleSaved(id),
        Done::ArticleDeleted,
        Done::RequestTypeCreated(id),
        Done::RequestTypeSaved(id),
        Done::RequestTypeDeleted,
        Done::RequestTypeTailored(id),
        Done::PasswordChanged,
        Done::TicketReplied,
        Done::TicketNoted,
        Done::TicketUpdated,
        Done::MfaTurnedOff,
        Done::MfaReset(id),
        Done::MfaRequired(true),
        Done::MfaRequired(false),
    ] {
        assert_eq!(Done::from_query(&format!("step=2&{}", done.query())), Some(done));
    }
}

#[test]
fn unknown_kinds_and_malformed_subjects_confirm_nothing() {
    for query in [
        "",
        "done=",
        "done=%3Cscript%3E",
        "done=customer-saved",
        "done=customer-saved&of=acme",
        "done=portal-saved&of=-1",
        "done=sso-saved&of=0190f0f0-0000-7000-8000-000000000000",
        "of=0190f0f0-0000-7000-8000-000000000000",
    ] {
        assert_eq!(Done::from_query(query), None, "{query}");
    }
}

#[test]
fn confirmations_are_sentences_naming_what_was_saved() {
    let id = Uuid::now_v7();
    assert_eq!(Done::CustomerSaved(id).sentence(Some(("Acme", true))), "Customer “Acme” saved.");
    assert_eq!(Done::CustomerSaved(id).sentence(None), "Customer saved.");
    assert_eq!(Done::ArticleSaved(id).sentence(Some(("VPN", true))), "Article “VPN” published.");
    assert!(
        Done::ArticleSaved(id).sentence(Some(("VPN", false))).starts_with("Article “VPN” saved as a draft.")
    );
    assert_eq!(Done::PortalSaved(7).sentence(None), "Portal saved as revision 7.");
}

#[test]
fn a_redirect_keeps_the_query_and_fragment_of_its_target() {
    let to = |response: Response| response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to(redirect("/admin/kb", Done::ArticleDeleted, None)), "/admin/kb?done=article-deleted");
    assert_eq!(
        to(redirect("/admin/tickets/x", Done::TicketNoted, Some("latest"))),
        "/admin/tickets/x?done=note#latest"
    );
    assert_eq!(
        to(redirect("/admin/customers/x/end-users?q=a", Done::SsoRemoved, None)),
        "/admin/customers/x/end-users?q=a&done=sso-removed"
    );
    assert_eq!(without_confirmation("/a?q=b&done=note&of=1"), "/a?q=b");
    assert_eq!(without_confirmation("/a?done=note"), "/a");
}
