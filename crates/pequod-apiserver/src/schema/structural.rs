//! The checks kube-apiserver runs on a CRD version's `openAPIV3Schema` when
//! the CRD is created or updated: the structural-schema invariants and the
//! API validation of the schema's keywords, with the same messages.

use serde_json::{Map, Value};

use super::field_error::FieldError;

/// The structural-schema violations and unsupported keywords kube-apiserver
/// reports for a CRD version's `openAPIV3Schema`, with paths under
/// `spec.versions[0].schema.openAPIV3Schema`.
pub fn check_structural(openapi_v3_schema: &Value) -> Vec<String> {
    check_structural_at(openapi_v3_schema, "spec.versions[0].schema.openAPIV3Schema")
}

/// [`check_structural`] with the schema's own field path, e.g.
/// `spec.versions[2].schema.openAPIV3Schema`.
pub fn check_structural_at(openapi_v3_schema: &Value, path: &str) -> Vec<String> {
    let Some(root) = openapi_v3_schema.as_object() else {
        return vec![FieldError::required(path, "").to_string()];
    };
    // Structural errors come first, sorted as ValidateStructural sorts them.
    let mut structural = Vec::new();
    invariants(root, Level::Root, path, &mut structural);
    let mut out: Vec<String> = structural.iter().map(ToString::to_string).collect();
    out.sort();
    let mut api = Vec::new();
    api_checks(root, path, Context::root(), &mut api);
    out.extend(api.iter().map(ToString::to_string));
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Item,
    Field,
}

fn ty(node: &Map<String, Value>) -> &str {
    node.get("type").and_then(Value::as_str).unwrap_or("")
}

fn flag(node: &Map<String, Value>, key: &str) -> bool {
    node.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn props(node: &Map<String, Value>) -> impl Iterator<Item = (&String, &Map<String, Value>)> {
    node.get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_object().map(|o| (k, o)))
}

fn sub<'a>(node: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    node.get(key).and_then(Value::as_object)
}

fn key_path(path: &str, child: &str, key: &str) -> String {
    format!("{path}.{child}[{key}]")
}

/// validateStructuralInvariants.
fn invariants(node: &Map<String, Value>, level: Level, path: &str, errs: &mut Vec<FieldError>) {
    let at = |k: &str| format!("{path}.{k}");
    let t = ty(node);
    let embedded = flag(node, "x-kubernetes-embedded-resource");
    let int_or_string = flag(node, "x-kubernetes-int-or-string");
    let preserve = flag(node, "x-kubernetes-preserve-unknown-fields");

    if t == "array" && !node.contains_key("items") {
        errs.push(FieldError::required(at("items"), "must be specified"));
    }
    if let Some(items) = sub(node, "items") {
        invariants(items, Level::Item, &at("items"), errs);
    }
    for (name, prop) in props(node) {
        invariants(
            prop,
            Level::Field,
            &key_path(path, "properties", name),
            errs,
        );
    }
    if node.contains_key("additionalProperties") {
        if level == Level::Root {
            errs.push(FieldError::forbidden(
                at("additionalProperties"),
                "must not be used at the root",
            ));
        }
        if let Some(additional) = sub(node, "additionalProperties") {
            invariants(additional, Level::Field, &at("additionalProperties"), errs);
        }
    }
    if int_or_string && preserve {
        errs.push(FieldError::invalid(
            at("x-kubernetes-preserve-unknown-fields"),
            Value::Bool(true),
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    if int_or_string && embedded {
        errs.push(FieldError::invalid(
            at("x-kubernetes-embedded-resource"),
            Value::Bool(true),
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    value_validation(node, int_or_string, path, errs);

    if embedded && t != "object" {
        let detail = "must be object if x-kubernetes-embedded-resource is true";
        errs.push(if t.is_empty() {
            FieldError::required(at("type"), detail)
        } else {
            FieldError::invalid(at("type"), Value::from(t), detail)
        });
    } else if t.is_empty() && !int_or_string && !preserve {
        let detail = match level {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        errs.push(FieldError::required(at("type"), detail));
    }
    if embedded && node.contains_key("additionalProperties") {
        errs.push(FieldError::forbidden(
            at("additionalProperties"),
            "must not be used if x-kubernetes-embedded-resource is set",
        ));
    }
    if level == Level::Root && !t.is_empty() && t != "object" {
        errs.push(FieldError::invalid(
            at("type"),
            Value::from(t),
            "must be object at the root",
        ));
    }
    let check_metadata = level == Level::Root || embedded;
    for (name, want) in [
        ("kind", "string"),
        ("apiVersion", "string"),
        ("metadata", "object"),
    ] {
        if let Some(p) = sub(node, "properties").and_then(|p| sub(p, name))
            && check_metadata
            && ty(p) != want
        {
            errs.push(FieldError::invalid(
                format!("{}.type", key_path(path, "properties", name)),
                Value::from(ty(p)),
                format!("must be {want}"),
            ));
        }
    }
    if level == Level::Root
        && let Some(meta) = sub(node, "properties").and_then(|p| sub(p, "metadata"))
        && !metadata_is_restricted_to_names(meta)
    {
        errs.push(FieldError::forbidden(
            key_path(path, "properties", "metadata"),
            "must not specify anything other than name and generateName, but metadata is implicitly specified",
        ));
    }
    if embedded && !preserve && props(node).next().is_none() {
        errs.push(FieldError::required(
            at("properties"),
            "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
        ));
    }
}

/// Root `metadata` may only constrain `name` and `generateName`.
fn metadata_is_restricted_to_names(meta: &Map<String, Value>) -> bool {
    meta.iter().all(|(k, v)| match k.as_str() {
        "type" | "default" => true,
        "properties" => v
            .as_object()
            .is_some_and(|p| p.keys().all(|n| n == "name" || n == "generateName")),
        _ => false,
    })
}

/// validateValueValidation: what allOf/anyOf/oneOf/not may hold.
fn value_validation(
    node: &Map<String, Value>,
    int_or_string: bool,
    path: &str,
    errs: &mut Vec<FieldError>,
) {
    let int_or_string_any_of = |list: &Value| {
        list.as_array().is_some_and(|l| {
            l.len() == 2
                && l[0] == serde_json::json!({"type": "integer"})
                && l[1] == serde_json::json!({"type": "string"})
        })
    };
    let skip_any_of = int_or_string && node.get("anyOf").is_some_and(int_or_string_any_of);
    for key in ["anyOf", "allOf", "oneOf"] {
        if key == "anyOf" && skip_any_of {
            continue;
        }
        for (i, s) in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(s) = s.as_object() {
                let skip = int_or_string
                    && key == "allOf"
                    && i == 0
                    && s.get("anyOf").is_some_and(int_or_string_any_of);
                nested(s, skip, &format!("{path}.{key}[{i}]"), errs);
            }
        }
    }
    if let Some(not) = sub(node, "not") {
        nested(not, false, &format!("{path}.not"), errs);
    }
    if let Some(pattern) = node.get("pattern").and_then(Value::as_str)
        && let Err(e) = regex::Regex::new(pattern)
    {
        errs.push(FieldError::invalid(
            format!("{path}.pattern"),
            Value::from(pattern),
            format!("must be a valid regular expression, but isn't: {e}"),
        ));
    }
}

/// validateNestedValueValidation.
fn nested(node: &Map<String, Value>, skip_any_of: bool, path: &str, errs: &mut Vec<FieldError>) {
    let at = |k: &str| format!("{path}.{k}");
    let mut inner = node.clone();
    if skip_any_of {
        inner.remove("anyOf");
    }
    value_validation(&inner, false, path, errs);
    if let Some(items) = sub(node, "items") {
        nested(items, false, &at("items"), errs);
    }
    for (name, prop) in props(node) {
        nested(prop, false, &key_path(path, "properties", name), errs);
    }
    let forbidden: [(&str, bool, &str); 10] = [
        (
            "type",
            !ty(node).is_empty(),
            "must be empty to be structural",
        ),
        (
            "additionalProperties",
            node.contains_key("additionalProperties"),
            "must be undefined to be structural",
        ),
        (
            "default",
            node.contains_key("default"),
            "must be undefined to be structural",
        ),
        (
            "title",
            node.contains_key("title"),
            "must be empty to be structural",
        ),
        (
            "description",
            node.contains_key("description"),
            "must be empty to be structural",
        ),
        (
            "nullable",
            flag(node, "nullable"),
            "must be false to be structural",
        ),
        (
            "x-kubernetes-preserve-unknown-fields",
            flag(node, "x-kubernetes-preserve-unknown-fields"),
            "must be false to be structural",
        ),
        (
            "x-kubernetes-embedded-resource",
            flag(node, "x-kubernetes-embedded-resource"),
            "must be false to be structural",
        ),
        (
            "x-kubernetes-int-or-string",
            flag(node, "x-kubernetes-int-or-string"),
            "must be false to be structural",
        ),
        (
            "x-kubernetes-list-type",
            node.contains_key("x-kubernetes-list-type"),
            "must be undefined to be structural",
        ),
    ];
    for (key, bad, detail) in forbidden {
        if bad {
            errs.push(FieldError::forbidden(at(key), detail));
        }
    }
    if node
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .is_some_and(|k| !k.is_empty())
    {
        errs.push(FieldError::forbidden(
            at("x-kubernetes-list-map-keys"),
            "must be empty to be structural",
        ));
    }
    if sub(node, "properties").is_some_and(|p| p.contains_key("metadata")) {
        errs.push(FieldError::forbidden(
            key_path(path, "properties", "metadata"),
            "must not be specified in a nested context",
        ));
    }
}

/// Where the API validation of a schema node stands.
#[derive(Clone, Copy)]
struct Context {
    is_root: bool,
    inside_meta: bool,
    defaults_forbidden: Option<&'static str>,
}

impl Context {
    fn root() -> Self {
        Context {
            is_root: true,
            inside_meta: false,
            defaults_forbidden: None,
        }
    }

    fn child(self) -> Self {
        Context {
            is_root: false,
            ..self
        }
    }
}

const TYPES: [&str; 6] = ["array", "boolean", "integer", "number", "object", "string"];

/// ValidateCustomResourceDefinitionOpenAPISchema (without CEL rules).
fn api_checks(node: &Map<String, Value>, path: &str, ctx: Context, errs: &mut Vec<FieldError>) {
    let at = |k: &str| format!("{path}.{k}");
    let t = ty(node);
    if !t.is_empty() && t != "null" && !TYPES.contains(&t) {
        let supported: Vec<String> = TYPES.iter().map(|s| (*s).to_owned()).collect();
        errs.push(FieldError::not_supported(
            at("type"),
            Value::from(t),
            &supported,
        ));
    }
    if node.contains_key("default")
        && let Some(reason) = ctx.defaults_forbidden
    {
        errs.push(FieldError::forbidden(
            at("default"),
            format!("must not be set {reason}"),
        ));
    }
    for (key, detail) in [
        ("id", "id is not supported"),
        ("additionalItems", "additionalItems is not supported"),
        ("patternProperties", "patternProperties is not supported"),
        ("definitions", "definitions is not supported"),
        ("dependencies", "dependencies is not supported"),
        ("$ref", "$ref is not supported"),
    ] {
        if node.contains_key(key) {
            errs.push(FieldError::forbidden(at(key), detail));
        }
    }
    if t == "null" {
        errs.push(FieldError::forbidden(
            at("type"),
            "type cannot be set to null, use nullable as an alternative",
        ));
    }
    if node.get("items").is_some_and(Value::is_array) {
        errs.push(FieldError::forbidden(
            at("items"),
            "items must be a schema object and not an array",
        ));
    }
    if ctx.inside_meta && flag(node, "x-kubernetes-embedded-resource") {
        errs.push(FieldError::forbidden(
            at("x-kubernetes-embedded-resource"),
            "must not be used inside of resource meta",
        ));
    }
    if flag(node, "uniqueItems") {
        errs.push(FieldError::forbidden(
            at("uniqueItems"),
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        ));
    }
    if let Some(additional) = node.get("additionalProperties") {
        let has_props = props(node).next().is_some();
        if has_props && additional != &Value::Bool(true) {
            errs.push(FieldError::forbidden(
                at("additionalProperties"),
                "additionalProperties and properties are mutual exclusive",
            ));
        }
        if let Some(additional) = additional.as_object() {
            let mut c = ctx.child();
            if ctx.inside_meta {
                c.defaults_forbidden =
                    Some("inside additionalProperties applying to object metadata");
            }
            api_checks(additional, &at("additionalProperties"), c, errs);
        }
    }
    let embedded = flag(node, "x-kubernetes-embedded-resource");
    for (name, prop) in props(node) {
        let mut c = ctx.child();
        if (ctx.is_root || embedded) && matches!(name.as_str(), "metadata" | "kind" | "apiVersion")
        {
            c.inside_meta = true;
            if ctx.is_root {
                c.defaults_forbidden = Some(match name.as_str() {
                    "metadata" => "in top-level metadata",
                    "kind" => "in top-level kind",
                    _ => "in top-level apiVersion",
                });
            }
        }
        api_checks(prop, &key_path(path, "properties", name), c, errs);
    }
    if let Some(not) = sub(node, "not") {
        api_checks(not, &at("not"), ctx.child(), errs);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, s) in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(s) = s.as_object() {
                api_checks(s, &format!("{path}.{key}[{i}]"), ctx.child(), errs);
            }
        }
    }
    if let Some(items) = sub(node, "items") {
        api_checks(items, &at("items"), ctx.child(), errs);
    }
    if node.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(false)) {
        errs.push(FieldError::invalid(
            at("x-kubernetes-preserve-unknown-fields"),
            Value::Bool(false),
            "must be true or undefined",
        ));
    }
    map_type_checks(node, path, errs);
    list_type_checks(node, path, errs);
}

fn required_or_invalid(path: String, t: &str, detail: &str) -> FieldError {
    if t.is_empty() {
        FieldError::required(path, detail)
    } else {
        FieldError::invalid(path, Value::from(t), detail)
    }
}

fn map_type_checks(node: &Map<String, Value>, path: &str, errs: &mut Vec<FieldError>) {
    let Some(map_type) = node.get("x-kubernetes-map-type").and_then(Value::as_str) else {
        return;
    };
    let t = ty(node);
    if t != "object" {
        errs.push(required_or_invalid(
            format!("{path}.type"),
            t,
            "must be object if x-kubernetes-map-type is specified",
        ));
    }
    if map_type != "atomic" && map_type != "granular" {
        errs.push(FieldError::not_supported(
            format!("{path}.x-kubernetes-map-type"),
            Value::from(map_type),
            &["atomic".into(), "granular".into()],
        ));
    }
}

fn list_type_checks(node: &Map<String, Value>, path: &str, errs: &mut Vec<FieldError>) {
    let at = |k: &str| format!("{path}.{k}");
    let t = ty(node);
    let list_type = node.get("x-kubernetes-list-type").and_then(Value::as_str);
    let keys: Vec<&str> = node
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .map(|k| k.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let keys_value = || Value::from(keys.iter().map(|k| Value::from(*k)).collect::<Vec<_>>());
    let items = sub(node, "items");
    if list_type.is_some() && t != "array" {
        errs.push(required_or_invalid(
            at("type"),
            t,
            "must be array if x-kubernetes-list-type is specified",
        ));
    } else if list_type == Some("set")
        && let Some(items) = items
    {
        let item_ok = match ty(items) {
            "array" => items
                .get("x-kubernetes-list-type")
                .and_then(Value::as_str)
                .is_none_or(|l| l == "atomic"),
            "object" => {
                items.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic")
            }
            _ => true,
        };
        if !item_ok {
            let key = if ty(items) == "array" {
                "x-kubernetes-list-type"
            } else {
                "x-kubernetes-map-type"
            };
            errs.push(FieldError::invalid(
                format!("{path}.items.{key}"),
                Value::from("set"),
                "must be atomic as item of a list with x-kubernetes-list-type=set",
            ));
        }
    }
    if let Some(lt) = list_type
        && !["atomic", "set", "map"].contains(&lt)
    {
        errs.push(FieldError::not_supported(
            at("x-kubernetes-list-type"),
            Value::from(lt),
            &["atomic".into(), "set".into(), "map".into()],
        ));
    }
    if !keys.is_empty() {
        match list_type {
            None => errs.push(FieldError::required(
                at("x-kubernetes-list-type"),
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
            Some("map") => {}
            Some(other) => errs.push(FieldError::invalid(
                at("x-kubernetes-list-type"),
                Value::from(other),
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
        }
    }
    if list_type != Some("map") {
        return;
    }
    if keys.is_empty() {
        errs.push(FieldError::required(
            at("x-kubernetes-list-map-keys"),
            "must not be empty if x-kubernetes-list-type is map",
        ));
    }
    let Some(items) = items else {
        errs.push(FieldError::required(
            at("items"),
            "must have a schema if x-kubernetes-list-type is map",
        ));
        return;
    };
    if ty(items) != "object" {
        errs.push(FieldError::invalid(
            at("items.type"),
            Value::from(ty(items)),
            "must be object if parent array's x-kubernetes-list-type is map",
        ));
        return;
    }
    let item_props = sub(items, "properties");
    let required: Vec<&str> = items
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut seen = Vec::new();
    for k in &keys {
        match item_props.and_then(|p| sub(p, k)) {
            Some(p) => {
                if matches!(ty(p), "array" | "object") {
                    errs.push(FieldError::invalid(
                        format!("{}.type", key_path(&at("items"), "properties", k)),
                        Value::from(ty(items)),
                        "must be a scalar type if parent array's x-kubernetes-list-type is map",
                    ));
                }
                if !p.contains_key("default") && !required.contains(k) {
                    errs.push(FieldError::required(
                        key_path(&at("items"), "properties", k),
                        "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
                    ));
                }
                if flag(p, "nullable") {
                    errs.push(FieldError::forbidden(
                        format!("{}.nullable", key_path(&at("items"), "properties", k)),
                        "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                    ));
                }
            }
            None => errs.push(FieldError::invalid(
                at("x-kubernetes-list-map-keys"),
                keys_value(),
                "entries must all be names of item properties",
            )),
        }
        if seen.contains(k) {
            errs.push(FieldError::invalid(
                at("x-kubernetes-list-map-keys"),
                keys_value(),
                "must not contain duplicate entries",
            ));
        }
        seen.push(*k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const P: &str = "spec.versions[0].schema.openAPIV3Schema";

    #[test]
    fn webservice_schema_is_structural() {
        let schema: Value =
            serde_json::from_str(include_str!("testdata/webservice-schema.json")).unwrap();
        assert_eq!(check_structural(&schema), Vec::<String>::new());
    }

    #[test]
    fn reports_violations_like_kube_apiserver() {
        let errs = check_structural(&json!({"type": "object", "properties": {
            "spec": {"properties": {"a": {"type": "string"}}},
            "list": {"type": "array", "items": {}},
            "m": {"type": "object", "properties": {"a": {"type": "string"}},
                  "additionalProperties": {"type": "string"}},
            "u": {"type": "array", "uniqueItems": true, "items": {"type": "string"}},
            "free": {"x-kubernetes-preserve-unknown-fields": true},
            "ios": {"x-kubernetes-int-or-string": true},
            "lm": {"type": "array", "x-kubernetes-list-type": "map",
                   "items": {"type": "object", "properties": {"k": {"type": "string"}}}},
            "v": {"type": "string", "anyOf": [{"type": "string", "pattern": "a"}]}
        }}));
        let expect = [
            format!(
                "{P}.properties[spec].type: Required value: must not be empty for specified object fields"
            ),
            format!(
                "{P}.properties[list].items.type: Required value: must not be empty for specified array items"
            ),
            format!(
                "{P}.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"
            ),
            format!(
                "{P}.properties[u].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"
            ),
            format!(
                "{P}.properties[lm].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"
            ),
            format!("{P}.properties[v].anyOf[0].type: Forbidden: must be empty to be structural"),
        ];
        for e in &expect {
            assert!(errs.contains(e), "missing {e}\n{errs:#?}");
        }
        assert_eq!(errs.len(), expect.len(), "{errs:#?}");
    }

    #[test]
    fn root_and_metadata_rules() {
        assert_eq!(
            check_structural_at(
                &json!({"properties": {}}),
                "spec.validation.openAPIV3Schema"
            ),
            vec![
                "spec.validation.openAPIV3Schema.type: Required value: must not be empty at the root"
            ]
        );
        assert_eq!(
            check_structural(&json!({"type": "string"})),
            vec![format!(
                r#"{P}.type: Invalid value: "string": must be object at the root"#
            )]
        );
        let errs = check_structural(&json!({"type": "object", "properties": {
            "metadata": {"type": "object", "properties": {"labels": {"type": "object"}}},
            "r": {"$ref": "#/definitions/x"}
        }}));
        assert!(errs.contains(&format!("{P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified")), "{errs:#?}");
        assert!(
            errs.contains(&format!(
                "{P}.properties[r].$ref: Forbidden: $ref is not supported"
            )),
            "{errs:#?}"
        );
        let ok = check_structural(&json!({"type": "object", "properties": {
            "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}}}
        }}));
        assert_eq!(ok, Vec::<String>::new());
    }

    #[test]
    fn list_map_keys_must_be_required_or_defaulted() {
        let errs = check_structural(&json!({"type": "object", "properties": {
            "ports": {"type": "array", "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["port", "protocol"],
                "items": {"type": "object", "required": ["port"], "properties": {
                    "port": {"type": "integer"}, "protocol": {"type": "string"}}}}
        }}));
        assert_eq!(
            errs,
            vec![format!(
                "{P}.properties[ports].items.properties[protocol]: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"
            )]
        );
    }
}
