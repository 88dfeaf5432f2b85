//! The portal renderer: the one function the live portal and View Preview both call.

pub mod assets;
pub mod backfill;
pub mod landing;
pub mod markdown;

/// Whether a page is the live portal or a preview of unsaved settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Live,
    Preview,
}

/// The end user shown in the header of a preview.
pub const SAMPLE_USER: &str = "Alex Example";
