//! A tiny HTTP/1.1 client for black-box tests: one request per connection,
//! the whole body read into memory.

use std::net::SocketAddr;

use bytes::Bytes;
pub use http::Method;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, exactly as sent.
    pub body: Bytes,
}

impl Response {
    /// The body as text; panics if it is not UTF-8.
    #[must_use]
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("body is not UTF-8")
    }

    /// A header's value as text, if present once or more (the first value).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("header is not ASCII"))
    }

    /// Every value of a header joined with `", "`, as the field would be
    /// read when folded (`Vary` may be sent as several fields).
    #[must_use]
    pub fn header_joined(&self, name: &str) -> String {
        let values: Vec<&str> = self.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        values.join(", ")
    }
}

/// `GET path` on `addr` with extra `headers`.
pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    request(addr, Method::GET, path, headers).await
}

/// `OPTIONS path` on `addr` with extra `headers`.
pub async fn options(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    request(addr, Method::OPTIONS, path, headers).await
}

/// Any body-less request; panics on transport errors (the test fails).
pub async fn request(addr: SocketAddr, method: Method, path: &str, headers: &[(&str, &str)]) -> Response {
    send(addr, method, path, headers, Bytes::new()).await
}

/// A request with a `text/plain` body.
pub async fn request_with_body(addr: SocketAddr, method: Method, path: &str, body: &str) -> Response {
    let headers = [("content-type", "text/plain")];
    send(addr, method, path, &headers, Bytes::copy_from_slice(body.as_bytes())).await
}

async fn send(addr: SocketAddr, method: Method, path: &str, headers: &[(&str, &str)], body: Bytes) -> Response {
    let stream = TcpStream::connect(addr).await.expect("connect to the server");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("HTTP handshake");
    let driver = tokio::spawn(connection);
    let mut builder = Request::builder().method(method).uri(path);
    // The address as `Host`, unless the test names one.
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
        builder = builder.header("host", addr.to_string());
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Full::new(body)).expect("valid request");
    let response = sender.send_request(request).await.expect("HTTP response");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("HTTP body").to_bytes();
    driver.abort();
    Response { status: parts.status, headers: parts.headers, body }
}

/// The `name=value` of the client cookie `response` sets, if it sets one.
pub fn set_cookie(response: &Response) -> Option<String> {
    let header = response.header("set-cookie")?;
    Some(header.split(';').next().expect("a name=value").to_owned())
}

/// `GET path` as a browser that holds `cookie` (`name=value`), if any.
pub async fn get_as(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Response {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
    get(addr, path, &headers).await
}

/// A browser's client cookie: the one the room page sets for a first visit.
pub async fn page_cookie(addr: SocketAddr) -> String {
    let page = get_as(addr, "/lesson-42", None).await;
    set_cookie(&page).expect("a first visit to a room page gets the client cookie")
}
