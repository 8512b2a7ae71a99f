//! API errors as kube-apiserver reports them: a `metav1.Status` with the
//! real server's reason, code and message.

use serde_json::{Value, json};

use crate::storage::StorageError;

/// A failed API request, rendered as a `metav1.Status`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// HTTP status code.
    pub code: u16,
    /// `metav1.StatusReason`, e.g. `NotFound`.
    pub reason: &'static str,
    /// Human-readable message.
    pub message: String,
    /// `details`, when the reason has them.
    pub details: Option<Value>,
}

/// Which resource an error is about: `resource.group` and its kind.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// API group (`""` for core).
    pub group: &'a str,
    /// Plural resource name.
    pub resource: &'a str,
    /// Kind.
    pub kind: &'a str,
}

impl Subject<'_> {
    /// `deployments.apps`, or `configmaps` for the core group.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.to_owned()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    fn details(&self, name: &str) -> Value {
        let mut d = json!({ "name": name });
        if !self.group.is_empty() {
            d["group"] = json!(self.group);
        }
        d["kind"] = json!(self.resource);
        d
    }
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    /// 400 BadRequest.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 401 Unauthorized.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 403 Forbidden.
    pub fn forbidden(subject: Subject<'_>, name: &str, why: &str) -> Self {
        let mut e = Self::new(
            403,
            "Forbidden",
            format!("{} \"{name}\" is forbidden: {why}", subject.qualified()),
        );
        e.details = Some(subject.details(name));
        e
    }

    /// 404 NotFound for an object.
    pub fn not_found(subject: Subject<'_>, name: &str) -> Self {
        let mut e = Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", subject.qualified()),
        );
        e.details = Some(subject.details(name));
        e
    }

    /// 404 NotFound for a path the server does not serve.
    pub fn no_route() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    /// 409 AlreadyExists.
    pub fn already_exists(subject: Subject<'_>, name: &str) -> Self {
        let mut e = Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", subject.qualified()),
        );
        e.details = Some(subject.details(name));
        e
    }

    /// 409 Conflict: optimistic concurrency failed.
    pub fn conflict(subject: Subject<'_>, name: &str, why: &str) -> Self {
        let mut e = Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                subject.qualified()
            ),
        );
        e.details = Some(subject.details(name));
        e
    }

    /// The standard "object has been modified" conflict.
    pub fn modified(subject: Subject<'_>, name: &str) -> Self {
        Self::conflict(
            subject,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 405 MethodNotAllowed.
    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    }

    /// 406 NotAcceptable.
    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(406, "NotAcceptable", message)
    }

    /// 415 UnsupportedMediaType. The list names what this server decodes
    /// (kube-apiserver's also names protobuf), so a client sees what to send.
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml; got {content_type}"
            ),
        )
    }

    /// 410 Expired: the resourceVersion was compacted away.
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 422 Invalid with field causes (`path: message` pairs).
    pub fn invalid(subject: Subject<'_>, name: &str, causes: &[FieldCause]) -> Self {
        let summary = match causes {
            [one] => one.to_string(),
            many => format!(
                "[{}]",
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut details = json!({ "name": name });
        if !subject.group.is_empty() {
            details["group"] = json!(subject.group);
        }
        details["kind"] = json!(subject.kind);
        details["causes"] = Value::Array(
            causes
                .iter()
                .map(|c| json!({ "reason": c.reason, "message": c.message, "field": c.field }))
                .collect(),
        );
        Self {
            code: 422,
            reason: "Invalid",
            message: format!(
                "{} \"{name}\" is invalid: {summary}",
                subject.kind_qualified()
            ),
            details: Some(details),
        }
    }

    /// 500 InternalError.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    /// 504 Timeout.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(504, "Timeout", message)
    }

    /// The `metav1.Status` body.
    pub fn status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s["code"] = json!(self.code);
        s
    }

    /// Maps a storage failure for object `name`.
    pub fn from_storage(e: StorageError, subject: Subject<'_>, name: &str) -> Self {
        match e {
            StorageError::AlreadyExists(_) => Self::already_exists(subject, name),
            StorageError::NotFound(_) => Self::not_found(subject, name),
            StorageError::Conflict { .. } => Self::modified(subject, name),
            StorageError::Gone {
                requested,
                compacted,
            } => Self::gone(format!(
                "too old resource version: {requested} ({compacted})"
            )),
            StorageError::Backend(m) => Self::internal(m),
        }
    }
}

impl Subject<'_> {
    /// `Deployment.apps`, or `ConfigMap` for the core group: how Invalid
    /// errors name the object.
    pub fn kind_qualified(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_owned()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }
}

/// One cause of an Invalid error: a field path and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldCause {
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, …
    pub reason: &'static str,
    /// The field path, e.g. `spec.replicas`.
    pub field: String,
    /// What is wrong, without the path (`Invalid value: "x": …`).
    pub message: String,
}

impl std::fmt::Display for FieldCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
