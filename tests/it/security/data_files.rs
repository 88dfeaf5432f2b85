//! Item 13: the data folder, database and key are owner-only; a start warns otherwise.

/// The data folder and the database are created owner-only, and a start warns when they are not.
#[cfg(unix)]
#[tokio::test]
async fn item13_the_data_folder_and_database_are_owner_only_and_a_start_warns_otherwise() {
    use std::io::BufRead;
    use std::os::unix::fs::PermissionsExt;

    let root = crate::support::TempDir::new("portico-perms");
    let data = root.join("data");
    let portico = |args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_portico"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORTICO_DATA_DIR", &data)
            .args(args);
        command
    };
    let migrated = portico(&["migrate"]).output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(mode(&data.join("portico.db")), 0o600, "the database");
    for side in ["portico.db-wal", "portico.db-shm"] {
        if data.join(side).exists() {
            assert_eq!(mode(&data.join(side)), 0o600, "{side}");
        }
    }

    std::fs::set_permissions(data.join("portico.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut serving = portico(&["serve", "--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = serving.stderr.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let done = line.contains("Portico is serving");
            seen.push(line);
            if done {
                break;
            }
        }
        seen
    })
    .await
    .unwrap();
    serving.kill().ok();
    serving.wait().ok();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("others can read it") && l.contains("portico.db") && l.contains("644")),
        "{lines:#?}"
    );
    assert_eq!(mode(&data.join("secret.key")), 0o600, "the generated key");
    drop(root);
}
