//! Decoding of number literals, and the predeclared number types.

use std::rc::Rc;
use std::str::FromStr;

use bigdecimal::BigDecimal;
use num_bigint::BigInt;
use num_traits::Num;

use crate::ast::{NumberKind, NumberLit};
use crate::value::{BoundOp, Constraint, ErrorCode, Kind, Value};

fn multiplier(m: &str) -> Option<BigInt> {
    let (base, exp): (u32, u32) = match m {
        "K" => (1000, 1),
        "M" => (1000, 2),
        "G" => (1000, 3),
        "T" => (1000, 4),
        "P" => (1000, 5),
        "E" => (1000, 6),
        "Y" => (1000, 8),
        "Z" => (1000, 7),
        "Ki" => (1024, 1),
        "Mi" => (1024, 2),
        "Gi" => (1024, 3),
        "Ti" => (1024, 4),
        "Pi" => (1024, 5),
        "Ei" => (1024, 6),
        "Zi" => (1024, 7),
        "Yi" => (1024, 8),
        _ => return None,
    };
    Some(num_traits::pow(BigInt::from(base), exp as usize))
}

/// The value of a number literal.
pub(crate) fn number(n: &NumberLit) -> Value {
    let bad = || {
        Value::err(
            ErrorCode::Eval,
            format!("invalid number literal {}", n.text),
        )
    };
    if let Some(m) = &n.multiplier {
        let Some(mul) = multiplier(m) else {
            return bad();
        };
        let Ok(d) = BigDecimal::from_str(&n.digits) else {
            return bad();
        };
        let prod = d * BigDecimal::from(mul);
        let (i, scale) = prod.normalized().as_bigint_and_exponent();
        if scale <= 0 {
            return Value::Int(i * num_traits::pow(BigInt::from(10), (-scale) as usize));
        }
        return bad();
    }
    match n.kind {
        NumberKind::Int => match BigInt::from_str_radix(&n.digits, n.radix) {
            Ok(i) => Value::Int(i),
            Err(_) => bad(),
        },
        NumberKind::Float => match BigDecimal::from_str(&n.digits) {
            Ok(d) => Value::Float(d),
            Err(_) => bad(),
        },
    }
}

/// Whether `name` is one of the predeclared kinds (`int`, `string`...).
pub(crate) fn is_kind_name(name: &str) -> bool {
    matches!(
        name,
        "int" | "float" | "number" | "string" | "bytes" | "bool"
    )
}

/// The predeclared derived types of the spec (`uint8` is
/// `int & >=0 & <=255`, `float32` a range of numbers).
pub(crate) fn derived_type(name: &str) -> Option<Value> {
    let (kinds, lo, hi): (Kind, &str, Option<&str>) = match name {
        "uint" => (Kind::INT, "0", None),
        "uint8" => (Kind::INT, "0", Some("255")),
        "uint16" => (Kind::INT, "0", Some("65535")),
        "uint32" => (Kind::INT, "0", Some("4294967295")),
        "uint64" => (Kind::INT, "0", Some("18446744073709551615")),
        "uint128" => (
            Kind::INT,
            "0",
            Some("340282366920938463463374607431768211455"),
        ),
        "rune" => (Kind::INT, "0", Some("1114111")),
        "int8" => (Kind::INT, "-128", Some("127")),
        "int16" => (Kind::INT, "-32768", Some("32767")),
        "int32" => (Kind::INT, "-2147483648", Some("2147483647")),
        "int64" => (
            Kind::INT,
            "-9223372036854775808",
            Some("9223372036854775807"),
        ),
        "int128" => (
            Kind::INT,
            "-170141183460469231731687303715884105728",
            Some("170141183460469231731687303715884105727"),
        ),
        "float32" => (
            Kind::NUMBER,
            "-3.40282346638528859811704183484516925440e+38",
            Some("3.40282346638528859811704183484516925440e+38"),
        ),
        "float64" => (
            Kind::NUMBER,
            "-1.797693134862315708145274237317043567981e+308",
            Some("1.797693134862315708145274237317043567981e+308"),
        ),
        _ => return None,
    };
    let num = |s: &str| -> Option<Value> {
        if kinds == Kind::INT {
            s.parse().ok().map(Value::Int)
        } else {
            s.parse().ok().map(Value::Float)
        }
    };
    let mut bounds = vec![(BoundOp::Ge, num(lo)?)];
    if let Some(hi) = hi {
        bounds.push((BoundOp::Le, num(hi)?));
    }
    Some(Value::Constraint(Rc::new(Constraint { kinds, bounds })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(src: &str) -> Value {
        match crate::parse_expr("x", src).unwrap() {
            crate::ast::Expr::Number(n) => number(&n),
            e => panic!("not a number: {e:?}"),
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(lit("1_000"), Value::int(1000));
        assert_eq!(lit("0x10"), Value::int(16));
        assert_eq!(lit("1.5Ki"), Value::int(1536));
        assert_eq!(lit("2K"), Value::int(2000));
        assert_eq!(lit("1.5").to_string(), "1.5");
    }
}
