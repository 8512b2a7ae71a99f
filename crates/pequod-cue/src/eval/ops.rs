//! Unary and binary operators on evaluated scalar values.

use std::cmp::Ordering;
use std::rc::Rc;

use bigdecimal::BigDecimal;
use num_traits::{Signed, Zero};

use super::unify::{compare, scalar_eq, to_decimal};
use crate::ast::{BinaryOp, UnaryOp};
use crate::value::{ErrorCode, Kind, Value};

/// Significant digits of decimal division, as CUE's apd context.
const PRECISION: u64 = 34;

pub(crate) fn op_str(op: BinaryOp) -> &'static str {
    use BinaryOp::*;
    match op {
        Disjunction => "|",
        Unification => "&",
        Or => "||",
        And => "&&",
        Eq => "==",
        Ne => "!=",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        Match => "=~",
        NotMatch => "!~",
        Add => "+",
        Sub => "-",
        Mul => "*",
        Div => "/",
    }
}

fn invalid(op: &str, a: &Value, b: &Value) -> Value {
    Value::err(
        ErrorCode::Eval,
        format!(
            "invalid operands {a} and {b} to '{op}' (type {} and {})",
            a.scalar_kind(),
            b.scalar_kind()
        ),
    )
}

/// Returns an error if an operand is not concrete, else `None`.
pub(crate) fn non_concrete(op: &str, v: &Value) -> Option<Value> {
    match v {
        Value::Bottom(_) => Some(v.clone()),
        v if v.is_concrete_scalar() => None,
        Value::Vertex(_) => None,
        _ => Some(Value::err(
            ErrorCode::Incomplete,
            format!("non-concrete value {v} in operand to {op}"),
        )),
    }
}

/// Divides two decimals with CUE's precision and ideal exponent.
pub(crate) fn decimal_div(a: &BigDecimal, b: &BigDecimal) -> Option<BigDecimal> {
    if b.is_zero() {
        return None;
    }
    if a.is_zero() {
        // Zero keeps the ideal exponent (`0 / 1` is `0`, `0.0 / 5` is `0.0`).
        let ideal = a.as_bigint_and_exponent().1 - b.as_bigint_and_exponent().1;
        return Some(BigDecimal::new(0.into(), ideal.max(0)));
    }
    // As `cue` computes it: the quotient to 34 digits without trailing
    // zeros, and a whole number keeps one zero after the point (`4 / 2` is
    // `2.0`, `2000 / 2` is `1.0E+3`, `2.400 / 2.0` is `1.2`).
    // Rounded on the magnitude, so a negative quotient rounds half away
    // from zero as a positive one does (bigdecimal rounds towards +∞).
    let magnitude = (a.abs() / b.abs()).with_prec(PRECISION);
    let negative = a.is_negative() != b.is_negative() && !a.is_zero();
    let q = if negative { -magnitude } else { magnitude }.normalized();
    let (digits, scale) = q.as_bigint_and_exponent();
    if scale <= 0 {
        Some(BigDecimal::new(digits * 10, scale + 1))
    } else {
        Some(q)
    }
}

/// The exponent of a decimal's most significant digit.
fn adjusted_exponent(d: &BigDecimal) -> i64 {
    let (_, scale) = d.as_bigint_and_exponent();
    i64::try_from(d.digits())
        .unwrap_or(i64::MAX)
        .saturating_sub(1)
        .saturating_sub(scale)
}

/// `x + y` or `x - y`: exact, unless one operand is so much smaller than
/// the other that it is below CUE's precision (34 digits), where the exact
/// sum would only spell out an exponent's worth of digits.
fn add_decimals(x: BigDecimal, y: BigDecimal, sub: bool) -> BigDecimal {
    let y = if sub { -y } else { y };
    if x.is_zero() || y.is_zero() {
        return x + y;
    }
    let gap = adjusted_exponent(&x).saturating_sub(adjusted_exponent(&y));
    let limit = 2 * i64::try_from(PRECISION).unwrap_or(34);
    if gap > limit {
        x
    } else if gap < -limit {
        y
    } else {
        x + y
    }
}

fn arith(op: BinaryOp, a: &Value, b: &Value) -> Value {
    let o = op_str(op);
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => match op {
            BinaryOp::Add => Value::Int(x + y),
            BinaryOp::Sub => Value::Int(x - y),
            BinaryOp::Mul => Value::Int(x * y),
            _ => div(a, b),
        },
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let (Some(x), Some(y)) = (to_decimal(a), to_decimal(b)) else {
                return invalid(o, a, b);
            };
            match op {
                BinaryOp::Add => Value::Float(add_decimals(x, y, false)),
                BinaryOp::Sub => Value::Float(add_decimals(x, y, true)),
                BinaryOp::Mul => Value::Float(mul_decimals(&x, &y)),
                _ => div(a, b),
            }
        }
        (Value::String(x), Value::String(y)) if op == BinaryOp::Add => {
            Value::String(Rc::from(format!("{x}{y}")))
        }
        (Value::Bytes(x), Value::Bytes(y)) if op == BinaryOp::Add => {
            let mut v = x.to_vec();
            v.extend_from_slice(y);
            Value::Bytes(Rc::from(v))
        }
        (Value::String(s), Value::Int(n)) | (Value::Int(n), Value::String(s))
            if op == BinaryOp::Mul =>
        {
            match usize::try_from(n) {
                Ok(n) if n.saturating_mul(s.len()) < 1 << 24 => {
                    Value::String(Rc::from(s.repeat(n)))
                }
                _ => invalid(o, a, b),
            }
        }
        (Value::Bytes(s), Value::Int(n)) | (Value::Int(n), Value::Bytes(s))
            if op == BinaryOp::Mul =>
        {
            match usize::try_from(n) {
                Ok(n) if n.saturating_mul(s.len()) < 1 << 24 => Value::Bytes(Rc::from(s.repeat(n))),
                _ => invalid(o, a, b),
            }
        }
        _ => invalid(o, a, b),
    }
}

/// `x * y` with the exponents added, as `cue` computes it (`1.0 * 2` is
/// `2.0`: bigdecimal returns the other operand as it is for a factor of 1).
fn mul_decimals(x: &BigDecimal, y: &BigDecimal) -> BigDecimal {
    let (a, scale_a) = x.as_bigint_and_exponent();
    let (b, scale_b) = y.as_bigint_and_exponent();
    BigDecimal::new(a * b, scale_a + scale_b)
}

fn div(a: &Value, b: &Value) -> Value {
    let (Some(x), Some(y)) = (to_decimal(a), to_decimal(b)) else {
        return invalid("/", a, b);
    };
    match decimal_div(&x, &y) {
        Some(q) => Value::Float(q),
        None => Value::err(ErrorCode::Eval, "failed arithmetic: division by zero"),
    }
}

/// Integer division builtins: `div`, `mod` (Euclidean), `quo`, `rem` (truncated).
pub(crate) fn int_div(name: &str, a: &Value, b: &Value) -> Value {
    let (Value::Int(x), Value::Int(y)) = (a, b) else {
        return Value::err(
            ErrorCode::Eval,
            format!("{name}: both operands must be int, got {a} and {b}"),
        );
    };
    if y.is_zero() {
        return Value::err(ErrorCode::Eval, format!("division by zero in {name}"));
    }
    let q = x / y; // truncated
    let r = x - &q * y;
    match name {
        "quo" => Value::Int(q),
        "rem" => Value::Int(r),
        _ => {
            // Euclidean: remainder is always non-negative.
            let (q, r) = if r.is_negative() {
                if y.is_positive() {
                    (q - 1, r + y)
                } else {
                    (q + 1, r - y)
                }
            } else {
                (q, r)
            };
            if name == "div" {
                Value::Int(q)
            } else {
                Value::Int(r)
            }
        }
    }
}

fn cmp_op(op: BinaryOp, a: &Value, b: &Value) -> Value {
    match op {
        BinaryOp::Eq | BinaryOp::Ne => {
            let ka = a.scalar_kind();
            let kb = b.scalar_kind();
            let comparable = ka == kb
                || (ka.overlaps(Kind::NUMBER) && kb.overlaps(Kind::NUMBER))
                || ka == Kind::NULL
                || kb == Kind::NULL;
            if !comparable {
                return Value::Bool(op == BinaryOp::Ne);
            }
            let eq = scalar_eq(a, b);
            Value::Bool(if op == BinaryOp::Eq { eq } else { !eq })
        }
        _ => {
            let ok_kind = |v: &Value| {
                matches!(
                    v,
                    Value::Int(_) | Value::Float(_) | Value::String(_) | Value::Bytes(_)
                )
            };
            if !ok_kind(a) || !ok_kind(b) {
                return invalid(op_str(op), a, b);
            }
            match compare(a, b) {
                None => invalid(op_str(op), a, b),
                Some(o) => Value::Bool(match op {
                    BinaryOp::Lt => o == Ordering::Less,
                    BinaryOp::Le => o != Ordering::Greater,
                    BinaryOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }),
            }
        }
    }
}

/// Applies a binary operator other than `|` and `&` to concrete scalars.
pub(crate) fn binary(op: BinaryOp, a: &Value, b: &Value) -> Value {
    if let Some(e) = non_concrete(op_str(op), a) {
        return e;
    }
    if let Some(e) = non_concrete(op_str(op), b) {
        return e;
    }
    match op {
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => arith(op, a, b),
        BinaryOp::And | BinaryOp::Or => match (a, b) {
            (Value::Bool(x), Value::Bool(y)) => Value::Bool(if op == BinaryOp::And {
                *x && *y
            } else {
                *x || *y
            }),
            _ => invalid(op_str(op), a, b),
        },
        BinaryOp::Match | BinaryOp::NotMatch => {
            let Value::String(pat) = b else {
                return Value::err(
                    ErrorCode::Eval,
                    format!(
                        "cannot use {b} (type {}) as type (string|bytes)",
                        b.scalar_kind()
                    ),
                );
            };
            let text = match a {
                Value::String(s) => s.to_string(),
                Value::Bytes(x) => String::from_utf8_lossy(x).into_owned(),
                _ => {
                    return Value::err(
                        ErrorCode::Eval,
                        format!(
                            "cannot use {a} (type {}) as type (string|bytes)",
                            a.scalar_kind()
                        ),
                    );
                }
            };
            match crate::builtins::regex_match(pat, &text) {
                Ok(m) => Value::Bool(m == (op == BinaryOp::Match)),
                Err(e) => Value::err(ErrorCode::Eval, e),
            }
        }
        _ => cmp_op(op, a, b),
    }
}

/// Applies `-`, `+` or `!` to a concrete value.
/// The text of an arithmetic or logical unary operator.
pub(crate) fn unary_str(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "-",
        UnaryOp::Pos => "+",
        _ => "!",
    }
}

pub(crate) fn unary(op: UnaryOp, v: &Value) -> Value {
    let name = unary_str(op);
    // A value that can never be an operand of the operator is an error
    // now, not an incomplete one (`!int`).
    let expected = match op {
        UnaryOp::Not => Kind::BOOL,
        _ => Kind::NUMBER,
    };
    if !v.is_bottom() && !v.is_concrete_scalar() && !v.scalar_kind().overlaps(expected) {
        return Value::err(
            ErrorCode::Eval,
            format!("invalid operand {v} ('{name}' requires concrete value)"),
        );
    }
    if let Some(e) = non_concrete(name, v) {
        return e;
    }
    match (op, v) {
        (UnaryOp::Neg, Value::Int(i)) => Value::Int(-i),
        (UnaryOp::Neg, Value::Float(f)) => Value::Float(-f),
        (UnaryOp::Pos, Value::Int(_) | Value::Float(_)) => v.clone(),
        (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
        _ => Value::err(
            ErrorCode::Eval,
            format!(
                "invalid operation {name}{v} (operator '{name}' not defined on {})",
                v.scalar_kind()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        assert_eq!(
            binary(BinaryOp::Add, &Value::int(1), &Value::int(2)),
            Value::int(3)
        );
        assert_eq!(
            binary(BinaryOp::Div, &Value::int(1), &Value::int(4)).to_string(),
            "0.25"
        );
        assert_eq!(
            binary(BinaryOp::Div, &Value::int(1), &Value::int(3)).to_string(),
            "0.3333333333333333333333333333333333"
        );
        assert!(binary(BinaryOp::Div, &Value::int(1), &Value::int(0)).is_bottom());
        assert_eq!(
            int_div("div", &Value::int(-5), &Value::int(3)),
            Value::int(-2)
        );
        assert_eq!(
            int_div("mod", &Value::int(-5), &Value::int(3)),
            Value::int(1)
        );
        assert_eq!(
            int_div("quo", &Value::int(-5), &Value::int(3)),
            Value::int(-1)
        );
        assert_eq!(
            int_div("rem", &Value::int(-5), &Value::int(3)),
            Value::int(-2)
        );
    }

    #[test]
    fn comparisons() {
        assert_eq!(
            binary(BinaryOp::Lt, &Value::int(1), &Value::int(2)),
            Value::Bool(true)
        );
        assert_eq!(
            binary(BinaryOp::Eq, &Value::str("a"), &Value::str("a")),
            Value::Bool(true)
        );
        assert_eq!(
            binary(BinaryOp::Eq, &Value::Null, &Value::int(1)),
            Value::Bool(false)
        );
    }
}
