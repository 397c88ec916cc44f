//! CORS as the reference's `cors()` middleware does it with `{origin: true}`
//! or an origin list (protocol §3.3): echo the request `Origin`, always say
//! `Vary: Origin`, answer preflights with 204.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

/// Which origins are echoed; `None` echoes any.
pub(crate) type Origins = Arc<Option<Vec<String>>>;

const ALLOW_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

/// The middleware: preflights are answered here, everything else gets the
/// origin echo added to the inner response.
pub(crate) async fn cors(State(origins): State<Origins>, request: Request, next: Next) -> Response {
    let origin = allowed_origin(&origins, request.headers());
    if request.method() == Method::OPTIONS {
        return preflight(origin, request.headers());
    }
    let mut response = next.run(request).await;
    decorate(response.headers_mut(), origin);
    response.headers_mut().append(header::VARY, HeaderValue::from_static("Origin"));
    response
}

/// The request's `Origin` if it is to be echoed.
fn allowed_origin(origins: &Option<Vec<String>>, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    match origins {
        None => Some(origin.clone()),
        Some(list) => list.iter().any(|o| o.as_bytes() == origin.as_bytes()).then(|| origin.clone()),
    }
}

fn decorate(headers: &mut HeaderMap, origin: Option<HeaderValue>) {
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
}

/// 204 with the allowed methods and the requested headers echoed, as `cors`
/// does when no `allowedHeaders` are configured.
fn preflight(origin: Option<HeaderValue>, request: &HeaderMap) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    decorate(headers, origin);
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
    if let Some(requested) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin, Access-Control-Request-Headers"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_origin(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        headers
    }

    #[test]
    fn any_origin_is_echoed_by_default_and_lists_filter() {
        let headers = with_origin("http://a:3000");
        assert_eq!(allowed_origin(&None, &headers).unwrap(), "http://a:3000");
        let list = Some(vec!["http://a:3000".to_owned()]);
        assert_eq!(allowed_origin(&list, &headers).unwrap(), "http://a:3000");
        assert_eq!(allowed_origin(&list, &with_origin("http://b")), None);
        assert_eq!(allowed_origin(&None, &HeaderMap::new()), None);
    }

    #[test]
    fn preflight_has_the_reference_headers() {
        let mut request = with_origin("http://a");
        request.insert(header::ACCESS_CONTROL_REQUEST_HEADERS, HeaderValue::from_static("x-y"));
        let response = preflight(allowed_origin(&None, &request), &request);
        let h = response.headers();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://a");
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_METHODS], ALLOW_METHODS);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_HEADERS], "x-y");
        assert_eq!(h[header::VARY], "Origin, Access-Control-Request-Headers");
        assert_eq!(h[header::CONTENT_LENGTH], "0");
    }
}
