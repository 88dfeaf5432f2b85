//! Importing a customer's end users from CSV in the console: a file or pasted text, checked
//! first (a dry run showing every row's outcome) or imported all or nothing.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::layout::Nav;
use super::page_error::PageResult;
use super::session::{ConsoleUser, PageId, csrf_refusal};
use crate::error::AppError;
use crate::state::AppState;
use portico_core::usecases::customers;
use portico_core::usecases::import;
use portico_core::usecases::sso;
use portico_domain::customer::Customer;
use portico_domain::import::{ImportReport, MAX_BYTES, RowOutcome, RowReport};
use portico_domain::secret::same_secret;
use portico_domain::text::size_limit_text;

/// The most report rows the page lists (errors first); the counts cover them all.
const ROWS_SHOWN: usize = 1000;
/// Checked text goes back into the form for the Import button up to this size; a larger file
/// is chosen again.
const REFILL_MAX: usize = 1024 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "admin/customers/import.html")]
struct ImportPage {
    nav: Nav,
    customer: Customer,
    allowed_domains: Vec<String>,
    pasted: String,
    report: Option<ImportReport>,
    rows: Vec<RowReport>,
    problem: Option<String>,
    size_limit: String,
    choose_again: bool,
}

impl ImportPage {
    fn outcome_class(&self, row: &RowReport) -> &'static str {
        match row.outcome {
            RowOutcome::Error => "badge danger",
            RowOutcome::Created | RowOutcome::Updated => "badge ok",
            RowOutcome::Unchanged => "badge muted",
        }
    }
}

async fn page(
    state: &AppState,
    user: &ConsoleUser,
    customer: Customer,
    pasted: String,
    report: Option<ImportReport>,
    problem: Option<String>,
) -> PageResult<ImportPage> {
    let mut allowed_domains: Vec<String> = Vec::new();
    for config in sso::sso_configs(&state.core, &user.actor(), customer.id).await? {
        for domain in config.settings.allowed_email_domains {
            if !allowed_domains.contains(&domain) {
                allowed_domains.push(domain);
            }
        }
    }
    let mut rows: Vec<RowReport> = Vec::new();
    if let Some(report) = &report {
        let errors = report.rows.iter().filter(|r| r.outcome == RowOutcome::Error);
        let others = report.rows.iter().filter(|r| r.outcome != RowOutcome::Error);
        rows = errors.chain(others).take(ROWS_SHOWN).cloned().collect();
    }
    Ok(ImportPage {
        nav: user.nav("customers"),
        customer,
        allowed_domains,
        choose_again: report.as_ref().is_some_and(|r| r.dry_run) && pasted.is_empty(),
        pasted,
        report,
        rows,
        problem,
        size_limit: size_limit_text(MAX_BYTES as u64),
    })
}

pub async fn form(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    user.require_admin()?;
    let customer = customers::customer(&state.core, &user.actor(), id).await?;
    Ok(page(&state, &user, customer, String::new(), None, None).await?.into_response())
}

/// The form as sent: which button, and the CSV from the file or else the text box.
#[derive(Default)]
struct Submitted {
    csrf: String,
    action: String,
    pasted: String,
    file: Vec<u8>,
    too_large: bool,
}

async fn read_form(headers: &HeaderMap, body: Body) -> Result<Submitted, String> {
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let boundary =
        multer::parse_boundary(content_type).map_err(|_| "send the form as multipart/form-data")?;
    // The file and the text box may each hold a whole file; anything beyond is not read.
    let limits = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(2 * MAX_BYTES as u64 + 64 * 1024));
    let mut multipart = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
    let mut form = Submitted::default();
    let unreadable = |error: multer::Error| format!("the form could not be read: {error}");
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        let mut value = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if value.len() + chunk.len() > MAX_BYTES {
                form.too_large = true;
                return Ok(form);
            }
            value.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "_csrf" => form.csrf = String::from_utf8_lossy(&value).into_owned(),
            "action" => form.action = String::from_utf8_lossy(&value).into_owned(),
            "csv" => form.pasted = String::from_utf8_lossy(&value).into_owned(),
            "file" => form.file = value,
            _ => {}
        }
    }
    Ok(form)
}

/// "Check" runs a dry run; "Import" imports, or shows the errors and writes nothing (422).
pub async fn submit(State(state): State<AppState>, request: Request) -> PageResult<Response> {
    let (mut parts, body) = request.into_parts();
    let user = ConsoleUser::from_request_parts(&mut parts, &state).await?;
    let PageId(id) = PageId::from_request_parts(&mut parts, &state).await?;
    let form = read_form(&parts.headers, body)
        .await
        .map_err(|message| AppError::malformed(StatusCode::BAD_REQUEST, "form", message))?;
    if !same_secret(&form.csrf, &user.csrf_token) {
        return Err(csrf_refusal());
    }
    user.require_admin()?;
    let customer = customers::customer(&state.core, &user.actor(), id).await?;
    let dry_run = form.action != "import";
    let from_file = !form.file.is_empty();
    let report = if form.too_large {
        ImportReport::too_large(dry_run)
    } else {
        let csv = if from_file { form.file.as_slice() } else { form.pasted.as_bytes() };
        if csv.iter().all(u8::is_ascii_whitespace) {
            let problem = Some("Choose a CSV file or paste its text first.".to_string());
            let body = page(&state, &user, customer, String::new(), None, problem).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
        import::import_end_users(&state.core, &user.actor(), id, csv, dry_run).await?
    };
    // After a check, the text goes back into the form so that Import takes the same rows.
    let pasted = match (from_file, report.dry_run) {
        (false, _) => form.pasted,
        (true, true) if form.file.len() <= REFILL_MAX => String::from_utf8(form.file).unwrap_or_default(),
        _ => String::new(),
    };
    let status = if report.refused() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let body = page(&state, &user, customer, pasted, Some(report), None).await?;
    Ok((status, body).into_response())
}
