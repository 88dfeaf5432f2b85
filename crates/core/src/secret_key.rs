//! The server key: encrypts secrets at rest and signs what must not be forged.

use std::fmt;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

pub const MIN_MATERIAL_LEN: usize = 32;

/// 256 bits derived from the configured key material. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl SecretKey {
    /// Any string of at least 32 characters; SHA-256 turns it into the key, so a passphrase or
    /// a base64 blob both work.
    pub fn from_material(material: &str) -> anyhow::Result<Self> {
        let material = material.trim();
        if material.chars().count() < MIN_MATERIAL_LEN {
            anyhow::bail!("PORTICO_SECRET_KEY must be at least {MIN_MATERIAL_LEN} characters");
        }
        Ok(Self(Sha256::digest(material.as_bytes()).into()))
    }

    /// Reads the key file, or creates it once with 32 random bytes readable by the owner only.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            crate::private_files::ensure_dir(dir)?;
        }
        match std::fs::read_to_string(path) {
            Ok(material) => return Self::from_material(&material),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
        }
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        let material = STANDARD.encode(bytes);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(material.as_bytes())?;
                file.sync_all()?;
                Self::from_material(&material)
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::from_material(&std::fs::read_to_string(path)?)
            }
            Err(e) => anyhow::bail!("cannot create {}: {e}", path.display()),
        }
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_key_material_is_refused() {
        assert!(SecretKey::from_material("too short").is_err());
    }

    #[test]
    fn the_debug_form_hides_the_key() {
        let key = SecretKey::from_material(&"k".repeat(40)).unwrap();
        assert_eq!(format!("{key:?}"), "SecretKey(***)");
    }

    #[test]
    fn a_generated_key_file_is_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("portico-key-{}", uuid::Uuid::now_v7()));
        let path = dir.join("secret.key");
        let first = SecretKey::load_or_create(&path).unwrap();
        let second = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(first.bytes(), second.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
