//! The `math/bits` package: bitwise operations on integers of any size,
//! with the two's complement semantics of Go's `big.Int`.

use num_bigint::BigInt;
use num_traits::Signed;

use super::{Args, arg_err, unknown};
use crate::value::Value;

/// The largest shift or bit index accepted: beyond it the result would
/// take more memory than any configuration needs.
const MAX_BIT: i64 = 1 << 16;

/// Argument `i` as a bit index or shift count.
fn bit_index(a: &mut Args<'_, '_>, i: usize) -> Result<u64, Value> {
    let n = a.small(i)?;
    if n < 0 {
        return Err(arg_err(&a.name, format!("cannot use {n} as uint")));
    }
    if n > MAX_BIT {
        return Err(arg_err(&a.name, format!("bit index {n} too large")));
    }
    Ok(n.unsigned_abs())
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "And" => Value::Int(a.int(0)? & a.int(1)?),
        "Or" => Value::Int(a.int(0)? | a.int(1)?),
        "Xor" => Value::Int(a.int(0)? ^ a.int(1)?),
        "Clear" => {
            let x = a.int(0)?;
            let y = a.int(1)?;
            Value::Int(x & !y)
        }
        "Lsh" => {
            let x = a.int(0)?;
            Value::Int(x << bit_index(a, 1)?)
        }
        "Rsh" => {
            let x = a.int(0)?;
            Value::Int(x >> bit_index(a, 1)?)
        }
        "At" => {
            let x = a.int(0)?;
            let i = bit_index(a, 1)?;
            if x.is_negative() {
                return Err(arg_err(&a.name, "negative values not allowed"));
            }
            Value::int(i64::from(x.bit(i)))
        }
        "Set" => {
            let mut x = a.int(0)?;
            let i = bit_index(a, 1)?;
            let bit = a.small(2)?;
            if !(0..=1).contains(&bit) {
                return Err(arg_err(&a.name, format!("bit {bit} is not 0 or 1")));
            }
            x.set_bit(i, bit == 1);
            Value::Int(x)
        }
        "OnesCount" => {
            let x = a.int(0)?;
            let n: u32 = x.magnitude().iter_u64_digits().map(u64::count_ones).sum();
            Value::int(i64::from(n))
        }
        "Len" => {
            let x: BigInt = a.int(0)?;
            Value::int(i64::try_from(x.bits()).unwrap_or(i64::MAX))
        }
        _ => return Err(unknown(a)),
    })
}
