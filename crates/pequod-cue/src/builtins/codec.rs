//! The `encoding/base64` and `encoding/hex` packages.

use std::fmt::Write as _;
use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Args, arg_err, unknown};
use crate::value::Value;

/// Checks the `encoding` argument of the base64 functions: only `null`
/// (standard encoding) is supported, as in CUE.
fn check_encoding(a: &mut Args<'_, '_>) -> Result<(), Value> {
    match a.get(0)? {
        Value::Null => Ok(()),
        v => {
            let d = a.ev.display(&v);
            Err(arg_err(
                &a.name,
                format!(
                    "base64: unsupported encoding: cannot use value {d} (type {}) as null",
                    v.scalar_kind()
                ),
            ))
        }
    }
}

pub(crate) fn call_base64(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    check_encoding(a)?;
    Ok(match f {
        "Encode" => Value::str(&STANDARD.encode(a.bytes(1)?)),
        "Decode" => {
            let s = a.string(1)?;
            match STANDARD.decode(s.as_bytes()) {
                Ok(b) => Value::Bytes(Rc::from(b)),
                Err(e) => return Err(arg_err(&a.name, go_base64_error(&e, s.len()))),
            }
        }
        "EncodedLen" => {
            let n = a.small(1)?;
            Value::int((n + 2) / 3 * 4)
        }
        "DecodedLen" => {
            let n = a.small(1)?;
            Value::int(n / 4 * 3)
        }
        _ => return Err(unknown(a)),
    })
}

/// Go's wording of a base64 decoding error.
fn go_base64_error(e: &base64::DecodeError, len: usize) -> String {
    use base64::DecodeError as E;
    match e {
        E::InvalidByte(i, _) | E::InvalidLastSymbol(i, _) => {
            format!("illegal base64 data at input byte {i}")
        }
        E::InvalidLength(_) | E::InvalidPadding => {
            format!("illegal base64 data at input byte {}", len / 4 * 4)
        }
    }
}

pub(crate) fn call_hex(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "Encode" | "EncodeToString" => Value::str(&encode_hex(&a.bytes(0)?)),
        "Decode" | "DecodeString" => {
            let s = a.string(0)?;
            match decode_hex(&s) {
                Ok(b) => Value::Bytes(Rc::from(b)),
                Err(e) => return Err(arg_err(&a.name, e)),
            }
        }
        "Dump" => Value::str(&dump(&a.bytes(0)?)),
        "EncodedLen" => Value::Int(a.int(0)? * 2),
        "DecodedLen" => Value::Int(a.int(0)? / 2),
        _ => return Err(unknown(a)),
    })
}

/// Lower-case hexadecimal digits of `b`.
pub(crate) fn encode_hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    let digit = |c: char| -> Result<u8, String> {
        c.to_digit(16)
            .map(|d| d as u8)
            .ok_or_else(|| format!("encoding/hex: invalid byte: U+{:04X} {c:?}", c as u32))
    };
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::with_capacity(chars.len() / 2);
    for pair in chars.chunks(2) {
        let hi = digit(pair[0])?;
        let Some(&lo) = pair.get(1) else {
            return Err("encoding/hex: odd length hex string".into());
        };
        out.push(hi << 4 | digit(lo)?);
    }
    Ok(out)
}

/// Go's `hex.Dump`: offset, 16 bytes in two groups, and their ASCII.
fn dump(b: &[u8]) -> String {
    let mut out = String::new();
    for (n, line) in b.chunks(16).enumerate() {
        let _ = write!(out, "{:08x}  ", n * 16);
        for i in 0..16 {
            match line.get(i) {
                Some(x) => {
                    let _ = write!(out, "{x:02x} ");
                }
                None => out.push_str("   "),
            }
            if i == 7 || i == 15 {
                out.push(' ');
            }
        }
        out.push('|');
        for &x in line {
            out.push(if (32..127).contains(&x) {
                x as char
            } else {
                '.'
            });
        }
        out.push_str("|\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_dump() {
        assert_eq!(encode_hex(b"hi"), "6869");
        assert_eq!(decode_hex("6869").unwrap(), b"hi");
        assert!(decode_hex("zz").is_err());
        assert_eq!(
            dump(b"hello"),
            "00000000  68 65 6c 6c 6f                                    |hello|\n"
        );
    }
}
