//! Files on tickets: settings, staging uploads, and the store their contents live in.

pub mod blobs;
pub mod settings;
pub mod stage;

use blobs::Blobs;
use settings::AttachmentSettings;
use stage::Stager;

/// What handling attachments needs, opened once at start.
#[derive(Debug, Clone)]
pub struct Attachments {
    pub blobs: Blobs,
    pub stager: Stager,
    pub settings: AttachmentSettings,
}

impl Attachments {
    /// Opens the store; uploads are staged in `{data_dir}/uploads`.
    pub fn open(settings: &AttachmentSettings, data_dir: &std::path::Path) -> anyhow::Result<Self> {
        Ok(Self {
            blobs: Blobs::open(settings)?,
            stager: Stager::new(
                data_dir.join("uploads"),
                settings.max_file_bytes,
                settings.file_limit_text(),
            ),
            settings: settings.clone(),
        })
    }
}
