//! The logo pipeline: accept PNG, JPEG, WebP or GIF; refuse everything else (SVG above all);
//! decode with limits so a small file cannot claim a huge image; scale to fit 512×512; re-encode
//! as PNG, which also drops any metadata the upload carried.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Larger claimed dimensions are refused before any pixel is decoded.
pub const MAX_DIMENSION: u32 = 8192;
pub const FIT: u32 = 512;
const MAX_DECODE_MEMORY: u64 = 128 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogoError {
    #[error("The logo file is empty.")]
    Empty,
    #[error("The logo file is {size} bytes; logos may be at most 2 MB.")]
    TooLarge { size: usize },
    #[error("SVG images are not accepted as logos: upload a PNG, JPEG, WebP or GIF.")]
    Svg,
    #[error("The logo is not a PNG, JPEG, WebP or GIF image.")]
    Unsupported,
    #[error("The logo is {width}×{height} pixels; logos may be at most {MAX_DIMENSION}×{MAX_DIMENSION}.")]
    TooManyPixels { width: u32, height: u32 },
    #[error("The logo image could not be read ({0}).")]
    Undecodable(String),
}

/// A logo ready to store and serve: PNG bytes, addressed by their SHA-256.
#[derive(Debug, Clone)]
pub struct Logo {
    pub id: String,
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl Logo {
    pub const CONTENT_TYPE: &'static str = "image/png";
}

fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<?xml") || head.starts_with("<svg") || head.contains("<svg")
}

pub fn process(bytes: &[u8]) -> Result<Logo, LogoError> {
    if bytes.is_empty() {
        return Err(LogoError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(LogoError::TooLarge { size: bytes.len() });
    }
    if looks_like_svg(bytes) {
        return Err(LogoError::Svg);
    }
    let format = image::guess_format(bytes).map_err(|_| LogoError::Unsupported)?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif) {
        return Err(LogoError::Unsupported);
    }

    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| LogoError::Undecodable(e.to_string()))?;
    if width > MAX_DIMENSION || height > MAX_DIMENSION || width == 0 || height == 0 {
        return Err(LogoError::TooManyPixels { width, height });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_MEMORY);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| LogoError::Undecodable(e.to_string()))?;

    let fitted = if decoded.width() > FIT || decoded.height() > FIT {
        decoded.resize(FIT, FIT, FilterType::Lanczos3)
    } else {
        decoded
    };
    let mut png = Vec::new();
    fitted
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| LogoError::Undecodable(e.to_string()))?;
    let id = Sha256::digest(&png).iter().map(|b| format!("{b:02x}")).collect();
    Ok(Logo { id, png, width: fitted.width(), height: fitted.height() })
}

#[cfg(test)]
mod tests {
    use image::{DynamicImage, Rgba, RgbaImage};

    use super::*;

    fn encoded(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
        let image =
            RgbaImage::from_fn(width, height, |x, y| Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255]));
        let image = match format {
            ImageFormat::Jpeg => DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(image).to_rgb8()),
            _ => DynamicImage::ImageRgba8(image),
        };
        let mut bytes = Vec::new();
        image.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
        bytes
    }

    #[test]
    fn every_accepted_format_is_re_encoded_as_png() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP, ImageFormat::Gif] {
            let logo = process(&encoded(format, 64, 32)).unwrap();
            assert_eq!(image::guess_format(&logo.png).unwrap(), ImageFormat::Png, "{format:?}");
            assert_eq!((logo.width, logo.height), (64, 32));
            assert_eq!(logo.id.len(), 64);
        }
    }

    #[test]
    fn large_images_are_scaled_to_fit_keeping_their_shape() {
        let logo = process(&encoded(ImageFormat::Png, 1024, 256)).unwrap();
        assert_eq!((logo.width, logo.height), (512, 128));
    }

    #[test]
    fn the_same_logo_gets_the_same_address() {
        let bytes = encoded(ImageFormat::Png, 10, 10);
        assert_eq!(process(&bytes).unwrap().id, process(&bytes).unwrap().id);
    }

    #[test]
    fn svg_text_and_truncated_files_are_refused() {
        assert_eq!(process(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>").unwrap_err(), LogoError::Svg);
        assert_eq!(process(b"<?xml version='1.0'?><svg/>").unwrap_err(), LogoError::Svg);
        assert_eq!(process(b"just some text, renamed logo.png").unwrap_err(), LogoError::Unsupported);
        let png = encoded(ImageFormat::Png, 64, 64);
        assert!(matches!(process(&png[..png.len() / 2]).unwrap_err(), LogoError::Undecodable(_)));
        assert_eq!(process(b"").unwrap_err(), LogoError::Empty);
        assert_eq!(
            process(&vec![0u8; MAX_BYTES + 1]).unwrap_err(),
            LogoError::TooLarge { size: MAX_BYTES + 1 }
        );
    }
}
