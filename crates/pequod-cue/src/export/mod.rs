//! Export of evaluated values to JSON, in `cue export` field order.

use std::fmt::Write as _;
use std::rc::Rc;

mod cue;
pub(crate) mod source;

pub(crate) use cue::to_cue;
pub use cue::{CueMode, EvalFields};
pub(crate) use source::text as source_text;

use crate::eval::{ArcType, Evaluator, Label};
use crate::source::Span;
use crate::value::format::format_float;
use crate::value::{Error, ErrorCode, VId, Value};

/// Why a value could not be exported.
///
/// `Display` gives `path: message`; [`ExportError::detailed`] adds the
/// source positions on indented lines, as `cue export` prints errors.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{msg}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ExportError {
    /// The path of the offending value (`a.b[0]`), empty for the root.
    pub path: String,
    /// The error code.
    pub code: ErrorCode,
    /// What is wrong.
    pub msg: String,
    /// The source positions of the values involved, in source order (empty
    /// when the package was not compiled from source text).
    pub positions: Vec<ErrorPosition>,
    /// The same positions as file indexes and byte spans.
    pub(crate) spans: Vec<(usize, Span)>,
    /// Whether the official CLI prints the error without its positions
    /// (it still sorts by them): an incomplete disjunction.
    pub(crate) unpositioned: bool,
}

/// A source position named in an error: file, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPosition {
    /// The file name as given to the compiler.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based byte column.
    pub column: usize,
}

impl std::fmt::Display for ErrorPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl ExportError {
    /// Creates an error without positions.
    pub fn new(path: impl Into<String>, code: ErrorCode, msg: impl Into<String>) -> Self {
        ExportError {
            path: path.into(),
            code,
            msg: msg.into(),
            positions: Vec::new(),
            spans: Vec::new(),
            unpositioned: false,
        }
    }

    /// The error as `cue export` prints it: `path: message:` followed by
    /// one indented `file:line:column` line per position.
    /// List indexes are written as selectors (`l.0`), as CUE does.
    pub fn detailed(&self) -> String {
        let mut s = String::new();
        if !self.path.is_empty() {
            s.push_str(&self.path.replace('[', ".").replace(']', ""));
            s.push_str(": ");
        }
        s.push_str(&self.msg);
        if !self.positions.is_empty() {
            s.push(':');
            for p in &self.positions {
                let _ = write!(s, "\n    {p}");
            }
        }
        s
    }

    /// The span `cue` sorts the error by: none for a conflict between
    /// values, a field not allowed, an empty disjunction or an incomplete
    /// value (`cue` gives those only input positions), the first span
    /// otherwise.
    fn primary_span(&self) -> Option<&(usize, Span)> {
        let msg = self.msg.as_str();
        let unplaced = msg.starts_with("conflicting values")
            || msg.starts_with("incomplete value")
            || msg.starts_with("field not allowed")
            || msg.starts_with("empty disjunction")
            || msg.ends_with("errors in empty disjunction");
        if unplaced { None } else { self.spans.first() }
    }

    /// Resolves byte spans to line and column with the package's sources.
    pub(crate) fn resolve(&mut self, names: &[&str], sources: &[String]) {
        if self.unpositioned {
            return;
        }
        self.positions = self
            .spans
            .iter()
            .filter_map(|(f, span)| {
                let text = sources.get(*f)?;
                let name = names.get(*f)?;
                let sf = crate::source::SourceFile::new(*name, text.as_str());
                let p = sf.position(span.start);
                Some(ErrorPosition {
                    file: name.to_string(),
                    line: p.line,
                    column: p.column,
                })
            })
            .collect();
    }
}

/// Writes a JSON string literal as `cue export` does (`<`, `>` and `&` are
/// not HTML-escaped).
pub fn json_string(s: &str, out: &mut String) {
    out.push('"');
    // Runs of characters that need no escape are copied whole.
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push_str(escape);
        }
        plain = i + c.len_utf8();
    }
    out.push_str(&s[plain..]);
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
    /// When set, errors in fields are collected here and export goes on.
    errors: Option<Vec<ExportError>>,
    /// The errors collected so far, by identity.
    seen: Vec<*const crate::value::Error>,
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
        let (path, spans) = match v {
            Some(v) => {
                let mut spans = self.ev.positions(v, &msg);
                if let Some(at) = self.ev.referenced_bound(v, &msg) {
                    spans = at;
                }
                if msg.starts_with("conflicting values") {
                    spans.extend(self.ev.referenced_positions(v, 4, &msg));
                    spans.sort_by_key(|(f, s)| (*f, s.start));
                    spans.dedup_by_key(|(f, s)| (*f, s.start));
                }
                (self.ev.path(v), spans)
            }
            None => (path.to_string(), Vec::new()),
        };
        let mut e = ExportError::new(path, code, msg);
        e.spans = spans;
        e
    }

    fn value(&mut self, val: Value, at: Option<VId>, level: usize) -> Result<(), ExportError> {
        let val = self.ev.default_of(val);
        match val {
            Value::Bottom(e) => {
                // A struct closed against several of its fields: list each
                // field, as `cue` does.
                if let Some(w) = at
                    && self.errors.is_some()
                    && e.msg.starts_with("field not allowed: ")
                    && self.ev.vertices[w].is_struct
                {
                    let bad: Vec<VId> = self.ev.vertices[w]
                        .arcs
                        .values()
                        .copied()
                        .filter(|&a| self.ev.vertices[a].is_closedness_error())
                        .collect();
                    if let Some((&last, rest)) = bad.split_last() {
                        for a in rest {
                            let v = self.ev.vertices[*a].value.clone();
                            if let (Err(err), Some(errs)) =
                                (self.value(v, Some(*a), level + 1), &mut self.errors)
                            {
                                errs.push(err);
                            }
                        }
                        let v = self.ev.vertices[last].value.clone();
                        return self.value(v, Some(last), level + 1);
                    }
                }
                // An error reached again through a reference is listed once.
                if self.errors.is_some() {
                    let ptr = std::rc::Rc::as_ptr(&e);
                    if self.seen.contains(&ptr) {
                        self.out.push_str("null");
                        return Ok(());
                    }
                    self.seen.push(ptr);
                }
                let mut err = self.err(at, "", e.code, e.msg.clone());
                if let Some(label) = e.msg.strip_prefix("field not allowed: ") {
                    let own = at.is_some_and(|a| {
                        self.ev.vertices[a]
                            .label
                            .as_ref()
                            .is_some_and(|l| l.selector() == label)
                    });
                    err.path = if err.path.is_empty() {
                        label.to_string()
                    } else if own {
                        err.path
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
            Value::Constraint(c) => {
                let text = crate::value::format::incomplete_text(&c);
                let mut e = self.err(
                    at,
                    "",
                    ErrorCode::Incomplete,
                    format!("incomplete value {text}"),
                );
                if let Some(v) = at {
                    e.spans = self.ev.incomplete_spans(v, &c);
                }
                Err(e)
            }
            other => {
                let msg = format!("incomplete value {other}");
                let mut e = self.err(at, "", ErrorCode::Incomplete, msg);
                e.unpositioned = matches!(other, Value::Disjunction(_));
                Err(e)
            }
        }
    }

    /// The first vertex at or below `v` (through regular fields and
    /// definitions, to `depth` levels) that is a structural cycle.
    /// A structural cycle at or below a definition, or a name in it that
    /// resolves to nothing (`cue` reports those when compiling, wherever
    /// they are).
    fn definition_error(&mut self, v: VId, depth: usize) -> Option<(VId, Rc<Error>)> {
        self.first_error(v, depth, &|e| {
            e.code == ErrorCode::Structural
                || (e.code == ErrorCode::Eval
                    && e.msg.starts_with("reference \"")
                    && e.msg.ends_with("\" not found"))
        })
    }

    /// The first vertex at or below `v` (to `depth` levels, hidden fields
    /// and definitions included) whose error, or whose struct's pending
    /// error, `wanted` accepts.
    fn first_error(
        &mut self,
        v: VId,
        depth: usize,
        wanted: &dyn Fn(&Error) -> bool,
    ) -> Option<(VId, Rc<Error>)> {
        let val = self.ev.value_of(v);
        if let Value::Bottom(e) = &val {
            return wanted(e).then(|| (v, e.clone()));
        }
        if let Some(e) = &self.ev.vertices[v].pending
            && wanted(e)
        {
            return Some((v, e.clone()));
        }
        if depth == 0 || !matches!(val, Value::Vertex(_)) {
            return None;
        }
        let arcs: Vec<VId> = self
            .ev
            .ordered_arcs(v)
            .into_iter()
            .filter(|(_, a)| self.ev.vertices[*a].arc_type != ArcType::Optional)
            .map(|(_, a)| a)
            .collect();
        arcs.into_iter()
            .find_map(|a| self.first_error(a, depth - 1, wanted))
    }

    fn vertex(&mut self, w: VId, level: usize) -> Result<(), ExportError> {
        self.ev.eval_vertex(w);
        if let Some(p) = self.ev.vertices[w].pending.clone() {
            let mut e = self.err(Some(w), "", p.code, p.msg.clone());
            // Where the error arose (a comprehension's source), if known.
            if !p.spans.is_empty() {
                e.spans.clone_from(&p.spans);
            }
            return Err(e);
        }
        let is_list = self.ev.vertices[w].is_list;
        let arcs: Vec<(Label, VId)> = self.ev.ordered_arcs(w);
        // As `cue export`, a structural cycle in a definition is an error
        // even though definitions are not exported.
        for (l, a) in &arcs {
            if let Label::Def(_) = l
                && let Some((c, e)) = self.definition_error(*a, 8)
            {
                let e = if e.code == ErrorCode::Structural {
                    self.err(Some(c), "", e.code, "structural cycle".into())
                } else {
                    let mut x = self.err(Some(c), "", e.code, e.msg.clone());
                    x.spans.clone_from(&e.spans);
                    x
                };
                match &mut self.errors {
                    Some(errs) => errs.push(e),
                    None => return Err(e),
                }
                continue;
            }
            // Hidden fields are not exported, but a conflict in one fails
            // `cue export` all the same. (Definitions too in `cue`; here
            // some errors in them that `cue` holds incomplete — a call of a
            // function that is not known yet — are permanent, so they are
            // left to the fields that use them.)
            if matches!(l, Label::Hidden(_))
                && let Some((c, b)) = self.first_error(*a, 8, &|e| {
                    matches!(e.code, ErrorCode::Eval | ErrorCode::User)
                })
            {
                let e = self.err(Some(c), "", b.code, b.msg.to_string());
                match &mut self.errors {
                    Some(errs) => errs.push(e),
                    None => return Err(e),
                }
            }
        }
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
                    let e = self.err(Some(a), "", ErrorCode::Incomplete, msg);
                    match &mut self.errors {
                        Some(errs) => {
                            errs.push(e);
                            continue;
                        }
                        None => return Err(e),
                    }
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
            match (self.value(v, Some(a), level + 1), &mut self.errors) {
                (Err(e), Some(errs)) => errs.push(e),
                (r, _) => r?,
            }
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
        errors: None,
        seen: Vec::new(),
    };
    w.value(v, at, 0)?;
    Ok(w.out)
}

/// Every error that keeps a value from being exported (not only the
/// first), sorted by path as `cue export` lists them.
pub(crate) fn all_errors(ev: &mut Evaluator<'_>, v: Value, at: Option<VId>) -> Vec<ExportError> {
    let mut w = Writer {
        ev,
        out: String::new(),
        indent: None,
        errors: Some(Vec::new()),
        seen: Vec::new(),
    };
    let r = w.value(v, at, 0);
    let mut errs = w.errors.take().unwrap_or_default();
    if let Err(e) = r {
        errs.push(e);
    }
    // As CUE sorts errors: by primary position (none first), then by path.
    errs.sort_by_cached_key(|e| {
        let pos = e.primary_span().map(|(f, s)| (*f, s.start));
        let path: Vec<String> = e
            .path
            .split(['.', '['])
            .map(|p| p.trim_end_matches(']').to_string())
            .collect();
        (pos, path)
    });
    errs
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
        let mut s = String::new();
        json_string("é\u{1}x\\\t\u{2029}ü", &mut s);
        assert_eq!(s, "\"é\\u0001x\\\\\\t\\u2029ü\"");
    }
}
