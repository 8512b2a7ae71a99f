//! The `text/template` package: `Execute` for the common subset of Go
//! templates (field paths, `if`, `range`, `else`, comments and `{{-`/`-}}`
//! trimming). Like `cue`, the data is converted whole before running, so
//! any value in it that is not concrete makes the call incomplete.

use std::collections::BTreeMap;

use num_bigint::BigInt;

use super::{Args, arg_err, unknown};
use crate::value::{ErrorCode, Value};

/// The data a template runs on, as Go sees decoded CUE.
enum Data {
    Nil,
    Bool(bool),
    Int(BigInt),
    Text(String),
    List(Vec<Data>),
    Map(BTreeMap<String, Data>),
}

/// A parsed template.
enum Node {
    Text(String),
    Print(Vec<String>),
    If(Vec<String>, Vec<Node>, Vec<Node>),
    Range(Vec<String>, Vec<Node>, Vec<Node>),
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    match f {
        "Execute" => {
            let text = a.string(0)?;
            let raw = a.raw(1);
            let data = convert(a, raw)?;
            let nodes = parse(&text).map_err(|e| arg_err(&a.name, format!("template: {e}")))?;
            let mut out = String::new();
            run(&nodes, &data, &mut out).map_err(|e| arg_err(&a.name, format!("template: {e}")))?;
            Ok(Value::str(&out))
        }
        _ => Err(unknown(a)),
    }
}

/// Converts a value to template data; what is not concrete is an error.
fn convert(a: &mut Args<'_, '_>, v: Value) -> Result<Data, Value> {
    let v = a.ev.default_of(v);
    Ok(match v {
        Value::Null => Data::Nil,
        Value::Bool(b) => Data::Bool(b),
        Value::Int(n) => Data::Int(n),
        Value::Float(_) => Data::Text(v.to_string()),
        Value::String(s) => Data::Text(s.to_string()),
        Value::Bytes(b) => Data::Text(String::from_utf8_lossy(&b).into_owned()),
        Value::Bottom(_) => return Err(v),
        Value::Vertex(w) => {
            if let Some(e) = a.ev.vertices[w].pending.clone() {
                return Err(Value::Bottom(e));
            }
            let arcs = a.ev.regular_arcs(w);
            if a.ev.vertices[w].is_list {
                let mut items = Vec::with_capacity(arcs.len());
                for (_, x) in arcs {
                    let xv = a.ev.value_of(x);
                    items.push(convert(a, xv)?);
                }
                Data::List(items)
            } else {
                let mut map = BTreeMap::new();
                for (l, x) in arcs {
                    let xv = a.ev.value_of(x);
                    map.insert(l.name().unwrap_or_default().to_string(), convert(a, xv)?);
                }
                Data::Map(map)
            }
        }
        v => {
            let d = a.ev.display(&v);
            return Err(Value::err(
                ErrorCode::Incomplete,
                format!(
                    "error in call to {}: cannot convert non-concrete value {d}",
                    a.name
                ),
            ));
        }
    })
}

/// Splits a template into text and actions, applying `{{-`/`-}}` trims.
fn lex(text: &str) -> Result<Vec<(bool, String)>, String> {
    let mut parts: Vec<(bool, String)> = Vec::new();
    let mut rest = text;
    let mut trim_next = false;
    while let Some(i) = rest.find("{{") {
        let mut lit = &rest[..i];
        if trim_next {
            lit = lit.trim_start();
        }
        let after = &rest[i + 2..];
        let (left, after) = match after.strip_prefix("- ") {
            Some(x) => (true, x),
            None => (false, after),
        };
        if left {
            lit = lit.trim_end();
        }
        parts.push((false, lit.to_string()));
        let end = after.find("}}").ok_or("unclosed action")?;
        let mut action = &after[..end];
        trim_next = action.ends_with(" -");
        if trim_next {
            action = &action[..action.len() - 2];
        }
        parts.push((true, action.trim().to_string()));
        rest = &after[end + 2..];
    }
    let lit = if trim_next { rest.trim_start() } else { rest };
    parts.push((false, lit.to_string()));
    Ok(parts)
}

fn parse(text: &str) -> Result<Vec<Node>, String> {
    let parts = lex(text)?;
    let mut it = parts.into_iter();
    let (nodes, end) = parse_list(&mut it, 0)?;
    match end.as_deref() {
        None => Ok(nodes),
        Some(e) => Err(format!("unexpected {{{{{e}}}}}")),
    }
}

/// How deep `if` and `range` may nest: the parser recurses on them.
const MAX_NESTING: usize = 100;

/// Nodes up to an `else` or `end` (returned) or the end of input.
fn parse_list(
    it: &mut impl Iterator<Item = (bool, String)>,
    depth: usize,
) -> Result<(Vec<Node>, Option<String>), String> {
    if depth > MAX_NESTING {
        return Err("actions nested too deeply".into());
    }
    let mut nodes = Vec::new();
    while let Some((is_action, s)) = it.next() {
        if !is_action {
            if !s.is_empty() {
                nodes.push(Node::Text(s));
            }
            continue;
        }
        if s.starts_with("/*") && s.ends_with("*/") {
            continue;
        }
        let mut words = s.split_whitespace();
        let head = words.next().unwrap_or_default();
        match head {
            "end" | "else" => return Ok((nodes, Some(head.to_string()))),
            "if" | "range" => {
                let path = field_path(&words.collect::<Vec<_>>().join(" "))?;
                let (body, end) = parse_list(it, depth + 1)?;
                let els = match end.as_deref() {
                    Some("else") => match parse_list(it, depth + 1)? {
                        (els, Some(e)) if e == "end" => els,
                        _ => return Err(format!("missing {{{{end}}}} for {head}")),
                    },
                    Some("end") => Vec::new(),
                    _ => return Err(format!("missing {{{{end}}}} for {head}")),
                };
                nodes.push(if head == "if" {
                    Node::If(path, body, els)
                } else {
                    Node::Range(path, body, els)
                });
            }
            _ => nodes.push(Node::Print(field_path(&s)?)),
        }
    }
    Ok((nodes, None))
}

/// The field names of `.a.b` (`.` is none).
fn field_path(s: &str) -> Result<Vec<String>, String> {
    if s == "." {
        return Ok(Vec::new());
    }
    match s.strip_prefix('.') {
        Some(p) if !p.is_empty() && !p.contains(char::is_whitespace) => {
            Ok(p.split('.').map(str::to_string).collect())
        }
        _ => Err(format!("unsupported action {{{{{s}}}}}")),
    }
}

fn lookup<'d>(data: &'d Data, path: &[String]) -> Result<Option<&'d Data>, String> {
    let mut cur = data;
    for name in path {
        match cur {
            Data::Map(m) => match m.get(name) {
                Some(x) => cur = x,
                None => return Ok(None),
            },
            Data::Nil => return Ok(None),
            _ => return Err(format!("can't evaluate field {name}")),
        }
    }
    Ok(Some(cur))
}

fn truthy(d: Option<&Data>) -> bool {
    match d {
        None | Some(Data::Nil) => false,
        Some(Data::Bool(b)) => *b,
        Some(Data::Int(n)) => *n != BigInt::default(),
        Some(Data::Text(s)) => !s.is_empty(),
        Some(Data::List(l)) => !l.is_empty(),
        Some(Data::Map(m)) => !m.is_empty(),
    }
}

fn run(nodes: &[Node], data: &Data, out: &mut String) -> Result<(), String> {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Print(p) => match lookup(data, p)? {
                None | Some(Data::Nil) => out.push_str("<no value>"),
                Some(d) => print(d, out),
            },
            Node::If(p, then, els) => {
                let body = if truthy(lookup(data, p)?) { then } else { els };
                run(body, data, out)?;
            }
            Node::Range(p, body, els) => {
                let items: Vec<&Data> = match lookup(data, p)? {
                    Some(Data::List(l)) => l.iter().collect(),
                    Some(Data::Map(m)) => m.values().collect(),
                    None | Some(Data::Nil) => Vec::new(),
                    Some(_) => return Err("range can't iterate over a scalar".into()),
                };
                if items.is_empty() {
                    run(els, data, out)?;
                }
                for d in items {
                    run(body, d, out)?;
                }
            }
        }
    }
    Ok(())
}

/// Prints data as Go's `fmt` does with `%v`.
fn print(d: &Data, out: &mut String) {
    match d {
        Data::Nil => out.push_str("<nil>"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Int(n) => out.push_str(&n.to_string()),
        Data::Text(s) => out.push_str(s),
        Data::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print(x, out);
            }
            out.push(']');
        }
        Data::Map(m) => {
            out.push_str("map[");
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                print(x, out);
            }
            out.push(']');
        }
    }
}
