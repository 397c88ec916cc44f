//! HTTPS for `--tls-cert` and `--tls-key`, through `lingua-signal-serve`'s
//! rustls acceptor (PEM files, HTTP/1.1).

use std::io;

use lingua_signal_serve::tls::{TlsAcceptor, acceptor};

use crate::Options;

/// The acceptor for `--tls-cert` and `--tls-key`, or `None` without them.
///
/// # Errors
///
/// An [`io::Error`] naming the file that cannot be read or parsed, or the
/// mismatch between certificate and key.
pub fn from_options(options: &Options) -> io::Result<Option<TlsAcceptor>> {
    match (&options.tls_cert, &options.tls_key) {
        (Some(cert), Some(key)) => {
            acceptor(cert, key).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
        }
        _ => Ok(None),
    }
}
