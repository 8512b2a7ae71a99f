//! A YAML emitter in the style of CUE's `encoding/yaml` (go-yaml v3 with a
//! two-space indent): block mappings and sequences, strings quoted only
//! when a plain scalar would read back as something else.

use std::fmt::Write as _;

use crate::eval::{ArcType, Evaluator, Label};
use crate::value::Value;
use crate::value::format::format_float;

/// A value ready to emit.
pub(crate) enum Node {
    /// A rendered scalar (a string still to be styled is `Str`).
    Plain(String),
    /// A string.
    Str(String),
    /// A mapping, in field order.
    Map(Vec<(String, Node)>),
    /// A sequence.
    Seq(Vec<Node>),
}

/// Converts an exported (error-free, concrete) value into a node.
pub(crate) fn node(ev: &mut Evaluator<'_>, v: Value) -> Node {
    match ev.default_of(v) {
        Value::Null => Node::Plain("null".into()),
        Value::Bool(b) => Node::Plain(b.to_string()),
        Value::Int(i) => Node::Plain(i.to_string()),
        Value::Float(d) => Node::Plain(format_float(&d).replace("e", "E")),
        Value::String(s) => Node::Str(s.to_string()),
        Value::Bytes(b) => {
            use base64::Engine as _;
            Node::Plain(format!(
                "!!binary {}",
                base64::engine::general_purpose::STANDARD.encode(&b)
            ))
        }
        Value::Vertex(w) => {
            ev.eval_vertex(w);
            let is_list = ev.vertices[w].is_list;
            let mut fields = Vec::new();
            let mut items = Vec::new();
            for (l, a) in ev.ordered_arcs(w) {
                if !(l.is_regular() || matches!(l, Label::Index(_)))
                    || ev.vertices[a].arc_type != ArcType::Regular
                {
                    continue;
                }
                let v = ev.value_of(a);
                let n = node(ev, v);
                match l {
                    Label::Field(name) => fields.push((name.to_string(), n)),
                    _ => items.push(n),
                }
            }
            if is_list {
                Node::Seq(items)
            } else {
                Node::Map(fields)
            }
        }
        other => Node::Plain(other.to_string()),
    }
}

/// Renders a node as a YAML document.
pub(crate) fn emit(n: &Node) -> String {
    let mut out = String::new();
    match n {
        Node::Map(m) if !m.is_empty() => write_map(m, 0, false, &mut out),
        Node::Seq(s) if !s.is_empty() => write_seq(s, 0, false, &mut out),
        n => {
            write_inline(n, 0, &mut out);
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Writes a scalar or empty collection after `key:` or `- `.
fn write_inline(n: &Node, indent: usize, out: &mut String) {
    match n {
        Node::Plain(s) => out.push_str(s),
        Node::Str(s) => write_str(s, indent, out),
        Node::Map(_) => out.push_str("{}"),
        Node::Seq(_) => out.push_str("[]"),
    }
}

fn write_value(n: &Node, indent: usize, out: &mut String) {
    match n {
        Node::Map(m) if !m.is_empty() => {
            out.push('\n');
            write_map(m, indent + 2, false, out);
        }
        Node::Seq(s) if !s.is_empty() => {
            out.push('\n');
            write_seq(s, indent + 2, false, out);
        }
        n => {
            out.push(' ');
            write_inline(n, indent, out);
            out.push('\n');
        }
    }
}

fn write_map(m: &[(String, Node)], indent: usize, inline_first: bool, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        write_str(k, indent, out);
        out.push(':');
        write_value(v, indent, out);
    }
}

fn write_seq(s: &[Node], indent: usize, inline_first: bool, out: &mut String) {
    for (i, v) in s.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push_str("- ");
        match v {
            Node::Map(m) if !m.is_empty() => write_map(m, indent + 2, true, out),
            Node::Seq(s) if !s.is_empty() => write_seq(s, indent + 2, true, out),
            n => {
                write_inline(n, indent, out);
                out.push('\n');
            }
        }
    }
}

/// Whether a plain scalar `s` would resolve to a non-string (YAML 1.1 and
/// 1.2 booleans, nulls, numbers and timestamps).
fn ambiguous(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        "t", "T", "f", "F", ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", ".nan",
        ".NaN", ".NAN", "<<",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    const NUMBER: &str = r"^([-+]?(0|[1-9][0-9_]*)|[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[oO]?[0-7_]+|[-+]?0[bB][01_]+|[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(\.[0-9_]*)?[eE][-+]?[0-9]+|\d{4}-\d\d?-\d\d?([Tt ].*)?)$";
    super::regex_match(NUMBER, s).unwrap_or(false)
}

/// Whether `s` cannot be written as a plain scalar in block context.
fn needs_single_quotes(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    let second = s.chars().nth(1);
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return true;
    }
    if "-?:".contains(first) && second.is_none_or(|c| c == ' ') {
        return true;
    }
    s.starts_with(' ')
        || s.ends_with(' ')
        || s.ends_with(':')
        || s.contains(": ")
        || s.contains(" #")
}

fn write_str(s: &str, indent: usize, out: &mut String) {
    let control = |c: char| (c < ' ' && c != '\n') || c == '\u{7f}' || c == '\u{feff}';
    if s.contains('\n') && !s.chars().any(control) {
        let body = s.trim_end_matches('\n');
        let trailing = s.len() - body.len();
        out.push('|');
        if s.starts_with(' ') {
            out.push('2');
        }
        out.push_str(match trailing {
            0 => "-",
            1 => "",
            _ => "+",
        });
        for line in s
            .split('\n')
            .take(body.split('\n').count() + trailing.saturating_sub(1))
        {
            out.push('\n');
            if !line.is_empty() {
                pad(out, indent + 2);
                out.push_str(line);
            }
        }
        return;
    }
    if s.contains('\n') || s.chars().any(control) || ambiguous(s) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if control(c) => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    } else if needs_single_quotes(s) {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    } else {
        out.push_str(s);
    }
}
