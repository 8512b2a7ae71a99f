//! Responses: JSON bodies, `metav1.Status` errors, `Warning` headers, and
//! the alternative representations clients ask for in `Accept` (server-side
//! `Table`, `PartialObjectMetadata`).

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};

use crate::api::error::ApiError;
use crate::registry::Resource;
use crate::table::{self, IncludeObject};

/// What the client asked for in `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Representation {
    /// The object or list itself.
    Object,
    /// `as=Table;g=meta.k8s.io`.
    Table,
    /// `as=PartialObjectMetadata` or `as=PartialObjectMetadataList`.
    Metadata,
}

impl Representation {
    pub(crate) fn from_accept(accept: Option<&str>) -> Result<Self, ApiError> {
        let Some(accept) = accept else {
            return Ok(Self::Object);
        };
        let mut json_ok = false;
        for choice in accept.split(',') {
            let choice = choice.trim();
            let params: Vec<&str> = choice.split(';').map(str::trim).collect();
            let media = params.first().copied().unwrap_or_default();
            let is_as = |name: &str| params.iter().any(|p| *p == format!("as={name}"));
            if media == "application/json"
                || media == "application/yaml"
                || media == "*/*"
                || media == "application/*"
            {
                if is_as("Table") {
                    return Ok(Self::Table);
                }
                if is_as("PartialObjectMetadata") || is_as("PartialObjectMetadataList") {
                    return Ok(Self::Metadata);
                }
                if !params.iter().any(|p| p.starts_with("as=")) {
                    json_ok = true;
                }
            }
        }
        if json_ok || accept.trim().is_empty() {
            Ok(Self::Object)
        } else {
            Err(ApiError::not_acceptable(
                "only the following media types are accepted: application/json, application/yaml",
            ))
        }
    }
}

/// A JSON response.
pub(crate) fn json_response(code: u16, body: &Value, warnings: &[String]) -> Response<Body> {
    let mut resp = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for w in warnings {
        let escaped = w.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(v) = HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            resp.headers_mut().append("warning", v);
        }
    }
    resp
}

/// A `metav1.Status` error response.
pub(crate) fn error_response(e: &ApiError) -> Response<Body> {
    json_response(e.code, &e.status(), &[])
}

/// The `PartialObjectMetadata` of an object.
pub(crate) fn partial(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

/// The columns of a resource's Table.
pub(crate) fn columns(res: &Resource) -> Vec<table::Column> {
    match &res.printer_columns {
        Some(cols) => table::crd_columns(cols),
        None => table::builtin_columns(&res.group, &res.kind),
    }
}

/// An object or a list in the representation asked for.
pub(crate) fn represent(
    res: &Resource,
    body: Value,
    repr: Representation,
    include: IncludeObject,
) -> Value {
    let is_list = body.get("items").is_some()
        && body
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"));
    match (repr, is_list) {
        (Representation::Object, _) => body,
        (Representation::Metadata, false) => partial(&body),
        (Representation::Metadata, true) => json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": body["metadata"],
            "items": body["items"].as_array().map(|a| a.iter().map(partial).collect::<Vec<_>>()).unwrap_or_default(),
        }),
        (Representation::Table, true) => {
            let rows: Vec<Value> = body["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| {
                            let mut i = i.clone();
                            crate::store::set_type(&mut i, res);
                            i
                        })
                        .collect()
                })
                .unwrap_or_default();
            table::table(&columns(res), &rows, include, body["metadata"].clone())
        }
        (Representation::Table, false) => {
            let rv = body
                .pointer("/metadata/resourceVersion")
                .cloned()
                .unwrap_or(Value::Null);
            table::table(
                &columns(res),
                &[body],
                include,
                json!({ "resourceVersion": rv }),
            )
        }
    }
}
