//! OpenAPI v3 *structural* schemas (the Kubernetes CRD flavour) from CUE
//! definitions, such as a platform module's `#Spec`.
//!
//! The mapping, field by field of the evaluated definition:
//!
//! - basic types: `int` → `integer`, `float`/`number` → `number`, `string`,
//!   `bool` → `boolean`, `bytes` → `string` with `format: byte`; `int |
//!   string` → `x-kubernetes-int-or-string`; a `null` disjunct → `nullable`;
//! - bounds: `>=`/`>` → `minimum` (+ `exclusiveMinimum`), `<=`/`<` →
//!   `maximum` (+ `exclusiveMaximum`); `=~` → `pattern` (a second and later
//!   regular expression go to `allOf: [{pattern}]`); `!=` and `!~` have no
//!   structural equivalent and are left out;
//! - validators: `strings.MinRunes`/`MaxRunes` → `minLength`/`maxLength`,
//!   `list.MinItems`/`MaxItems` → `minItems`/`maxItems` (others left out);
//! - disjunctions: of literals → `enum`; a default (`*`) → `default`;
//!   literals subsumed by another disjunct (`*2 | int`) fold into it;
//! - structs → `properties`; `field!:` and regular fields that CUE could not
//!   export without a value (no default, not concrete) → `required`;
//!   `field?:` never; a regular struct field that needs nothing gets
//!   `default: {}` so that the server fills its nested defaults like CUE
//!   would; `[string]: T` → `additionalProperties` (only when the struct has
//!   no fixed fields: Kubernetes forbids both, so a struct with both keeps
//!   its `properties` and gets `x-kubernetes-preserve-unknown-fields`);
//!   open structs (`...`) and `_` → `x-kubernetes-preserve-unknown-fields`;
//! - lists `[...T]` → `type: array, items: T`;
//! - the `//` comment block right above a field → `description` (needs the
//!   source text, which [`crate::Compiled::from_sources`] keeps).
//!
//! What has no equivalent (a disjunction of structs, mixed kinds, a value
//! computed from other fields, a reference cycle) is an [`OpenApiError`]
//! naming the field.

use serde_json::{Map, Value as Json};

use crate::api::Instance;
use crate::ast;
use crate::docs::Docs;
use crate::eval::{ArcType, Conjunct, Evaluator, Frame, Label, Src};
use crate::value::{BoundOp, Disjunct, ErrorCode, Kind, VId, Value};

/// Nesting depth past which a schema is taken to be a reference cycle.
const MAX_SCHEMA_DEPTH: usize = 64;

/// Why a definition has no OpenAPI schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenApiError {
    /// The path names nothing.
    #[error("{path}: not found")]
    NotFound {
        /// The path that was looked up.
        path: String,
    },
    /// A value with no OpenAPI equivalent.
    #[error("{path}: {reason}")]
    Unsupported {
        /// The field.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A definition that refers to itself without end.
    #[error("{path}: reference cycle: {reason}")]
    Cycle {
        /// The field.
        path: String,
        /// What was found.
        reason: String,
    },
    /// The definition does not evaluate (a conflict or other error).
    #[error("{path}: invalid value: {reason}")]
    Invalid {
        /// The field.
        path: String,
        /// The evaluation error.
        reason: String,
    },
}

impl OpenApiError {
    /// The field the error is about.
    pub fn path(&self) -> &str {
        match self {
            OpenApiError::NotFound { path }
            | OpenApiError::Unsupported { path, .. }
            | OpenApiError::Cycle { path, .. }
            | OpenApiError::Invalid { path, .. } => path,
        }
    }
}

/// The structural OpenAPI v3 schema of the value at `path` (a definition
/// such as `#Spec`, or any dot-separated path), as JSON.
pub fn openapi_schema(instance: &mut Instance<'_>, path: &str) -> Result<Json, OpenApiError> {
    let node = instance
        .lookup(path)
        .ok_or_else(|| OpenApiError::NotFound {
            path: path.to_string(),
        })?;
    let compiled = instance.compiled();
    let docs = Docs::new(compiled.files(), compiled.sources());
    let mut g = Gen {
        ev: instance.evaluator(),
        docs,
        stack: Vec::new(),
    };
    let v = node.id();
    let mut out = g.vertex(v, path, 0)?;
    if let Some(d) = g.describe(v) {
        out.schema.insert("description".into(), Json::String(d));
    }
    Ok(Json::Object(out.schema))
}

/// A schema and whether CUE would need a value for it to export.
struct Out {
    schema: Map<String, Json>,
    needed: bool,
}

struct Gen<'e, 'a> {
    ev: &'e mut Evaluator<'a>,
    docs: Docs<'a>,
    /// The expressions of the vertices being converted, outermost first:
    /// one seen again is a definition that contains itself.
    stack: Vec<Vec<*const ast::Expr>>,
}

fn unsupported(path: &str, reason: impl Into<String>) -> OpenApiError {
    OpenApiError::Unsupported {
        path: path.to_string(),
        reason: reason.into(),
    }
}

fn obj(pairs: &[(&str, Json)]) -> Map<String, Json> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

fn preserve() -> Map<String, Json> {
    obj(&[("x-kubernetes-preserve-unknown-fields", Json::Bool(true))])
}

impl<'a> Gen<'_, 'a> {
    fn describe(&self, v: VId) -> Option<String> {
        self.ev.vertices[v]
            .conjuncts
            .iter()
            .find_map(|c| match c.src {
                Src::Expr(e) => self.docs.doc_of(e),
                _ => None,
            })
    }

    /// The schema of an evaluated vertex.
    fn vertex(&mut self, v: VId, path: &str, depth: usize) -> Result<Out, OpenApiError> {
        if depth > MAX_SCHEMA_DEPTH {
            return Err(OpenApiError::Cycle {
                path: path.to_string(),
                reason: format!("nested deeper than {MAX_SCHEMA_DEPTH} levels"),
            });
        }
        let exprs: Vec<*const ast::Expr> = self.ev.vertices[v]
            .conjuncts
            .iter()
            .filter_map(|c| match c.src {
                Src::Expr(e) => Some(e as *const ast::Expr),
                _ => None,
            })
            .collect();
        if exprs
            .iter()
            .any(|e| self.stack.iter().any(|s| s.contains(e)))
        {
            return Err(OpenApiError::Cycle {
                path: path.to_string(),
                reason: "the value contains itself (OpenAPI schemas have no references)".into(),
            });
        }
        self.stack.push(exprs);
        let r = self.vertex_inner(v, path, depth);
        self.stack.pop();
        r
    }

    fn vertex_inner(&mut self, v: VId, path: &str, depth: usize) -> Result<Out, OpenApiError> {
        self.ev.eval_vertex(v);
        let x = &self.ev.vertices[v];
        let value = x.value.clone();
        let (is_struct, is_list) = (x.is_struct, x.is_list);
        let mut out = match value {
            Value::Bottom(e) => {
                return Err(match e.code {
                    ErrorCode::Structural | ErrorCode::Cycle => OpenApiError::Cycle {
                        path: path.to_string(),
                        reason: e.msg.clone(),
                    },
                    ErrorCode::Incomplete => unsupported(
                        path,
                        format!("value computed from other fields ({})", e.msg),
                    ),
                    _ => OpenApiError::Invalid {
                        path: path.to_string(),
                        reason: e.msg.clone(),
                    },
                });
            }
            Value::Disjunction(ds) => self.disjunction(&ds, path, depth)?,
            _ if is_list => self.list(v, path, depth)?,
            _ if is_struct => self.structure(v, path, depth)?,
            other => scalar(&other, path)?,
        };
        self.validators(v, &mut out.schema);
        Ok(out)
    }

    /// The schema of a value (a vertex or a scalar).
    fn value(&mut self, val: &Value, path: &str, depth: usize) -> Result<Out, OpenApiError> {
        match val {
            Value::Vertex(w) => self.vertex(*w, path, depth + 1),
            Value::Disjunction(ds) => self.disjunction(ds, path, depth),
            other => scalar(other, path),
        }
    }

    fn validators(&mut self, v: VId, schema: &mut Map<String, Json>) {
        let Some(info) = &self.ev.vertices[v].schema else {
            return;
        };
        for val in &info.validators {
            let Value::Validator(f) = val else { continue };
            let key = match &*f.0 {
                "strings.MinRunes" => "minLength",
                "strings.MaxRunes" => "maxLength",
                "list.MinItems" => "minItems",
                "list.MaxItems" => "maxItems",
                _ => continue,
            };
            if let Some(n) = f.1.first().and_then(scalar_json) {
                schema.insert(key.into(), n);
            }
        }
    }

    fn disjunction(
        &mut self,
        ds: &[Disjunct],
        path: &str,
        depth: usize,
    ) -> Result<Out, OpenApiError> {
        let mut nullable = false;
        // A default only when exactly one disjunct is marked (the evaluator
        // marks every disjunct when none is).
        let defaults: Vec<&Value> = ds.iter().filter(|d| d.default).map(|d| &d.value).collect();
        let default: Option<Json> = match defaults.as_slice() {
            [one] if defaults.len() < ds.len() => self.concrete_json(one),
            _ => None,
        };
        let mut alts: Vec<Value> = Vec::new();
        for d in ds {
            if d.value == Value::Null {
                nullable = true;
                continue;
            }
            alts.push(d.value.clone());
        }
        let mut out = if alts.len() == 1 {
            self.value(&alts[0], path, depth)?
        } else if !alts.is_empty() && alts.iter().all(Value::is_concrete_scalar) {
            let kinds = alts.iter().fold(Kind::BOTTOM, |k, a| k | a.scalar_kind());
            let mut schema = type_of(kinds, path)?;
            let values: Vec<Json> = alts.iter().filter_map(scalar_json).collect();
            schema.insert("enum".into(), Json::Array(values));
            Out {
                schema,
                needed: true,
            }
        } else {
            self.mixed(&alts, path, depth)?
        };
        if let Some(d) = default {
            out.schema.insert("default".into(), d);
            out.needed = false;
        }
        if nullable {
            out.schema.insert("nullable".into(), Json::Bool(true));
        }
        Ok(out)
    }

    /// A disjunction of literals and constraints (`"auto" | int`, `*2 | int`).
    fn mixed(&mut self, alts: &[Value], path: &str, depth: usize) -> Result<Out, OpenApiError> {
        let general: Vec<&Value> = alts.iter().filter(|a| !a.is_concrete_scalar()).collect();
        let specific: Vec<&Value> = alts
            .iter()
            .filter(|a| {
                a.is_concrete_scalar()
                    && !general
                        .iter()
                        .any(|g| !crate::eval::unify_scalar(a, g).is_bottom())
            })
            .collect();
        if general.len() == 1 && specific.is_empty() {
            return self.value(general[0], path, depth);
        }
        if general.iter().any(|g| matches!(g, Value::Vertex(_))) {
            return Err(unsupported(
                path,
                "a disjunction of structs or lists has no OpenAPI equivalent (no discriminator)",
            ));
        }
        let kinds = alts.iter().fold(Kind::BOTTOM, |k, a| k | a.scalar_kind());
        if kinds == Kind::INT | Kind::STRING {
            return Ok(Out {
                schema: obj(&[("x-kubernetes-int-or-string", Json::Bool(true))]),
                needed: true,
            });
        }
        Err(unsupported(
            path,
            format!("a disjunction of {kinds} has no OpenAPI equivalent"),
        ))
    }

    /// A concrete default as JSON (scalars, and concrete structs and lists).
    fn concrete_json(&mut self, v: &Value) -> Option<Json> {
        match v {
            Value::Vertex(w) => {
                let text = crate::export::to_json(self.ev, v.clone(), Some(*w), None).ok()?;
                serde_json::from_str(&text).ok()
            }
            other => scalar_json(other),
        }
    }

    fn structure(&mut self, v: VId, path: &str, depth: usize) -> Result<Out, OpenApiError> {
        let arcs: Vec<(Label, VId)> = self.ev.ordered_arcs(v);
        let mut props = Map::new();
        let mut required = Vec::new();
        for (label, a) in arcs {
            let Label::Field(name) = &label else { continue };
            self.ev.eval_vertex(a);
            if self.ev.vertices[a].is_closedness_error() {
                continue;
            }
            let sub = format!("{path}.{}", label.selector());
            let mut out = self.vertex(a, &sub, depth + 1)?;
            match self.ev.vertices[a].arc_type {
                ArcType::Required => required.push(Json::String(name.to_string())),
                ArcType::Regular if out.needed => required.push(Json::String(name.to_string())),
                ArcType::Regular => {
                    let object = out.schema.get("type") == Some(&Json::String("object".into()));
                    if object && !out.schema.contains_key("default") {
                        out.schema
                            .insert("default".into(), Json::Object(Map::new()));
                    }
                }
                ArcType::Optional => {}
            }
            if let Some(d) = self.describe(a) {
                out.schema.insert("description".into(), Json::String(d));
            }
            props.insert(name.to_string(), Json::Object(out.schema));
        }
        let patterns = self.ev.vertices[v]
            .schema
            .as_ref()
            .map(|i| i.patterns.clone())
            .unwrap_or_default();
        let closed = self.ev.vertices[v].closed;
        let mut schema = obj(&[("type", Json::String("object".into()))]);
        let needed = !required.is_empty();
        let has_props = !props.is_empty();
        if has_props || (closed && patterns.is_empty()) {
            schema.insert("properties".into(), Json::Object(props));
        }
        if !required.is_empty() {
            schema.insert("required".into(), Json::Array(required));
        }
        if let Some(p) = patterns.first() {
            if has_props {
                schema.extend(preserve());
            } else {
                let sub = format!("{path}.*");
                let w = self.ev.new_vertex(Some(v), Some(Label::field("*")));
                let mut env = p.env;
                for n in [p.alias, p.label_alias].into_iter().flatten() {
                    env = Some(self.ev.new_env(
                        env,
                        Frame::Bind {
                            name: n,
                            value: Value::kind(Kind::STRING),
                        },
                    ));
                }
                if let Some(n) = p.field_alias {
                    env = Some(self.ev.new_env(
                        env,
                        Frame::Bind {
                            name: n,
                            value: Value::Vertex(w),
                        },
                    ));
                }
                let wx = &mut self.ev.vertices[w];
                wx.conjuncts.push(Conjunct {
                    src: Src::Expr(p.value),
                    env,
                    closed: p.closed,
                    group: 0,
                });
                wx.allowed = true;
                let out = self.vertex(w, &sub, depth + 1)?;
                schema.insert("additionalProperties".into(), Json::Object(out.schema));
            }
        } else if !closed {
            schema.extend(preserve());
        }
        Ok(Out { schema, needed })
    }

    fn list(&mut self, v: VId, path: &str, depth: usize) -> Result<Out, OpenApiError> {
        let elem = self.ev.vertices[v]
            .schema
            .as_ref()
            .and_then(|i| i.elems.first().copied());
        let first = self.ev.vertices[v].arcs.values().next().copied();
        let n = self.ev.vertices[v].arcs.len();
        let sub = format!("{path}[]");
        let items = if let Some((e, env, closed)) = elem {
            let w = self.ev.new_vertex(Some(v), Some(Label::Index(n)));
            let wx = &mut self.ev.vertices[w];
            wx.conjuncts.push(Conjunct {
                src: Src::Expr(e),
                env,
                closed,
                group: 0,
            });
            wx.allowed = true;
            self.vertex(w, &sub, depth + 1)?.schema
        } else if let Some(a) = first {
            self.vertex(a, &sub, depth + 1)?.schema
        } else {
            preserve()
        };
        let mut schema = obj(&[
            ("type", Json::String("array".into())),
            ("items", Json::Object(items)),
        ]);
        let mut needed = false;
        if elem.is_none() && n > 0 {
            match self.concrete_json(&Value::Vertex(v)) {
                Some(d) => {
                    schema.insert("default".into(), d);
                }
                None => needed = true,
            }
        }
        Ok(Out { schema, needed })
    }
}

/// The schema of a scalar value: a basic type with bounds, or a literal.
fn scalar(v: &Value, path: &str) -> Result<Out, OpenApiError> {
    match v {
        Value::Top => Ok(Out {
            schema: preserve(),
            needed: true,
        }),
        Value::Constraint(c) => {
            let mut schema = type_of(c.kinds, path)?;
            let mut extra = Vec::new();
            for (op, b) in &c.bounds {
                let Some(j) = scalar_json(b) else { continue };
                match op {
                    BoundOp::Ge => {
                        schema.insert("minimum".into(), j);
                    }
                    BoundOp::Gt => {
                        schema.insert("minimum".into(), j);
                        schema.insert("exclusiveMinimum".into(), Json::Bool(true));
                    }
                    BoundOp::Le => {
                        schema.insert("maximum".into(), j);
                    }
                    BoundOp::Lt => {
                        schema.insert("maximum".into(), j);
                        schema.insert("exclusiveMaximum".into(), Json::Bool(true));
                    }
                    BoundOp::Match => {
                        if schema.contains_key("pattern") {
                            extra.push(Json::Object(obj(&[("pattern", j)])));
                        } else {
                            schema.insert("pattern".into(), j);
                        }
                    }
                    BoundOp::Ne | BoundOp::NotMatch => {}
                }
            }
            if !extra.is_empty() {
                schema.insert("allOf".into(), Json::Array(extra));
            }
            Ok(Out {
                schema,
                needed: true,
            })
        }
        Value::Validator(f) => {
            let kind = if f.0.starts_with("list.") {
                Kind::LIST
            } else if f.0.starts_with("strings.") {
                Kind::STRING
            } else {
                Kind::TOP
            };
            Ok(Out {
                schema: type_of(kind, path)?,
                needed: true,
            })
        }
        Value::Bytes(_) => Err(unsupported(path, "a bytes literal has no JSON form")),
        other if other.is_concrete_scalar() => {
            let mut schema = type_of(other.scalar_kind(), path)?;
            if let Some(j) = scalar_json(other) {
                schema.insert("enum".into(), Json::Array(vec![j.clone()]));
                schema.insert("default".into(), j);
            }
            Ok(Out {
                schema,
                needed: false,
            })
        }
        other => Err(unsupported(
            path,
            format!("{other} has no OpenAPI equivalent"),
        )),
    }
}

/// `type` (and friends) for a set of kinds.
fn type_of(kinds: Kind, path: &str) -> Result<Map<String, Json>, OpenApiError> {
    if kinds == Kind::TOP {
        return Ok(preserve());
    }
    let nullable = kinds.contains(Kind::NULL);
    let k = Kind(kinds.0 & !Kind::NULL.0);
    let ty = |t: &str| obj(&[("type", Json::String(t.into()))]);
    let mut schema = if k == Kind::INT {
        ty("integer")
    } else if k == Kind::FLOAT || k == Kind::NUMBER {
        ty("number")
    } else if k == Kind::STRING {
        ty("string")
    } else if k == Kind::BOOL {
        ty("boolean")
    } else if k == Kind::BYTES {
        obj(&[
            ("type", Json::String("string".into())),
            ("format", Json::String("byte".into())),
        ])
    } else if k == Kind::INT | Kind::STRING {
        obj(&[("x-kubernetes-int-or-string", Json::Bool(true))])
    } else if k == Kind::STRUCT {
        let mut s = ty("object");
        s.extend(preserve());
        s
    } else if k == Kind::LIST {
        let mut s = ty("array");
        s.insert("items".into(), Json::Object(preserve()));
        s
    } else {
        return Err(unsupported(
            path,
            format!("a value of kind {kinds} has no OpenAPI equivalent"),
        ));
    };
    if nullable {
        schema.insert("nullable".into(), Json::Bool(true));
    }
    Ok(schema)
}

/// A concrete scalar as JSON.
fn scalar_json(v: &Value) -> Option<Json> {
    match v {
        Value::Null => Some(Json::Null),
        Value::Bool(b) => Some(Json::Bool(*b)),
        Value::Int(i) => serde_json::from_str(&i.to_string()).ok(),
        Value::Float(f) => {
            let text = f.to_string();
            serde_json::from_str(&text).ok().or_else(|| {
                text.parse::<f64>()
                    .ok()
                    .and_then(|x| serde_json::Number::from_f64(x).map(Json::Number))
            })
        }
        Value::String(s) => Some(Json::String(s.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Compiled;
    use std::path::{Path, PathBuf};

    fn manifest() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn schema_of(sources: &[(String, String)], path: &str) -> Result<Json, OpenApiError> {
        let refs: Vec<(&str, &str)> = sources
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        let c = Compiled::from_sources(&refs).unwrap();
        let mut i = c.eval();
        openapi_schema(&mut i, path)
    }

    fn read(p: &Path) -> (String, String) {
        (p.display().to_string(), std::fs::read_to_string(p).unwrap())
    }

    /// Every `testdata/openapi/X.cue` gives the schema in `X.json`, or the
    /// error in `X.err`.
    #[test]
    fn fixtures() {
        let dir = manifest().join("testdata/openapi");
        let mut n = 0;
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "cue"))
            .collect();
        entries.sort();
        for p in entries {
            n += 1;
            let got = schema_of(&[read(&p)], "#Spec");
            let json = p.with_extension("json");
            if json.exists() {
                let want: Json =
                    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
                let got = got.unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                assert_eq!(
                    got,
                    want,
                    "{}:\n{}",
                    p.display(),
                    serde_json::to_string_pretty(&got).unwrap()
                );
            } else {
                let want = std::fs::read_to_string(p.with_extension("err")).unwrap();
                let err = got.expect_err(&p.display().to_string());
                assert_eq!(err.to_string(), want.trim(), "{}", p.display());
            }
        }
        assert!(n >= 5, "only {n} fixtures");
    }

    #[test]
    fn webservice_spec() {
        let dir = manifest().join("../../modules/webservice");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "cue"))
            .collect();
        files.sort();
        let sources: Vec<(String, String)> = files.iter().map(|p| read(p)).collect();
        let got = schema_of(&sources, "#Spec").unwrap();
        let want: Json = serde_json::from_str(
            &std::fs::read_to_string(manifest().join("testdata/openapi/webservice.expected.json"))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(got, want, "{}", serde_json::to_string_pretty(&got).unwrap());
        assert_eq!(got["required"], serde_json::json!(["image"]));
        assert_eq!(got["properties"]["replicas"]["default"], 2);
        assert_eq!(got["properties"]["port"]["default"], 8080);
        assert_eq!(got["properties"]["replicas"]["maximum"], 20);
        assert_eq!(
            got["properties"]["env"]["additionalProperties"]["type"],
            "string"
        );
    }

    #[test]
    fn errors_name_the_field() {
        let src = |s: &str| vec![("in.cue".to_string(), s.to_string())];
        let e = schema_of(&src("#Spec: {a: {b: {x: int} | {y: int}}}"), "#Spec").unwrap_err();
        assert_eq!(e.path(), "#Spec.a.b");
        let e = schema_of(&src("#Spec: {a: int}"), "#Nope").unwrap_err();
        assert!(matches!(e, OpenApiError::NotFound { .. }));
        let e = schema_of(&src("#Spec: {a: int & string}"), "#Spec").unwrap_err();
        assert!(matches!(e, OpenApiError::Invalid { .. }), "{e}");
        let e = schema_of(&src("#L: {n?: #L}\n#Spec: {l: #L}"), "#Spec").unwrap_err();
        assert!(matches!(e, OpenApiError::Cycle { .. }), "{e}");
    }

    #[test]
    fn without_sources_no_descriptions() {
        let f = crate::parse_file("in.cue", "// doc\n#Spec: {\n\t// a doc\n\ta: int\n}\n").unwrap();
        let c = Compiled::new(vec![f]);
        let mut i = c.eval();
        let s = openapi_schema(&mut i, "#Spec").unwrap();
        assert_eq!(s["properties"]["a"], serde_json::json!({"type": "integer"}));
    }

    #[test]
    fn docs_skip_trailing_and_detached_comments() {
        let src = "#Spec: {\n\ta: int // trailing\n\tb: int\n\t// detached\n\n\tc: int\n\t// one\n\t// two\n\td: int\n}\n";
        let s = schema_of(&[("in.cue".into(), src.into())], "#Spec").unwrap();
        let p = &s["properties"];
        assert!(p["b"].get("description").is_none());
        assert!(p["c"].get("description").is_none());
        assert_eq!(p["d"]["description"], "one\ntwo");
    }
}
