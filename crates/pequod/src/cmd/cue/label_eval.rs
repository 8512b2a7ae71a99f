//! `-l EXPR` labels beyond fields and simple interpolations
//! (`strings.ToLower(kind)`, `data["@name"]`): evaluated as CUE in the scope
//! of the data value, builtin imports inferred as the official CLI does.

use pequod_cue::Compiled;
use pequod_cue::export::{CueMode, EvalFields};
use serde_json::Value;

use super::expr::{builtins, fields};

/// The field the label is evaluated at.
const FIELD: &str = "_pequodLabel";

/// The label `expr` evaluates to against `scope`; the error is the text
/// the official CLI prints.
pub(super) fn evaluate(scope: &Value, expr: &str) -> Result<String, String> {
    let failed = |why: &str| format!("error evaluating label {}: {why}", compact(expr));
    if pequod_cue::parse_expr("--path", expr).is_err() {
        return Err(format!("expression is not a valid label: {expr}"));
    }
    let mut source = String::new();
    for path in builtins(expr) {
        source.push_str(&format!("import {path:?}\n"));
    }
    source.push_str(&fields(&[("", scope.clone())]));
    source.push_str(&format!("{FIELD}: ({expr})\n"));
    let compiled =
        Compiled::from_sources(&[("--path", &source)]).map_err(|e| failed(&e.to_string()))?;
    let mut instance = compiled.eval();
    let root = instance.root();
    let node = instance
        .lookup_in(root, FIELD)
        .ok_or_else(|| failed("no value"))?;
    let shown = instance
        .to_cue_with(node, CueMode::Def, EvalFields::default())
        .map(|t| t.trim_end().to_owned());
    let text = shown.unwrap_or_default();
    match instance.to_json_value(node) {
        // A disjunction is no label, even with a default.
        Ok(_) if text.contains('|') => Err(failed(&text)),
        // One whose alternatives collapsed to one value still is not.
        Ok(Value::String(_)) if disjunction(expr) => {
            Err(format!("expression is not a valid label: {expr}"))
        }
        Ok(Value::String(s)) => Ok(s),
        Ok(other) => Err(failed(&other.to_string())),
        Err(e) if text.is_empty() || text.starts_with("_|_") => Err(failed(&e.msg)),
        Err(_) => Err(failed(&text)),
    }
}

/// Whether `expr` is a disjunction (outside its strings).
fn disjunction(expr: &str) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for c in expr.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '|' if !quoted => return true,
            _ => {}
        }
    }
    false
}

/// `expr` as the official CLI's messages print it: operators unspaced.
fn compact(expr: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in expr.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted && !out.ends_with([':', ',']) => continue,
            _ => {}
        }
        out.push(c);
    }
    out
}
