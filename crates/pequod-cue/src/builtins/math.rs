//! The `math` package.

use std::str::FromStr;

use bigdecimal::{BigDecimal, RoundingMode};
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use super::{Args, arg_err, unknown};
use crate::value::Value;

/// Constants of the package.
pub(crate) fn constant(name: &str) -> Option<Value> {
    let d = |s: &str| BigDecimal::from_str(s).ok().map(Value::Float);
    match name {
        "Pi" => d("3.14159265358979323846264338327950288419716939937510582097494459"),
        "E" => d("2.71828182845904523536028747135266249775724709369995957496696763"),
        "Sqrt2" => d("1.41421356237309504880168872420969807856967187537694807317667974"),
        "Ln2" => d("0.693147180559945309417232121458176568075500134360255254120680009"),
        "MaxInt64" => Some(Value::Int(BigInt::from(i64::MAX))),
        "MinInt64" => Some(Value::Int(BigInt::from(i64::MIN))),
        "MaxInt32" => Some(Value::int(i32::MAX as i64)),
        "MinInt32" => Some(Value::int(i32::MIN as i64)),
        _ => None,
    }
}

fn dec(v: &Value) -> BigDecimal {
    crate::eval::to_decimal(v).unwrap_or_default()
}

fn to_int(d: BigDecimal) -> Value {
    let (i, scale) = d.with_scale(0).as_bigint_and_exponent();
    let _ = scale;
    Value::Int(i)
}

fn f64_of(v: &Value) -> f64 {
    dec(v).to_f64().unwrap_or(f64::NAN)
}

fn from_f64(x: f64) -> Result<Value, Value> {
    if !x.is_finite() {
        return Err(Value::err(
            crate::value::ErrorCode::Eval,
            "result is not finite",
        ));
    }
    BigDecimal::from_str(&format!("{x}"))
        .map(|d| Value::Float(d.with_prec(34)))
        .map_err(|_| Value::err(crate::value::ErrorCode::Eval, "invalid float"))
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "Floor" => to_int(dec(&a.number(0)?).with_scale_round(0, RoundingMode::Floor)),
        "Ceil" => to_int(dec(&a.number(0)?).with_scale_round(0, RoundingMode::Ceiling)),
        "Trunc" => to_int(dec(&a.number(0)?).with_scale_round(0, RoundingMode::Down)),
        "Round" => to_int(dec(&a.number(0)?).with_scale_round(0, RoundingMode::HalfUp)),
        "RoundToEven" => to_int(dec(&a.number(0)?).with_scale_round(0, RoundingMode::HalfEven)),
        "Abs" => match a.number(0)? {
            Value::Int(i) => Value::Int(i.abs()),
            Value::Float(d) => Value::Float(d.abs()),
            v => v,
        },
        "Sqrt" => from_f64(f64_of(&a.number(0)?).sqrt())?,
        "Log" => from_f64(f64_of(&a.number(0)?).ln())?,
        "Exp" => from_f64(f64_of(&a.number(0)?).exp())?,
        "Pow" => {
            let x = a.number(0)?;
            let y = a.number(1)?;
            match (&x, &y) {
                (Value::Int(b), Value::Int(e)) if !e.is_negative() => match e.to_usize() {
                    Some(e) if e < 100_000 => Value::Int(num_traits::pow(b.clone(), e)),
                    _ => return Err(arg_err(&a.name, "exponent too large")),
                },
                _ => from_f64(f64_of(&x).powf(f64_of(&y)))?,
            }
        }
        "MultipleOf" => {
            let x = a.number(0)?;
            let m = a.number(1)?;
            let md = dec(&m);
            if md.is_zero() {
                return Err(arg_err(&a.name, "division by zero"));
            }
            let q = dec(&x) / md;
            Value::Bool(q.is_integer())
        }
        "Signbit" => Value::Bool(dec(&a.number(0)?).is_negative()),
        _ => return Err(unknown(a)),
    })
}
