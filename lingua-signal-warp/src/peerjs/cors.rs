//! CORS as the reference's `cors()` middleware does it with `{origin: true}`
//! or an origin list (protocol §3.3): echo the request `Origin`, always say
//! `Vary: Origin`, answer preflights with 204.

use std::sync::Arc;

use warp::{
    Reply,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    reply::Response,
};

/// Which origins are echoed; `None` echoes any.
pub(crate) type Origins = Arc<Option<Vec<String>>>;

const ALLOW_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

/// Adds the origin echo and `Vary: Origin` to a response of a PeerJS route.
pub(crate) fn decorate(mut response: Response, origins: &Origins, request: &HeaderMap) -> Response {
    let headers = response.headers_mut();
    if let Some(origin) = allowed_origin(origins, request) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    response
}

/// 204 with the allowed methods and the requested headers echoed, as `cors`
/// does when no `allowedHeaders` are configured.
pub(crate) fn preflight(origins: &Origins, request: &HeaderMap) -> Response {
    let mut response = warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response();
    let headers = response.headers_mut();
    if let Some(origin) = allowed_origin(origins, request) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
    if let Some(requested) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin, Access-Control-Request-Headers"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
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
        let response = preflight(&Arc::new(None), &request);
        let h = response.headers();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://a");
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_METHODS], ALLOW_METHODS);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_HEADERS], "x-y");
        assert_eq!(h[header::VARY], "Origin, Access-Control-Request-Headers");
        assert_eq!(h[header::CONTENT_LENGTH], "0");
    }
}
