//! Who hears about what happened to a ticket, by e-mail: a decision, with no I/O.
//!
//! Requesters hear of their ticket's arrival, of the team's public replies and of its
//! resolution; the team hears of new tickets in its group and of requesters' replies. Internal
//! notes are never mailed, and nobody is mailed about their own action — except the requester's
//! acknowledgement of a ticket they submitted, which is the receipt they expect.

use uuid::Uuid;

use super::ticket::{AuthorKind, Status};

/// A person who can receive mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Person {
    EndUser(Uuid),
    TeamMember(Uuid),
}

/// What happened, as far as mail cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    Created,
    PublicReply { by: AuthorKind },
    InternalNote,
    StatusChanged { to: Status },
}

/// The mail a person gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Notice {
    /// To the requester: we have your ticket.
    Acknowledgement,
    /// To the receiving group: a ticket arrived.
    NewTicket,
    /// To the requester: the team replied.
    TeamReplied,
    /// To the assignee or the group: the requester replied.
    RequesterReplied,
    /// To the requester: their ticket is resolved or closed.
    Finished(Status),
}

impl Notice {
    /// Whether the mail goes to the customer's side (and links to the portal) or to the team.
    pub fn to_requester(self) -> bool {
        matches!(self, Self::Acknowledgement | Self::TeamReplied | Self::Finished(_))
    }
}

/// Who the ticket involves now.
#[derive(Debug, Clone)]
pub struct Involved {
    pub requester: Uuid,
    pub assignee: Option<Uuid>,
    /// Active members of the ticket's group.
    pub group_members: Vec<Uuid>,
}

/// The mail to send for `happening`, done by `actor` (`None`: the system or a token without a person).
pub fn notices(happening: Happening, involved: &Involved, actor: Option<Person>) -> Vec<(Person, Notice)> {
    let requester = Person::EndUser(involved.requester);
    let team = || -> Vec<Person> {
        match involved.assignee {
            Some(assignee) => vec![Person::TeamMember(assignee)],
            None => involved.group_members.iter().copied().map(Person::TeamMember).collect(),
        }
    };
    let mut out: Vec<(Person, Notice)> = match happening {
        Happening::Created => {
            let mut out = vec![(requester, Notice::Acknowledgement)];
            let members = involved.group_members.iter().copied().map(Person::TeamMember);
            out.extend(
                members.filter(|member| Some(*member) != actor).map(|member| (member, Notice::NewTicket)),
            );
            return dedupe(out);
        }
        Happening::PublicReply { by: AuthorKind::TeamMember } => vec![(requester, Notice::TeamReplied)],
        Happening::PublicReply { by: AuthorKind::EndUser } => {
            let mut out: Vec<_> =
                team().into_iter().map(|member| (member, Notice::RequesterReplied)).collect();
            // Someone else of the customer replied (a colleague who may see the ticket): the
            // requester hears of it as of a reply.
            out.push((requester, Notice::TeamReplied));
            out
        }
        Happening::InternalNote => Vec::new(),
        Happening::StatusChanged { to: to @ (Status::Resolved | Status::Closed) } => {
            vec![(requester, Notice::Finished(to))]
        }
        Happening::StatusChanged { .. } => Vec::new(),
    };
    out.retain(|(person, _)| Some(*person) != actor);
    dedupe(out)
}

fn dedupe(mut notices: Vec<(Person, Notice)>) -> Vec<(Person, Notice)> {
    let mut seen = std::collections::HashSet::new();
    notices.retain(|(person, _)| seen.insert(*person));
    notices
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (Uuid, Uuid, Uuid) {
        (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7())
    }

    #[test]
    fn a_new_ticket_acknowledges_the_requester_and_tells_the_group_but_not_the_technician_who_filed_it() {
        let (requester, tim, tara) = ids();
        let involved = Involved { requester, assignee: None, group_members: vec![tim, tara] };
        let by_requester = notices(Happening::Created, &involved, Some(Person::EndUser(requester)));
        assert_eq!(
            by_requester,
            vec![
                (Person::EndUser(requester), Notice::Acknowledgement),
                (Person::TeamMember(tim), Notice::NewTicket),
                (Person::TeamMember(tara), Notice::NewTicket),
            ]
        );
        let by_tim = notices(Happening::Created, &involved, Some(Person::TeamMember(tim)));
        assert!(!by_tim.iter().any(|(person, _)| *person == Person::TeamMember(tim)), "{by_tim:?}");
        assert!(by_tim.contains(&(Person::EndUser(requester), Notice::Acknowledgement)));
    }

    #[test]
    fn internal_notes_are_never_mailed() {
        let (requester, tim, _) = ids();
        let involved = Involved { requester, assignee: Some(tim), group_members: vec![tim] };
        assert!(notices(Happening::InternalNote, &involved, Some(Person::TeamMember(tim))).is_empty());
        assert!(notices(Happening::InternalNote, &involved, None).is_empty());
    }

    #[test]
    fn a_team_reply_goes_to_the_requester_and_a_requester_reply_to_the_assignee_else_the_group() {
        let (requester, tim, tara) = ids();
        let team_reply = Happening::PublicReply { by: AuthorKind::TeamMember };
        let requester_reply = Happening::PublicReply { by: AuthorKind::EndUser };
        let unassigned = Involved { requester, assignee: None, group_members: vec![tim, tara] };
        assert_eq!(
            notices(team_reply, &unassigned, Some(Person::TeamMember(tim))),
            vec![(Person::EndUser(requester), Notice::TeamReplied)]
        );
        assert_eq!(
            notices(requester_reply, &unassigned, Some(Person::EndUser(requester))),
            vec![
                (Person::TeamMember(tim), Notice::RequesterReplied),
                (Person::TeamMember(tara), Notice::RequesterReplied),
            ]
        );
        let assigned = Involved { assignee: Some(tara), ..unassigned };
        assert_eq!(
            notices(requester_reply, &assigned, Some(Person::EndUser(requester))),
            vec![(Person::TeamMember(tara), Notice::RequesterReplied)]
        );
    }

    #[test]
    fn only_resolving_and_closing_are_mailed_and_never_to_the_requester_who_closed_it() {
        let (requester, tim, _) = ids();
        let involved = Involved { requester, assignee: None, group_members: vec![tim] };
        for (to, mailed) in [
            (Status::Resolved, true),
            (Status::Closed, true),
            (Status::InProgress, false),
            (Status::OnHold, false),
            (Status::New, false),
        ] {
            let sent = notices(Happening::StatusChanged { to }, &involved, Some(Person::TeamMember(tim)));
            assert_eq!(!sent.is_empty(), mailed, "{to:?}");
        }
        let closed_by_requester = notices(
            Happening::StatusChanged { to: Status::Closed },
            &involved,
            Some(Person::EndUser(requester)),
        );
        assert!(closed_by_requester.is_empty());
    }

    #[test]
    fn a_person_in_two_roles_gets_one_mail() {
        let (requester, tim, _) = ids();
        let involved = Involved { requester, assignee: None, group_members: vec![tim, tim] };
        let sent = notices(Happening::Created, &involved, None);
        assert_eq!(sent.len(), 2, "{sent:?}");
    }
}
