//! The attachment store behind one interface (`object_store`): local files under the data
//! folder, or an S3-compatible bucket. Contents are addressed by their SHA-256, so a file
//! uploaded twice is stored once, and a path never comes from input.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use secrecy::ExposeSecret;
use tokio::io::AsyncReadExt;

use super::settings::{AttachmentSettings, StoreLocation};
use super::stage::Staged;

/// Files are written in parts of this size: S3's smallest; a local store takes any size, and
/// small parts keep the memory an upload costs small.
const S3_PART: usize = 5 * 1024 * 1024;
const LOCAL_PART: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the attachment store failed: {0}")]
    Store(#[from] object_store::Error),
    #[error("reading a staged upload failed: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    part_size: usize,
    /// The folder of a local store, whose files are made owner-only as they are written.
    local_root: Option<std::path::PathBuf>,
    /// How the store is named in logs and on the console.
    pub description: String,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blobs").field("description", &self.description).finish()
    }
}

fn valid_hash(sha256: &str) -> bool {
    sha256.len() == 64 && sha256.chars().all(|c| c.is_ascii_digit() || matches!(c, 'a'..='f'))
}

fn content_path(sha256: &str) -> StorePath {
    StorePath::from(format!("content/{}/{sha256}", &sha256[..2]))
}

fn thumbnail_path(sha256: &str) -> StorePath {
    StorePath::from(format!("thumbnails/{}/{sha256}.png", &sha256[..2]))
}

impl Blobs {
    pub fn open(settings: &AttachmentSettings) -> anyhow::Result<Self> {
        match &settings.store {
            StoreLocation::Local(dir) => {
                crate::private_files::create_dir(dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the attachment folder {}: {e}", dir.display())
                })?;
                let store = LocalFileSystem::new_with_prefix(dir)?;
                Ok(Self {
                    store: Arc::new(store),
                    part_size: LOCAL_PART,
                    local_root: Some(dir.canonicalize().unwrap_or_else(|_| dir.clone())),
                    description: format!("local files in {}", dir.display()),
                })
            }
            StoreLocation::S3(location) => {
                // object_store's HTTP client is built without a TLS provider of its own.
                crate::tls::install_provider();
                let mut builder =
                    AmazonS3Builder::new().with_bucket_name(&location.bucket).with_region(&location.region);
                if let Some(endpoint) = &location.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                if let (Some(key), Some(secret)) = (&location.access_key_id, &location.secret_access_key) {
                    builder = builder
                        .with_access_key_id(key.expose_secret())
                        .with_secret_access_key(secret.expose_secret());
                }
                let bucket: Arc<dyn ObjectStore> = Arc::new(builder.build()?);
                let store: Arc<dyn ObjectStore> = if location.prefix.is_empty() {
                    bucket
                } else {
                    Arc::new(PrefixStore::new(bucket, location.prefix.as_str()))
                };
                Ok(Self {
                    store,
                    part_size: S3_PART,
                    local_root: None,
                    description: format!("s3://{}/{}", location.bucket, location.prefix),
                })
            }
        }
    }

    /// Writes a staged upload's content (and thumbnail). Runs
    /// before the database row that refers to it commits, so a row never points at nothing.
    pub async fn put(&self, staged: &Staged) -> Result<(), BlobError> {
        let sha256 = &staged.file.sha256;
        let path = content_path(sha256);
        // Written even when the store has it: the fresh write time keeps housekeeping from
        // removing it as an orphan while the row that will use it commits.
        {
            let upload = self.store.put_multipart(&path).await?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_size);
            let mut file = tokio::fs::File::open(staged.path()).await?;
            let mut buffer = vec![0u8; 256 * 1024];
            loop {
                let read = file.read(&mut buffer).await?;
                if read == 0 {
                    break;
                }
                // One part in flight at most: memory stays at about two parts.
                writer.wait_for_capacity(1).await?;
                writer.write(&buffer[..read]);
            }
            writer.finish().await?;
        }
        if let Some(thumbnail) = &staged.thumbnail {
            self.store.put(&thumbnail_path(sha256), Bytes::from(thumbnail.clone()).into()).await?;
        }
        self.restrict(&path)?;
        if staged.thumbnail.is_some() {
            self.restrict(&thumbnail_path(sha256))?;
        }
        Ok(())
    }

    /// Local files are written with the process's default mode (0644 in 0755 folders): made
    /// owner-only at once, as the rest of the data folder is.
    fn restrict(&self, path: &StorePath) -> Result<(), BlobError> {
        if let Some(root) = &self.local_root {
            crate::private_files::restrict(root, &root.join(path.as_ref()))?;
        }
        Ok(())
    }

    /// The content, as a stream of chunks.
    pub async fn content(
        &self,
        sha256: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, BlobError>>, BlobError> {
        if !valid_hash(sha256) {
            return Err(BlobError::Store(object_store::Error::NotFound {
                path: sha256.to_string(),
                source: "not a content hash".into(),
            }));
        }
        let result = self.store.get(&content_path(sha256)).await?;
        Ok(result.into_stream().map(|chunk| chunk.map_err(BlobError::from)).boxed())
    }

    pub async fn thumbnail(&self, sha256: &str) -> Result<Bytes, BlobError> {
        Ok(self.store.get(&thumbnail_path(sha256)).await?.bytes().await?)
    }

    /// Removes a content and its thumbnail (housekeeping, once no row refers to it).
    pub async fn delete(&self, sha256: &str) -> Result<(), BlobError> {
        if !valid_hash(sha256) {
            return Ok(());
        }
        for path in [content_path(sha256), thumbnail_path(sha256)] {
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(other) => return Err(other.into()),
            }
        }
        Ok(())
    }

    /// Every stored content hash, with the time it was written.
    pub async fn stored(&self) -> Result<Vec<(String, time::OffsetDateTime)>, BlobError> {
        let mut listing = self.store.list(Some(&StorePath::from("content")));
        let mut found = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            let Some(name) = meta.location.filename() else { continue };
            if valid_hash(name) {
                let at = time::OffsetDateTime::from_unix_timestamp(meta.last_modified.timestamp())
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
                found.push((name.to_string(), at));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::attachments::stage::Stager;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn local_files_and_their_folders_are_owner_only_and_the_start_up_check_sees_them() {
        let root = std::env::temp_dir().join(format!("portico-blobs-{}", uuid::Uuid::now_v7().simple()));
        let settings = AttachmentSettings::local(&root);
        let blobs = Blobs::open(&settings).unwrap();
        let stager = Stager::new(root.join("staging"), 1024 * 1024, "1 MB".into());
        let staged = stager.stage_bytes("notes.txt", Bytes::from_static(b"private words")).await.unwrap();
        blobs.put(&staged).await.unwrap();
        let dir = root.join("attachments");
        let file = dir.join(content_path(&staged.file.sha256).as_ref());
        assert_eq!(mode(&file), 0o600, "{}", file.display());
        assert_eq!(mode(file.parent().unwrap()), 0o700);
        assert_eq!(mode(&dir.join("content")), 0o700);
        assert!(crate::private_files::too_open_tree(&dir).is_empty());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(crate::private_files::too_open_tree(&dir), vec![(file.clone(), 0o644)]);
        std::fs::remove_dir_all(root).ok();
    }
}
