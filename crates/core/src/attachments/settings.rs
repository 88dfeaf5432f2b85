//! Where attachments live and how large they may be.

use std::path::{Path, PathBuf};

use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use portico_domain::text::size_limit_text;

#[derive(Debug, Clone, Args)]
pub struct AttachmentArgs {
    /// Where attachment contents live: empty for `{data_dir}/attachments`, or
    /// `s3://bucket/prefix` for an S3-compatible store (several instances need a shared store).
    #[arg(long, env = "PORTICO_ATTACHMENT_STORE", default_value = "")]
    pub attachment_store: String,

    /// The S3 endpoint, for stores other than AWS (e.g. `https://s3.eu-central-1.wasabisys.com`).
    #[arg(long, env = "PORTICO_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    #[arg(long, env = "PORTICO_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    #[arg(long, env = "PORTICO_S3_ACCESS_KEY_ID", hide_env_values = true)]
    pub s3_access_key_id: Option<SecretString>,

    #[arg(long, env = "PORTICO_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<SecretString>,

    /// Largest file, in megabytes.
    #[arg(long, env = "PORTICO_ATTACHMENT_MAX_MB", default_value_t = 25)]
    pub attachment_max_mb: u64,

    /// Largest total of one ticket's files, in megabytes.
    #[arg(long, env = "PORTICO_ATTACHMENT_TICKET_MAX_MB", default_value_t = 100)]
    pub attachment_ticket_max_mb: u64,
}

/// An S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3Location {
    pub bucket: String,
    pub prefix: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<SecretString>,
    pub secret_access_key: Option<SecretString>,
}

#[derive(Debug, Clone)]
pub enum StoreLocation {
    Local(PathBuf),
    S3(S3Location),
}

#[derive(Debug, Clone)]
pub struct AttachmentSettings {
    pub store: StoreLocation,
    pub max_file_bytes: u64,
    pub max_ticket_bytes: u64,
}

impl AttachmentSettings {
    /// Local files under `data_dir`, default limits.
    pub fn local(data_dir: &Path) -> Self {
        Self {
            store: StoreLocation::Local(data_dir.join("attachments")),
            max_file_bytes: 25 * MB,
            max_ticket_bytes: 100 * MB,
        }
    }

    pub fn from_args(args: &AttachmentArgs, data_dir: &Path) -> anyhow::Result<Self> {
        if args.attachment_max_mb == 0 || args.attachment_ticket_max_mb == 0 {
            anyhow::bail!(
                "PORTICO_ATTACHMENT_MAX_MB and PORTICO_ATTACHMENT_TICKET_MAX_MB must be at least 1"
            );
        }
        let raw = args.attachment_store.trim();
        let store = if raw.is_empty() {
            StoreLocation::Local(data_dir.join("attachments"))
        } else {
            let url = Url::parse(raw)
                .map_err(|error| anyhow::anyhow!("PORTICO_ATTACHMENT_STORE is not a URL: {error}"))?;
            match url.scheme() {
                "s3" => {
                    let bucket = url.host_str().filter(|b| !b.is_empty()).ok_or_else(|| {
                        anyhow::anyhow!("PORTICO_ATTACHMENT_STORE must name a bucket: s3://bucket/prefix")
                    })?;
                    let nonempty = |secret: &Option<SecretString>| {
                        secret.clone().filter(|s| !s.expose_secret().trim().is_empty())
                    };
                    StoreLocation::S3(S3Location {
                        bucket: bucket.to_string(),
                        prefix: url.path().trim_matches('/').to_string(),
                        endpoint: args.s3_endpoint.clone().filter(|e| !e.trim().is_empty()),
                        region: args.s3_region.clone(),
                        access_key_id: nonempty(&args.s3_access_key_id),
                        secret_access_key: nonempty(&args.s3_secret_access_key),
                    })
                }
                "file" => StoreLocation::Local(
                    url.to_file_path()
                        .map_err(|_| anyhow::anyhow!("PORTICO_ATTACHMENT_STORE: not a local path"))?,
                ),
                other => anyhow::bail!(
                    "PORTICO_ATTACHMENT_STORE must be empty (local files), file:///path or s3://bucket/prefix, not {other}://"
                ),
            }
        };
        Ok(Self {
            store,
            max_file_bytes: args.attachment_max_mb * MB,
            max_ticket_bytes: args.attachment_ticket_max_mb * MB,
        })
    }

    pub fn file_limit_text(&self) -> String {
        size_limit_text(self.max_file_bytes)
    }

    pub fn ticket_limit_text(&self) -> String {
        size_limit_text(self.max_ticket_bytes)
    }
}

const MB: u64 = 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn args(store: &str) -> AttachmentArgs {
        AttachmentArgs {
            attachment_store: store.into(),
            s3_endpoint: Some("http://127.0.0.1:9000".into()),
            s3_region: "eu-central-1".into(),
            s3_access_key_id: Some("key".to_string().into()),
            s3_secret_access_key: Some("secret".to_string().into()),
            attachment_max_mb: 25,
            attachment_ticket_max_mb: 100,
        }
    }

    #[test]
    fn the_store_is_local_by_default_or_an_s3_bucket_with_a_prefix() {
        let data = Path::new("/srv/portico");
        let local = AttachmentSettings::from_args(&args(""), data).unwrap();
        assert!(
            matches!(local.store, StoreLocation::Local(ref path) if path == Path::new("/srv/portico/attachments"))
        );
        assert_eq!(local.file_limit_text(), "25 MB");
        let s3 = AttachmentSettings::from_args(&args("s3://desk-files/portico/prod"), data).unwrap();
        let StoreLocation::S3(location) = s3.store else { panic!("an S3 store") };
        assert_eq!((location.bucket.as_str(), location.prefix.as_str()), ("desk-files", "portico/prod"));
        assert_eq!(location.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    }

    #[test]
    fn other_stores_and_zero_limits_are_refused_with_the_setting_named() {
        let data = Path::new("/srv/portico");
        let error = AttachmentSettings::from_args(&args("ftp://files"), data).unwrap_err().to_string();
        assert!(error.contains("PORTICO_ATTACHMENT_STORE must be"), "{error}");
        let error = AttachmentSettings::from_args(&args("s3:///nobucket"), data).unwrap_err().to_string();
        assert!(error.contains("must name a bucket"), "{error}");
        let mut zero = args("");
        zero.attachment_max_mb = 0;
        assert!(AttachmentSettings::from_args(&zero, data).is_err());
    }
}
