//! The process's one TLS crypto provider, ring, for every client Portico builds (requests to
//! identity providers, the S3 client, IMAP): rustls will not choose between providers itself, and
//! building with a single one keeps a second crypto library out of the build.

/// Makes ring the process's provider. Calling it again, or after another part of the process
/// installed one, changes nothing.
pub fn install_provider() {
    // `Err` only says a provider is installed already, which is what is wanted.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
}
