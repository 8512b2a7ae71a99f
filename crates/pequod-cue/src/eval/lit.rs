//! Decoding of number literals.

use std::str::FromStr;

use bigdecimal::BigDecimal;
use num_bigint::BigInt;
use num_traits::Num;

use crate::ast::{NumberKind, NumberLit};
use crate::value::{ErrorCode, Value};

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
