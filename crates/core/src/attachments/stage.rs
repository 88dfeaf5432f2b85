//! Receiving an upload: its bytes stream to a private temporary file while they are counted and
//! hashed, so memory stays flat however large the file, and an upload over the limit stops at
//! the limit and leaves nothing behind. The content type is decided from the bytes.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use portico_domain::attachment::{StoredFile, clean_filename, is_raster_image};

/// Thumbnails fit this square.
const THUMBNAIL: u32 = 320;
/// Enough of the start of a file to recognise its type.
const SNIFF: usize = 8192;
/// Images claiming more pixels per side, or more pixels in all, than these get no thumbnail
/// (they are still attached). The size is read from the header before anything is decoded: a
/// small file can claim a huge picture. 24 megapixels hold every phone photo.
const MAX_DIMENSION: u32 = 12_000;
const MAX_PIXELS: u64 = 24_000_000;
/// What one decode may allocate: 24 Mpx at 4 bytes, with room for the decoder's own buffers.
const MAX_DECODE_MEMORY: u64 = 112 * 1024 * 1024;
/// Decodes at once in this process, so parallel uploads queue instead of adding up in memory.
const DECODES_AT_ONCE: usize = 2;

/// The permits for [`DECODES_AT_ONCE`], one set for the whole process (thumbnails and logos).
pub fn decode_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(DECODES_AT_ONCE))
}

#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error("The file is larger than the limit of {limit}.")]
    TooLarge { limit: String },
    #[error("The file is empty.")]
    Empty,
    #[error("The upload was cut off ({0}).")]
    Interrupted(String),
    #[error("The upload could not be kept ({0}).")]
    Io(#[from] std::io::Error),
}

/// A temporary file, removed when dropped.
#[derive(Debug)]
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An upload received in full, waiting to be put into the attachment store.
#[derive(Debug)]
pub struct Staged {
    pub file: StoredFile,
    pub thumbnail: Option<Vec<u8>>,
    temp: TempFile,
}

impl Staged {
    pub fn path(&self) -> &Path {
        &self.temp.0
    }
}

/// Stages uploads in a private folder, up to a size limit per file.
#[derive(Debug, Clone)]
pub struct Stager {
    dir: PathBuf,
    max_bytes: u64,
    limit_text: String,
}

impl Stager {
    pub fn new(dir: PathBuf, max_bytes: u64, limit_text: String) -> Self {
        Self { dir, max_bytes, limit_text }
    }

    pub fn limit_text(&self) -> &str {
        &self.limit_text
    }

    /// Receives one file from a stream of chunks.
    pub async fn stage<E: std::fmt::Display>(
        &self,
        filename: &str,
        mut chunks: impl Stream<Item = Result<Bytes, E>> + Unpin,
    ) -> Result<Staged, StageError> {
        crate::private_files::create_dir(&self.dir)?;
        let temp = TempFile(self.dir.join(format!("upload-{}", Uuid::now_v7().simple())));
        let mut file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&temp.0).await?;
        let mut hasher = Sha256::new();
        let mut head = Vec::with_capacity(SNIFF);
        let mut size: u64 = 0;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|error| StageError::Interrupted(error.to_string()))?;
            size += chunk.len() as u64;
            if size > self.max_bytes {
                return Err(StageError::TooLarge { limit: self.limit_text.clone() });
            }
            if head.len() < SNIFF {
                let take = (SNIFF - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        drop(file);
        if size == 0 {
            return Err(StageError::Empty);
        }
        let content_type = sniff(&head);
        let thumbnail = if is_raster_image(&content_type) {
            let path = temp.0.clone();
            match decode_permits().acquire().await {
                Ok(_permit) => tokio::task::spawn_blocking(move || thumbnail_of(&path)).await.ok().flatten(),
                Err(_) => None,
            }
        } else {
            None
        };
        let sha256 = hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect();
        Ok(Staged {
            file: StoredFile {
                filename: clean_filename(filename),
                size: size as i64,
                content_type,
                sha256,
                has_thumbnail: thumbnail.is_some(),
            },
            thumbnail,
            temp,
        })
    }

    /// Stages bytes already in memory (an e-mail's attachment).
    pub async fn stage_bytes(&self, filename: &str, bytes: Bytes) -> Result<Staged, StageError> {
        self.stage(filename, futures::stream::iter([Ok::<_, std::convert::Infallible>(bytes)])).await
    }
}

/// The content type, from the bytes alone: a known signature, else text when it reads as
/// UTF-8 without NUL bytes, else opaque binary.
pub fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_string();
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        // The head may end inside a character.
        Err(error) if error.valid_up_to() + 4 >= head.len() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    match text {
        Some(text) if !text.contains('\0') => {
            let lower = text.trim_start().to_ascii_lowercase();
            if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<script")
            {
                "text/html".to_string()
            } else if lower.starts_with("<?xml") || lower.contains("<svg") {
                "image/svg+xml".to_string()
            } else {
                "text/plain".to_string()
            }
        }
        _ => "application/octet-stream".to_string(),
    }
}

/// Whether a picture of this size is small enough to decode for a thumbnail.
fn may_decode(width: u32, height: u32) -> bool {
    width > 0
        && height > 0
        && width <= MAX_DIMENSION
        && height <= MAX_DIMENSION
        && u64::from(width) * u64::from(height) <= MAX_PIXELS
}

/// A PNG thumbnail of a raster image, decoded with limits; `None` when it cannot be made.
fn thumbnail_of(path: &Path) -> Option<Vec<u8>> {
    let reader = ImageReader::open(path).ok()?.with_guessed_format().ok()?;
    let format = reader.format()?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) {
        return None;
    }
    let (width, height) = ImageReader::open(path).ok()?.with_guessed_format().ok()?.into_dimensions().ok()?;
    if !may_decode(width, height) {
        return None;
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_MEMORY);
    let mut reader = reader;
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let fitted = if image.width() > THUMBNAIL || image.height() > THUMBNAIL {
        image.resize(THUMBNAIL, THUMBNAIL, FilterType::Triangle)
    } else {
        image
    };
    let mut png = Vec::new();
    fitted.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).ok()?;
    Some(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stager(max: u64) -> Stager {
        let dir = std::env::temp_dir().join(format!("portico-stage-{}", Uuid::now_v7().simple()));
        Stager::new(dir, max, format!("{max} bytes"))
    }

    fn png() -> Vec<u8> {
        let image = image::RgbaImage::from_fn(640, 480, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255])
        });
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgba8(image)
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[tokio::test]
    async fn a_file_is_hashed_typed_from_its_bytes_and_kept_until_dropped() {
        let stager = stager(10 * 1024 * 1024);
        let chunks = png()
            .chunks(1000)
            .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>();
        let staged = stager.stage("../shot.txt", futures::stream::iter(chunks)).await.unwrap();
        assert_eq!(staged.file.content_type, "image/png", "the bytes decide, not the name");
        assert_eq!(staged.file.filename, "shot.txt");
        let expected: String = Sha256::digest(png()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(staged.file.sha256, expected);
        let thumbnail = staged.thumbnail.clone().expect("a thumbnail");
        let decoded = image::load_from_memory(&thumbnail).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (320, 240));
        let path = staged.path().to_path_buf();
        assert!(path.exists());
        drop(staged);
        assert!(!path.exists(), "the temporary file goes with the upload");
        std::fs::remove_dir_all(&stager.dir).ok();
    }

    #[tokio::test]
    async fn an_upload_over_the_limit_stops_there_and_leaves_nothing() {
        let stager = stager(1000);
        let chunks = (0..10).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'a'; 300])));
        let error = stager.stage("big.txt", futures::stream::iter(chunks)).await.unwrap_err();
        assert!(matches!(error, StageError::TooLarge { .. }), "{error}");
        assert_eq!(std::fs::read_dir(&stager.dir).unwrap().count(), 0, "no temporary file is left");
        let empty = stager.stage_bytes("empty.txt", Bytes::new()).await.unwrap_err();
        assert!(matches!(empty, StageError::Empty));
        std::fs::remove_dir_all(&stager.dir).ok();
    }

    #[test]
    fn pictures_past_the_pixel_bound_are_not_decoded() {
        assert!(may_decode(4000, 3000), "a phone photo");
        assert!(may_decode(12_000, 2_000));
        assert!(!may_decode(8000, 8000), "64 megapixels");
        assert!(!may_decode(12_001, 10));
        assert!(!may_decode(0, 10));
    }

    #[tokio::test]
    async fn a_small_file_claiming_a_huge_picture_is_attached_without_a_preview() {
        // 8000×8000 of one colour compresses to a few hundred kilobytes; decoded it would be 256 MB.
        let image = image::GrayImage::from_pixel(8000, 8000, image::Luma([200]));
        let mut bytes = Vec::new();
        image::DynamicImage::ImageLuma8(image)
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
        let stager = stager(10 * 1024 * 1024);
        let staged = stager.stage_bytes("huge.png", Bytes::from(bytes)).await.unwrap();
        assert_eq!(staged.file.content_type, "image/png");
        assert!(staged.thumbnail.is_none() && !staged.file.has_thumbnail);
        drop(staged);
        std::fs::remove_dir_all(&stager.dir).ok();
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff(b"<!DOCTYPE html><script>alert(1)</script>"), "text/html");
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "image/svg+xml");
        assert_eq!(sniff("plain words, ünïcode".as_bytes()), "text/plain");
        assert_eq!(sniff(&[0, 1, 2, 3, 0xff]), "application/octet-stream");
    }
}
