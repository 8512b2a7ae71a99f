//! The Kubernetes dialect of JSONPath, as used by CRD
//! `additionalPrinterColumns[].jsonPath` and `kubectl -o jsonpath`.
//!
//! Supported: an optional `$` or surrounding `{…}`, `.field` (with `\.` for a
//! dot inside a name), `['key.with.dots']`,
//! `[n]` (negative counts from the end), `[start:end]`, `[*]` and `.*`,
//! recursive descent `..field`, unions `[0,2]` and filters
//! `[?(@.path == "v")]` with `==`, `!=`, `<`, `<=`, `>`, `>=` or bare
//! existence `[?(@.path)]`. Missing keys yield no result (the API server
//! evaluates printer columns with missing keys allowed).

use serde_json::Value;

/// Why an expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonPathError {
    /// The expression is syntactically wrong; the string says where and why.
    #[error("{0}")]
    Parse(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Wildcard,
    Recursive,
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    Union(Vec<Step>),
    Filter(Filter),
}

#[derive(Debug, Clone, PartialEq)]
struct Filter {
    path: Vec<Step>,
    op: Option<(CmpOp, Value)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A parsed expression, reusable across objects.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parses an expression such as `.status.conditions[?(@.type=="Ready")].status`.
    pub fn parse(expr: &str) -> Result<Self, JsonPathError> {
        let mut text = expr.trim();
        if let Some(inner) = text.strip_prefix('{') {
            text = inner
                .strip_suffix('}')
                .ok_or_else(|| JsonPathError::Parse(format!("unclosed action in {expr:?}")))?
                .trim();
        }
        let text = text.strip_prefix('$').unwrap_or(text);
        let mut parser = Parser { src: text, pos: 0 };
        let steps = parser.steps(false)?;
        if parser.pos < text.len() {
            return Err(parser.error("unrecognized character"));
        }
        Ok(Self { steps })
    }

    /// Every value the expression selects in `obj`, in document order.
    pub fn eval(&self, obj: &Value) -> Vec<Value> {
        select(&self.steps, obj).into_iter().cloned().collect()
    }
}

/// Parses `expr` and evaluates it against `obj`.
pub fn eval(expr: &str, obj: &Value) -> Result<Vec<Value>, JsonPathError> {
    Ok(JsonPath::parse(expr)?.eval(obj))
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn error(&self, why: &str) -> JsonPathError {
        JsonPathError::Parse(format!("{why} at position {}: {:?}", self.pos, self.rest()))
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.src.len() - trimmed.len();
    }

    /// Steps until the end of input, or (inside a filter) until an operator or `)`.
    fn steps(&mut self, in_filter: bool) -> Result<Vec<Step>, JsonPathError> {
        let mut steps = Vec::new();
        loop {
            if in_filter {
                self.skip_ws();
            }
            let rest = self.rest();
            if rest.is_empty() || (in_filter && !rest.starts_with(['.', '['])) {
                return Ok(steps);
            }
            if self.eat("..") {
                steps.push(Step::Recursive);
                if self.rest().starts_with('[') {
                    continue;
                }
                steps.push(self.field_or_wildcard()?);
            } else if self.eat(".") {
                if self.rest().is_empty() && steps.is_empty() {
                    return Ok(steps);
                }
                steps.push(self.field_or_wildcard()?);
            } else if self.eat("[") {
                steps.push(self.bracket()?);
            } else {
                return Err(self.error("unrecognized character"));
            }
        }
    }

    fn field_or_wildcard(&mut self) -> Result<Step, JsonPathError> {
        if self.eat("*") {
            return Ok(Step::Wildcard);
        }
        // Like client-go, a name runs to the next delimiter; `\.` keeps a
        // dot inside it (`.metadata.labels.app\.kubernetes\.io/name`).
        let mut name = String::new();
        let mut chars = self.rest().char_indices().peekable();
        let mut len = self.rest().len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' if chars.peek().is_some_and(|(_, n)| *n == '.') => {
                    name.push('.');
                    chars.next();
                }
                '.' | '[' | ']' | ')' | '(' | '=' | '!' | '<' | '>' | ',' | '{' | '}' | '@'
                | '$' => {
                    len = i;
                    break;
                }
                c if c.is_whitespace() => {
                    len = i;
                    break;
                }
                c => name.push(c),
            }
        }
        if name.is_empty() {
            return Err(self.error("expected a field name"));
        }
        self.pos += len;
        Ok(Step::Field(name))
    }

    fn bracket(&mut self) -> Result<Step, JsonPathError> {
        self.skip_ws();
        if self.eat("?(") {
            let filter = self.filter()?;
            self.skip_ws();
            if !self.eat(")") || !self.eat("]") {
                return Err(self.error("unclosed filter"));
            }
            return Ok(Step::Filter(filter));
        }
        let close = self
            .rest()
            .find(']')
            .ok_or_else(|| self.error("unterminated array"))?;
        let inner = self.rest()[..close].trim().to_string();
        let at = self.pos;
        self.pos += close + 1;
        let mut parts = split_union(&inner)
            .into_iter()
            .map(|p| bracket_item(p.trim()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                JsonPathError::Parse(format!("invalid array index {inner:?} at position {at}"))
            })?;
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Step::Union(parts)
        })
    }

    fn filter(&mut self) -> Result<Filter, JsonPathError> {
        self.skip_ws();
        if !self.eat("@") {
            return Err(self.error("filter must start with @"));
        }
        let path = self.steps(true)?;
        self.skip_ws();
        let op = [
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ]
        .into_iter()
        .find(|(s, _)| self.rest().starts_with(s));
        let Some((sym, op)) = op else {
            return Ok(Filter { path, op: None });
        };
        self.pos += sym.len();
        self.skip_ws();
        let value = self.literal()?;
        Ok(Filter {
            path,
            op: Some((op, value)),
        })
    }

    fn literal(&mut self) -> Result<Value, JsonPathError> {
        let rest = self.rest();
        if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let end = rest[1..]
                .find(quote)
                .ok_or_else(|| self.error("unterminated string"))?;
            let s = rest[1..=end].to_string();
            self.pos += end + 2;
            return Ok(Value::String(s));
        }
        let len = rest
            .find(|c: char| c == ')' || c.is_whitespace())
            .unwrap_or(rest.len());
        let word = &rest[..len];
        let value = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "nil" | "null" => Value::Null,
            _ => serde_json::from_str::<serde_json::Number>(word)
                .map(Value::Number)
                .map_err(|_| self.error("invalid filter value"))?,
        };
        self.pos += len;
        Ok(value)
    }
}

fn split_union(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, ',') => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
}

fn bracket_item(item: &str) -> Option<Step> {
    if item == "*" {
        return Some(Step::Wildcard);
    }
    for q in ['\'', '"'] {
        if let Some(name) = item.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return Some(Step::Field(name.to_string()));
        }
    }
    if let Some((a, b)) = item.split_once(':') {
        let bound = |s: &str| -> Option<Option<i64>> {
            let s = s.trim();
            if s.is_empty() {
                Some(None)
            } else {
                s.parse().ok().map(Some)
            }
        };
        let b = b.split(':').next().unwrap_or("");
        return Some(Step::Slice(bound(a)?, bound(b)?));
    }
    item.parse().ok().map(Step::Index)
}

fn select<'v>(steps: &[Step], root: &'v Value) -> Vec<&'v Value> {
    let mut current = vec![root];
    for step in steps {
        let mut next = Vec::new();
        for value in current {
            apply(step, value, &mut next);
        }
        current = next;
    }
    current
}

fn apply<'v>(step: &Step, value: &'v Value, out: &mut Vec<&'v Value>) {
    match step {
        Step::Field(name) => {
            if let Some(v) = value.get(name.as_str()) {
                out.push(v);
            }
        }
        Step::Wildcard => match value {
            Value::Object(map) => out.extend(map.values()),
            Value::Array(items) => out.extend(items.iter()),
            _ => {}
        },
        Step::Recursive => descend(value, out),
        Step::Index(i) => {
            if let Value::Array(items) = value {
                let len = items.len() as i64;
                let i = if *i < 0 { len + i } else { *i };
                if (0..len).contains(&i) {
                    out.push(&items[i as usize]);
                }
            }
        }
        Step::Slice(start, end) => {
            if let Value::Array(items) = value {
                let len = items.len() as i64;
                let clamp = |b: i64| (if b < 0 { len + b } else { b }).clamp(0, len) as usize;
                let s = start.map_or(0, clamp);
                let e = end.map_or(items.len(), clamp);
                if s < e {
                    out.extend(items[s..e].iter());
                }
            }
        }
        Step::Union(parts) => {
            for part in parts {
                apply(part, value, out);
            }
        }
        Step::Filter(filter) => {
            let candidates: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                Value::Object(map) => map.values().collect(),
                _ => Vec::new(),
            };
            out.extend(candidates.into_iter().filter(|c| filter.accepts(c)));
        }
    }
}

fn descend<'v>(value: &'v Value, out: &mut Vec<&'v Value>) {
    out.push(value);
    match value {
        Value::Object(map) => map.values().for_each(|v| descend(v, out)),
        Value::Array(items) => items.iter().for_each(|v| descend(v, out)),
        _ => {}
    }
}

impl Filter {
    fn accepts(&self, candidate: &Value) -> bool {
        let found = select(&self.path, candidate);
        let Some((op, want)) = &self.op else {
            return !found.is_empty();
        };
        found.into_iter().any(|got| compare(got, *op, want))
    }
}

fn compare(got: &Value, op: CmpOp, want: &Value) -> bool {
    use std::cmp::Ordering;
    let ordering = match (got, want) {
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => (got == want).then_some(Ordering::Equal),
    };
    match op {
        CmpOp::Eq => ordering == Some(Ordering::Equal),
        CmpOp::Ne => ordering != Some(Ordering::Equal),
        CmpOp::Lt => ordering == Some(Ordering::Less),
        CmpOp::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => ordering == Some(Ordering::Greater),
        CmpOp::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({
            "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
            "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "redis"}]},
            "status": {"conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Ready", "status": "False"}
            ], "replicas": 3}
        })
    }

    #[test]
    fn dotted_fields_and_indexes() {
        assert_eq!(eval(".metadata.name", &pod()).unwrap(), vec![json!("web")]);
        assert_eq!(
            eval("{.spec.containers[1].image}", &pod()).unwrap(),
            vec![json!("redis")]
        );
        assert_eq!(
            eval("$.spec.containers[-1].name", &pod()).unwrap(),
            vec![json!("b")]
        );
        assert_eq!(eval(".status.replicas", &pod()).unwrap(), vec![json!(3)]);
    }

    #[test]
    fn wildcard_and_slices() {
        assert_eq!(
            eval(".spec.containers[*].name", &pod()).unwrap(),
            vec![json!("a"), json!("b")]
        );
        assert_eq!(
            eval(".spec.containers[0:1].name", &pod()).unwrap(),
            vec![json!("a")]
        );
        assert_eq!(
            eval(".spec.containers[0,1].image", &pod()).unwrap(),
            vec![json!("nginx"), json!("redis")]
        );
    }

    #[test]
    fn quoted_keys_with_dots() {
        assert_eq!(
            eval(".metadata.labels['app.kubernetes.io/name']", &pod()).unwrap(),
            vec![json!("web")]
        );
        assert_eq!(
            eval(".metadata.labels[\"app.kubernetes.io/name\"]", &pod()).unwrap(),
            vec![json!("web")]
        );
    }

    #[test]
    fn filters_like_printer_columns() {
        let got = eval(".status.conditions[?(@.type==\"Ready\")].status", &pod()).unwrap();
        assert_eq!(got, vec![json!("False")]);
        let got = eval(".status.conditions[?(@.type != 'Ready')].type", &pod()).unwrap();
        assert_eq!(got, vec![json!("PodScheduled")]);
        let got = eval(".spec.containers[?(@.image)].name", &pod()).unwrap();
        assert_eq!(got.len(), 2);
        let obj = json!({"items": [{"n": 1}, {"n": 5}]});
        assert_eq!(eval(".items[?(@.n > 2)].n", &obj).unwrap(), vec![json!(5)]);
    }

    #[test]
    fn escaped_dots_in_field_names() {
        assert_eq!(
            eval(".metadata.labels.app\\.kubernetes\\.io/name", &pod()).unwrap(),
            vec![json!("web")]
        );
    }

    #[test]
    fn recursive_descent() {
        let got = eval("..image", &pod()).unwrap();
        assert_eq!(got, vec![json!("nginx"), json!("redis")]);
    }

    #[test]
    fn missing_keys_select_nothing() {
        assert!(eval(".status.missing.deeper", &pod()).unwrap().is_empty());
        assert!(eval(".spec.containers[7]", &pod()).unwrap().is_empty());
    }

    #[test]
    fn parse_errors_are_reported() {
        assert!(eval(".spec.containers[0", &pod()).is_err());
        assert!(eval(".status.conditions[?(@.type==\"Ready)].x", &pod()).is_err());
        assert!(eval("{.metadata.name", &pod()).is_err());
        assert!(eval(".metadata..", &pod()).is_err());
        assert!(eval(".a b", &pod()).is_err());
    }

    /// How kubectl prints one result: strings bare, everything else as JSON.
    fn kubectl_text(values: &[Value]) -> String {
        let words: Vec<String> = values
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        words.join(" ")
    }

    /// `table/testdata/jsonpath_kubectl.json`: what `kubectl get -o jsonpath`
    /// (client-go's jsonpath, the one CRD printer columns use) printed for a
    /// stored Pod.
    #[test]
    fn matches_kubectl_output() {
        let fixture: Value =
            serde_json::from_str(include_str!("table/testdata/jsonpath_kubectl.json")).unwrap();
        let pod = &fixture["object"];
        for case in fixture["cases"].as_array().unwrap() {
            let expr = case["expr"].as_str().unwrap();
            match (
                eval(expr, pod),
                case["output"].as_str(),
                case["error"].as_str(),
            ) {
                (Ok(values), Some(output), _) => {
                    assert_eq!(kubectl_text(&values), output, "{expr}")
                }
                // kubectl fails on an index out of range; printer columns turn
                // that failure into a null cell, which is what no result gives.
                (Ok(values), None, Some(error)) if error.contains("out of bounds") => {
                    assert!(values.is_empty(), "{expr}")
                }
                (Err(_), None, Some(error)) => assert!(error.contains("error parsing"), "{expr}"),
                (got, _, _) => panic!("{expr}: got {got:?}, kubectl said {case}"),
            }
        }
    }
}
