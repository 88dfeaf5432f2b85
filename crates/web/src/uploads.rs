//! Reading `multipart/form-data` bodies: text fields into memory (bounded), files streamed to
//! staging (bounded per file), for the API, the console and the portal alike. A body over a
//! limit stops being read at the limit; the fields read before it are kept, so a form can come
//! back with the person's text.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use futures::TryStreamExt;

use portico_core::attachments::stage::{StageError, Staged, Stager};

/// The most a text field may hold, and all of them together.
const FIELD_MAX: usize = 64 * 1024;
const FIELDS_MAX: usize = 256 * 1024;
/// Files per request.
pub const FILES_MAX: usize = portico_domain::attachment::FILES_PER_MESSAGE_MAX;

/// A form as received: its text fields in order, and its files, staged.
#[derive(Debug, Default)]
pub struct Received {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Staged>,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The text fields as `application/x-www-form-urlencoded`, for the form types the urlencoded
    /// forms use.
    pub fn urlencoded(&self) -> Vec<u8> {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.fields {
            serializer.append_pair(key, value);
        }
        serializer.finish().into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("Send the form as multipart/form-data.")]
    NotMultipart,
    #[error("{0}")]
    File(#[from] StageError),
    #[error("A text field is larger than {FIELD_MAX} bytes.")]
    FieldTooLarge,
    #[error("At most {FILES_MAX} files may be sent at once.")]
    TooManyFiles,
    #[error("The form could not be read ({0}).")]
    Malformed(String),
}

impl UploadError {
    pub fn is_too_large(&self) -> bool {
        matches!(self, Self::File(StageError::TooLarge { .. }) | Self::FieldTooLarge | Self::TooManyFiles)
    }
}

/// Whether the request carries a multipart body.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads a multipart body. Parts with a filename are files (an empty one, which browsers send
/// when no file was chosen, is skipped); the rest are text fields. On failure the fields read
/// so far come back with the error.
pub async fn receive(
    headers: &HeaderMap,
    body: Body,
    stager: &Stager,
) -> Result<Received, (UploadError, Received)> {
    let mut received = Received::default();
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Err((UploadError::NotMultipart, received));
    };
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut text_bytes = 0;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(received),
            Err(error) => return Err((UploadError::Malformed(error.to_string()), received)),
        };
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(filename) => {
                if received.files.len() >= FILES_MAX {
                    return Err((UploadError::TooManyFiles, received));
                }
                let chunks = field.map_err(|error| error.to_string());
                match stager.stage(&filename, Box::pin(chunks)).await {
                    Ok(staged) => received.files.push(staged),
                    Err(StageError::Empty) if filename.is_empty() => {}
                    Err(error) => return Err((error.into(), received)),
                }
            }
            None => {
                let mut value = Vec::new();
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            value.extend_from_slice(&chunk);
                            text_bytes += chunk.len();
                            if value.len() > FIELD_MAX || text_bytes > FIELDS_MAX {
                                return Err((UploadError::FieldTooLarge, received));
                            }
                        }
                        Ok(None) => break,
                        Err(error) => return Err((UploadError::Malformed(error.to_string()), received)),
                    }
                }
                received.fields.push((name, String::from_utf8_lossy(&value).into_owned()));
            }
        }
    }
}
