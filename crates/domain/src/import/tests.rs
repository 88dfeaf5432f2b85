//! Tests of `import`.

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
    assert_eq!(message(&rows[1]), "Line 3: The address ada@acme.example appears again (first on line 2).");
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
