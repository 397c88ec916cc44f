//! HTTPS with rustls (feature `tls`): a [`TlsAcceptor`] from PEM files, for
//! [`ServerBuilder::tls`](crate::ServerBuilder::tls).

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use tokio_rustls::rustls::{
    ServerConfig,
    crypto::ring,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};
pub use tokio_rustls::{self, TlsAcceptor, rustls};

/// Why a certificate and key cannot serve HTTPS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file cannot be read, or holds no valid PEM of the expected kind.
    #[error("{}: {source}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: rustls::pki_types::pem::Error,
    },
    /// The certificate file holds no certificate.
    #[error("{}: no certificate in file", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// rustls refused the certificate chain and key (e.g. they do not match).
    #[error("{}: {source}", key.display())]
    Refused {
        /// The key file.
        key: PathBuf,
        /// rustls's reason.
        source: rustls::Error,
    },
}

/// A TLS acceptor for `cert` (PEM chain) and `key` (PEM, PKCS#8, PKCS#1 or
/// SEC1) with rustls's safe defaults and the `ring` provider, offering
/// HTTP/1.1 only (ALPN `http/1.1`): websocket upgrades then work the same way
/// on every browser, without HTTP/2 extended CONNECT.
///
/// # Errors
///
/// A [`TlsError`] naming the file that cannot be read or parsed, or the
/// mismatch between certificate and key.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let chain =
        CertificateDer::pem_file_iter(cert).map_err(pem(cert))?.collect::<Result<Vec<_>, _>>().map_err(pem(cert))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { path: cert.to_owned() });
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(pem(key))?;
    let refused = |source| TlsError::Refused { key: key.to_owned(), source };
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(refused)?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(refused)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn pem(path: &Path) -> impl FnOnce(rustls::pki_types::pem::Error) -> TlsError + '_ {
    move |source| TlsError::Pem { path: path.to_owned(), source }
}

/// An acceptor in a server's configuration, shown as `TlsAcceptor` in its
/// `Debug` output.
#[derive(Clone)]
pub(crate) struct Acceptor(pub(crate) TlsAcceptor);

impl std::fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsAcceptor")
    }
}
