//! Rendering of evaluated values as CUE text, as `cue export --out cue`,
//! `cue eval` and `cue def` print them.
//!
//! The layout follows the official formatter: one field a line, values of
//! consecutive single-line fields aligned (a struct, list or multi-line
//! string value ends the aligned run), lists on one line with the structs
//! in them opened in place, strings with newlines as `"""` blocks.

use std::fmt::Write as _;

use crate::ast;
use crate::docs::Docs;
use crate::eval::{ArcType, Conjunct, Evaluator, Label, Src};
use crate::value::format::{format_float, quote_bytes, quote_str};
use crate::value::{ErrorCode, VId, Value};

/// Which of the official CLI's CUE outputs to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueMode {
    /// `cue export --out cue`: concrete regular fields, tab-indented.
    Export,
    /// `cue eval`: regular and required fields and definitions, defaults
    /// resolved, four-space indentation; hidden and optional fields,
    /// pattern constraints and list element types left out.
    Eval,
    /// `cue def`: every field (hidden, optional, required, definitions),
    /// defaults kept as `*d | T`, pattern constraints and open list element
    /// types, tab-indented.
    Def,
}

/// Which fields `cue eval` shows besides the regular and required ones,
/// as its `-H`, `-O`, `-a` and `-c` flags choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalFields {
    /// Hidden fields (`-H`).
    pub hidden: bool,
    /// Optional fields (`-O`).
    pub optional: bool,
    /// Definitions (shown unless `-c`).
    pub definitions: bool,
}

impl Default for EvalFields {
    fn default() -> Self {
        EvalFields {
            hidden: false,
            optional: false,
            definitions: true,
        }
    }
}

impl CueMode {
    fn indent(self) -> &'static str {
        match self {
            CueMode::Eval => "    ",
            CueMode::Export | CueMode::Def => "\t",
        }
    }
}

/// One field as printed: the label with its marker and colon, the value,
/// and whether the value takes part in alignment.
struct Line {
    label: String,
    value: String,
    align: bool,
    /// How many labels the line has (`a: b: 1` has two): the official
    /// formatter aligns runs of lines with as many.
    labels: usize,
    /// The doc comment lines printed above (`""` between two comments).
    doc: Vec<String>,
    /// Whether a blank line comes before the doc comment.
    blank: bool,
}

struct CueWriter<'e, 'a> {
    ev: &'e mut Evaluator<'a>,
    mode: CueMode,
    /// The fields [`CueMode::Eval`] shows.
    shown: EvalFields,
    /// Vertices being printed (guards against printing a cycle forever).
    stack: Vec<VId>,
    /// The doc comments of the package's fields, printed in
    /// [`CueMode::Export`].
    docs: Option<Docs<'a>>,
}

impl CueWriter<'_, '_> {
    /// The doc comments of the field `a` from each of its conjuncts, in
    /// turn, and whether the first has a blank line before it.
    fn doc(&self, a: VId) -> (Vec<String>, bool) {
        let Some(docs) = &self.docs else {
            return (Vec::new(), false);
        };
        let mut lines: Vec<String> = Vec::new();
        let mut blank = false;
        let mut seen = Vec::new();
        for c in &self.ev.vertices[a].conjuncts {
            let Src::Expr(e) = c.src else { continue };
            let Some(comment) = docs.comment_of(e) else {
                continue;
            };
            if seen.contains(&comment.lines) {
                continue;
            }
            if lines.is_empty() {
                blank = comment.blank_before;
            } else {
                lines.push(String::new());
            }
            lines.extend(comment.lines.iter().cloned());
            seen.push(comment.lines);
        }
        (lines, blank)
    }

    fn pad(&self, level: usize) -> String {
        self.mode.indent().repeat(level)
    }

    /// A value at `level` (its first line follows a label; its other lines
    /// are indented for `level`).
    fn value(&mut self, v: Value, level: usize) -> String {
        let v = if self.mode == CueMode::Def {
            v
        } else {
            self.ev.default_of(v)
        };
        match v {
            Value::Vertex(w) => self.vertex(w, level),
            Value::String(s) if self.mode != CueMode::Def && s.contains('\n') => {
                self.multiline(&s, level, false)
            }
            Value::Bytes(b) if self.mode != CueMode::Def && b.contains(&b'\n') => {
                self.multiline(&String::from_utf8_lossy(&b), level, true)
            }
            Value::Disjunction(d) => {
                // Every disjunct marked default means no default at all.
                let marked = !d.iter().all(|x| x.default);
                let mut parts = Vec::with_capacity(d.len());
                for x in d.iter() {
                    let body = self.value(x.value.clone(), level);
                    parts.push(if marked && x.default {
                        format!("*{body}")
                    } else {
                        body
                    });
                }
                parts.join(" | ")
            }
            other => scalar(&other),
        }
    }

    /// A string with newlines as a `"""` (or `'''` for bytes) block.
    fn multiline(&self, s: &str, level: usize, bytes: bool) -> String {
        let quote = if bytes { "'''" } else { "\"\"\"" };
        let hash = if s.contains(quote) { "#" } else { "" };
        let inner = self.pad(level + 1);
        let mut out = format!("{hash}{quote}\n");
        for line in s.split('\n') {
            if !line.is_empty() {
                out.push_str(&inner);
                for c in line.chars() {
                    match c {
                        '\\' => {
                            let _ = write!(out, "\\{hash}\\");
                        }
                        '\t' => {
                            let _ = write!(out, "\\{hash}t");
                        }
                        '\r' => {
                            let _ = write!(out, "\\{hash}r");
                        }
                        c if (c as u32) < 0x20 => {
                            let _ = write!(out, "\\{hash}u{:04x}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
            }
            out.push('\n');
        }
        let _ = write!(out, "{inner}{quote}{hash}");
        out
    }

    fn vertex(&mut self, w: VId, level: usize) -> String {
        if self.stack.contains(&w) {
            return "_|_ // structural cycle".into();
        }
        self.stack.push(w);
        self.ev.eval_vertex(w);
        let out = if self.ev.vertices[w].is_list {
            self.list(w, level)
        } else {
            let lines = self.fields(w, level + 1);
            if let [only] = lines.as_slice()
                && only.label.starts_with('[')
            {
                // `cue def` keeps `env: [string]: string` on one line.
                self.stack.pop();
                return format!("{} {}", only.label, only.value);
            }
            if lines.is_empty() {
                "{}".to_string()
            } else {
                let mut s = String::from("{\n");
                s.push_str(&self.block(&lines, level + 1));
                s.push_str(&self.pad(level));
                s.push('}');
                s
            }
        };
        self.stack.pop();
        out
    }

    fn list(&mut self, w: VId, level: usize) -> String {
        let items: Vec<VId> = self
            .ev
            .ordered_arcs(w)
            .into_iter()
            .filter(|(l, _)| matches!(l, Label::Index(_)))
            .map(|(_, a)| a)
            .collect();
        let mut parts = Vec::with_capacity(items.len() + 1);
        // An element in error ends its line with a comment (`_|_, // why`),
        // and the list goes on, or closes, on the next.
        let mut broken = Vec::new();
        for a in items {
            match self.bottom(a) {
                Some(comment) => {
                    parts.push(format!("_|_, {comment}\n{}", self.pad(level)));
                    broken.push(parts.len() - 1);
                }
                None => {
                    let v = self.ev.value_of(a);
                    parts.push(self.value(v, level));
                }
            }
        }
        if self.mode == CueMode::Def {
            let elem = self.ev.vertices[w]
                .schema
                .as_ref()
                .and_then(|i| i.elems.first().map(|e| e.0));
            if let Some(ast::Expr::Ident(i)) = elem
                && is_definition(&i.name)
            {
                parts.push(format!("...{}", i.name));
            } else if let Some(t) = self.elem_type(w) {
                parts.push(format!("...{}", self.value(t, level)));
            }
        }
        let mut out = String::from("[");
        for (i, part) in parts.iter().enumerate() {
            if i > 0 && !broken.contains(&(i - 1)) {
                out.push_str(", ");
            }
            out.push_str(part);
        }
        out.push(']');
        out
    }

    /// The comment `cue eval` prints after `_|_` for a value in error (not
    /// merely incomplete): `// path: message`.
    fn bottom(&mut self, a: VId) -> Option<String> {
        match self.ev.value_of(a) {
            Value::Bottom(e) if e.code != ErrorCode::Incomplete => {
                let path = self.ev.path(a).replace('[', ".").replace(']', "");
                Some(format!("// {path}: {}", e.msg))
            }
            _ => None,
        }
    }

    /// A field not known yet (an incomplete error) as the expression it is
    /// declared as, which `cue eval` and `cue def` print (`s: list.Sort(x,
    /// cmp)`).
    fn pending_expr(&mut self, a: VId) -> Option<String> {
        if self.mode == CueMode::Export {
            return None;
        }
        match self.ev.value_of(a) {
            Value::Bottom(e) if e.code == ErrorCode::Incomplete => {}
            _ => return None,
        }
        match self.ev.vertices[a].conjuncts.as_slice() {
            [
                Conjunct {
                    src: Src::Expr(e), ..
                },
            ] => super::source::text(e),
            _ => None,
        }
    }

    /// In `cue def`, the name of the definition a field is declared as
    /// (`c: #Container`), which it prints instead of the expansion.
    fn reference(&self, a: VId) -> Option<String> {
        if self.mode != CueMode::Def {
            return None;
        }
        match self.ev.vertices[a].conjuncts.as_slice() {
            [
                Conjunct {
                    src: Src::Expr(ast::Expr::Ident(i)),
                    ..
                },
            ] if is_definition(&i.name) => Some(i.name.clone()),
            _ => None,
        }
    }

    /// The element type of an open list (`[...T]`), evaluated.
    fn elem_type(&mut self, w: VId) -> Option<Value> {
        let (e, env, closed) = self.ev.vertices[w]
            .schema
            .as_ref()
            .and_then(|i| i.elems.first().copied())?;
        let n = self.ev.vertices[w].arcs.len();
        let t = self.ev.new_vertex(Some(w), Some(Label::Index(n)));
        let tx = &mut self.ev.vertices[t];
        tx.conjuncts.push(Conjunct {
            src: Src::Expr(e),
            env,
            closed,
            group: 0,
        });
        tx.allowed = true;
        Some(self.ev.value_of(t))
    }

    /// The pattern constraints of a struct (`[string]: T`), evaluated.
    fn patterns(&mut self, w: VId) -> Vec<(Value, Value)> {
        let patterns = self.ev.vertices[w]
            .schema
            .as_ref()
            .map(|i| i.patterns.clone())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(patterns.len());
        for p in patterns {
            let t = self.ev.new_vertex(Some(w), Some(Label::field("*")));
            let tx = &mut self.ev.vertices[t];
            tx.conjuncts.push(Conjunct {
                src: Src::Expr(p.value),
                env: p.env,
                closed: p.closed,
                group: 0,
            });
            tx.allowed = true;
            let v = self.ev.value_of(t);
            out.push((p.pattern.clone(), v));
        }
        out
    }

    /// The printed fields of a struct whose fields sit at `level`.
    fn fields(&mut self, w: VId, level: usize) -> Vec<Line> {
        let mut lines = Vec::new();
        for (l, a) in self.ev.ordered_arcs(w) {
            let arc_type = self.ev.vertices[a].arc_type;
            if !self.shows(&l, arc_type) {
                continue;
            }
            let marker = match arc_type {
                ArcType::Regular => "",
                ArcType::Optional => "?",
                ArcType::Required => "!",
            };
            let v = self.ev.value_of(a);
            let label = format!("{}{marker}:", label_text(&l));
            if let Some(inner) = self.collapsed(&v, level) {
                let (doc, blank) = self.doc(a);
                lines.push(Line {
                    label: format!("{label} {}", inner.label),
                    value: inner.value,
                    align: inner.align,
                    labels: inner.labels + 1,
                    doc,
                    blank,
                });
                continue;
            }
            let value = match (self.reference(a), self.bottom(a)) {
                (Some(name), _) => name,
                (None, Some(comment)) => format!("_|_ {comment}"),
                (None, None) => match self.pending_expr(a) {
                    Some(text) => text,
                    None => self.value(v.clone(), level),
                },
            };
            let align = !value.contains('\n') && !matches!(self.ev.default_of(v), Value::Vertex(_));
            let (doc, blank) = self.doc(a);
            lines.push(Line {
                label,
                value,
                align,
                labels: 1,
                doc,
                blank,
            });
        }
        if self.mode == CueMode::Def {
            for (pattern, v) in self.patterns(w) {
                let value = self.value(v.clone(), level);
                let align = !value.contains('\n') && !matches!(v, Value::Vertex(_));
                lines.push(Line {
                    label: format!("[{}]:", scalar(&pattern)),
                    value,
                    align,
                    labels: 1,
                    doc: Vec::new(),
                    blank: false,
                });
            }
        }
        lines
    }

    /// Whether a field of this label and type is printed.
    fn shows(&self, l: &Label, arc_type: ArcType) -> bool {
        match self.mode {
            CueMode::Export => l.is_regular() && arc_type == ArcType::Regular,
            CueMode::Eval => match l {
                Label::Index(_) => false,
                Label::Hidden(_) => self.shown.hidden,
                Label::Def(_) => self.shown.definitions,
                Label::Field(_) => arc_type != ArcType::Optional || self.shown.optional,
            },
            CueMode::Def => !matches!(l, Label::Index(_)),
        }
    }

    /// `v` printed as the value of the field path `labels` (`cue export -l`):
    /// one line of labels in [`CueMode::Export`], nested structs otherwise.
    fn placed(&mut self, v: Value, labels: &[String]) -> String {
        let names: Vec<String> = labels
            .iter()
            .map(|l| format!("{}:", label_text(&Label::field(l))))
            .collect();
        if self.mode == CueMode::Export {
            let mut line = names.join(" ");
            match self.collapsed(&v, 0) {
                Some(inner) => {
                    let _ = write!(line, " {} {}", inner.label, inner.value);
                }
                None => {
                    let _ = write!(line, " {}", self.value(v, 0));
                }
            }
            line.push('\n');
            return line;
        }
        let last = names.len() - 1;
        let mut out = String::new();
        for (i, name) in names[..last].iter().enumerate() {
            let _ = writeln!(out, "{}{name} {{", self.pad(i));
        }
        let value = self.value(v, last);
        let _ = writeln!(out, "{}{} {value}", self.pad(last), names[last]);
        for i in (0..last).rev() {
            let _ = writeln!(out, "{}}}", self.pad(i));
        }
        out
    }

    /// In [`CueMode::Export`], the one field of a struct value, which the
    /// official CLI prints on its parent's line (`a: b: 1`).
    fn collapsed(&mut self, v: &Value, level: usize) -> Option<Line> {
        if self.mode != CueMode::Export {
            return None;
        }
        let Value::Vertex(w) = self.ev.default_of(v.clone()) else {
            return None;
        };
        if self.stack.contains(&w) {
            return None;
        }
        self.ev.eval_vertex(w);
        if self.ev.vertices[w].is_list {
            return None;
        }
        let shown = self
            .ev
            .ordered_arcs(w)
            .into_iter()
            .filter(|(l, a)| self.shows(l, self.ev.vertices[*a].arc_type))
            .count();
        if shown != 1 {
            return None;
        }
        self.stack.push(w);
        let mut lines = self.fields(w, level);
        self.stack.pop();
        // A field with a doc comment keeps a line of its own.
        if lines.len() == 1 && lines[0].doc.is_empty() {
            lines.pop()
        } else {
            None
        }
    }

    /// Fields one a line at `level`, aligned by runs as the official
    /// formatter's tab writer aligns them.
    fn block(&self, lines: &[Line], level: usize) -> String {
        let pad = self.pad(level);
        let mut out = String::new();
        let mut i = 0;
        while i < lines.len() {
            // A doc comment line ends a run of aligned fields.
            let l = &lines[i];
            if !l.doc.is_empty() {
                if l.blank && !out.is_empty() {
                    out.push('\n');
                }
                for d in &l.doc {
                    if d.is_empty() {
                        out.push('\n');
                    } else {
                        let _ = writeln!(out, "{pad}{d}");
                    }
                }
            }
            let mut j = i;
            while j < lines.len()
                && lines[j].align
                && lines[j].labels == lines[i].labels
                && (j == i || lines[j].doc.is_empty())
            {
                j += 1;
            }
            if j == i {
                let l = &lines[i];
                let _ = writeln!(out, "{pad}{} {}", l.label, l.value);
                i += 1;
                continue;
            }
            let width = lines[i..j]
                .iter()
                .map(|l| l.label.chars().count())
                .max()
                .unwrap_or(0);
            for l in &lines[i..j] {
                let n = width - l.label.chars().count() + 1;
                let _ = writeln!(out, "{pad}{}{}{}", l.label, " ".repeat(n), l.value);
            }
            i = j;
        }
        out
    }
}

/// A scalar, type or constraint in CUE syntax.
fn scalar(v: &Value) -> String {
    match v {
        Value::Float(d) => format_float(d).replace('E', "e"),
        // Float bounds in CUE syntax (`1e+308`); regexes keep their text.
        Value::Constraint(c)
            if c.bounds
                .iter()
                .all(|(_, b)| matches!(b, Value::Float(_) | Value::Int(_))) =>
        {
            v.to_string().replace('E', "e")
        }
        Value::String(s) => quote_str(s),
        Value::Bytes(b) => quote_bytes(b),
        other => other.to_string(),
    }
}

/// A label as CUE prints it: bare when it is an identifier, quoted
/// otherwise.
pub(crate) fn label_text(l: &Label) -> String {
    match l {
        Label::Field(name) if !is_identifier(name) => quote_str(name),
        Label::Index(i) => i.to_string(),
        Label::Field(name) | Label::Def(name) | Label::Hidden(name) => name.to_string(),
    }
}

/// Whether an identifier names a definition (`#D`, `_#D`).
fn is_definition(name: &str) -> bool {
    name.starts_with('#') || name.starts_with("_#")
}

/// Whether a regular field's name can be written without quotes.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Renders the value at `at` as CUE: the fields of a struct at the top
/// level (no braces), or the value itself.
pub(crate) fn to_cue<'a>(
    ev: &mut Evaluator<'a>,
    v: Value,
    at: Option<VId>,
    mode: CueMode,
    shown: EvalFields,
    labels: &[String],
    docs: Option<Docs<'a>>,
) -> String {
    let mut w = CueWriter {
        ev,
        mode,
        shown,
        stack: Vec::new(),
        docs,
    };
    let v = if mode == CueMode::Def {
        v
    } else {
        w.ev.default_of(v)
    };
    if !labels.is_empty() {
        return w.placed(v, labels);
    }
    match (v, at) {
        (Value::Vertex(x), Some(_)) if !w.ev.vertices[x].is_list => {
            w.ev.eval_vertex(x);
            w.stack.push(x);
            let lines = w.fields(x, 0);
            if lines.is_empty() {
                // No fields to print: an empty line, as `cue` prints.
                return "\n".to_string();
            }
            w.block(&lines, 0)
        }
        (v, _) => {
            let mut s = w.value(v, 0);
            s.push('\n');
            s
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use crate::Compiled;

    use super::*;

    fn render(src: &str, mode: CueMode) -> String {
        let c = Compiled::from_sources(&[("in.cue", src)]).unwrap();
        let mut i = c.eval();
        let r = i.root();
        i.to_cue(r, mode).unwrap()
    }

    #[test]
    fn aligns_runs_of_single_line_fields() {
        assert_eq!(
            render(
                "a: 1\n\"b-c\": \"x\"\nl: [1, {x: 1}]\nd: 2.0",
                CueMode::Export
            ),
            "a:     1\n\"b-c\": \"x\"\nl: [1, {\n\tx: 1\n}]\nd: 2.0\n"
        );
    }

    #[test]
    fn eval_resolves_defaults_and_def_keeps_them() {
        let src = "a: *1 | int\n#D: {x?: int, y!: string}\n_h: 1\nm: \"p\\nq\"";
        assert_eq!(
            render(src, CueMode::Eval),
            "a: 1\n#D: {\n    y!: string\n}\nm: \"\"\"\n    p\n    q\n    \"\"\"\n"
        );
        assert_eq!(
            render(src, CueMode::Def),
            "a: *1 | int\n#D: {\n\tx?: int\n\ty!: string\n}\n_h: 1\nm:  \"p\\nq\"\n"
        );
    }

    #[test]
    fn labels_are_quoted_when_not_identifiers() {
        assert!(is_identifier("if"));
        assert!(is_identifier("$d"));
        assert!(is_identifier("é"));
        assert!(!is_identifier("_x"));
        assert!(!is_identifier("1a"));
        assert!(!is_identifier("a-b"));
    }
}
