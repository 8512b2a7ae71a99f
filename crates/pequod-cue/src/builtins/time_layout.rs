//! Go reference-time layouts (`2006-01-02T15:04:05Z07:00`): formatting and
//! parsing of civil times with a UTC offset.

/// A civil time with its UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) nanos: u32,
    /// Seconds east of UTC.
    pub(crate) offset: i32,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Civil {
    /// Seconds since the Unix epoch.
    pub(crate) fn unix(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset)
    }

    /// The civil time of a Unix time at a UTC offset.
    pub(crate) fn from_unix(secs: i64, nanos: u32, offset: i32) -> Civil {
        let local = secs + i64::from(offset);
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let s = local.rem_euclid(86_400) as u32;
        Civil {
            year,
            month,
            day,
            hour: s / 3600,
            minute: s / 60 % 60,
            second: s % 60,
            nanos,
            offset,
        }
    }

    fn weekday(&self) -> usize {
        (days_from_civil(self.year, self.month, self.day) + 4).rem_euclid(7) as usize
    }
}

/// One element of a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Chunk {
    Lit(String),
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    YearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM(bool),
    /// `Z07:00` style: whether `Z` for UTC, with colons, with seconds,
    /// hours only.
    Tz {
        z: bool,
        colon: bool,
        secs: bool,
        short: bool,
    },
    TzName,
    /// Fractional seconds: digits, and whether trailing zeros are trimmed.
    Frac(usize, bool),
}

fn chunks(layout: &str) -> Vec<Chunk> {
    use Chunk::*;
    const TABLE: &[(&str, Chunk)] = &[
        ("January", LongMonth),
        ("Jan", Month),
        ("Monday", LongWeekDay),
        ("Mon", WeekDay),
        ("MST", TzName),
        ("2006", LongYear),
        (
            "-07:00:00",
            Tz {
                z: false,
                colon: true,
                secs: true,
                short: false,
            },
        ),
        (
            "-070000",
            Tz {
                z: false,
                colon: false,
                secs: true,
                short: false,
            },
        ),
        (
            "-07:00",
            Tz {
                z: false,
                colon: true,
                secs: false,
                short: false,
            },
        ),
        (
            "-0700",
            Tz {
                z: false,
                colon: false,
                secs: false,
                short: false,
            },
        ),
        (
            "-07",
            Tz {
                z: false,
                colon: false,
                secs: false,
                short: true,
            },
        ),
        (
            "Z07:00:00",
            Tz {
                z: true,
                colon: true,
                secs: true,
                short: false,
            },
        ),
        (
            "Z070000",
            Tz {
                z: true,
                colon: false,
                secs: true,
                short: false,
            },
        ),
        (
            "Z07:00",
            Tz {
                z: true,
                colon: true,
                secs: false,
                short: false,
            },
        ),
        (
            "Z0700",
            Tz {
                z: true,
                colon: false,
                secs: false,
                short: false,
            },
        ),
        (
            "Z07",
            Tz {
                z: true,
                colon: false,
                secs: false,
                short: true,
            },
        ),
        ("002", YearDay),
        ("01", ZeroMonth),
        ("02", ZeroDay),
        ("03", ZeroHour12),
        ("04", ZeroMinute),
        ("05", ZeroSecond),
        ("06", Year),
        ("15", Hour),
        ("_2", UnderDay),
        ("PM", PM(true)),
        ("pm", PM(false)),
        ("1", NumMonth),
        ("2", Day),
        ("3", Hour12),
        ("4", Minute),
        ("5", Second),
    ];
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        let b = rest.as_bytes();
        if (b[0] == b'.' || b[0] == b',') && b.len() > 1 && (b[1] == b'0' || b[1] == b'9') {
            let n = b[1..].iter().take_while(|&&c| c == b[1]).count();
            if !b.get(1 + n).is_some_and(u8::is_ascii_digit) {
                if !lit.is_empty() {
                    out.push(Lit(std::mem::take(&mut lit)));
                }
                out.push(Frac(n, b[1] == b'9'));
                rest = &rest[1 + n..];
                continue;
            }
        }
        for (pat, chunk) in TABLE {
            if rest.starts_with(pat) {
                // `Jan` and `Mon` must not be followed by a lower-case letter.
                if matches!(chunk, Month | WeekDay | LongMonth | LongWeekDay)
                    && rest[pat.len()..].starts_with(|c: char| c.is_ascii_lowercase())
                {
                    break;
                }
                if !lit.is_empty() {
                    out.push(Lit(std::mem::take(&mut lit)));
                }
                out.push(chunk.clone());
                rest = &rest[pat.len()..];
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        lit.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !lit.is_empty() {
        out.push(Lit(lit));
    }
    out
}

/// Formats a civil time with a Go layout.
pub(crate) fn format(t: &Civil, layout: &str) -> String {
    use Chunk::*;
    let mut s = String::new();
    for c in chunks(layout) {
        match c {
            Lit(l) => s.push_str(&l),
            LongMonth => s.push_str(MONTHS[t.month as usize - 1]),
            Month => s.push_str(&MONTHS[t.month as usize - 1][..3]),
            NumMonth => s.push_str(&t.month.to_string()),
            ZeroMonth => s.push_str(&format!("{:02}", t.month)),
            LongWeekDay => s.push_str(DAYS[t.weekday()]),
            WeekDay => s.push_str(&DAYS[t.weekday()][..3]),
            Day => s.push_str(&t.day.to_string()),
            UnderDay => s.push_str(&format!("{:>2}", t.day)),
            ZeroDay => s.push_str(&format!("{:02}", t.day)),
            YearDay => {
                let yd =
                    days_from_civil(t.year, t.month, t.day) - days_from_civil(t.year, 1, 1) + 1;
                s.push_str(&format!("{yd:03}"));
            }
            Hour => s.push_str(&format!("{:02}", t.hour)),
            Hour12 | ZeroHour12 => {
                let h = match t.hour % 12 {
                    0 => 12,
                    h => h,
                };
                s.push_str(&if c == Hour12 {
                    h.to_string()
                } else {
                    format!("{h:02}")
                });
            }
            Minute => s.push_str(&t.minute.to_string()),
            ZeroMinute => s.push_str(&format!("{:02}", t.minute)),
            Second => s.push_str(&t.second.to_string()),
            ZeroSecond => s.push_str(&format!("{:02}", t.second)),
            LongYear => s.push_str(&format!("{:04}", t.year)),
            Year => s.push_str(&format!("{:02}", t.year.rem_euclid(100))),
            PM(upper) => {
                let pm = if t.hour >= 12 { "PM" } else { "AM" };
                s.push_str(&if upper {
                    pm.to_string()
                } else {
                    pm.to_lowercase()
                });
            }
            TzName => {
                if t.offset == 0 {
                    s.push_str("UTC");
                } else {
                    s.push_str(&tz(t.offset, false, false, true));
                }
            }
            Tz {
                z,
                colon,
                secs,
                short,
            } => {
                if z && t.offset == 0 {
                    s.push('Z');
                } else {
                    s.push_str(&tz(t.offset, colon, secs, short));
                }
            }
            Frac(n, trim) => {
                let digits = format!("{:09}", t.nanos);
                let mut d = &digits[..n.min(9)];
                if trim {
                    d = d.trim_end_matches('0');
                }
                if !d.is_empty() {
                    s.push('.');
                    s.push_str(d);
                }
            }
        }
    }
    s
}

fn tz(offset: i32, colon: bool, secs: bool, short: bool) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let o = offset.unsigned_abs();
    let (h, m, sec) = (o / 3600, o / 60 % 60, o % 60);
    let sep = if colon { ":" } else { "" };
    let mut s = format!("{sign}{h:02}");
    if !short {
        s.push_str(&format!("{sep}{m:02}"));
    }
    if secs {
        s.push_str(&format!("{sep}{sec:02}"));
    }
    s
}

/// Why a value does not match a layout, in Go's words.
fn parse_err(value: &str, layout: &str, rest: &str, elem: &str) -> String {
    format!("parsing time {value:?} as {layout:?}: cannot parse {rest:?} as {elem:?}")
}

fn take_num(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// Parses `value` with a Go layout.
pub(crate) fn parse(layout: &str, value: &str) -> Result<Civil, String> {
    use Chunk::*;
    let mut t = Civil {
        year: 0,
        month: 1,
        day: 1,
        ..Civil::default()
    };
    let mut pm: Option<bool> = None;
    let mut s = value;
    let elems = chunks(layout);
    for (i, c) in elems.iter().enumerate() {
        let elem = layout_text(c);
        let fail = |rest: &str| parse_err(value, layout, rest, &elem);
        match c {
            Lit(l) => {
                s = s.strip_prefix(l.as_str()).ok_or_else(|| fail(s))?;
            }
            LongMonth | Month => {
                let idx = MONTHS
                    .iter()
                    .position(|m| {
                        let m = if *c == Month { &m[..3] } else { m };
                        s.len() >= m.len() && s[..m.len()].eq_ignore_ascii_case(m)
                    })
                    .ok_or_else(|| fail(s))?;
                let len = if *c == Month { 3 } else { MONTHS[idx].len() };
                t.month = idx as u32 + 1;
                s = &s[len..];
            }
            LongWeekDay | WeekDay => {
                let idx = DAYS
                    .iter()
                    .position(|d| {
                        let d = if *c == WeekDay { &d[..3] } else { d };
                        s.len() >= d.len() && s[..d.len()].eq_ignore_ascii_case(d)
                    })
                    .ok_or_else(|| fail(s))?;
                s = &s[if *c == WeekDay { 3 } else { DAYS[idx].len() }..];
            }
            NumMonth | ZeroMonth => {
                let (n, r) =
                    take_num(s, if *c == ZeroMonth { 2 } else { 1 }, 2).ok_or_else(|| fail(s))?;
                if !(1..=12).contains(&n) {
                    return Err(format!("parsing time {value:?}: month out of range"));
                }
                t.month = n;
                s = r;
            }
            Day | ZeroDay | UnderDay => {
                let s2 = if *c == UnderDay {
                    s.strip_prefix(' ').unwrap_or(s)
                } else {
                    s
                };
                let (n, r) =
                    take_num(s2, if *c == ZeroDay { 2 } else { 1 }, 2).ok_or_else(|| fail(s))?;
                t.day = n;
                s = r;
            }
            YearDay => {
                let (_, r) = take_num(s, 3, 3).ok_or_else(|| fail(s))?;
                s = r;
            }
            Hour | Hour12 | ZeroHour12 => {
                let min = if *c == Hour12 { 1 } else { 2 };
                let (n, r) = take_num(s, min, 2).ok_or_else(|| fail(s))?;
                if n > if *c == Hour { 23 } else { 12 } {
                    return Err(format!("parsing time {value:?}: hour out of range"));
                }
                t.hour = n;
                s = r;
            }
            Minute | ZeroMinute => {
                let (n, r) =
                    take_num(s, if *c == ZeroMinute { 2 } else { 1 }, 2).ok_or_else(|| fail(s))?;
                if n > 59 {
                    return Err(format!("parsing time {value:?}: minute out of range"));
                }
                t.minute = n;
                s = r;
            }
            Second | ZeroSecond => {
                let (n, r) =
                    take_num(s, if *c == ZeroSecond { 2 } else { 1 }, 2).ok_or_else(|| fail(s))?;
                if n > 59 {
                    return Err(format!("parsing time {value:?}: second out of range"));
                }
                t.second = n;
                s = r;
                // Go accepts fractional seconds the layout does not name.
                if !matches!(elems.get(i + 1), Some(Frac(..)))
                    && s.starts_with(['.', ','])
                    && s[1..].starts_with(|c: char| c.is_ascii_digit())
                {
                    let n = s[1..].bytes().take_while(u8::is_ascii_digit).count();
                    t.nanos = frac(&s[1..1 + n]);
                    s = &s[1 + n..];
                }
            }
            LongYear => {
                let (n, r) = take_num(s, 4, 4).ok_or_else(|| fail(s))?;
                t.year = i64::from(n);
                s = r;
            }
            Year => {
                let (n, r) = take_num(s, 2, 2).ok_or_else(|| fail(s))?;
                t.year = i64::from(n) + if n >= 69 { 1900 } else { 2000 };
                s = r;
            }
            PM(_) => {
                let p = s.get(..2).ok_or_else(|| fail(s))?;
                pm = Some(match p.to_ascii_uppercase().as_str() {
                    "PM" => true,
                    "AM" => false,
                    _ => return Err(fail(s)),
                });
                s = &s[2..];
            }
            TzName => {
                let n = s.bytes().take_while(u8::is_ascii_uppercase).count();
                if n < 3 {
                    return Err(fail(s));
                }
                s = &s[n..];
            }
            Tz {
                z,
                colon,
                secs,
                short,
            } => {
                if *z && s.starts_with('Z') {
                    s = &s[1..];
                    t.offset = 0;
                    continue;
                }
                let sign = match s.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(fail(s)),
                };
                let mut r = &s[1..];
                let (h, r2) = take_num(r, 2, 2).ok_or_else(|| fail(s))?;
                r = r2;
                let mut m = 0;
                let mut sec = 0;
                for (want, slot) in [(!short, &mut m), (*secs, &mut sec)] {
                    if want {
                        if *colon {
                            r = r.strip_prefix(':').ok_or_else(|| fail(s))?;
                        }
                        let (n, r2) = take_num(r, 2, 2).ok_or_else(|| fail(s))?;
                        *slot = n;
                        r = r2;
                    }
                }
                t.offset = sign * (h * 3600 + m * 60 + sec) as i32;
                s = r;
            }
            Frac(n, trim) => {
                if let Some(r) = s.strip_prefix(['.', ',']) {
                    let d = r.bytes().take_while(u8::is_ascii_digit).count();
                    if !trim && d != *n {
                        return Err(fail(s));
                    }
                    t.nanos = frac(&r[..d]);
                    s = &r[d..];
                } else if !trim {
                    return Err(fail(s));
                }
            }
        }
    }
    if !s.is_empty() {
        return Err(format!("parsing time {value:?}: extra text: {s:?}"));
    }
    match pm {
        Some(true) if t.hour < 12 => t.hour += 12,
        Some(false) if t.hour == 12 => t.hour = 0,
        _ => {}
    }
    let month_days = days_from_civil(t.year + i64::from(t.month / 12), t.month % 12 + 1, 1)
        - days_from_civil(t.year, t.month, 1);
    if t.day < 1 || i64::from(t.day) > month_days {
        return Err(format!("parsing time {value:?}: day out of range"));
    }
    Ok(t)
}

/// Nanoseconds of a fraction's digits.
fn frac(d: &str) -> u32 {
    let mut n: u32 = 0;
    for (i, c) in d.bytes().take(9).enumerate() {
        n += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
    }
    n
}

/// The layout text of a chunk, for error messages.
fn layout_text(c: &Chunk) -> String {
    use Chunk::*;
    match c {
        Lit(l) => l.clone(),
        LongMonth => "January".into(),
        Month => "Jan".into(),
        NumMonth => "1".into(),
        ZeroMonth => "01".into(),
        LongWeekDay => "Monday".into(),
        WeekDay => "Mon".into(),
        Day => "2".into(),
        UnderDay => "_2".into(),
        ZeroDay => "02".into(),
        YearDay => "002".into(),
        Hour => "15".into(),
        Hour12 => "3".into(),
        ZeroHour12 => "03".into(),
        Minute => "4".into(),
        ZeroMinute => "04".into(),
        Second => "5".into(),
        ZeroSecond => "05".into(),
        LongYear => "2006".into(),
        Year => "06".into(),
        PM(true) => "PM".into(),
        PM(false) => "pm".into(),
        TzName => "MST".into(),
        Tz {
            z,
            colon,
            secs,
            short,
        } => {
            let mut s = String::from(if *z { "Z07" } else { "-07" });
            let sep = if *colon { ":" } else { "" };
            if !short {
                s.push_str(sep);
                s.push_str("00");
            }
            if *secs {
                s.push_str(sep);
                s.push_str("00");
            }
            s
        }
        Frac(n, trim) => format!(".{}", if *trim { "9" } else { "0" }.repeat(*n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

    #[test]
    fn round_trips() {
        let t = parse(RFC3339, "2006-01-02T15:04:05+01:00").unwrap();
        assert_eq!(t.offset, 3600);
        let u = Civil::from_unix(t.unix(), 0, 0);
        assert_eq!(format(&u, RFC3339), "2006-01-02T14:04:05Z");
        let t = Civil::from_unix(1_500_000_000, 5, 0);
        assert_eq!(
            format(&t, "2006-01-02T15:04:05.999999999Z07:00"),
            "2017-07-14T02:40:00.000000005Z"
        );
        assert_eq!(
            format(&t, "Mon, 02 Jan 2006 15:04:05 MST"),
            "Fri, 14 Jul 2017 02:40:00 UTC"
        );
        assert_eq!(format(&t, "3:04PM"), "2:40AM");
        assert_eq!(
            parse(RFC3339, "bad").unwrap_err(),
            "parsing time \"bad\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"bad\" as \"2006\""
        );
    }
}
