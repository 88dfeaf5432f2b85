//! Who hears about what happened to a ticket, by e-mail: a decision, with no I/O.
//!
//! Requesters hear of their ticket's arrival, of the team's public replies and of its
//! resolution, and so do the colleagues following the ticket; the team hears of new tickets in its group and of requesters' replies. Internal
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
    /// To the requester and followers: someone else replied (the team, or a colleague).
    TeamReplied,
    /// To the assignee or the group: the requester replied.
    RequesterReplied,
    /// To the requester and followers: the ticket is resolved or closed.
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
    /// End users of the customer the ticket is shared with.
    pub followers: Vec<Uuid>,
    pub assignee: Option<Uuid>,
    /// Active members of the ticket's group.
    pub group_members: Vec<Uuid>,
}

/// The mail to send for `happening`, done by `actor` (`None`: the system or a token without a person).
pub fn notices(happening: Happening, involved: &Involved, actor: Option<Person>) -> Vec<(Person, Notice)> {
    let requester = Person::EndUser(involved.requester);
    let customer_side = |notice: Notice| -> Vec<(Person, Notice)> {
        std::iter::once(involved.requester)
            .chain(involved.followers.iter().copied())
            .map(|id| (Person::EndUser(id), notice))
            .collect()
    };
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
        Happening::PublicReply { by: AuthorKind::TeamMember } => customer_side(Notice::TeamReplied),
        Happening::PublicReply { by: AuthorKind::EndUser } => {
            let mut out: Vec<_> =
                team().into_iter().map(|member| (member, Notice::RequesterReplied)).collect();
            // The others of the customer who follow the ticket hear of it as of a reply (the
            // author is dropped below).
            out.extend(customer_side(Notice::TeamReplied));
            out
        }
        Happening::InternalNote => Vec::new(),
        Happening::StatusChanged { to: to @ (Status::Resolved | Status::Closed) } => {
            customer_side(Notice::Finished(to))
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
        let involved =
            Involved { requester, followers: Vec::new(), assignee: None, group_members: vec![tim, tara] };
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
        let involved =
            Involved { requester, followers: Vec::new(), assignee: Some(tim), group_members: vec![tim] };
        assert!(notices(Happening::InternalNote, &involved, Some(Person::TeamMember(tim))).is_empty());
        assert!(notices(Happening::InternalNote, &involved, None).is_empty());
    }

    #[test]
    fn a_team_reply_goes_to_the_requester_and_a_requester_reply_to_the_assignee_else_the_group() {
        let (requester, tim, tara) = ids();
        let team_reply = Happening::PublicReply { by: AuthorKind::TeamMember };
        let requester_reply = Happening::PublicReply { by: AuthorKind::EndUser };
        let unassigned =
            Involved { requester, followers: Vec::new(), assignee: None, group_members: vec![tim, tara] };
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
        let involved =
            Involved { requester, followers: Vec::new(), assignee: None, group_members: vec![tim] };
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
    fn followers_hear_what_the_requester_hears_except_their_own_replies() {
        let (requester, tim, _) = ids();
        let (follower, other, _) = ids();
        let involved = Involved {
            requester,
            followers: vec![follower, other],
            assignee: Some(tim),
            group_members: vec![tim],
        };
        let team_reply = notices(
            Happening::PublicReply { by: AuthorKind::TeamMember },
            &involved,
            Some(Person::TeamMember(tim)),
        );
        assert_eq!(
            team_reply,
            vec![
                (Person::EndUser(requester), Notice::TeamReplied),
                (Person::EndUser(follower), Notice::TeamReplied),
                (Person::EndUser(other), Notice::TeamReplied),
            ]
        );
        let follower_reply = notices(
            Happening::PublicReply { by: AuthorKind::EndUser },
            &involved,
            Some(Person::EndUser(follower)),
        );
        assert_eq!(
            follower_reply,
            vec![
                (Person::TeamMember(tim), Notice::RequesterReplied),
                (Person::EndUser(requester), Notice::TeamReplied),
                (Person::EndUser(other), Notice::TeamReplied),
            ]
        );
        let resolved = notices(
            Happening::StatusChanged { to: Status::Resolved },
            &involved,
            Some(Person::TeamMember(tim)),
        );
        assert_eq!(resolved.len(), 3, "{resolved:?}");
        assert!(notices(Happening::InternalNote, &involved, None).is_empty());
        let created = notices(Happening::Created, &involved, Some(Person::EndUser(requester)));
        assert!(!created.iter().any(|(person, _)| *person == Person::EndUser(follower)), "{created:?}");
    }

    #[test]
    fn a_person_in_two_roles_gets_one_mail() {
        let (requester, tim, _) = ids();
        let involved =
            Involved { requester, followers: Vec::new(), assignee: None, group_members: vec![tim, tim] };
        let sent = notices(Happening::Created, &involved, None);
        assert_eq!(sent.len(), 2, "{sent:?}");
    }
}
