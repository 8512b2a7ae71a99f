//! Unification of scalars, basic types and bounds.

use std::cmp::Ordering;
use std::rc::Rc;

use bigdecimal::{BigDecimal, RoundingMode};

use crate::value::{BoundOp, Constraint, ErrorCode, Kind, Value};

/// A number as a decimal, for comparisons across int and float.
pub(crate) fn to_decimal(v: &Value) -> Option<BigDecimal> {
    match v {
        Value::Int(i) => Some(BigDecimal::from(i.clone())),
        Value::Float(f) => Some(f.clone()),
        _ => None,
    }
}

/// Orders two concrete scalars of comparable kinds.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        _ => {
            let x = to_decimal(a)?;
            let y = to_decimal(b)?;
            Some(x.cmp(&y))
        }
    }
}

/// Whether two concrete scalars are equal (ints and floats compare by value).
pub(crate) fn scalar_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        _ => compare(a, b) == Some(Ordering::Equal),
    }
}

/// The kinds a bound accepts.
pub(crate) fn bound_kind(op: BoundOp, v: &Value) -> Kind {
    let k = v.scalar_kind();
    let k = if k.overlaps(Kind::NUMBER) {
        Kind::NUMBER
    } else {
        k
    };
    match op {
        BoundOp::Ne if k == Kind::NULL => Kind::TOP,
        BoundOp::Ne => k,
        BoundOp::Match | BoundOp::NotMatch => Kind::STRING | Kind::BYTES,
        _ => k,
    }
}

/// Makes a bound value such as `>=0`.
pub(crate) fn make_bound(op: BoundOp, v: Value) -> Value {
    if let Value::Bottom(_) = v {
        return v;
    }
    if !v.is_concrete_scalar() {
        return Value::err(
            ErrorCode::Incomplete,
            format!("non-concrete value {v} for bound {}", op.as_str()),
        );
    }
    match op {
        BoundOp::Match | BoundOp::NotMatch => {
            if let Value::String(s) = &v {
                if let Err(e) = crate::builtins::check_regex(s) {
                    return Value::err(ErrorCode::Eval, e);
                }
            } else {
                return Value::err(
                    ErrorCode::Eval,
                    format!(
                        "cannot use {v} (type {}) as type (string|bytes)",
                        v.scalar_kind()
                    ),
                );
            }
        }
        BoundOp::Lt | BoundOp::Le | BoundOp::Gt | BoundOp::Ge => {
            if !v
                .scalar_kind()
                .overlaps(Kind::NUMBER | Kind::STRING | Kind::BYTES)
            {
                return Value::err(
                    ErrorCode::Eval,
                    format!("invalid operand {v} for bound {}", op.as_str()),
                );
            }
        }
        BoundOp::Ne => {}
    }
    let kinds = bound_kind(op, &v);
    Value::Constraint(Rc::new(Constraint {
        kinds,
        bounds: vec![(op, v)],
    }))
}

/// Whether concrete `v` satisfies bound `op b`.
pub(crate) fn satisfies(v: &Value, op: BoundOp, b: &Value) -> bool {
    match op {
        BoundOp::Ne => !scalar_eq(v, b),
        BoundOp::Match | BoundOp::NotMatch => {
            let text = match v {
                Value::String(s) => s.to_string(),
                Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                _ => return false,
            };
            let Value::String(pat) = b else { return false };
            let m = crate::builtins::regex_match(pat, &text).unwrap_or(false);
            m == (op == BoundOp::Match)
        }
        _ => match compare(v, b) {
            None => false,
            Some(o) => match op {
                BoundOp::Lt => o == Ordering::Less,
                BoundOp::Le => o != Ordering::Greater,
                BoundOp::Gt => o == Ordering::Greater,
                BoundOp::Ge => o != Ordering::Less,
                _ => false,
            },
        },
    }
}

fn conflict(a: &Value, b: &Value) -> Value {
    let (ka, kb) = (a.scalar_kind(), b.scalar_kind());
    if !ka.overlaps(kb) {
        Value::err(
            ErrorCode::Eval,
            format!("conflicting values {a} and {b} (mismatched types {ka} and {kb})"),
        )
    } else {
        Value::err(ErrorCode::Eval, format!("conflicting values {a} and {b}"))
    }
}

/// Checks `v` against constraint `c` (the value `cv`), `c` coming first
/// in the source if `c_first`.
fn check(c: &Constraint, cv: &Value, v: &Value, c_first: bool) -> Value {
    if !c.kinds.contains(v.scalar_kind()) {
        // As `cue` words it: a sized type by name and an explicit kind
        // (`int` of `int & >3`) in source order, bounds alone after the
        // value.
        let named = crate::value::named_type(c);
        if named || !crate::value::format::kind_implied(c) {
            let k = if named {
                cv.clone()
            } else {
                Value::kind(c.kinds)
            };
            return if c_first {
                conflict(&k, v)
            } else {
                conflict(v, &k)
            };
        }
        return conflict(v, cv);
    }
    for (op, b) in &c.bounds {
        if !satisfies(v, *op, b) {
            return Value::err(
                ErrorCode::Eval,
                format!("invalid value {v} (out of bound {}{b})", op.as_str()),
            );
        }
    }
    v.clone()
}

fn merge(a: &Constraint, b: &Constraint, av: &Value, bv: &Value) -> Value {
    let kinds = a.kinds & b.kinds;
    if kinds.is_empty() {
        return conflict(av, bv);
    }
    let mut bounds: Vec<(BoundOp, Value)> = Vec::new();
    for (op, v) in a.bounds.iter().chain(b.bounds.iter()) {
        if bounds
            .iter()
            .any(|(o, w)| o == op && w.scalar_kind() == v.scalar_kind() && scalar_eq(w, v))
        {
            continue;
        }
        // Keep the tighter of two lower or two upper bounds.
        let lower = matches!(op, BoundOp::Gt | BoundOp::Ge);
        let upper = matches!(op, BoundOp::Lt | BoundOp::Le);
        if lower || upper {
            let same_side = |o: &BoundOp| {
                if lower {
                    matches!(o, BoundOp::Gt | BoundOp::Ge)
                } else {
                    matches!(o, BoundOp::Lt | BoundOp::Le)
                }
            };
            if let Some(pos) = bounds
                .iter()
                .position(|(o, w)| same_side(o) && compare(w, v).is_some())
            {
                let (o, w) = &bounds[pos];
                let ord = compare(v, w).unwrap_or(Ordering::Equal);
                let tighter = match ord {
                    Ordering::Equal => matches!(op, BoundOp::Gt | BoundOp::Lt) && o != op,
                    Ordering::Greater => lower,
                    Ordering::Less => upper,
                };
                if tighter {
                    bounds[pos] = (*op, v.clone());
                }
                continue;
            }
        }
        bounds.push((*op, v.clone()));
    }
    // Check that lower and upper bounds leave room.
    let lo = bounds
        .iter()
        .find(|(o, _)| matches!(o, BoundOp::Gt | BoundOp::Ge));
    let hi = bounds
        .iter()
        .find(|(o, _)| matches!(o, BoundOp::Lt | BoundOp::Le));
    if let (Some((lo_op, lo_v)), Some((hi_op, hi_v))) = (lo, hi)
        && let Some(ord) = compare(lo_v, hi_v)
    {
        let inclusive = *lo_op == BoundOp::Ge && *hi_op == BoundOp::Le;
        if ord == Ordering::Greater || (ord == Ordering::Equal && !inclusive) {
            return conflict(av, bv);
        }
        // An int between the bounds (`int & >=1.1 & <=1.3` has none).
        if kinds == Kind::INT
            && let (Some(l), Some(h)) = (to_decimal(lo_v), to_decimal(hi_v))
        {
            let floor = |d: &BigDecimal| d.with_scale_round(0, RoundingMode::Floor);
            let (fl, fh) = (floor(&l), floor(&h));
            let least = if fl == l && *lo_op == BoundOp::Ge {
                fl
            } else {
                fl + 1
            };
            let most = if fh == h && *hi_op == BoundOp::Lt {
                fh - 1
            } else {
                fh
            };
            if least > most {
                return conflict(av, bv);
            }
        }
    }
    Value::Constraint(Rc::new(Constraint { kinds, bounds }))
}

/// Unifies two values that are neither vertices nor disjunctions.
pub(crate) fn unify_scalar(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Bottom(_), _) => a.clone(),
        (_, Value::Bottom(_)) => b.clone(),
        (Value::Top, _) => b.clone(),
        (Value::Validator(_), _) => b.clone(),
        (_, Value::Validator(_)) => a.clone(),
        (_, Value::Top) => a.clone(),
        (Value::Constraint(x), Value::Constraint(y)) => merge(x, y, a, b),
        (Value::Constraint(c), v) => check(c, a, v, true),
        (v, Value::Constraint(c)) => check(c, b, v, false),
        (Value::Builtin(x), Value::Builtin(y)) if x == y => a.clone(),
        _ => {
            if a.scalar_kind() == b.scalar_kind() && scalar_eq(a, b) {
                a.clone()
            } else {
                // CUE names the value added last first.
                conflict(b, a)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ge(i: i64) -> Value {
        make_bound(BoundOp::Ge, Value::int(i))
    }
    fn le(i: i64) -> Value {
        make_bound(BoundOp::Le, Value::int(i))
    }

    #[test]
    fn bounds_merge() {
        let int = Value::kind(Kind::INT);
        let v = unify_scalar(&unify_scalar(&int, &ge(0)), &le(10));
        // An integer with `>=0` prints as `uint`, as in `cue`.
        assert_eq!(v.to_string(), "uint & <=10");
        // cue keeps a bound that allows one value a bound (incomplete at
        // export), as `cue export` of `x: int & >=3 & <=3` shows.
        assert_eq!(unify_scalar(&ge(3), &le(3)).to_string(), ">=3 & <=3");
        assert!(unify_scalar(&ge(4), &le(3)).is_bottom());
        assert_eq!(unify_scalar(&ge(1), &ge(5)).to_string(), ">=5");
    }

    #[test]
    fn concrete() {
        assert_eq!(
            unify_scalar(&Value::kind(Kind::INT), &Value::int(3)),
            Value::int(3)
        );
        assert!(unify_scalar(&Value::int(1), &Value::int(2)).is_bottom());
        assert!(unify_scalar(&le(1), &Value::int(2)).is_bottom());
        assert!(unify_scalar(&Value::kind(Kind::STRING), &Value::int(2)).is_bottom());
    }
}
