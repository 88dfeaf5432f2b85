//! The data folder holds password hashes, tickets, personal data and the secret key: it and its
//! files are created readable by their owner only, and a start warns when they are more open
//! (an older install, a restored copy, a hand-made folder).

use std::path::{Path, PathBuf};

/// Creates `dir` (and missing parents) owner-only; an existing folder is left as it is.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// [`create_dir`] with an error that names the data folder, for start-up.
pub fn ensure_dir(dir: &Path) -> anyhow::Result<()> {
    create_dir(dir).map_err(|e| anyhow::anyhow!("cannot create data directory {}: {e}", dir.display()))
}

/// Creates `file` empty and owner-only unless it exists. SQLite then creates its `-wal` and
/// `-shm` files with the database file's permissions.
pub fn create_file(file: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// The paths under `data_dir` that others can read or enter, with their modes.
pub fn too_open(data_dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut candidates = vec![data_dir.to_path_buf()];
    for name in ["portico.db", "portico.db-wal", "portico.db-shm", "secret.key"] {
        candidates.push(data_dir.join(name));
    }
    candidates.into_iter().filter_map(|path| open_to_others(&path).map(|mode| (path, mode))).collect()
}

/// How many entries of a folder tree the start-up check looks at, so a huge attachment store
/// does not hold the start.
const TREE_CHECK_MAX: usize = 10_000;

/// The folder and the entries under it (the first [`TREE_CHECK_MAX`]) that others can read or
/// enter, with their modes.
pub fn too_open_tree(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        seen += 1;
        if seen > TREE_CHECK_MAX {
            break;
        }
        if let Some(mode) = open_to_others(&path) {
            found.push((path.clone(), mode));
        }
        if path.is_dir()
            && let Ok(entries) = std::fs::read_dir(&path)
        {
            pending.extend(entries.flatten().map(|entry| entry.path()));
        }
    }
    found
}

/// Makes `file` owner-only, and each folder from `root` down to it.
pub fn restrict(root: &Path, file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
        let mut folder = file.parent();
        while let Some(dir) = folder.filter(|dir| dir.starts_with(root)) {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            folder = dir.parent();
        }
    }
    #[cfg(not(unix))]
    let _ = (root, file);
    Ok(())
}

#[cfg(unix)]
fn open_to_others(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn open_to_others(_path: &Path) -> Option<u32> {
    None
}

/// Logs a warning for each path of the data folder, and of the local attachment folder, that
/// others can read.
pub fn warn_when_open(data_dir: &Path, attachment_dir: Option<&Path>) {
    let mut open = too_open(data_dir);
    if let Some(dir) = attachment_dir {
        open.extend(too_open_tree(dir));
    }
    for (path, mode) in open {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{mode:o}"),
            "this holds private data but others can read it: chmod it to {}",
            if path.is_dir() { "700" } else { "600" }
        );
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_created_owner_only_and_open_ones_are_found() {
        let root = std::env::temp_dir().join(format!("portico-private-{}", uuid::Uuid::now_v7().simple()));
        let dir = root.join("data");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        create_file(&dir.join("portico.db")).unwrap();
        assert_eq!(mode(&dir.join("portico.db")), 0o600);
        assert!(too_open(&dir).is_empty());

        std::fs::set_permissions(dir.join("portico.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(too_open(&dir), vec![(dir.clone(), 0o755), (dir.join("portico.db"), 0o644)]);
        std::fs::remove_dir_all(root).ok();
    }
}
