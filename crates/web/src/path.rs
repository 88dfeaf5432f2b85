//! The one way a handler reads what a route's path names (ids, revision numbers): each type
//! says which parameters it takes (through serde: a single id, a tuple in the route's order, or
//! named parameters) and what its surface answers when they name nothing — a problem document
//! in the API, a console page, a portal page. An id that is not a UUID names nothing: 404.
//!
//! [`path_values!`] writes the extractor for each such type from that one definition.

/// Makes each listed type an extractor of the route's path, refused with the given answer.
macro_rules! path_values {
    ($($name:ty => $rejection:ty = $not_found:expr;)+) => {
        $(
            impl<S: Send + Sync> axum::extract::FromRequestParts<S> for $name {
                type Rejection = $rejection;

                async fn from_request_parts(
                    parts: &mut axum::http::request::Parts,
                    state: &S,
                ) -> Result<Self, Self::Rejection> {
                    axum::extract::Path::<$name>::from_request_parts(parts, state)
                        .await
                        .map(|axum::extract::Path(values)| values)
                        .map_err(|_| $not_found)
                }
            }
        )+
    };
}

pub(crate) use path_values;
