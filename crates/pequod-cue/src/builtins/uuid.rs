//! The `uuid` package (RFC 4122 identifiers, as google/uuid parses them).

use num_bigint::{BigInt, Sign};

use super::codec::encode_hex;
use super::digest::{md5, sha1};
use super::{Args, arg_err, unknown};
use crate::eval::Evaluator;
use crate::value::Value;

/// The predefined namespaces of `uuid.ns`.
const NAMESPACES: [(&str, &str); 5] = [
    ("DNS", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
    ("URL", "6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
    ("OID", "6ba7b812-9dad-11d1-80b4-00c04fd430c8"),
    ("X500", "6ba7b814-9dad-11d1-80b4-00c04fd430c8"),
    ("Nil", "00000000-0000-0000-0000-000000000000"),
];

/// `uuid.ns`.
pub(crate) fn constant(ev: &mut Evaluator<'_>, name: &str) -> Option<Value> {
    (name == "ns").then(|| {
        let fields = NAMESPACES
            .iter()
            .map(|(k, v)| (k.to_string(), Value::str(v)))
            .collect();
        ev.make_struct(fields)
    })
}

/// Parses a UUID in any of the forms google/uuid accepts.
pub(crate) fn parse(s: &str) -> Result<[u8; 16], String> {
    let body = match s.len() {
        36 => s,
        38 if s.starts_with('{') && s.ends_with('}') => &s[1..37],
        38 => return Err("invalid UUID format".into()),
        45 => {
            if !s[..9].eq_ignore_ascii_case("urn:uuid:") {
                return Err(format!("invalid urn prefix: {:?}", &s[..9]));
            }
            &s[9..]
        }
        32 => {
            return hex16(s).ok_or_else(|| "invalid UUID format".to_string());
        }
        n => return Err(format!("invalid UUID length: {n}")),
    };
    let b = body.as_bytes();
    if [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
        return Err("invalid UUID format".into());
    }
    hex16(&body.replace('-', "")).ok_or_else(|| "invalid UUID format".to_string())
}

fn hex16(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// The canonical form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
fn format(u: &[u8; 16]) -> String {
    let h = encode_hex(u);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A name-based UUID from a hash of namespace and data.
fn name_based(hash: &[u8], version: u8) -> [u8; 16] {
    let mut u = [0u8; 16];
    u.copy_from_slice(&hash[..16]);
    u[6] = (u[6] & 0x0f) | (version << 4);
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    let parse_arg = |a: &mut Args<'_, '_>, i: usize| -> Result<[u8; 16], Value> {
        let s = a.string(i)?;
        parse(&s).map_err(|e| arg_err(&a.name, e))
    };
    Ok(match f {
        "Valid" => {
            parse_arg(a, 0)?;
            Value::Bool(true)
        }
        "Parse" => Value::str(&format(&parse_arg(a, 0)?)),
        "URN" => Value::str(&format!("urn:uuid:{}", format(&parse_arg(a, 0)?))),
        "SHA1" | "MD5" => {
            let ns = parse_arg(a, 0)?;
            let mut data = ns.to_vec();
            data.extend(a.bytes(1)?);
            let u = if f == "SHA1" {
                name_based(&sha1(&data), 5)
            } else {
                name_based(&md5(&data), 3)
            };
            Value::str(&format(&u))
        }
        "FromInt" => {
            let n = a.int(0)?;
            // Like Go's big.Int.Bytes, the sign is dropped.
            let (_, bytes) = n.to_bytes_be();
            if bytes.len() > 16 {
                return Err(arg_err(&a.name, "too large a value"));
            }
            let mut u = [0u8; 16];
            u[16 - bytes.len()..].copy_from_slice(&bytes);
            Value::str(&format(&u))
        }
        "ToInt" => {
            // CUE converts the text itself, dashes included.
            let s = a.string(0)?;
            Value::Int(BigInt::from_bytes_be(Sign::Plus, s.as_bytes()))
        }
        "Variant" => {
            let u = parse_arg(a, 0)?;
            Value::int(match u[8] {
                x if x & 0xc0 == 0x80 => 1,
                x if x & 0xe0 == 0xc0 => 3,
                x if x & 0xe0 == 0xe0 => 4,
                _ => 2,
            })
        }
        "Version" => Value::int(i64::from(parse_arg(a, 0)?[6] >> 4)),
        _ => return Err(unknown(a)),
    })
}
