//! The `portico` binary: commands working on a running server's database, demo seeding,
//! and graceful shutdown.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use crate::support::{Backend, Console, TestApp, empty_database, on_both_backends};

on_both_backends!(
    commands_work_against_a_running_servers_database,
    backups_copy_everything_while_serving_and_never_overwrite,
    demo_seeding_is_idempotent_and_the_server_stops_gracefully,
    commands_tell_a_missing_member_from_a_failing_database
);

fn portico(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORTICO_DATA_DIR", &app.data_dir)
        .env("DATABASE_URL", &app.database_url);
    command
}

fn run(mut command: Command, stdin: Option<&str>) -> (bool, String, String) {
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("run portico");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

async fn commands_work_against_a_running_servers_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let mut create = portico(&app);
    create.args(["admin", "create", "--email", "Cli@MSP.example", "--name", "Cleo Cli", "--role", "admin"]);
    let (ok, stdout, stderr) = tokio::task::spawn_blocking(move || run(create, None)).await.unwrap();
    assert!(ok, "{stderr}");
    let password =
        stdout.lines().find_map(|l| l.strip_prefix("Password (shown once): ")).expect(&stdout).to_string();
    let console = Console::anonymous(&app.base);
    assert_eq!(
        console.sign_in("cli@msp.example", &password).await.status(),
        StatusCode::SEE_OTHER,
        "the running server knows the new admin"
    );

    let mut piped = portico(&app);
    piped.args([
        "admin",
        "create",
        "--email",
        "pipe@msp.example",
        "--name",
        "Pip",
        "--role",
        "technician",
        "--password-stdin",
    ]);
    let (ok, stdout, stderr) =
        tokio::task::spawn_blocking(move || run(piped, Some("a chosen long password\n"))).await.unwrap();
    assert!(ok, "{stderr}");
    assert!(!stdout.contains("a chosen long password"), "a chosen password is not echoed");
    assert_eq!(
        Console::anonymous(&app.base).sign_in("pipe@msp.example", "a chosen long password").await.status(),
        StatusCode::SEE_OTHER
    );

    let mut duplicate = portico(&app);
    duplicate.args(["admin", "create", "--email", "cli@msp.example", "--name", "Again", "--role", "admin"]);
    let (ok, _, stderr) = tokio::task::spawn_blocking(move || run(duplicate, None)).await.unwrap();
    assert!(!ok && stderr.contains("already exists"), "{stderr}");
    let mut bad = portico(&app);
    bad.args(["admin", "create", "--email", "nope", "--name", "", "--role", "admin"]);
    let (ok, _, stderr) = tokio::task::spawn_blocking(move || run(bad, None)).await.unwrap();
    assert!(
        !ok && stderr.contains("E-mail must be") && stderr.contains("Name must not be empty."),
        "{stderr}"
    );

    let mut token = portico(&app);
    token.args(["token", "create", "--email", "cli@msp.example", "--name", "automation"]);
    let (ok, stdout, stderr) = tokio::task::spawn_blocking(move || run(token, None)).await.unwrap();
    assert!(ok, "{stderr}");
    let secret = stdout.lines().last().unwrap().to_string();
    assert!(secret.starts_with("pt_"), "{stdout}");
    let (status, _) = app.get_json("/customers", &secret).await;
    assert_eq!(status, StatusCode::OK, "the running server accepts the new token");

    let mut list = portico(&app);
    list.args(["token", "list", "--email", "cli@msp.example"]);
    let (ok, stdout, _) = tokio::task::spawn_blocking(move || run(list, None)).await.unwrap();
    assert!(ok && stdout.contains("automation") && stdout.contains("active") && !stdout.contains(&secret));
    let token_id = stdout.split_whitespace().next().unwrap().to_string();

    let mut revoke = portico(&app);
    revoke.args(["token", "revoke", &token_id]);
    let (ok, _, stderr) = tokio::task::spawn_blocking(move || run(revoke, None)).await.unwrap();
    assert!(ok, "{stderr}");
    assert_eq!(app.get_json("/customers", &secret).await.0, StatusCode::UNAUTHORIZED, "revoked at once");

    let mut migrate = portico(&app);
    migrate.arg("migrate");
    let (ok, stdout, _) = tokio::task::spawn_blocking(move || run(migrate, None)).await.unwrap();
    assert!(ok && stdout.contains("up to date"));

    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["admin", "create", "--help"],
        vec!["admin", "reset-password", "--help"],
        vec!["token", "create", "--help"],
        vec!["token", "list", "--help"],
        vec!["token", "revoke", "--help"],
        vec!["backup", "--help"],
    ] {
        let mut help = portico(&app);
        help.args(&args);
        let (ok, stdout, _) = tokio::task::spawn_blocking(move || run(help, None)).await.unwrap();
        assert!(ok && stdout.contains("Usage"), "{args:?}");
    }
}

async fn backups_copy_everything_while_serving_and_never_overwrite(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, customer) =
        app.post_json("/customers", &app.admin.token, serde_json::json!({"name": "Backed Up Ltd"})).await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    let folder = app.data_dir.join("backups");
    std::fs::create_dir_all(&folder).unwrap();
    let output = folder.join("portico.backup");

    let backup = |args: Vec<String>| {
        let mut command = portico(&app);
        command.arg("backup").args(args);
        tokio::task::spawn_blocking(move || run(command, None))
    };
    let target = output.display().to_string();
    let (ok, stdout, stderr) = backup(vec!["--output".into(), target.clone()]).await.unwrap();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Backup written to") && stdout.contains("To restore:"), "{stdout}");
    let written = std::fs::read(&output).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&output).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the copy holds password hashes: owner-only");
    }

    // Pointed at a folder without a database (cron in the wrong place), nothing is made up.
    let elsewhere = folder.join("not-the-data-dir");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let mut lost = portico(&app);
    lost.env_remove("DATABASE_URL")
        .env("PORTICO_DATA_DIR", &elsewhere)
        .args(["backup", "--output"])
        .arg(folder.join("empty.backup"));
    let (ok, _, stderr) = tokio::task::spawn_blocking(move || run(lost, None)).await.unwrap();
    assert!(!ok && stderr.contains("there is no database"), "{stderr}");
    assert!(!elsewhere.join("portico.db").exists() && !folder.join("empty.backup").exists());
    std::fs::remove_dir(&elsewhere).unwrap();

    // Nothing is ever overwritten, and refusals say why.
    let (ok, _, stderr) = backup(vec!["--output".into(), target.clone()]).await.unwrap();
    assert!(!ok && stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read(&output).unwrap(), written, "the first backup is untouched");
    let nowhere = folder.join("missing").join("x.backup").display().to_string();
    let (ok, _, stderr) = backup(vec!["--output".into(), nowhere]).await.unwrap();
    assert!(!ok && stderr.contains("does not exist"), "{stderr}");
    let leftovers: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no partial files are left behind: {leftovers:?}");

    // The backup restores into a database with everything in it.
    let restored_url = match backend {
        Backend::Sqlite => format!("sqlite://{target}"),
        Backend::Postgres => {
            let (missing_tool, _, stderr) = backup(vec![
                "--output".into(),
                format!("{target}.2"),
                "--pg-dump".into(),
                "/no/pg_dump".into(),
            ])
            .await
            .unwrap();
            assert!(!missing_tool && stderr.contains("pg_dump"), "{stderr}");
            let (url, _) = empty_database(backend).await;
            let restore = Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname", &url, &target])
                .output()
                .unwrap();
            assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));
            url
        }
    };
    let restored = portico::store::Store::connect(&restored_url, &Default::default()).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM customers ORDER BY name")
        .fetch_all(restored.pool())
        .await
        .unwrap();
    let originals: Vec<String> = sqlx::query_scalar("SELECT name FROM customers ORDER BY name")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert!(names.contains(&"Backed Up Ltd".to_string()));
    assert_eq!(names, originals);
    assert_eq!(restored.count_team_members().await.unwrap(), app.store.count_team_members().await.unwrap());
    restored.close().await;
}

async fn commands_tell_a_missing_member_from_a_failing_database(backend: Backend) {
    let (url, dir) = empty_database(backend).await;
    let store = portico::store::Store::connect(&url, &Default::default()).await.unwrap();
    store.migrate().await.unwrap();
    let store = crate::support::command_core(&store, &dir);
    let missing = portico::cli::reset_password(&store, "nobody@msp.example", None).await.unwrap_err();
    assert_eq!(missing.to_string(), "No team member has the e-mail address nobody@msp.example.");
    let bad = portico::cli::create_token(&store, "not an address", "x").await.unwrap_err();
    assert!(bad.to_string().contains("E-mail must be an e-mail address"), "{bad}");

    // The database goes away: the commands say so, never that the member does not exist.
    store.close().await;
    for failure in [
        portico::cli::reset_password(&store, "nobody@msp.example", None).await.unwrap_err(),
        portico::cli::create_token(&store, "nobody@msp.example", "x").await.unwrap_err(),
        portico::cli::list_tokens(&store, "nobody@msp.example").await.unwrap_err(),
    ] {
        let told = format!("{failure:#}");
        assert!(!told.contains("no team member"), "{told}");
        assert!(told.contains("closed"), "the real cause is told: {told}");
    }
    drop(dir);
}

async fn demo_seeding_is_idempotent_and_the_server_stops_gracefully(backend: Backend) {
    // The server fixture seeds team members; the demo needs an empty database of its own.
    let empty = empty_database(backend).await;

    let first = serve_demo(&empty).await;
    assert!(first.contains("Demo data created."), "{first}");
    assert!(first.contains("E-mail:   admin@demo-msp.example"));
    let customers = app_counts(&empty).await;
    assert!(customers.0 >= 4 && customers.1 >= 3, "{customers:?}");

    let second = serve_demo(&empty).await;
    assert!(second.contains("Demo data not added"), "{second}");
    assert_eq!(app_counts(&empty).await, customers, "a second --demo adds nothing");
}

async fn app_counts(database: &(String, crate::support::TempDir)) -> (i64, i64) {
    let store = portico::store::Store::connect(&database.0, &Default::default()).await.unwrap();
    let counts = (store.count_customers().await.unwrap(), store.count_team_members().await.unwrap());
    store.close().await;
    counts
}

/// Runs `portico serve --demo` on a free port until it answers, then stops it with SIGTERM
/// and expects a clean exit. Returns what it printed.
async fn serve_demo(database: &(String, crate::support::TempDir)) -> String {
    let (url, dir) = database.clone();
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
        command
            .args(["serve", "--demo", "--addr", "127.0.0.1:0"])
            .env("PORTICO_DATA_DIR", &dir)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Killed when dropped, should an assertion fail before the SIGTERM.
        let mut child = crate::processes::ServerProcess::spawn(command).unwrap();
        let stderr = child.take_stderr().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let base = loop {
            let line = lines.next().expect("the server logs that it is serving").unwrap();
            if let Some(base) = crate::support::served_base(&line) {
                break base;
            }
        };
        assert_eq!(http_status(base.trim_start_matches("http://"), "/readyz"), 200);
        child.signal("TERM");
        let status = child.wait_for_exit(Duration::from_secs(20));
        assert!(status.success(), "SIGTERM ends the server cleanly: {status:?}");
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut child.take_stdout().unwrap(), &mut stdout).unwrap();
        stdout
    })
    .await
    .unwrap()
}

/// The status code of a plain HTTP GET, from a blocking thread.
fn http_status(host: &str, path: &str) -> u16 {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split_whitespace().nth(1).unwrap().parse().unwrap()
}
