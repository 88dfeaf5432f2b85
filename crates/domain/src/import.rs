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
mod tests {
    use super::*;

    fn read_all(csv: &str) -> Vec<Result<ImportRow, RowReport>> {
        read(csv.as_bytes(), &AcceptedDomains::any())
    }

    fn message(row: &Result<ImportRow, RowReport>) -> String {
        row.as_ref().err().and_then(|r| r.message.clone()).unwrap_or_default()
    }

    #[test]
    fn a_header_in_any_order_and_case_names_the_columns() {
        let rows = read_all(
            "\u{feff}Email, NAME ,Role\r\nada@acme.example,Ada Lovelace,Manager\n\nbob@acme.example,Bob,\n",
        );
        let rows: Vec<ImportRow> = rows.into_iter().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2, "blank lines are skipped");
        assert_eq!(
            (rows[0].line, rows[0].name.as_str(), rows[0].role),
            (2, "Ada Lovelace", Some(CustomerRole::Manager))
        );
        assert_eq!((rows[1].line, rows[1].email.as_str(), rows[1].role), (4, "bob@acme.example", None));
        let without_role = read_all("name,email\n\"Lovelace, Ada\",ada@acme.example\n");
        assert_eq!(without_role[0].as_ref().unwrap().name, "Lovelace, Ada");
    }

    #[test]
    fn a_bad_header_is_the_only_error() {
        for (csv, expected) in [
            ("name,email,phone,dept\nAda,ada@acme.example,1,2\n", "Unknown columns 'phone', 'dept'"),
            ("name;email;role\n", "commas, not semicolons"),
            ("name,role\nAda,member\n", "The column email is missing"),
            ("name,email,name\n", "named twice"),
            ("", "the file is empty"),
        ] {
            let rows = read_all(csv);
            assert_eq!(rows.len(), 1, "{csv:?}");
            assert!(message(&rows[0]).contains(expected), "{csv:?}: {}", message(&rows[0]));
            assert_eq!(rows[0].as_ref().unwrap_err().line, 1);
        }
    }

    #[test]
    fn each_bad_row_names_its_line_column_and_problem() {
        let rows = read_all(
            "name,email,role\n,ada@acme.example,member\nBob,not-an-address,\nCy,cy@acme.example,admin\nDi,di@acme.example\nEve,eve@acme.example,member,extra\n",
        );
        let messages: Vec<String> = rows.iter().map(message).collect();
        assert_eq!(messages[0], "Line 2: Name must not be empty.");
        assert_eq!(messages[1], "Line 3: E-mail must be an e-mail address like name@example.com.");
        assert_eq!(messages[2], "Line 4: Role must be 'member' or 'manager'.");
        assert_eq!(messages[3], "Line 5: it has 2 values where the header names 3 columns.");
        assert_eq!(messages[4], "Line 6: it has 4 values where the header names 3 columns.");
        assert_eq!(rows[0].as_ref().unwrap_err().email.as_deref(), Some("ada@acme.example"));
    }

    #[test]
    fn a_repeated_address_is_refused_on_the_later_row() {
        let rows = read_all("name,email\nAda,ada@acme.example\nAda Again,ADA@acme.example\n");
        assert!(rows[0].is_ok());
        assert_eq!(
            message(&rows[1]),
            "Line 3: The address ada@acme.example appears again (first on line 2)."
        );
    }

    #[test]
    fn addresses_outside_the_allowed_domains_are_refused() {
        let acme = super::super::sso::SsoSettings {
            allowed_email_domains: vec!["acme.example".to_string()],
            ..super::super::sso::SsoSettings::example(super::super::sso::Provider::Oidc)
        };
        let allowed = AcceptedDomains::of([&acme]);
        let rows = read(b"name,email\nAda,ada@ACME.example\nMallory,m@evil.example\n", &allowed);
        assert!(rows[0].is_ok());
        assert!(message(&rows[1]).contains("The domain evil.example is not among"), "{}", message(&rows[1]));
    }

    #[test]
    fn text_that_is_not_utf8_is_named_by_its_column() {
        let rows = read(b"name,email\nAd\xe9,ada@acme.example\n", &AcceptedDomains::any());
        assert_eq!(message(&rows[0]), "Line 2: the name is not UTF-8 text (save the file as CSV UTF-8).");
    }

    #[test]
    fn files_too_large_or_too_long_are_refused() {
        let big = vec![b'a'; MAX_BYTES + 1];
        assert!(message(&read(&big, &AcceptedDomains::any())[0]).contains("larger than 10 MB"));
        let mut csv = String::from("name,email\n");
        for i in 0..=MAX_ROWS {
            csv.push_str(&format!("P{i},p{i}@acme.example\n"));
        }
        let rows = read_all(&csv);
        assert_eq!(rows.len(), MAX_ROWS + 1);
        assert_eq!(
            message(&rows[MAX_ROWS]),
            format!(
                "Line {} is one row too many: an import takes at most 50000 rows, so split the file.",
                MAX_ROWS + 2
            )
        );
    }

    #[test]
    fn rows_are_created_updated_or_unchanged_against_the_customers_end_users() {
        let existing: HashMap<EmailAddress, Existing> = [
            ("ada@acme.example", "Ada", CustomerRole::Member),
            ("bob@acme.example", "Bob", CustomerRole::Manager),
        ]
        .into_iter()
        .map(|(email, name, role)| {
            (
                EmailAddress::parse("email", email).unwrap(),
                Existing { id: Uuid::now_v7(), name: name.into(), role },
            )
        })
        .collect();
        let rows = read_all(
            "name,email,role\nAda,ada@acme.example,manager\nBob,bob@acme.example,\nCy,cy@acme.example,\nDi,bad,\n",
        );
        let plan = plan(rows, &existing, true);
        let outcomes: Vec<&str> = plan.report.rows.iter().map(|r| r.outcome.as_str()).collect();
        assert_eq!(outcomes, ["updated", "unchanged", "created", "error"]);
        assert_eq!(
            (plan.report.created, plan.report.updated, plan.report.unchanged, plan.report.errors),
            (1, 1, 1, 1)
        );
        assert_eq!(plan.report.rows[0].message.as_deref(), Some("made manager"));
        assert_eq!(plan.updates[0].1.role, Some(CustomerRole::Manager));
        assert_eq!(plan.creates[0].role, CustomerRole::Member);
        assert!(!plan.report.refused(), "a dry run is never refused");
    }
}
