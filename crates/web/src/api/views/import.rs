//! What a bulk import of end users answers.

use serde::Serialize;
use utoipa::ToSchema;

use super::mirrored_enum;
use portico_domain::import::{ImportReport, RowOutcome, RowReport};

mirrored_enum!(
    /// `created`, `updated` (name or role changed), `unchanged`, or `error`.
    #[serde(rename_all = "snake_case")]
    ImportOutcomeView as ImportOutcome from RowOutcome { Created, Updated, Unchanged, Error }
);

/// One row of the file and what became of it (or, in a dry run, would).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ImportRow)]
pub struct ImportRowView {
    /// The file's line the row starts on (the header is line 1; 0 for the whole file).
    pub line: u64,
    /// The row's e-mail address, when it has one.
    pub email: Option<String>,
    pub outcome: ImportOutcomeView,
    /// For an error: the line, the column and the problem; for an update: what changed.
    pub message: Option<String>,
}

/// Every row's outcome, and the counts. A real run with `errors` wrote nothing.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ImportReport)]
pub struct ImportReportView {
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub rows: Vec<ImportRowView>,
}

impl From<ImportReport> for ImportReportView {
    fn from(report: ImportReport) -> Self {
        let ImportReport { dry_run, created, updated, unchanged, errors, rows } = report;
        Self {
            dry_run,
            created,
            updated,
            unchanged,
            errors,
            rows: rows
                .into_iter()
                .map(|RowReport { line, email, outcome, message }| ImportRowView {
                    line,
                    email,
                    outcome: outcome.into(),
                    message,
                })
                .collect(),
        }
    }
}
