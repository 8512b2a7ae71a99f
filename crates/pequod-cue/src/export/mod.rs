//! Export of evaluated values to JSON, in `cue export` field order.

use std::fmt::Write as _;

use crate::eval::{ArcType, Evaluator, Label};
use crate::value::format::format_float;
use crate::value::{ErrorCode, VId, Value};

/// Why a value could not be exported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{msg}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ExportError {
    /// The path of the offending value (`a.b[0]`), empty for the root.
    pub path: String,
    /// The error code.
    pub code: ErrorCode,
    /// What is wrong.
    pub msg: String,
}

/// Writes a JSON string literal as `cue export` does (`<`, `>` and `&` are
/// not HTML-escaped).
pub fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A JSON writer over an evaluator.
struct Writer<'e, 'a> {
    ev: &'e mut Evaluator<'a>,
    out: String,
    indent: Option<&'e str>,
}

impl Writer<'_, '_> {
    fn newline(&mut self, level: usize) {
        if let Some(ind) = self.indent {
            self.out.push('\n');
            for _ in 0..level {
                self.out.push_str(ind);
            }
        }
    }

    fn err(&mut self, v: Option<VId>, path: &str, code: ErrorCode, msg: String) -> ExportError {
        let path = match v {
            Some(v) => self.ev.path(v),
            None => path.to_string(),
        };
        ExportError { path, code, msg }
    }

    fn value(&mut self, val: Value, at: Option<VId>, level: usize) -> Result<(), ExportError> {
        let val = self.ev.default_of(val);
        match val {
            Value::Bottom(e) => {
                let mut err = self.err(at, "", e.code, e.msg.clone());
                if let Some(label) = e.msg.strip_prefix("field not allowed: ") {
                    err.path = if err.path.is_empty() {
                        label.to_string()
                    } else {
                        format!("{}.{label}", err.path)
                    };
                    err.msg = "field not allowed".into();
                }
                Err(err)
            }
            Value::Null => {
                self.out.push_str("null");
                Ok(())
            }
            Value::Bool(b) => {
                self.out.push_str(if b { "true" } else { "false" });
                Ok(())
            }
            Value::Int(i) => {
                let _ = write!(self.out, "{i}");
                Ok(())
            }
            Value::Float(d) => {
                self.out.push_str(&format_float(&d));
                Ok(())
            }
            Value::String(s) => {
                json_string(&s, &mut self.out);
                Ok(())
            }
            Value::Bytes(b) => {
                json_string(&base64(&b), &mut self.out);
                Ok(())
            }
            Value::Vertex(w) => self.vertex(w, level),
            other => {
                let msg = match &other {
                    Value::Disjunction(_) => format!("incomplete value {other}"),
                    _ => format!("incomplete value {other}"),
                };
                Err(self.err(at, "", ErrorCode::Incomplete, msg))
            }
        }
    }

    fn vertex(&mut self, w: VId, level: usize) -> Result<(), ExportError> {
        self.ev.eval_vertex(w);
        if let Some(p) = self.ev.vertices[w].pending.clone() {
            return Err(self.err(Some(w), "", p.code, p.msg.clone()));
        }
        let is_list = self.ev.vertices[w].is_list;
        let arcs: Vec<(Label, VId)> = self.ev.ordered_arcs(w);
        self.out.push(if is_list { '[' } else { '{' });
        let mut first = true;
        for (l, a) in arcs {
            if !(l.is_regular() || matches!(l, Label::Index(_))) {
                continue;
            }
            match self.ev.vertices[a].arc_type {
                ArcType::Optional => continue,
                ArcType::Required => {
                    let msg = "field is required but not present".to_string();
                    return Err(self.err(Some(a), "", ErrorCode::Incomplete, msg));
                }
                ArcType::Regular => {}
            }
            if !first {
                self.out.push(',');
            }
            first = false;
            self.newline(level + 1);
            if let Label::Field(name) = &l {
                json_string(name, &mut self.out);
                self.out.push(':');
                if self.indent.is_some() {
                    self.out.push(' ');
                }
            }
            let v = self.ev.value_of(a);
            self.value(v, Some(a), level + 1)?;
        }
        if !first {
            self.newline(level);
        }
        self.out.push(if is_list { ']' } else { '}' });
        Ok(())
    }
}

/// Exports a value as JSON; `indent` of `Some("    ")` pretty-prints.
pub(crate) fn to_json(
    ev: &mut Evaluator<'_>,
    v: Value,
    at: Option<VId>,
    indent: Option<&str>,
) -> Result<String, ExportError> {
    let mut w = Writer {
        ev,
        out: String::new(),
        indent,
    };
    w.value(v, at, 0)?;
    Ok(w.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_base64_and_strings() {
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b"hi!"), "aGkh");
        let mut s = String::new();
        json_string("a\"<&\n\u{2028}", &mut s);
        assert_eq!(s, "\"a\\\"<&\\n\\u2028\"");
    }
}
