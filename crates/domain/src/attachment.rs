//! Files on tickets: what is kept of them, and the decisions about serving them safely.

use std::fmt::Write;

use time::OffsetDateTime;
use uuid::Uuid;

use super::ticket::AuthorKind;

/// A file on a ticket. Its content lives in the attachment store under its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    /// The reply or note it came with, if any.
    pub comment_id: Option<Uuid>,
    /// Cleaned for display and for the download header.
    pub filename: String,
    pub size: i64,
    /// Decided from the bytes, never taken from the uploader.
    pub content_type: String,
    /// Lower-case hex.
    pub sha256: String,
    /// `false`: internal, for the team only.
    pub public: bool,
    /// A re-encoded preview exists (raster images only).
    pub has_thumbnail: bool,
    pub uploader_kind: AuthorKind,
    pub uploader_name: String,
    pub created_at: OffsetDateTime,
}

impl Attachment {
    /// The size as people read it.
    pub fn size_text(&self) -> String {
        human_size(self.size)
    }
}

/// A file whose content is already in the attachment store, ready to be recorded on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub filename: String,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub has_thumbnail: bool,
}

/// The longest filename kept, in characters.
pub const FILENAME_MAX: usize = 180;
/// Files one form, one API call or one e-mail may carry at once.
pub const FILES_PER_MESSAGE_MAX: usize = 10;

/// A filename as people may see it: the last path component, without control or format
/// characters, at most [`FILENAME_MAX`] characters, never empty.
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = super::text::cleaned_name(last, 1000)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return "attachment".to_string();
    }
    if cleaned.chars().count() <= FILENAME_MAX {
        return cleaned.to_string();
    }
    // Keep the extension when shortening.
    let extension =
        cleaned.rsplit_once('.').map(|(_, ext)| ext).filter(|ext| ext.len() <= 10 && !ext.is_empty());
    match extension {
        Some(ext) => {
            let stem: String = cleaned.chars().take(FILENAME_MAX - ext.chars().count() - 1).collect();
            format!("{stem}.{ext}")
        }
        None => cleaned.chars().take(FILENAME_MAX).collect(),
    }
}

/// `Content-Disposition: attachment` naming the file (RFC 6266): an ASCII fallback and the exact
/// name in `filename*`, percent-encoded, so no byte of a name can break the header.
pub fn content_disposition(filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') { c } else { '_' }
        })
        .collect();
    let mut encoded = String::new();
    for byte in filename.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(byte) {
            encoded.push(*byte as char);
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Raster image types Portico decodes and re-encodes into a thumbnail.
pub fn is_raster_image(content_type: &str) -> bool {
    matches!(content_type, "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

/// The size of a file, as people read it.
pub fn human_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let bytes = bytes.max(0) as f64;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < KB * KB {
        format!("{:.0} KB", (bytes / KB).ceil())
    } else {
        format!("{:.1} MB", bytes / (KB * KB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_lose_paths_controls_and_quotes_but_keep_their_extension() {
        assert_eq!(clean_filename("C:\\Users\\erin\\screen shot.png"), "screen shot.png");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\"b\r\nc.txt"), "ab c.txt");
        assert_eq!(clean_filename("report\u{202e}gpj.exe"), "report gpj.exe", "no right-to-left override");
        assert_eq!(clean_filename(""), "attachment");
        assert_eq!(clean_filename("..."), "attachment");
        assert_eq!(clean_filename(".bashrc"), "bashrc");
        let long = format!("{}.pdf", "x".repeat(400));
        let cleaned = clean_filename(&long);
        assert_eq!(cleaned.chars().count(), FILENAME_MAX);
        assert!(cleaned.ends_with(".pdf"));
    }

    #[test]
    fn the_download_header_cannot_be_broken_by_a_name() {
        assert_eq!(
            content_disposition("Rechnung März.pdf"),
            "attachment; filename=\"Rechnung M_rz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf"
        );
        let hostile = content_disposition("x\"; filename=evil.html");
        assert!(hostile.starts_with("attachment; filename=\"x__ filename_evil.html\""), "{hostile}");
        assert!(!hostile.contains('\r') && !hostile.contains('\n'));
    }

    #[test]
    fn only_raster_images_get_thumbnails() {
        assert!(is_raster_image("image/png") && is_raster_image("image/jpeg"));
        assert!(!is_raster_image("image/svg+xml") && !is_raster_image("text/html"));
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(25 * 1024 * 1024), "25.0 MB");
    }
}
