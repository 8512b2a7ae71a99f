//! The `strconv` package.

use std::rc::Rc;
use std::str::FromStr;

use bigdecimal::BigDecimal;
use num_bigint::BigInt;
use num_traits::Num;

use super::{Args, arg_err, unknown};
use crate::value::Value;

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "Itoa" => Value::String(Rc::from(a.int(0)?.to_string())),
        "Atoi" => {
            let x = a.string(0)?;
            match BigInt::from_str(x.trim_start_matches('+')) {
                Ok(n) => Value::Int(n),
                Err(_) => {
                    return Err(arg_err(
                        &a.name,
                        format!("strconv.Atoi: parsing {x:?}: invalid syntax"),
                    ));
                }
            }
        }
        "FormatInt" => {
            let n = a.int(0)?;
            let base = a.small(1)?;
            if !(2..=36).contains(&base) {
                return Err(arg_err(&a.name, "invalid base"));
            }
            Value::String(Rc::from(n.to_str_radix(base as u32)))
        }
        "ParseInt" => {
            let x = a.string(0)?;
            let base = a.small(1)?;
            let base = if base == 0 { 10 } else { base as u32 };
            match BigInt::from_str_radix(&x, base) {
                Ok(n) => Value::Int(n),
                Err(_) => return Err(arg_err(&a.name, format!("parsing {x:?}: invalid syntax"))),
            }
        }
        "ParseFloat" => {
            let x = a.string(0)?;
            let bits = a.small(1)?;
            let fail =
                |why: &str| arg_err(&a.name, format!("strconv.ParseFloat: parsing {x:?}: {why}"));
            if BigDecimal::from_str(&x).is_err() {
                return Err(fail("invalid syntax"));
            }
            // Go's ParseFloat rounds to a float of `bits` bits, and CUE
            // keeps that float's shortest decimal form (`3.140000104904175`
            // for "3.14" as a float32).
            let f = if bits == 32 {
                x.parse::<f32>().map(f64::from)
            } else {
                x.parse::<f64>()
            };
            match f {
                Ok(f) if f.is_finite() => match BigDecimal::from_str(&format!("{f:e}")) {
                    Ok(d) => Value::Float(d),
                    Err(_) => return Err(fail("invalid syntax")),
                },
                Ok(_) => return Err(fail("value out of range")),
                Err(_) => return Err(fail("invalid syntax")),
            }
        }
        "ParseBool" => {
            let x = a.string(0)?;
            match x.as_str() {
                "1" | "t" | "T" | "true" | "TRUE" | "True" => Value::Bool(true),
                "0" | "f" | "F" | "false" | "FALSE" | "False" => Value::Bool(false),
                _ => return Err(arg_err(&a.name, format!("parsing {x:?}: invalid syntax"))),
            }
        }
        "FormatBool" => match a.vals.first().map(|v| a.ev.default_of(v.clone())) {
            Some(Value::Bool(b)) => Value::String(Rc::from(b.to_string())),
            _ => return Err(arg_err(&a.name, "expected bool")),
        },
        "Quote" => Value::String(Rc::from(crate::value::format::quote_str(&a.string(0)?))),
        "Unquote" => {
            let x = a.string(0)?;
            match crate::parse_expr("unquote", &x) {
                Ok(crate::ast::Expr::String(s)) if !s.is_bytes => Value::String(Rc::from(s.text())),
                _ => return Err(arg_err(&a.name, "invalid syntax")),
            }
        }
        _ => return Err(unknown(a)),
    })
}
