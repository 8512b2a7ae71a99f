//! The predeclared numeric types (`uint8`, `float32`...) told from a
//! constraint's bounds, so that values print by name as `cue` prints them.

use super::{BoundOp, Constraint, Kind, Value};
use crate::eval::lit::derived_type;

/// The predeclared types `cue` prints by name when a constraint has
/// exactly their bounds.
const NAMED: [&str; 12] = [
    "uint8", "uint16", "uint32", "uint64", "uint128", "int8", "int16", "int32", "int64", "int128",
    "float32", "float64",
];

/// The name a constraint prints under and the bounds still written after
/// it: `int16` for exactly its bounds, `uint & <10` for an integer with
/// `>=0` among others; `None` when no predeclared name applies.
pub(crate) fn predeclared(c: &Constraint) -> Option<(&'static str, Vec<&(BoundOp, Value)>)> {
    if c.kinds != Kind::INT && c.kinds != Kind::NUMBER {
        return None;
    }
    if c.bounds.len() == 2 {
        for name in NAMED {
            if let Some(Value::Constraint(d)) = derived_type(name)
                && d.kinds == c.kinds
                && c.bounds.iter().all(|b| d.bounds.contains(b))
            {
                return Some((name, Vec::new()));
            }
        }
    }
    if c.kinds != Kind::INT {
        return None;
    }
    let zero = c.bounds.iter().position(|(op, v)| {
        *op == BoundOp::Ge && matches!(v, Value::Int(i) if i.sign() == num_bigint::Sign::NoSign)
    })?;
    let rest = c.bounds.iter().enumerate().filter(|(i, _)| *i != zero);
    Some(("uint", rest.map(|(_, b)| b).collect()))
}

/// Whether a constraint is exactly a predeclared sized type (`int16`).
pub(crate) fn named_type(c: &Constraint) -> bool {
    predeclared(c).is_some_and(|(_, rest)| rest.is_empty())
}
