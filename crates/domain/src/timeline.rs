//! A ticket's history as its requester reads it: the public messages, each with the files that
//! came with it, and the status changes between them, in the order they happened.

use time::OffsetDateTime;
use uuid::Uuid;

use super::attachment::Attachment;
use super::ticket::{AuthorKind, Comment, Status};

/// The status of a ticket changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub at: OffsetDateTime,
    pub from: Status,
    pub to: Status,
    /// Who changed it, as they are named to the requester.
    pub by: String,
    /// The reader changed it themself (closed or reopened the ticket in the portal).
    pub by_reader: bool,
}

#[derive(Debug, Clone)]
pub enum Entry {
    /// `by_reader`: the reader wrote it.
    Message {
        comment: Comment,
        files: Vec<Attachment>,
        by_reader: bool,
    },
    Status(StatusChange),
}

impl Entry {
    pub fn at(&self) -> OffsetDateTime {
        match self {
            Self::Message { comment, .. } => comment.created_at,
            Self::Status(change) => change.at,
        }
    }

    /// A message written by the support team (not by the requester).
    pub fn from_team(&self) -> bool {
        matches!(self, Self::Message { comment, .. } if comment.author_kind == AuthorKind::TeamMember)
    }
}

/// The timeline of a ticket, oldest first: `comments` are what the reader (`reader`, when they
/// are a person with an id) may see, `files` the ticket's files (those of a message are shown
/// with it; the rest are the ticket's own and are returned apart). Status changes that happened
/// at the same moment as a message come after it.
pub fn timeline(
    reader: Option<Uuid>,
    comments: Vec<Comment>,
    files: Vec<Attachment>,
    changes: Vec<StatusChange>,
) -> (Vec<Entry>, Vec<Attachment>) {
    let comment_ids: Vec<Uuid> = comments.iter().map(|c| c.id).collect();
    let (with_message, own): (Vec<Attachment>, Vec<Attachment>) =
        files.into_iter().partition(|f| f.comment_id.is_some_and(|id| comment_ids.contains(&id)));
    let mut entries: Vec<Entry> = comments
        .into_iter()
        .map(|comment| {
            let files = with_message.iter().filter(|f| f.comment_id == Some(comment.id)).cloned().collect();
            let by_reader = reader == Some(comment.author_id);
            Entry::Message { comment, files, by_reader }
        })
        .chain(changes.into_iter().map(Entry::Status))
        .collect();
    // A stable sort keeps messages before changes of the same instant.
    entries.sort_by_key(Entry::at);
    (entries, own)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn comment(minute: u8, author_kind: AuthorKind) -> Comment {
        Comment {
            id: Uuid::now_v7(),
            ticket_id: Uuid::nil(),
            body: format!("at {minute}"),
            public: true,
            author_kind,
            author_id: Uuid::nil(),
            author_name: "Someone".into(),
            created_at: datetime!(2026-03-01 10:00 UTC) + time::Duration::minutes(minute.into()),
        }
    }

    fn file(comment_id: Option<Uuid>) -> Attachment {
        Attachment {
            id: Uuid::now_v7(),
            ticket_id: Uuid::nil(),
            comment_id,
            filename: "screenshot.png".into(),
            size: 10,
            content_type: "image/png".into(),
            sha256: String::new(),
            public: true,
            has_thumbnail: false,
            uploader_kind: AuthorKind::EndUser,
            uploader_name: "Someone".into(),
            created_at: datetime!(2026-03-01 10:00 UTC),
        }
    }

    #[test]
    fn messages_and_status_changes_read_in_the_order_they_happened() {
        let first = comment(1, AuthorKind::EndUser);
        let answer = comment(5, AuthorKind::TeamMember);
        let resolved = StatusChange {
            at: answer.created_at,
            from: Status::InProgress,
            to: Status::Resolved,
            by: "Tim".into(),
            by_reader: false,
        };
        let started = StatusChange {
            at: first.created_at + time::Duration::minutes(1),
            from: Status::New,
            to: Status::InProgress,
            ..resolved.clone()
        };
        let (entries, _) = timeline(None, vec![first, answer], vec![], vec![resolved, started]);
        let order: Vec<String> = entries
            .iter()
            .map(|e| match e {
                Entry::Message { comment, .. } => comment.body.clone(),
                Entry::Status(change) => change.to.as_str().to_string(),
            })
            .collect();
        assert_eq!(order, ["at 1", "in_progress", "at 5", "resolved"]);
        assert!(!entries[0].from_team() && entries[2].from_team());
    }

    #[test]
    fn files_show_with_their_message_and_the_rest_stay_with_the_ticket() {
        let reply = comment(2, AuthorKind::EndUser);
        let internal_note_file = file(Some(Uuid::now_v7()));
        let (entries, own) = timeline(
            Some(reply.author_id),
            vec![reply.clone()],
            vec![file(Some(reply.id)), file(None), internal_note_file],
            vec![],
        );
        let Entry::Message { files, by_reader, .. } = &entries[0] else { panic!("a message") };
        assert_eq!(files.len(), 1);
        assert!(by_reader);
        assert_eq!(own.len(), 2, "files of no message shown here stay with the ticket");
    }
}
