//! The `list` package.

use std::cmp::Ordering;

use super::{Args, arg_err, unknown};
use crate::eval::Label;
use crate::value::{ErrorCode, Kind, Value};

fn sum(a: &Args<'_, '_>, items: &[Value]) -> Result<Value, Value> {
    let mut acc = Value::int(0);
    for v in items {
        if !matches!(v, Value::Int(_) | Value::Float(_)) {
            return Err(arg_err(&a.name, format!("cannot use {v} as number")));
        }
        acc = crate::eval::binary_op(crate::ast::BinaryOp::Add, &acc, v);
    }
    Ok(acc)
}

fn flatten(a: &mut Args<'_, '_>, v: Value, depth: i64, out: &mut Vec<Value>) {
    if let Value::Vertex(w) = v {
        a.ev.eval_vertex(w);
        if a.ev.vertices[w].is_list && depth != 0 {
            for (_, e) in a.ev.regular_arcs(w) {
                let ev = a.ev.value_of(e);
                flatten(a, ev, depth - 1, out);
            }
            return;
        }
    }
    out.push(v);
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "Concat" => {
            let lists = a.list(0)?;
            let mut out = Vec::new();
            for l in lists {
                let mut b = Args {
                    ev: &mut *a.ev,
                    name: a.name.clone(),
                    vals: vec![l],
                };
                out.extend(b.list(0)?);
            }
            a.ev.make_list(out)
        }
        "FlattenN" => {
            let l = a.get(0)?;
            let depth = a.small(1)?;
            let mut out = Vec::new();
            if let Value::Vertex(w) = l {
                for (_, e) in a.ev.regular_arcs(w) {
                    let ev = a.ev.value_of(e);
                    flatten(a, ev, depth, &mut out);
                }
            }
            a.ev.make_list(out)
        }
        "Repeat" => {
            let l = a.list(0)?;
            let n = a.small(1)?;
            if n < 0 {
                return Err(arg_err(&a.name, "negative count"));
            }
            let mut out = Vec::new();
            for _ in 0..n.min(1 << 16) {
                out.extend(l.iter().cloned());
            }
            a.ev.make_list(out)
        }
        "Range" => {
            let start = a.number(0)?;
            let limit = a.number(1)?;
            let step = a.number(2)?;
            let zero = Value::int(0);
            if crate::eval::compare(&step, &zero) == Some(Ordering::Equal) {
                return Err(arg_err(&a.name, "step must be non zero"));
            }
            let up = crate::eval::compare(&step, &zero) == Some(Ordering::Greater);
            let mut out = Vec::new();
            let mut cur = start;
            while out.len() < 1 << 20 {
                let ord = crate::eval::compare(&cur, &limit);
                let go = if up {
                    ord == Some(Ordering::Less)
                } else {
                    ord == Some(Ordering::Greater)
                };
                if !go {
                    break;
                }
                out.push(cur.clone());
                cur = crate::eval::binary_op(crate::ast::BinaryOp::Add, &cur, &step);
            }
            a.ev.make_list(out)
        }
        "Sum" => {
            let l = a.concrete_list_of(0, Some((Kind::NUMBER, "number")))?;
            sum(a, &l)?
        }
        "Avg" => {
            let l = a.concrete_list_of(0, Some((Kind::NUMBER, "number")))?;
            if l.is_empty() {
                return Err(arg_err(&a.name, "empty list"));
            }
            let s = sum(a, &l)?;
            crate::eval::binary_op(crate::ast::BinaryOp::Div, &s, &Value::int(l.len() as i64))
        }
        "Max" | "Min" => {
            let l = a.concrete_list_of(0, Some((Kind::NUMBER, "number")))?;
            let mut best: Option<Value> = None;
            for v in l {
                if !matches!(v, Value::Int(_) | Value::Float(_)) {
                    return Err(arg_err(&a.name, format!("cannot use {v} as number")));
                }
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let ord = crate::eval::compare(&v, &b).unwrap_or(Ordering::Equal);
                        if (f == "Max") == (ord == Ordering::Greater) && ord != Ordering::Equal {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            match best {
                Some(b) => b,
                None => return Err(arg_err(&a.name, "empty list")),
            }
        }
        "Contains" => {
            let l = a.list(0)?;
            let x = a.get(1)?;
            let mut found = false;
            for v in l {
                let v = a.ev.default_of(v);
                if a.ev.values_equal(&v, &x) {
                    found = true;
                    break;
                }
            }
            Value::Bool(found)
        }
        "UniqueItems" => {
            let l = a.concrete_list(0)?;
            let mut ok = true;
            'outer: for i in 0..l.len() {
                for j in i + 1..l.len() {
                    if a.ev.values_equal(&l[i], &l[j]) {
                        ok = false;
                        break 'outer;
                    }
                }
            }
            Value::Bool(ok)
        }
        "MinItems" | "MaxItems" => {
            let l = a.list(0)?;
            let n = a.small(1)?;
            let len = l.len() as i64;
            Value::Bool(if f == "MinItems" { len >= n } else { len <= n })
        }
        "Take" | "Drop" => {
            let l = a.list(0)?;
            let n = a.small(1)?;
            if n < 0 {
                return Err(arg_err(&a.name, "negative index"));
            }
            let n = (n as usize).min(l.len());
            let out = if f == "Take" {
                l[..n].to_vec()
            } else {
                l[n..].to_vec()
            };
            a.ev.make_list(out)
        }
        "Slice" => {
            let l = a.list(0)?;
            let i = a.small(1)?;
            let j = a.small(2)?;
            if i < 0 || j < i || j as usize > l.len() {
                return Err(arg_err(&a.name, "slice bounds out of range"));
            }
            a.ev.make_list(l[i as usize..j as usize].to_vec())
        }
        "Reverse" => {
            let mut l = a.list(0)?;
            l.reverse();
            a.ev.make_list(l)
        }
        "SortStrings" => {
            let mut l = a.strings(0)?;
            l.sort();
            let items = l.into_iter().map(|s| Value::str(&s)).collect();
            a.ev.make_list(items)
        }
        "Sort" | "SortStable" | "IsSorted" => {
            let l = a.concrete_list(0)?;
            let cmp = a.vals.get(1).cloned().unwrap_or(Value::Top);
            let cmp_now = a.ev.default_of(cmp.clone());
            if !matches!(cmp_now, Value::Vertex(_) | Value::Bottom(_))
                && !cmp_now.is_concrete_scalar()
            {
                let msg = format!("error in call to {}: non-concrete argument 1", a.name);
                return Err(Value::err(ErrorCode::Incomplete, msg));
            }
            let name = a.name.clone();
            let mut err = None;
            let mut less = |ev: &mut crate::eval::Evaluator<'_>, x: &Value, y: &Value| -> bool {
                let xy = ev.make_struct(vec![("x".into(), x.clone()), ("y".into(), y.clone())]);
                let n = ev.new_vertex(None, None);
                ev.add_value(n, cmp.clone());
                ev.add_value(n, xy);
                let r = ev.value_of(n);
                let less = Label::field("less");
                // A comparator without `less` never gets one: not an
                // incomplete value but an error, as in `cue`.
                if let Value::Vertex(w) = r
                    && !ev.vertices[w].arcs.contains_key(&less)
                {
                    err.get_or_insert_with(|| arg_err(&name, "field not found: less"));
                    return false;
                }
                let r = ev.select(r, &less);
                match ev.default_of(r) {
                    Value::Bool(b) => b,
                    other => {
                        if err.is_none() {
                            err = Some(other);
                        }
                        false
                    }
                }
            };
            if f == "IsSorted" {
                let mut ok = true;
                for i in 1..l.len() {
                    if less(a.ev, &l[i], &l[i - 1]) {
                        ok = false;
                    }
                }
                return Ok(Value::Bool(ok));
            }
            // Stable insertion sort: comparisons are evaluations.
            let mut out: Vec<Value> = Vec::with_capacity(l.len());
            for v in l {
                let mut pos = out.len();
                while pos > 0 && less(a.ev, &v, &out[pos - 1]) {
                    pos -= 1;
                }
                out.insert(pos, v);
            }
            if let Some(e) = err {
                if e.is_bottom() {
                    return Err(e);
                }
                return Err(Value::err(
                    ErrorCode::Incomplete,
                    format!("invalid less value {e}"),
                ));
            }
            a.ev.make_list(out)
        }
        _ => return Err(unknown(a)),
    })
}
