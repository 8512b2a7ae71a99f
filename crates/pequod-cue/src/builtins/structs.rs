//! The `struct` package.

use super::{Args, unknown};
use crate::value::Value;

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "MinFields" | "MaxFields" => {
            let w = a.struct_vertex(0)?;
            let n = a.small(1)?;
            let have = a.ev.regular_arcs(w).len() as i64;
            Value::Bool(if f == "MinFields" {
                have >= n
            } else {
                have <= n
            })
        }
        _ => return Err(unknown(a)),
    })
}
