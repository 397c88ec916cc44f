//! HTTPS with rustls: load a PEM certificate chain and key.

use std::{io, path::Path, sync::Arc};

use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        ServerConfig,
        crypto::ring,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    },
};

use crate::Options;

/// A TLS acceptor for `cert` (PEM chain) and `key` (PEM, PKCS#8, PKCS#1 or
/// SEC1), offering HTTP/1.1.
///
/// # Errors
///
/// An [`io::Error`] naming the file that cannot be read or parsed, or the
/// mismatch between certificate and key.
pub fn acceptor(cert: &Path, key: &Path) -> io::Result<TlsAcceptor> {
    let bad = |what: &Path, e: &dyn std::fmt::Display| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("{}: {e}", what.display()))
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(cert, &e))?;
    if chain.is_empty() {
        return Err(bad(cert, &"no certificate in file"));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, &e))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| bad(key, &e))?;
    // HTTP/1.1 only: websocket upgrades (Socket.IO, PeerJS) then work the same
    // way on every browser, without HTTP/2 extended CONNECT.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The acceptor for `--tls-cert` and `--tls-key`, or `None` without them.
///
/// # Errors
///
/// As [`acceptor`].
pub fn from_options(options: &Options) -> io::Result<Option<TlsAcceptor>> {
    match (&options.tls_cert, &options.tls_key) {
        (Some(cert), Some(key)) => acceptor(cert, key).map(Some),
        _ => Ok(None),
    }
}
