//! QR codes as SVG images (for authenticator apps to scan), served inline as `data:` URIs so
//! the console's content security policy needs nothing new and no markup is trusted unescaped.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use qrcode::QrCode;
use qrcode::render::svg;

/// A `data:image/svg+xml` URI of `text` as a QR code; `None` when it is too long for one.
pub fn svg_data_uri(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let image = code.render::<svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    Some(format!("data:image/svg+xml;base64,{}", STANDARD.encode(image)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_otpauth_address_becomes_an_svg_image() {
        let uri =
            svg_data_uri("otpauth://totp/Portico:ada%40msp.example?secret=JBSWY3DPEHPK3PXP&issuer=Portico")
                .unwrap();
        let encoded = uri.strip_prefix("data:image/svg+xml;base64,").unwrap();
        let svg = String::from_utf8(STANDARD.decode(encoded).unwrap()).unwrap();
        assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn text_too_long_for_a_qr_code_gives_none() {
        assert_eq!(svg_data_uri(&"x".repeat(8000)), None);
    }
}
