//! Helpers for the example apps' tests (`lingua-connect` and its warp twin):
//! the page configuration out of a room page, the shared TLS fixture, and a
//! request over HTTPS.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::{
    TlsConnector,
    client::TlsStream,
    rustls::{
        ClientConfig, RootCertStore,
        crypto::ring,
        pki_types::{CertificateDer, ServerName, pem::PemObject},
    },
};

/// The JSON of a room page's `data-config` attribute, unescaped.
pub fn config_of(page: &str) -> Value {
    let start = page.find("data-config=\"").expect("config attribute") + "data-config=\"".len();
    let end = start + page[start..].find('"').expect("end of the config attribute");
    let unescaped = page[start..end]
        .replace("&quot;", "\"")
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&unescaped).expect("the config is JSON")
}

/// A file of `examples/lingua-connect/tests/fixtures` (`cert.pem`, a
/// self-signed certificate for `localhost`, and its `key.pem`).
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/lingua-connect/tests/fixtures").join(name)
}

/// A TLS connection to `addr` as `localhost`, trusting only the PEM
/// certificate `cert`.
pub async fn tls_connect(addr: SocketAddr, cert: &Path) -> TlsStream<TcpStream> {
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(cert).expect("read the certificate") {
        roots.add(c.expect("a PEM certificate")).expect("a usable root");
    }
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("server name");
    TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("TLS handshake")
}

/// Sends `request` (raw HTTP/1.1 that ends the connection) over
/// [`tls_connect`] and returns the whole response.
pub async fn https_exchange(addr: SocketAddr, cert: &Path, request: &str) -> String {
    let mut tls = tls_connect(addr, cert).await;
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tls.read_to_string(&mut response).await.expect("read");
    response
}
