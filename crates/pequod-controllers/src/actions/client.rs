//! The HTTP(S) client the remote actions (`http`, `githubActions`, `gitlab`)
//! share, and the small pieces of URL handling they need.
//!
//! Built once per process: its connection pool then serves every poll of
//! every run. Network errors are [`ActionError::Failed`] (a service may be
//! back at the next attempt); a URL that cannot work is
//! [`ActionError::Config`].

use std::sync::LazyLock;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use http::{Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::ActionError;

/// The most of a response body an action reads: a result document or an
/// API object, never a download.
const MAX_BODY: usize = 1 << 20;

/// Sent with every request (GitHub refuses requests without one).
const PEQUOD_USER_AGENT: &str = concat!("pequod/", env!("CARGO_PKG_VERSION"));

/// Plain HTTP works even where no CA certificates are installed.
static PLAIN: LazyLock<Client<HttpConnector, Full<Bytes>>> =
    LazyLock::new(|| Client::builder(TokioExecutor::new()).build_http());

type TlsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// HTTPS with the system's CA certificates and rustls' ring provider, named
/// here rather than taken from a process-wide default another crate may set.
static TLS: LazyLock<Result<TlsClient, String>> = LazyLock::new(|| {
    let connector = HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| format!("loading the system's CA certificates: {e}"))?
        .https_only()
        .enable_http1()
        .enable_http2()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
});

/// An answer, its body read (at most [`MAX_BODY`] bytes).
#[derive(Debug)]
pub(super) struct Response {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: String,
}

impl Response {
    /// `"{status} {reason}"`, e.g. `500 Internal Server Error`.
    pub(super) fn status_line(&self) -> String {
        let reason = self.status.canonical_reason().unwrap_or_default();
        format!("{} {reason}", self.status.as_u16())
            .trim_end()
            .to_owned()
    }

    /// A header as text, if present and readable.
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Parses `url`, which must be absolute `http` or `https`.
pub(super) fn parse_url(url: &str, field: &str) -> Result<Uri, ActionError> {
    let uri: Uri = url
        .parse()
        .map_err(|e| ActionError::Config(format!("{field}: {url:?} is not a URL: {e}")))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some("http" | "https"), Some(_)) => Ok(uri),
        _ => Err(ActionError::Config(format!(
            "{field}: {url:?} is not an http:// or https:// URL"
        ))),
    }
}

/// Sends one request. `headers` may carry secrets: they are marked
/// sensitive here and never logged.
pub(super) async fn send(
    method: &Method,
    uri: &Uri,
    mut headers: HeaderMap,
    body: Option<(&'static str, Vec<u8>)>,
) -> Result<Response, ActionError> {
    let failed = |message: String| ActionError::Failed {
        message: format!("{method} {uri}: {message}"),
        output: String::new(),
    };
    for value in headers.values_mut() {
        value.set_sensitive(true);
    }
    headers
        .entry(USER_AGENT)
        .or_insert(HeaderValue::from_static(PEQUOD_USER_AGENT));
    let bytes = match body {
        Some((content_type, bytes)) => {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            Bytes::from(bytes)
        }
        None => Bytes::new(),
    };
    let mut request = http::Request::new(Full::new(bytes));
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri.clone();
    *request.headers_mut() = headers;
    tracing::debug!(%method, %uri, "action request");
    let response = match uri.scheme_str() {
        Some("https") => {
            let client = TLS.as_ref().map_err(|e| ActionError::Config(e.clone()))?;
            client.request(request).await
        }
        _ => PLAIN.request(request).await,
    }
    .map_err(|e| failed(error_chain(&e)))?;
    let (parts, body) = response.into_parts();
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                failed(format!("the response is larger than {MAX_BODY} bytes"))
            } else {
                failed(format!("reading the response: {e}"))
            }
        })?
        .to_bytes();
    tracing::debug!(%method, %uri, status = parts.status.as_u16(), "action response");
    Ok(Response {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// What went wrong, down to the cause: hyper's top-level "client error
/// (Connect)" says little, "Connection refused" says what to fix.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = error.source();
    if next.is_none() {
        parts.push(error.to_string());
    }
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// `location` (absolute, `//host/…`, `/path` or `path`) resolved against
/// the URL of the request that returned it. Dot segments are not
/// collapsed: services answer with plain paths.
pub(super) fn resolve(base: &Uri, location: &str) -> Result<Uri, String> {
    let scheme = base.scheme_str().unwrap_or("http");
    let authority = base.authority().map(|a| a.as_str()).unwrap_or_default();
    let absolute = if location.contains("://") {
        location.to_owned()
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else {
        let path = base.path();
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        let dir = if dir.is_empty() { "/" } else { dir };
        format!("{scheme}://{authority}{dir}{location}")
    };
    absolute
        .parse()
        .map_err(|e| format!("{location:?} is not a URL: {e}"))
}

/// `text` percent-encoded for a URL path segment or a form field: only
/// RFC 3986's unreserved characters stay as they are.
pub(super) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The first non-blank line of `text`, trimmed.
pub(super) fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
}

/// Waits `interval` between polls, at least a millisecond so a zero
/// interval cannot spin.
pub(super) async fn pause(interval: Duration) {
    tokio::time::sleep(interval.max(Duration::from_millis(1))).await;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use http::{Method, Uri};

    use super::{encode, first_line, resolve, send};
    use crate::actions::ActionError;

    #[test]
    fn locations() {
        let base: Uri = "http://svc:8080/v1/jobs?x=1".parse().unwrap();
        let r = |l| resolve(&base, l).unwrap().to_string();
        assert_eq!(r("/status/7"), "http://svc:8080/status/7");
        assert_eq!(r("status/7"), "http://svc:8080/v1/status/7");
        assert_eq!(r("//other/s"), "http://other/s");
        assert_eq!(r("https://x.example/s?a=b"), "https://x.example/s?a=b");
    }

    #[test]
    fn encoding() {
        assert_eq!(encode("group/project"), "group%2Fproject");
        assert_eq!(encode("a b&c=d~é"), "a%20b%26c%3Dd~%C3%A9");
        assert_eq!(first_line("\n  boom \nmore"), "boom");
    }

    #[tokio::test]
    async fn refused_connections_say_so() {
        // Port 9 (discard) is closed on any test machine; the https case
        // also builds the TLS client.
        for url in ["http://127.0.0.1:9/hook", "https://127.0.0.1:9/hook"] {
            let uri: Uri = url.parse().unwrap();
            let err = send(&Method::POST, &uri, Default::default(), None)
                .await
                .unwrap_err();
            let ActionError::Failed { message, .. } = err else {
                panic!("{err:?}");
            };
            assert!(message.starts_with(&format!("POST {url}: ")), "{message}");
            assert!(
                message.to_lowercase().contains("connection refused"),
                "{message}"
            );
        }
    }
}
