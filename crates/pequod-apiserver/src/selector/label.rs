//! Label selectors: the string syntax of the `labelSelector` parameter and the
//! `metav1.LabelSelector` object of Deployment-style specs.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use super::label_syntax::{Parser, lex};
use super::label_validation::{label_value_errors, validate_key};

/// A label selector that could not be parsed; the message is the one
/// kube-apiserver puts into its 400 response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LabelSelectorError(String);

/// How a requirement relates a label key to its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `key in (a,b)`
    In,
    /// `key notin (a,b)`
    NotIn,
    /// `key=a`
    Equals,
    /// `key==a`
    DoubleEquals,
    /// `key!=a`
    NotEquals,
    /// `key>1` (integer comparison)
    GreaterThan,
    /// `key<1` (integer comparison)
    LessThan,
    /// `key`
    Exists,
    /// `!key`
    DoesNotExist,
}

/// One term of a selector: all of a selector's requirements must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The relation.
    pub operator: Operator,
    /// The values (empty for `Exists` and `DoesNotExist`).
    pub values: Vec<String>,
}

/// A parsed label selector: a conjunction of requirements, sorted by key as
/// kube-apiserver sorts them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
    /// A null `metav1.LabelSelector` selects nothing at all.
    nothing: bool,
}

impl LabelSelector {
    /// The selector that matches every object.
    pub fn everything() -> Self {
        Self::default()
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether the selector places no restriction at all.
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// Whether `labels` (an object's `metadata.labels`) satisfy every requirement.
    pub fn matches(&self, labels: &Map<String, Value>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Whether an object's `metadata.labels` satisfy the selector.
    pub fn matches_object(&self, obj: &Value) -> bool {
        let empty = Map::new();
        let labels = obj
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        self.matches(labels)
    }

    fn new(mut requirements: Vec<Requirement>) -> Self {
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            requirements,
            nothing: false,
        }
    }
}

impl Requirement {
    fn matches(&self, labels: &Map<String, Value>) -> bool {
        let value = labels.get(&self.key).and_then(Value::as_str);
        let has = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => value.is_some_and(has),
            Operator::NotIn | Operator::NotEquals => !value.is_some_and(has),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(have), Some(want)) = (
                    value.and_then(|v| v.parse::<i64>().ok()),
                    self.values.first().and_then(|v| v.parse::<i64>().ok()),
                ) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }

    /// Builds a requirement, validating key, operator arity and values the
    /// way `labels.NewRequirement` does.
    pub fn new(
        key: &str,
        operator: Operator,
        values: Vec<String>,
    ) -> Result<Self, LabelSelectorError> {
        let mut errors = Vec::new();
        if let Err(e) = validate_key(key, "key") {
            errors.push(e);
        }
        let arity = match operator {
            Operator::In | Operator::NotIn if values.is_empty() => {
                Some("for 'in', 'notin' operators, values set can't be empty")
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals
                if values.len() != 1 =>
            {
                Some("exact-match compatibility requires one single value")
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                Some("values set must be empty for exists and does not exist")
            }
            Operator::GreaterThan | Operator::LessThan if values.len() != 1 => {
                Some("for 'Gt', 'Lt' operators, exactly one value is required")
            }
            _ => None,
        };
        if let Some(detail) = arity {
            errors.push(format!(
                "values: Invalid value: {}: {detail}",
                go_string_slice(&values)
            ));
        }
        for (i, v) in values.iter().enumerate() {
            if matches!(operator, Operator::GreaterThan | Operator::LessThan)
                && v.parse::<i64>().is_err()
            {
                errors.push(format!(
                    "values[{i}]: Invalid value: {v:?}: for 'Gt', 'Lt' operators, the value must be an integer"
                ));
            }
            if let Some(detail) = label_value_errors(v) {
                errors.push(format!(
                    "values[{i}][{key}]: Invalid value: {v:?}: {detail}"
                ));
            }
        }
        match errors.len() {
            0 => Ok(Self {
                key: key.to_string(),
                operator,
                values,
            }),
            1 => Err(LabelSelectorError(errors.remove(0))),
            _ => Err(LabelSelectorError(format!("[{}]", errors.join(", ")))),
        }
    }
}

/// Go's `%#v` of a `[]string`, as `field.Invalid` prints it.
fn go_string_slice(values: &[String]) -> String {
    format!(
        "[]string{{{}}}",
        values
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl fmt::Display for Requirement {
    /// The canonical form kube-apiserver prints (`kubectl get -o wide` SELECTOR).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.operator {
            Operator::Exists => return f.write_str(&self.key),
            Operator::DoesNotExist => return write!(f, "!{}", self.key),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
        };
        let mut values = self.values.clone();
        values.sort();
        let joined = values.join(",");
        if matches!(self.operator, Operator::In | Operator::NotIn) {
            write!(f, "{}{op}({joined})", self.key)
        } else {
            write!(f, "{}{op}{joined}", self.key)
        }
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.requirements.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

impl FromStr for LabelSelector {
    type Err = LabelSelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let tokens = lex(s);
        let mut parser = Parser { tokens, pos: 0 };
        parser.parse().map(Self::new).map_err(LabelSelectorError)
    }
}

/// Converts a `metav1.LabelSelector` object (`matchLabels`,
/// `matchExpressions`) as `metav1.LabelSelectorAsSelector` does: null selects
/// nothing, `{}` selects everything.
pub fn from_label_selector_object(obj: &Value) -> Result<LabelSelector, LabelSelectorError> {
    let Some(map) = obj.as_object() else {
        return Ok(LabelSelector {
            requirements: Vec::new(),
            nothing: true,
        });
    };
    let mut requirements = Vec::new();
    if let Some(labels) = map.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in labels {
            let v = v.as_str().unwrap_or_default().to_string();
            requirements.push(Requirement::new(k, Operator::Equals, vec![v])?);
        }
    }
    for expr in map
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = expr.get("key").and_then(Value::as_str).unwrap_or_default();
        let op_name = expr
            .get("operator")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let operator = match op_name {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            other => {
                return Err(LabelSelectorError(format!(
                    "{other:?} is not a valid label selector operator"
                )));
            }
        };
        let values = expr
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        requirements.push(Requirement::new(key, operator, values)?);
    }
    Ok(LabelSelector::new(requirements))
}

impl LabelSelector {
    /// See [`from_label_selector_object`].
    pub fn from_label_selector_object(obj: &Value) -> Result<Self, LabelSelectorError> {
        from_label_selector_object(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn sel(s: &str) -> LabelSelector {
        s.parse().unwrap()
    }

    #[test]
    fn equality_and_inequality() {
        let l = labels(json!({"app": "web", "tier": "front"}));
        assert!(sel("app=web").matches(&l));
        assert!(sel("app==web").matches(&l));
        assert!(!sel("app!=web").matches(&l));
        assert!(sel("missing!=x").matches(&l));
        assert!(sel("app=web,tier=front").matches(&l));
        assert!(!sel("app=web,tier=back").matches(&l));
        assert!(sel("").matches(&l));
        assert!(sel("").is_empty());
    }

    #[test]
    fn set_based_and_existence() {
        let l = labels(json!({"env": "prod", "app": "web"}));
        assert!(sel("env in (prod, staging)").matches(&l));
        assert!(!sel("env notin (prod)").matches(&l));
        assert!(sel("other notin (prod)").matches(&l));
        assert!(sel("app").matches(&l));
        assert!(!sel("!app").matches(&l));
        assert!(sel("!nope,app").matches(&l));
        // `in` and `notin` are ordinary words in value position.
        assert!(sel("x in (in,notin)").matches(&labels(json!({"x": "in"}))));
    }

    #[test]
    fn integer_comparisons() {
        let l = labels(json!({"n": "5"}));
        assert!(sel("n>3").matches(&l));
        assert!(!sel("n<3").matches(&l));
        assert!(!sel("m>3").matches(&l));
    }

    #[test]
    fn canonical_string_matches_apimachinery() {
        // Cases from apimachinery's TestToString: sorted by key, values sorted.
        assert_eq!(
            sel("x in (foo,,baz),y,z notin ()").to_string(),
            "x in (,baz,foo),y,z notin ()"
        );
        assert_eq!(sel("x=a,!y").to_string(), "x=a,!y");
        assert_eq!(sel("b=2,a=1").to_string(), "a=1,b=2");
    }

    #[test]
    fn syntax_errors_use_kube_messages() {
        let err = |s: &str| s.parse::<LabelSelector>().unwrap_err().to_string();
        assert_eq!(err("x=a,"), "found '', expected: identifier after ','");
        assert_eq!(err("x=a b"), "found 'b', expected: ',' or 'end of string'");
        assert_eq!(
            err(",x"),
            "found ',', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(
            err("x in y"),
            "unable to parse requirement: found 'y' expected: '('"
        );
        assert_eq!(
            err("x in (a"),
            "unable to parse requirement: found '', expected: ',' or ')'"
        );
        assert_eq!(
            err("x=("),
            "unable to parse requirement: found '(', expected: identifier"
        );
        assert!(
            err("x ! y").starts_with("unable to parse requirement: found '!', expected: in, notin")
        );
    }

    #[test]
    fn operator_runs_lex_like_apimachinery() {
        // Messages checked against kube-apiserver v1.37 responses.
        let err = |s: &str| s.parse::<LabelSelector>().unwrap_err().to_string();
        assert_eq!(
            err("x===y"),
            "unable to parse requirement: found '=', expected: identifier"
        );
        assert_eq!(
            err("x<>y"),
            "unable to parse requirement: found '>', expected: identifier"
        );
        assert_eq!(
            err("x ! y"),
            "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"
        );
    }

    #[test]
    fn invalid_keys_and_values_are_rejected() {
        let err = |s: &str| s.parse::<LabelSelector>().unwrap_err().to_string();
        assert!(
            err("-bad=x").starts_with("unable to parse requirement: <nil>: Invalid value: \"-bad\": name part must consist of"),
            "{}",
            err("-bad=x")
        );
        let value_err = err("app=a@b");
        assert!(
            value_err.starts_with("unable to parse requirement: values[0][app]: Invalid value: \"a@b\": a valid label must be an empty string"),
            "{value_err}"
        );
        assert!(err("Example.com/x=y").contains("prefix part a lowercase RFC 1123 subdomain"));
        assert!(sel("example.com/x=y").matches(&labels(json!({"example.com/x": "y"}))));
    }

    #[test]
    fn label_selector_objects() {
        let s = from_label_selector_object(&json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["front", "edge"]},
                {"key": "legacy", "operator": "DoesNotExist"}
            ]
        }))
        .unwrap();
        assert_eq!(s.to_string(), "app=web,!legacy,tier in (edge,front)");
        assert!(s.matches(&labels(json!({"app": "web", "tier": "edge"}))));
        assert!(!s.matches(&labels(
            json!({"app": "web", "tier": "edge", "legacy": "1"})
        )));
        // Null selects nothing, {} selects everything.
        assert!(
            !from_label_selector_object(&Value::Null)
                .unwrap()
                .matches(&Map::new())
        );
        assert!(
            from_label_selector_object(&json!({}))
                .unwrap()
                .matches(&Map::new())
        );
        let bad = from_label_selector_object(
            &json!({"matchExpressions": [{"key": "a", "operator": "Gt"}]}),
        );
        assert_eq!(
            bad.unwrap_err().to_string(),
            "\"Gt\" is not a valid label selector operator"
        );
        let empty_in = from_label_selector_object(
            &json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
        );
        assert!(
            empty_in
                .unwrap_err()
                .to_string()
                .contains("values set can't be empty")
        );
    }

    /// `testdata/label_matches.json`: labelled ConfigMaps and, for each
    /// selector, the names kube-apiserver v1.37 listed (or its error).
    #[test]
    fn matches_kube_apiserver_listings() {
        let fixture: Value =
            serde_json::from_str(include_str!("testdata/label_matches.json")).unwrap();
        let objects = fixture["labels"].as_object().unwrap();
        for case in fixture["cases"].as_array().unwrap() {
            let text = case["selector"].as_str().unwrap();
            match text.parse::<LabelSelector>() {
                Ok(selector) => {
                    let mut got: Vec<&String> = objects
                        .iter()
                        .filter(|(_, labels)| selector.matches(labels.as_object().unwrap()))
                        .map(|(name, _)| name)
                        .collect();
                    got.sort();
                    let want: Vec<String> = serde_json::from_value(case["matches"].clone())
                        .unwrap_or_else(|_| panic!("{text:?} should fail: {}", case["error"]));
                    assert_eq!(got, want.iter().collect::<Vec<_>>(), "{text:?}");
                }
                Err(e) => assert_eq!(
                    Some(e.to_string().as_str()),
                    case["error"].as_str(),
                    "{text:?}"
                ),
            }
        }
    }
}
