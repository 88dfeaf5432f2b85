//! Serving attachments so a browser never runs them: always a download, never sniffed, in a
//! sandbox even if opened; markup and scripts go out as opaque bytes. Thumbnails are PNGs
//! Portico re-encoded itself, the only thing shown inline.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use portico_core::attachments::Attachments;
use portico_domain::attachment::{Attachment, content_disposition};

/// Types a browser could render as a document or run: served as opaque bytes.
fn served_type(content_type: &str) -> &str {
    let active = content_type.starts_with("text/html")
        || content_type.contains("xml")
        || content_type.contains("javascript")
        || content_type.contains("ecmascript")
        || content_type == "application/pdf";
    if active { "application/octet-stream" } else { content_type }
}

fn safety_headers(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; frame-ancestors 'none'"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
}

/// The file's content as a download.
pub async fn content(attachments: &Attachments, attachment: &Attachment) -> anyhow::Result<Response> {
    let stream = attachments.blobs.content(&attachment.sha256).await?;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(served_type(&attachment.content_type))?);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(attachment.size as u64));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&content_disposition(&attachment.filename))?,
    );
    safety_headers(&mut response);
    Ok(response)
}

/// The re-encoded preview of an image, inline; "not found" for files without one.
pub async fn thumbnail(attachments: &Attachments, attachment: &Attachment) -> anyhow::Result<Response> {
    if !attachment.has_thumbnail {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    let png = attachments.blobs.thumbnail(&attachment.sha256).await?;
    let mut response = ([(header::CONTENT_TYPE, "image/png")], png).into_response();
    safety_headers(&mut response);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_scripts_are_served_as_opaque_bytes() {
        for active in
            ["text/html", "image/svg+xml", "application/xhtml+xml", "text/javascript", "application/pdf"]
        {
            assert_eq!(served_type(active), "application/octet-stream", "{active}");
        }
        assert_eq!(served_type("image/png"), "image/png");
        assert_eq!(served_type("text/plain"), "text/plain");
    }
}
