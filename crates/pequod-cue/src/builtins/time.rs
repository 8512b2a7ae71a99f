//! The `time` package: RFC 3339 timestamps, Go durations and layouts.

use num_bigint::BigInt;

use super::time_layout::{Civil, format, parse};
use super::{Args, arg_err, unknown};
use crate::value::Value;

const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";

/// Layout strings and duration units of the package.
pub(crate) fn constant(name: &str) -> Option<Value> {
    let layout = match name {
        "Layout" => "01/02 03:04:05PM '06 -0700",
        "ANSIC" => "Mon Jan _2 15:04:05 2006",
        "UnixDate" => "Mon Jan _2 15:04:05 MST 2006",
        "RubyDate" => "Mon Jan 02 15:04:05 -0700 2006",
        "RFC822" => "02 Jan 06 15:04 MST",
        "RFC822Z" => "02 Jan 06 15:04 -0700",
        "RFC850" => "Monday, 02-Jan-06 15:04:05 MST",
        "RFC1123" => "Mon, 02 Jan 2006 15:04:05 MST",
        "RFC1123Z" => "Mon, 02 Jan 2006 15:04:05 -0700",
        "RFC3339" => RFC3339,
        "RFC3339Nano" => RFC3339_NANO,
        "RFC3339Date" => "2006-01-02",
        "Kitchen" => "3:04PM",
        "Kitchen24" => "15:04",
        "Stamp" => "Jan _2 15:04:05",
        "StampMilli" => "Jan _2 15:04:05.000",
        "StampMicro" => "Jan _2 15:04:05.000000",
        "StampNano" => "Jan _2 15:04:05.000000000",
        "DateTime" => "2006-01-02 15:04:05",
        "DateOnly" => "2006-01-02",
        "TimeOnly" => "15:04:05",
        _ => {
            let n: i64 = match name {
                "Nanosecond" => 1,
                "Microsecond" => 1_000,
                "Millisecond" => 1_000_000,
                "Second" => 1_000_000_000,
                "Minute" => 60_000_000_000,
                "Hour" => 3_600_000_000_000,
                "January" | "Monday" => 1,
                "February" | "Tuesday" => 2,
                "March" | "Wednesday" => 3,
                "April" | "Thursday" => 4,
                "May" | "Friday" => 5,
                "June" | "Saturday" => 6,
                "July" => 7,
                "August" => 8,
                "September" => 9,
                "October" => 10,
                "November" => 11,
                "December" => 12,
                "Sunday" => 0,
                _ => return None,
            };
            return Some(Value::int(n));
        }
    };
    Some(Value::str(layout))
}

/// Parses a Go duration (`1h2m3.5s`) into nanoseconds.
pub(crate) fn parse_duration(s: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {s:?}");
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int: i128 = if int_len == 0 {
            0
        } else {
            rest[..int_len].parse().map_err(|_| invalid())?
        };
        rest = &rest[int_len..];
        let mut frac = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac = &r[..n];
            rest = &r[n..];
        }
        if int_len == 0 && frac.is_empty() {
            return Err(invalid());
        }
        let unit_len = rest
            .bytes()
            .take_while(|c| !c.is_ascii_digit() && *c != b'.')
            .count();
        let unit = &rest[..unit_len];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {s:?}"));
        }
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit {unit:?} in duration {s:?}")),
        };
        rest = &rest[unit_len..];
        let mut v = int * scale;
        let mut f = scale;
        for d in frac.bytes() {
            f /= 10;
            v += i128::from(d - b'0') * f;
        }
        total += v;
        if total > i128::from(i64::MAX) {
            return Err(invalid());
        }
    }
    Ok(if neg { -total } else { total })
}

/// Go's `Duration.String`.
pub(crate) fn format_duration(d: i128) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut s = String::new();
    if u < 1_000_000_000 {
        let (unit, scale) = match u {
            0..=999 => ("ns", 1),
            1_000..=999_999 => ("µs", 1_000),
            _ => ("ms", 1_000_000),
        };
        s.push_str(&frac_str(u, scale));
        s.push_str(unit);
    } else {
        let h = u / 3_600_000_000_000;
        let m = u / 60_000_000_000 % 60;
        let sec = u % 60_000_000_000;
        if h > 0 {
            s.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            s.push_str(&format!("{m}m"));
        }
        s.push_str(&frac_str(sec, 1_000_000_000));
        s.push('s');
    }
    if neg { format!("-{s}") } else { s }
}

fn frac_str(v: u128, scale: u128) -> String {
    let int = v / scale;
    let rem = v % scale;
    if rem == 0 {
        return int.to_string();
    }
    let width = scale.to_string().len() - 1;
    let f = format!("{rem:0width$}");
    format!("{int}.{}", f.trim_end_matches('0'))
}

/// Parses an RFC 3339 timestamp as CUE's `time.Time` accepts it.
fn parse_time(s: &str) -> Result<Civil, String> {
    parse(RFC3339_NANO, s).map_err(|_| format!("invalid time {s:?}"))
}

/// The UTC RFC 3339 text of a Unix time.
fn utc_text(secs: i64, nanos: u32) -> String {
    format(&Civil::from_unix(secs, nanos, 0), RFC3339_NANO)
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "Time" => {
            let s = a.string(0)?;
            parse_time(&s).map_err(|e| arg_err(&a.name, e))?;
            Value::Bool(true)
        }
        "Duration" => {
            let s = a.string(0)?;
            parse_duration(&s).map_err(|e| arg_err(&a.name, e))?;
            Value::Bool(true)
        }
        "ParseDuration" => {
            let s = a.string(0)?;
            let d = parse_duration(&s).map_err(|e| arg_err(&a.name, e))?;
            Value::Int(BigInt::from(d))
        }
        "FormatDuration" => {
            let n = a.small(0)?;
            Value::str(&format_duration(i128::from(n)))
        }
        "Format" => {
            let value = a.string(0)?;
            let layout = a.string(1)?;
            parse(&layout, &value)
                .map_err(|_| arg_err(&a.name, format!("invalid time {value:?}")))?;
            Value::Bool(true)
        }
        "FormatString" => {
            let layout = a.string(0)?;
            let value = a.string(1)?;
            let t = parse_time(&value).map_err(|e| arg_err(&a.name, e))?;
            Value::str(&format(&t, &layout))
        }
        "Parse" => {
            let layout = a.string(0)?;
            let value = a.string(1)?;
            let t = parse(&layout, &value).map_err(|e| arg_err(&a.name, e))?;
            Value::str(&utc_text(t.unix(), t.nanos))
        }
        "Unix" => {
            let secs = a.small(0)?;
            let nanos = a.small(1)?;
            let total = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
            let s = total.div_euclid(1_000_000_000) as i64;
            let n = total.rem_euclid(1_000_000_000) as u32;
            Value::str(&utc_text(s, n))
        }
        "ToUnix" | "ToUnixMilli" | "ToUnixMicro" | "ToUnixNano" => {
            let s = a.string(0)?;
            let t = parse(RFC3339_NANO, &s).map_err(|e| arg_err(&a.name, e))?;
            let nanos = i128::from(t.unix()) * 1_000_000_000 + i128::from(t.nanos);
            let div: i128 = match f {
                "ToUnix" => 1_000_000_000,
                "ToUnixMilli" => 1_000_000,
                "ToUnixMicro" => 1_000,
                _ => 1,
            };
            Value::Int(BigInt::from(nanos.div_euclid(div)))
        }
        "Split" => {
            let s = a.string(0)?;
            let t = parse_time(&s).map_err(|e| arg_err(&a.name, e))?;
            let fields = vec![
                ("year".to_string(), Value::int(t.year)),
                ("month".to_string(), Value::int(i64::from(t.month))),
                ("day".to_string(), Value::int(i64::from(t.day))),
                ("hour".to_string(), Value::int(i64::from(t.hour))),
                ("minute".to_string(), Value::int(i64::from(t.minute))),
                ("second".to_string(), Value::int(i64::from(t.second))),
                ("nanosecond".to_string(), Value::int(i64::from(t.nanos))),
            ];
            a.ev.make_struct(fields)
        }
        _ => return Err(unknown(a)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h2m3.5s"), Ok(3_723_500_000_000));
        assert_eq!(parse_duration("-1.5ms"), Ok(-1_500_000));
        assert_eq!(
            parse_duration("1x").unwrap_err(),
            "time: unknown unit \"x\" in duration \"1x\""
        );
        assert_eq!(
            parse_duration("bad").unwrap_err(),
            "time: invalid duration \"bad\""
        );
        assert_eq!(format_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(format_duration(1_500_000), "1.5ms");
        assert_eq!(format_duration(61_000_000_000), "1m1s");
    }
}
