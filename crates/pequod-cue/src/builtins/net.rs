//! The `net` package: IP addresses, CIDR prefixes, host names and URLs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Args, arg_err, unknown};
use crate::value::Value;

/// `net.IPv4len` and `net.IPv6len`.
pub(crate) fn constant(name: &str) -> Option<Value> {
    match name {
        "IPv4len" => Some(Value::int(4)),
        "IPv6len" => Some(Value::int(16)),
        _ => None,
    }
}

/// Parses an IP address, failing with Go's `netip.ParseAddr` messages.
fn parse_addr(s: &str) -> Result<IpAddr, String> {
    s.parse::<IpAddr>()
        .map_err(|_| format!("ParseAddr({s:?}): {}", addr_error(s)))
}

/// Why Go's `netip.ParseAddr` rejects `s` (the common cases).
fn addr_error(s: &str) -> String {
    match s.find(['.', ':', '%']).map(|i| s.as_bytes()[i]) {
        Some(b'.') => {
            let (mut val, mut digits, mut fields) = (0u32, 0, 0);
            for (i, c) in s.char_indices() {
                match c {
                    '0'..='9' => {
                        if digits == 1 && val == 0 {
                            return "IPv4 field has octet with leading zero".into();
                        }
                        val = val * 10 + (c as u32 - '0' as u32);
                        digits += 1;
                        if val > 255 {
                            return "IPv4 field has value >255".into();
                        }
                    }
                    '.' => {
                        if digits == 0 {
                            return format!(
                                "IPv4 field must have at least one digit (at {:?})",
                                &s[i..]
                            );
                        }
                        fields += 1;
                        if fields == 4 {
                            return "IPv4 address too long".into();
                        }
                        (val, digits) = (0, 0);
                    }
                    _ => return format!("unexpected character (at {:?})", &s[i..]),
                }
            }
            if fields < 3 {
                "IPv4 address too short".into()
            } else {
                "unable to parse IP".into()
            }
        }
        Some(b':') => {
            for group in s.split(':') {
                let hex = group.bytes().take_while(u8::is_ascii_hexdigit).count();
                if hex > 4 {
                    return format!("each group must have 4 or less digits (at {group:?})");
                }
            }
            "unable to parse IP".into()
        }
        Some(_) => "missing IPv6 address".into(),
        None => "unable to parse IP".into(),
    }
}

/// A CIDR prefix: address and length.
fn parse_prefix(s: &str) -> Result<(IpAddr, u8), String> {
    let err = |m: &str| format!("netip.ParsePrefix({s:?}): {m}");
    let (ip, len) = s.split_once('/').ok_or_else(|| err("no '/'"))?;
    let addr = ip
        .parse::<IpAddr>()
        .map_err(|_| err(&format!("ParseAddr({ip:?}): unable to parse IP")))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let n: u8 = match len.parse::<u32>() {
        Ok(n) if n <= max && !(len.len() > 1 && len.starts_with('0')) => n as u8,
        Ok(_) => return Err(err("prefix length out of range")),
        Err(_) => return Err(err(&format!("bad bits after slash: {len:?}"))),
    };
    Ok((addr, n))
}

/// The bytes of an address, IPv4 as 4 bytes.
/// `ip + n` in the address's own family, or the error CUE reports when the
/// sum leaves it.
fn add_to_ip(name: &str, ip: IpAddr, n: num_bigint::BigInt) -> Result<IpAddr, Value> {
    let b = octets(ip);
    let v = num_bigint::BigInt::from_bytes_be(num_bigint::Sign::Plus, &b) + n;
    let (sign, mut out) = v.to_bytes_be();
    let range = "IP address arithmetic resulted in out-of-range address";
    if sign == num_bigint::Sign::Minus {
        return Err(arg_err(name, format!("{range} (underflow)")));
    }
    if out.len() > b.len() {
        return Err(arg_err(name, format!("{range} (overflow)")));
    }
    while out.len() < b.len() {
        out.insert(0, 0);
    }
    match <[u8; 4]>::try_from(out.as_slice()) {
        Ok(x) => Ok(IpAddr::V4(Ipv4Addr::from(x))),
        Err(_) => match <[u8; 16]>::try_from(out.as_slice()) {
            Ok(x) => Ok(IpAddr::V6(Ipv6Addr::from(x))),
            Err(_) => Err(arg_err(name, "invalid IP")),
        },
    }
}

fn octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    }
}

/// Whether `ip` lies in `prefix`.
fn contains(prefix: (IpAddr, u8), ip: IpAddr) -> bool {
    let (a, b) = (octets(prefix.0), octets(ip));
    if a.len() != b.len() {
        return false;
    }
    let bits = usize::from(prefix.1);
    (0..bits).all(|i| (a[i / 8] >> (7 - i % 8)) & 1 == (b[i / 8] >> (7 - i % 8)) & 1)
}

/// Go's `Is4` for an IP given as text or bytes: an IPv4 address or an
/// IPv4-mapped IPv6 address given as 16 bytes.
fn v4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(v) => Some(v),
        IpAddr::V6(v) => v.to_ipv4_mapped(),
    }
}

/// Whether `s` is a fully qualified domain name by RFC 1123 rules.
fn fqdn(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
    })
}

/// An IP argument: a string or a list of 4 or 16 bytes.
fn ip_arg(a: &mut Args<'_, '_>, i: usize) -> Result<IpAddr, Value> {
    match a.get(i)? {
        Value::String(s) => parse_addr(&s).map_err(|e| arg_err(&a.name, e)),
        Value::Vertex(_) => {
            let items = a.concrete_list(i)?;
            let mut b = Vec::with_capacity(items.len());
            for v in items {
                match v {
                    Value::Int(n) => match u8::try_from(&n) {
                        Ok(x) => b.push(x),
                        Err(_) => return Err(arg_err(&a.name, "invalid IP")),
                    },
                    _ => return Err(arg_err(&a.name, "invalid IP")),
                }
            }
            if let Ok(x) = <[u8; 4]>::try_from(b.as_slice()) {
                Ok(IpAddr::V4(Ipv4Addr::from(x)))
            } else if let Ok(x) = <[u8; 16]>::try_from(b.as_slice()) {
                Ok(IpAddr::V6(Ipv6Addr::from(x)))
            } else {
                Err(arg_err(&a.name, "invalid IP"))
            }
        }
        v => Err(arg_err(
            &a.name,
            format!("invalid type {} for IP address", v.scalar_kind()),
        )),
    }
}

/// A CIDR argument (a string).
fn cidr_arg(a: &mut Args<'_, '_>, i: usize) -> Result<(IpAddr, u8), Value> {
    match a.get(i)? {
        Value::String(s) => parse_prefix(&s).map_err(|e| arg_err(&a.name, e)),
        v => Err(arg_err(
            &a.name,
            format!("invalid type {} for IP CIDR", v.scalar_kind()),
        )),
    }
}

fn byte_list(a: &mut Args<'_, '_>, b: Vec<u8>) -> Value {
    let items = b.into_iter().map(|x| Value::int(i64::from(x))).collect();
    a.ev.make_list(items)
}

/// Go's `url.PathEscape` (`path`) or `url.QueryEscape`.
fn escape(s: &str, path: bool) -> String {
    let mut out = String::new();
    for &c in s.as_bytes() {
        match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(c as char)
            }
            b' ' if !path => out.push('+'),
            b'$' | b'&' | b'+' | b',' | b':' | b';' | b'=' | b'@' if path => out.push(c as char),
            _ => out.push_str(&format!("%{c:02X}")),
        }
    }
    out
}

fn unescape(s: &str, query: bool) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3).unwrap_or("");
                let v = u8::from_str_radix(hex, 16)
                    .map_err(|_| format!("invalid URL escape {:?}", &s[i..(i + 3).min(s.len())]))?;
                out.push(v);
                i += 3;
            }
            b'+' if query => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "IP" => {
            ip_arg(a, 0)?;
            Value::Bool(true)
        }
        "IPv4" => Value::Bool(v4(ip_arg(a, 0)?).is_some()),
        "IPv6" => Value::Bool(matches!(ip_arg(a, 0)?, IpAddr::V6(_))),
        "LoopbackIP" => Value::Bool(ip_arg(a, 0)?.is_loopback()),
        "MulticastIP" => Value::Bool(ip_arg(a, 0)?.is_multicast()),
        "UnspecifiedIP" => Value::Bool(ip_arg(a, 0)?.is_unspecified()),
        "LinkLocalUnicastIP" => Value::Bool(match ip_arg(a, 0)? {
            IpAddr::V4(v) => v.is_link_local(),
            IpAddr::V6(v) => v.segments()[0] & 0xffc0 == 0xfe80,
        }),
        "GlobalUnicastIP" => {
            let ip = ip_arg(a, 0)?;
            let link_local = match ip {
                IpAddr::V4(v) => v.is_link_local() || v.is_broadcast(),
                IpAddr::V6(v) => v.segments()[0] & 0xffc0 == 0xfe80,
            };
            Value::Bool(
                !(ip.is_loopback() || ip.is_multicast() || ip.is_unspecified() || link_local),
            )
        }
        "ParseIP" => {
            let s = a.string(0)?;
            match s.parse::<IpAddr>() {
                Ok(ip) => byte_list(a, octets(ip)),
                Err(_) => return Err(arg_err(&a.name, format!("invalid IP address {s:?}"))),
            }
        }
        "ToIP4" => {
            let ip = ip_arg(a, 0)?;
            match v4(ip) {
                Some(v) => byte_list(a, v.octets().to_vec()),
                None => {
                    return Err(arg_err(
                        &a.name,
                        format!("cannot convert {:?} to IPv4", ip.to_string()),
                    ));
                }
            }
        }
        "ToIP16" => {
            let ip = ip_arg(a, 0)?;
            let v6 = match ip {
                IpAddr::V4(v) => v.to_ipv6_mapped(),
                IpAddr::V6(v) => v,
            };
            byte_list(a, v6.octets().to_vec())
        }
        "IPString" => Value::str(&ip_arg(a, 0)?.to_string()),
        "IPCIDR" => {
            cidr_arg(a, 0)?;
            Value::Bool(true)
        }
        "InCIDR" => {
            let ip = ip_arg(a, 0)?;
            let p = cidr_arg(a, 1)?;
            Value::Bool(contains(p, ip))
        }
        "ParseCIDR" => {
            let s = a.string(0)?;
            let (ip, len) = parse_prefix(&s).map_err(|e| arg_err(&a.name, e))?;
            let b = octets(ip);
            let bits = usize::from(len);
            let mut mask = vec![0u8; b.len()];
            for i in 0..bits {
                mask[i / 8] |= 0x80 >> (i % 8);
            }
            let addr: Vec<u8> = b.iter().zip(&mask).map(|(x, m)| x & m).collect();
            let bcast: Vec<u8> = b.iter().zip(&mask).map(|(x, m)| x | !m).collect();
            let show = |v: Vec<u8>| -> String {
                match <[u8; 4]>::try_from(v.as_slice()) {
                    Ok(x) => Ipv4Addr::from(x).to_string(),
                    Err(_) => <[u8; 16]>::try_from(v.as_slice())
                        .map(|x| Ipv6Addr::from(x).to_string())
                        .unwrap_or_default(),
                }
            };
            let is_v4 = ip.is_ipv4();
            let mut fields = vec![
                ("prefix_mask".to_string(), Value::str(&show(mask))),
                ("prefix_len".to_string(), Value::int(i64::from(len))),
                ("prefix_addr".to_string(), Value::str(&show(addr))),
            ];
            if is_v4 {
                fields.push(("broadcast_addr".to_string(), Value::str(&show(bcast))));
            }
            a.ev.make_struct(fields)
        }
        "AddIP" => {
            // A CIDR prefix adds to its address.
            let ip = match a.get(0)? {
                Value::String(s) if s.contains('/') => {
                    parse_prefix(&s).map_err(|e| arg_err(&a.name, e))?.0
                }
                _ => ip_arg(a, 0)?,
            };
            let n = a.int(1)?;
            let r = add_to_ip(&a.name, ip, n)?;
            Value::str(&r.to_string())
        }
        "AddIPCIDR" => {
            let s = a.string(0)?;
            let (ip, len) = parse_prefix(&s).map_err(|e| arg_err(&a.name, e))?;
            let n = a.int(1)?;
            let r = add_to_ip(&a.name, ip, n)?;
            Value::str(&format!("{r}/{len}"))
        }
        "CompareIP" => {
            let x = ip_arg(a, 0)?;
            let y = ip_arg(a, 1)?;
            Value::int(match x.cmp(&y) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            })
        }
        "FQDN" => Value::Bool(fqdn(&a.string(0)?)),
        "SplitHostPort" => {
            let s = a.string(0)?;
            let split = if let Some(rest) = s.strip_prefix('[') {
                rest.split_once("]:")
            } else {
                s.rsplit_once(':').filter(|(h, _)| !h.contains(':'))
            };
            match split {
                Some((h, p)) => {
                    let items = vec![Value::str(h), Value::str(p)];
                    a.ev.make_list(items)
                }
                None => {
                    return Err(arg_err(
                        &a.name,
                        format!("address {s}: missing port in address"),
                    ));
                }
            }
        }
        "JoinHostPort" => {
            let host = match a.get(0)? {
                Value::Vertex(_) => match ip_arg(a, 0) {
                    Ok(ip) => ip.to_string(),
                    Err(_) => {
                        let d = a.ev.display(&a.raw(0));
                        return Err(arg_err(&a.name, format!("invalid host {d}")));
                    }
                },
                _ => a.string(0)?,
            };
            let port = match a.get(1)? {
                Value::Int(n) => n.to_string(),
                Value::String(s) => s.to_string(),
                v => {
                    let d = a.ev.display(&v);
                    return Err(arg_err(&a.name, format!("cannot use {d} as port")));
                }
            };
            Value::str(&if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            })
        }
        "PathEscape" => Value::str(&escape(&a.string(0)?, true)),
        "QueryEscape" => Value::str(&escape(&a.string(0)?, false)),
        "PathUnescape" | "QueryUnescape" => {
            let s = a.string(0)?;
            Value::str(&unescape(&s, f == "QueryUnescape").map_err(|e| arg_err(&a.name, e))?)
        }
        "URL" | "AbsURL" => {
            let s = a.string(0)?;
            let scheme = s.split_once(':').map(|(sc, _)| sc).filter(|sc| {
                sc.starts_with(|c: char| c.is_ascii_alphabetic())
                    && sc
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            });
            if let Some(i) = s.find('%')
                && s.get(i + 1..i + 3)
                    .is_none_or(|h| u8::from_str_radix(h, 16).is_err())
            {
                let esc = &s[i..(i + 3).min(s.len())];
                return Err(arg_err(
                    &a.name,
                    format!("parse {s:?}: invalid URL escape {esc:?}"),
                ));
            }
            if s.contains(|c: char| c.is_ascii_control() || c == ' ') {
                return Err(arg_err(
                    &a.name,
                    format!("parse {s:?}: invalid character in URL"),
                ));
            }
            if f == "AbsURL" && scheme.is_none() {
                return Err(arg_err(&a.name, "URL is not absolute"));
            }
            Value::Bool(true)
        }
        _ => return Err(unknown(a)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_names() {
        let p = parse_prefix("10.0.0.0/8").unwrap();
        assert!(contains(p, "10.1.2.3".parse().unwrap()));
        assert!(!contains(p, "11.1.2.3".parse().unwrap()));
        assert!(parse_prefix("10.0.0.0/33").is_err());
        assert!(fqdn("example.com"));
        assert!(!fqdn("-bad"));
        assert_eq!(escape("a b/c", true), "a%20b%2Fc");
        assert_eq!(escape("a b/c", false), "a+b%2Fc");
    }
}
