//! CUE-syntax rendering of values (for messages and non-concrete output).

use std::fmt;

use bigdecimal::BigDecimal;

use super::{VId, Value};

/// Renders a decimal the way CUE's apd library prints it (`1.0`, `1E+30`).
pub fn format_float(d: &BigDecimal) -> String {
    let (digits, scale) = d.as_bigint_and_exponent();
    let neg = digits.sign() == num_bigint::Sign::Minus;
    let coeff = digits.magnitude().to_string();
    let exp = -scale;
    if coeff == "0" && exp < 0 {
        // cue prints a zero with fraction digits in full (`0.000`).
        let zeros = "0".repeat(usize::try_from(-exp).unwrap_or(0));
        return format!("{}0.{zeros}", if neg { "-" } else { "" });
    }
    let adjusted = exp + coeff.len() as i64 - 1;
    let body = if exp <= 0 && adjusted >= -6 {
        if exp == 0 {
            coeff
        } else {
            let point = coeff.len() as i64 + exp;
            if point > 0 {
                let p = point as usize;
                format!("{}.{}", &coeff[..p], &coeff[p..])
            } else {
                format!("0.{}{}", "0".repeat((-point) as usize), coeff)
            }
        }
    } else {
        let mut s = coeff[..1].to_string();
        if coeff.len() > 1 {
            s.push('.');
            s.push_str(&coeff[1..]);
        }
        s.push('E');
        if adjusted >= 0 {
            s.push('+');
        }
        s.push_str(&adjusted.to_string());
        s
    };
    if neg { format!("-{body}") } else { body }
}

/// Quotes a string as CUE (and JSON) would.
pub fn quote_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Quotes bytes as a CUE bytes literal.
pub fn quote_bytes(b: &[u8]) -> String {
    let mut out = String::from("'");
    for &c in b {
        match c {
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('\'');
    out
}

fn write_vertex(id: VId, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let _ = id;
    f.write_str("{...}")
}

/// A constraint as `cue` names an incomplete value: a predeclared type by
/// name, else its bounds and then its kind (`>3 & int`).
pub fn incomplete_text(c: &super::Constraint) -> String {
    if super::named::named_type(c) || c.bounds.is_empty() || kind_implied(c) {
        return Value::Constraint(std::rc::Rc::new(c.clone())).to_string();
    }
    let mut parts: Vec<String> = c
        .bounds
        .iter()
        .map(|(op, b)| format!("{}{b}", op.as_str()))
        .collect();
    parts.push(c.kinds.to_string());
    parts.join(" & ")
}

/// Whether a constraint's kinds are those its bounds imply (`>3` is a
/// number), so that it is written without them.
pub(crate) fn kind_implied(c: &super::Constraint) -> bool {
    !c.bounds.is_empty()
        && c.bounds.iter().all(|(op, v)| {
            let k = v.scalar_kind();
            match op {
                super::BoundOp::Match | super::BoundOp::NotMatch => {
                    c.kinds == super::Kind::STRING
                        || c.kinds == (super::Kind::STRING | super::Kind::BYTES)
                }
                super::BoundOp::Ne => c.kinds == super::Kind::TOP,
                _ if k.overlaps(super::Kind::NUMBER) => c.kinds == super::Kind::NUMBER,
                _ => c.kinds == k,
            }
        })
}

/// Writes a value in CUE syntax.
pub fn write_value(v: &Value, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match v {
        Value::Top => f.write_str("_"),
        Value::Bottom(_) => f.write_str("_|_"),
        Value::Null => f.write_str("null"),
        Value::Bool(b) => write!(f, "{b}"),
        Value::Int(i) => write!(f, "{i}"),
        Value::Float(d) => f.write_str(&format_float(d)),
        Value::String(s) => f.write_str(&quote_str(s)),
        Value::Bytes(b) => f.write_str(&quote_bytes(b)),
        Value::Constraint(c) => {
            let mut parts = Vec::new();
            let named = super::named::predeclared(c);
            let mut bounds: Vec<&(super::BoundOp, Value)> = match named {
                Some((name, rest)) => {
                    parts.push(name.to_string());
                    rest
                }
                None => c.bounds.iter().collect(),
            };
            if !kind_implied(c) && parts.is_empty() {
                parts.push(c.kinds.to_string());
            }
            bounds.sort_by_key(|(op, _)| match op {
                super::BoundOp::Gt | super::BoundOp::Ge => 0,
                super::BoundOp::Lt | super::BoundOp::Le => 1,
                _ => 2,
            });
            for (op, b) in bounds {
                parts.push(format!("{}{}", op.as_str(), b));
            }
            f.write_str(&parts.join(" & "))
        }
        Value::Disjunction(d) => {
            for (i, x) in d.iter().enumerate() {
                if i > 0 {
                    f.write_str(" | ")?;
                }
                if x.default {
                    f.write_str("*")?;
                }
                write_value(&x.value, f)?;
            }
            Ok(())
        }
        Value::Vertex(id) => write_vertex(*id, f),
        Value::Builtin(name) => write!(f, "{name}"),
        Value::Validator(v) if v.1.is_empty() => write!(f, "{}", v.0),
        Value::Validator(v) => {
            write!(f, "{}(", v.0)?;
            for (i, a) in v.1.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_value(a, f)?;
            }
            f.write_str(")")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn fl(s: &str) -> String {
        format_float(&BigDecimal::from_str(s).unwrap())
    }

    #[test]
    fn floats() {
        assert_eq!(fl("1.0"), "1.0");
        assert_eq!(fl("1e30"), "1E+30");
        assert_eq!(fl("0.001"), "0.001");
        assert_eq!(fl("-2.50"), "-2.50");
        assert_eq!(fl("12"), "12");
    }

    #[test]
    fn strings() {
        assert_eq!(quote_str("a\"b\n"), "\"a\\\"b\\n\"");
        assert_eq!(quote_bytes(b"a'"), "'a\\''");
    }
}
