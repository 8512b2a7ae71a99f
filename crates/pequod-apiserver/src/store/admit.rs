//! What every write goes through before storage: type checks, unknown-field
//! handling (`fieldValidation`), defaulting, name and metadata validation,
//! schema validation.

use serde_json::Value;

use super::Store;
use crate::api::error::{ApiError, FieldCause};
use crate::api::meta::{meta_str, name};
use crate::api::names;
use crate::api::query::{FieldValidation, WriteOptions};
use crate::registry::Resource;
use crate::storage::Storage;

/// Rejects a body whose `apiVersion`/`kind` is not the resource's.
pub(crate) fn check_type(res: &Resource, obj: &Value) -> Result<(), ApiError> {
    if let Some(av) = obj.get("apiVersion").and_then(Value::as_str)
        && av != res.api_version()
        // Another version of the same group is accepted and stored as this
        // one (custom resources convert with strategy None).
        && (res.group.is_empty() || av.split('/').next() != Some(res.group.as_str()))
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({})",
            res.api_version()
        )));
    }
    if let Some(kind) = obj.get("kind").and_then(Value::as_str)
        && kind != res.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            res.kind
        )));
    }
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be a JSON object",
        ));
    }
    Ok(())
}

/// Integral floats become integers (`10.0` → `10`), as Go's JSON round trip
/// through the real server prints them.
fn normalize_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_numbers),
        Value::Object(map) => map.values_mut().for_each(normalize_numbers),
        _ => {}
    }
}

fn cause(reason: &'static str, field: &str, message: String) -> FieldCause {
    FieldCause {
        reason,
        field: field.to_owned(),
        message,
    }
}

/// The metadata checks kube-apiserver's `ValidateObjectMeta` makes.
fn validate_meta(res: &Resource, obj: &Value, causes: &mut Vec<FieldCause>) {
    let n = name(obj);
    if n.is_empty() {
        causes.push(cause(
            "FieldValueRequired",
            "metadata.name",
            "Required value: name or generateName is required".to_owned(),
        ));
    } else {
        for why in names::check(n, res.names) {
            causes.push(cause(
                "FieldValueInvalid",
                "metadata.name",
                format!("Invalid value: \"{n}\": {why}"),
            ));
        }
    }
    for (field, check_values) in [("labels", true), ("annotations", false)] {
        let Some(map) = obj
            .pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (k, v) in map {
            if let Some(why) = names::check_qualified_name(k) {
                causes.push(cause(
                    "FieldValueInvalid",
                    &format!("metadata.{field}"),
                    format!("Invalid value: \"{k}\": {why}"),
                ));
            }
            match v.as_str() {
                Some(s) if check_values && !names::is_label_value(s) => causes.push(cause(
                    "FieldValueInvalid",
                    "metadata.labels",
                    format!("Invalid value: \"{s}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
                )),
                Some(_) => {}
                None => causes.push(cause(
                    "FieldValueInvalid",
                    &format!("metadata.{field}.{k}"),
                    format!("Invalid value: {v}: must be a string"),
                )),
            }
        }
    }
}

impl<S: Storage> Store<S> {
    /// Prunes, defaults and validates `obj` for `res`; returns the warnings
    /// the response carries.
    pub(crate) fn admit(
        &self,
        res: &Resource,
        obj: &mut Value,
        opts: &WriteOptions,
    ) -> Result<Vec<String>, ApiError> {
        check_type(res, obj)?;
        normalize_numbers(obj);
        let schema = self.schema(res);
        let unknown = crate::schema::prune(obj, &schema);
        let mut warnings = Vec::new();
        if !unknown.is_empty() {
            match opts.field_validation {
                FieldValidation::Strict => {
                    return Err(ApiError::bad_request(format!(
                        "strict decoding error: {}",
                        unknown
                            .iter()
                            .map(|p| format!("unknown field \"{p}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                FieldValidation::Warn => {
                    warnings.extend(unknown.iter().map(|p| format!("unknown field \"{p}\"")));
                }
                FieldValidation::Ignore => {}
            }
        }
        if res.is_custom() {
            crate::schema::apply_defaults(obj, &schema);
        } else {
            crate::schema::default_builtin(&res.group, &res.version, &res.kind, obj);
        }
        let mut causes = Vec::new();
        validate_meta(res, obj, &mut causes);
        for e in crate::schema::validate(obj, &schema) {
            // Built-in kinds are decoded into typed structs, not checked against
            // OpenAPI: a value of the wrong JSON type fails decoding (400) and
            // only required fields are 422s. Quantities and int-or-string
            // fields take any number.
            if !res.is_custom() {
                use crate::schema::FieldErrorKind;
                let lenient = e.detail.contains("integer,string")
                    && e.value.as_ref().is_some_and(Value::is_number);
                if e.kind == FieldErrorKind::TypeInvalid && !lenient {
                    return Err(ApiError::bad_request(format!(
                        "{kind} in version \"{version}\" cannot be handled as a {kind}: {detail}",
                        kind = res.kind,
                        version = res.version,
                        detail = e.body(),
                    )));
                }
                if e.kind != FieldErrorKind::Required {
                    continue;
                }
            }
            causes.push(FieldCause {
                reason: e.kind.cause_type(),
                field: e.path.clone(),
                message: e.body(),
            });
        }
        if !causes.is_empty() {
            let n = meta_str(obj, "name").unwrap_or_default().to_owned();
            return Err(ApiError::invalid(res.subject(), &n, &causes));
        }
        Ok(warnings)
    }
}
