//! The portal renderer: the one function the live portal and View Preview both call.

pub mod assets;
pub mod landing;
pub mod markdown;
pub mod qr;
pub mod request_form;

/// Whether a page is the live portal or a preview of unsaved settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Live,
    Preview,
}

/// A time as HTML's `<time datetime>` wants it (RFC 3339); the default display of a time is not
/// a valid value there.
pub fn iso(at: &time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A time of day people read at a glance, in UTC; pages show it in the reader's own time zone
/// where their script runs (`<time data-local>`).
pub fn time_of_day(at: &time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// The end user shown in the header of a preview.
pub const SAMPLE_USER: &str = "Alex Example";
