//! Raw HTTP against the API server, for what typed `Api` calls hide:
//! status codes, headers, content negotiation and non-resource paths.

use hyper::header::HeaderMap;
use hyper::{Method, Request};
use kube::Client;
use kube::client::Body;
use serde_json::Value;

/// A response: status code, headers, and the body as text and parsed as
/// JSON (`Null` when it is not JSON).
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
    pub(crate) body: Value,
}

impl Reply {
    /// The header `name` as text, if present.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends `method path` with `headers` and an optional body.
pub(crate) async fn send(
    client: &Client,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let request = request.body(Body::from(bytes)).unwrap();
    let response = client.send(request).await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect_bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
        body,
    }
}

/// GETs `path` with an `Accept` header and returns the JSON body, failing
/// unless the answer is 200.
pub(crate) async fn get(client: &Client, path: &str, accept: &str) -> Value {
    let reply = send(client, Method::GET, path, &[("accept", accept)], None).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    reply.body
}

/// POSTs `body` as JSON to `path`.
pub(crate) async fn post(client: &Client, path: &str, body: &Value) -> Reply {
    send(
        client,
        Method::POST,
        path,
        &[("content-type", "application/json")],
        Some(body),
    )
    .await
}

/// The `Accept` header asking for server-side printing as a `Table`.
pub(crate) const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";
