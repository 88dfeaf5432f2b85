//! Bulk import of end users from CSV (`name,email,role` with a header row): reading the file,
//! checking each row, and deciding each row's outcome against the end users the customer has.
//! Pure: the use case brings the customer's allowed domains and existing end users.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use super::email::EmailAddress;
use super::end_user::{CustomerRole, EndUserChanges, NAME_MAX, NewEndUser};
use super::sso::AcceptedDomains;
use super::text;

/// The most data rows one import takes.
pub const MAX_ROWS: usize = 50_000;
/// The largest file one import takes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
const COLUMNS: [&str; 3] = ["name", "email", "role"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    Updated,
    Unchanged,
    Error,
}

impl RowOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
            Self::Error => "error",
        }
    }
}

/// One row of the report. `line` is the file's 1-based line the row starts on (the header is
/// line 1); 0 when the problem is the whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowReport {
    pub line: u64,
    pub email: Option<String>,
    pub outcome: RowOutcome,
    pub message: Option<String>,
}

impl RowReport {
    fn error(line: u64, email: Option<String>, message: String) -> Self {
        Self { line, email, outcome: RowOutcome::Error, message: Some(message) }
    }
}

/// What an import did (or, in a dry run or with errors, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub rows: Vec<RowReport>,
}

impl ImportReport {
    /// A real run that found errors writes nothing.
    pub fn refused(&self) -> bool {
        !self.dry_run && self.errors > 0
    }

    /// The report for a file larger than [`MAX_BYTES`], which is not read.
    pub fn too_large(dry_run: bool) -> Self {
        let mut report = Self { dry_run, ..Self::default() };
        report.push(RowReport::error(0, None, too_large_message()));
        report
    }

    fn push(&mut self, row: RowReport) {
        match row.outcome {
            RowOutcome::Created => self.created += 1,
            RowOutcome::Updated => self.updated += 1,
            RowOutcome::Unchanged => self.unchanged += 1,
            RowOutcome::Error => self.errors += 1,
        }
        self.rows.push(row);
    }
}

fn too_large_message() -> String {
    format!(
        "the file is larger than {}: split it into smaller files",
        text::size_limit_text(MAX_BYTES as u64)
    )
}

/// A row that passed every check of its own. `role` is `None` when the file gives none (a new
/// end user is then a member; an existing one keeps their role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub line: u64,
    pub name: String,
    pub email: EmailAddress,
    pub role: Option<CustomerRole>,
}

/// An end user the customer already has, as the import compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub id: Uuid,
    pub name: String,
    pub role: CustomerRole,
}

/// The rows of a file, each checked on its own, against the customer's allowed e-mail domains
/// (empty: any domain) and against the rows before it (a repeated address is refused on the
/// later row).
pub fn read(csv: &[u8], allowed_domains: &AcceptedDomains) -> Vec<Result<ImportRow, RowReport>> {
    if csv.len() > MAX_BYTES {
        return vec![Err(RowReport::error(0, None, too_large_message()))];
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv);
    let mut record = csv::ByteRecord::new();
    let mut rows = Vec::new();
    let mut header: Option<Header> = None;
    let mut seen: HashMap<EmailAddress, u64> = HashMap::new();
    let mut count = 0;
    let mut lines = Lines { csv, byte: 0, line: 1 };
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                rows.push(Err(RowReport::error(
                    line,
                    None,
                    format!("Line {line} is not readable as CSV: {error}."),
                )));
                break;
            }
        }
        let line = record.position().map_or(line, |position| lines.at(position.byte()));
        let fields: Result<Vec<&str>, usize> = record
            .iter()
            .enumerate()
            .map(|(index, field)| std::str::from_utf8(field).map_err(|_| index))
            .collect();
        let Some(columns) = &header else {
            match fields.map_err(|_| "is not UTF-8 text".to_string()).and_then(|f| Header::parse(&f)) {
                Ok(parsed) => header = Some(parsed),
                Err(problem) => {
                    rows.push(Err(RowReport::error(
                        line,
                        None,
                        format!("Line {line} (the header): {}.", sentence_case(&problem)),
                    )));
                    return rows;
                }
            }
            continue;
        };
        if fields.as_ref().is_ok_and(|f| f.iter().all(|v| v.trim().is_empty())) {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            rows.push(Err(RowReport::error(
                line,
                None,
                format!("Line {line} is one row too many: an import takes at most {MAX_ROWS} rows, so split the file."),
            )));
            break;
        }
        let row = match fields {
            Ok(fields) => columns.row(line, &fields, allowed_domains, &mut seen),
            Err(index) => Err(RowReport::error(
                line,
                None,
                format!(
                    "Line {line}: the {} is not UTF-8 text (save the file as CSV UTF-8).",
                    columns.name_of(index)
                ),
            )),
        };
        rows.push(row);
    }
    if header.is_none() {
        rows.push(Err(RowReport::error(
            1,
            None,
            "Line 1 (the header): the file is empty; its first line must name the columns name,email,role."
                .into(),
        )));
    }
    rows
}

/// Line numbers from byte offsets, counted as the reader moves on (the reader's own count lags
/// by one after a CRLF line end).
struct Lines<'a> {
    csv: &'a [u8],
    byte: usize,
    line: u64,
}

impl Lines<'_> {
    /// The line of the record starting at `byte` (past any line ends the reader left before it).
    fn at(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.csv.len());
        while start < self.csv.len() && matches!(self.csv[start], b'\r' | b'\n') {
            start += 1;
        }
        if start >= self.byte {
            self.line += self.csv[self.byte..start].iter().filter(|b| **b == b'\n').count() as u64;
            self.byte = start;
        }
        self.line
    }
}

/// Where each known column is in the file.
struct Header {
    names: Vec<String>,
    name: usize,
    email: usize,
    role: Option<usize>,
}

impl Header {
    fn parse(fields: &[&str]) -> Result<Self, String> {
        let names: Vec<String> = fields.iter().map(|f| f.trim().to_lowercase()).collect();
        let unknown: Vec<String> = names
            .iter()
            .filter(|n| !COLUMNS.contains(&n.as_str()))
            .map(|n| format!("'{}'", n.chars().take(40).collect::<String>()))
            .collect();
        if !unknown.is_empty() {
            let hint = if fields.len() == 1 && fields[0].contains(';') {
                " (separate the columns with commas, not semicolons)"
            } else {
                ""
            };
            return Err(format!(
                "unknown column{} {}: the columns are name, email and (optional) role{hint}",
                if unknown.len() == 1 { "" } else { "s" },
                unknown.join(", ")
            ));
        }
        let find = |column: &str| names.iter().position(|n| n == column);
        for column in COLUMNS {
            if names.iter().filter(|n| *n == column).count() > 1 {
                return Err(format!("the column {column} is named twice"));
            }
        }
        match (find("name"), find("email")) {
            (Some(name), Some(email)) => Ok(Self { name, email, role: find("role"), names }),
            (name, _) => Err(format!(
                "the column {} is missing: the first line must name the columns name,email (and optionally role)",
                if name.is_none() { "name" } else { "email" }
            )),
        }
    }

    fn name_of(&self, index: usize) -> String {
        self.names.get(index).cloned().unwrap_or_else(|| format!("column {}", index + 1))
    }

    fn row(
        &self,
        line: u64,
        fields: &[&str],
        allowed_domains: &AcceptedDomains,
        seen: &mut HashMap<EmailAddress, u64>,
    ) -> Result<ImportRow, RowReport> {
        let raw_email = fields.get(self.email).map(|e| e.trim().chars().take(254).collect::<String>());
        let refuse = |problems: Vec<String>| {
            let email = raw_email.clone().filter(|e| !e.is_empty());
            Err(RowReport::error(line, email, format!("Line {line}: {}", problems.join(" "))))
        };
        if fields.len() != self.names.len() {
            return refuse(vec![format!(
                "it has {} value{} where the header names {} columns.",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" },
                self.names.len()
            )]);
        }
        let mut problems = Vec::new();
        let name = match text::bounded("name", fields[self.name], 1, NAME_MAX, false) {
            Ok(name) => Some(name),
            Err(error) => {
                problems.push(error.message);
                None
            }
        };
        let email = match EmailAddress::parse("email", fields[self.email]) {
            Ok(email) => {
                if !allowed_domains.accepts(email.domain()) {
                    problems.push(format!(
                        "The domain {} is not among the customer's allowed e-mail domains ({}).",
                        email.domain(),
                        allowed_domains.listed()
                    ));
                }
                match seen.get(&email) {
                    Some(first) => {
                        problems.push(format!("The address {email} appears again (first on line {first}).",));
                    }
                    None => {
                        seen.insert(email.clone(), line);
                    }
                }
                Some(email)
            }
            Err(error) => {
                problems.push(error.message);
                None
            }
        };
        let role = match self.role.map(|index| fields[index].trim()).filter(|r| !r.is_empty()) {
            None => None,
            Some(raw) => match CustomerRole::parse(&raw.to_lowercase()) {
                Ok(role) => Some(role),
                Err(error) => {
                    problems.push(error.message);
                    None
                }
            },
        };
        // No problem noted: the name and the address are there.
        match (name, email) {
            (Some(name), Some(email)) if problems.is_empty() => Ok(ImportRow { line, name, email, role }),
            _ => refuse(problems),
        }
    }
}

/// What a run writes, and its report.
#[derive(Debug, Default)]
pub struct ImportPlan {
    pub creates: Vec<NewEndUser>,
    pub updates: Vec<(Uuid, EndUserChanges)>,
    pub report: ImportReport,
}

/// Each row's outcome against the customer's end users (by e-mail address): new addresses are
/// created (members unless the row says otherwise), known ones updated when the name or the
/// given role differs (a role set this way is the team's), unchanged otherwise.
pub fn plan(
    rows: Vec<Result<ImportRow, RowReport>>,
    existing: &HashMap<EmailAddress, Existing>,
    dry_run: bool,
) -> ImportPlan {
    let mut plan =
        ImportPlan { report: ImportReport { dry_run, ..ImportReport::default() }, ..Default::default() };
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(report) => {
                plan.report.push(report);
                continue;
            }
        };
        let email = Some(row.email.to_string());
        let report = |outcome, message: Option<String>| RowReport {
            line: row.line,
            email: email.clone(),
            outcome,
            message,
        };
        match existing.get(&row.email) {
            None => {
                plan.report.push(report(RowOutcome::Created, None));
                plan.creates.push(NewEndUser {
                    name: row.name,
                    email: row.email,
                    active: true,
                    role: row.role.unwrap_or_default(),
                });
            }
            Some(known) => {
                let changes = EndUserChanges {
                    name: (known.name != row.name).then(|| row.name.clone()),
                    role: row.role.filter(|role| *role != known.role),
                    ..Default::default()
                };
                if changes.is_empty() {
                    plan.report.push(report(RowOutcome::Unchanged, None));
                } else {
                    plan.report.push(report(RowOutcome::Updated, Some(changes.summary())));
                    plan.updates.push((known.id, changes));
                }
            }
        }
    }
    plan
}

/// A clause as a sentence's start: its first letter capitalised.
fn sentence_case(clause: &str) -> String {
    let mut chars = clause.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests;
