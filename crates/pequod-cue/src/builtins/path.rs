//! The `path` package: Go's `path/filepath` for an explicit OS
//! (`path.Unix`, `path.Windows`, `path.Plan9`; Unix by default).

use super::{Args, arg_err, unknown};
use crate::value::Value;

/// The OS names CUE accepts; all but Windows behave as Unix.
const OS_NAMES: [&str; 18] = [
    "unix",
    "windows",
    "plan9",
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "solaris",
    "zos",
];

/// `path.Unix`, `path.Windows` and `path.Plan9`.
pub(crate) fn constant(name: &str) -> Option<Value> {
    match name {
        "Unix" => Some(Value::str("unix")),
        "Windows" => Some(Value::str("windows")),
        "Plan9" => Some(Value::str("plan9")),
        _ => None,
    }
}

/// Path rules of one OS family.
#[derive(Clone, Copy)]
struct Os {
    windows: bool,
}

impl Os {
    fn sep(self) -> char {
        if self.windows { '\\' } else { '/' }
    }

    fn is_sep(self, c: char) -> bool {
        c == '/' || (self.windows && c == '\\')
    }

    /// The length of the volume name (`C:` or a UNC `\\\\host\\share`),
    /// Windows only.
    fn volume_len(self, p: &str) -> usize {
        let b = p.as_bytes();
        if !self.windows {
            return 0;
        }
        if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
            return 2;
        }
        let sep = |c: u8| c == b'/' || c == b'\\';
        if b.len() >= 3 && sep(b[0]) && sep(b[1]) && !sep(b[2]) && b[2] != b'.' {
            let Some(host_end) = b[2..].iter().position(|&c| sep(c)).map(|i| i + 2) else {
                return 0;
            };
            let share = host_end + 1;
            let end = b[share..]
                .iter()
                .position(|&c| sep(c))
                .map_or(b.len(), |i| i + share);
            return if end > share { end } else { 0 };
        }
        0
    }

    fn is_abs(self, p: &str) -> bool {
        if self.windows {
            let v = self.volume_len(p);
            let unc = v > 2 || (v > 0 && p.starts_with(|c| self.is_sep(c)));
            unc || (v > 0 && p[v..].starts_with(|c| self.is_sep(c)))
        } else {
            p.starts_with('/')
        }
    }

    /// Go's `Clean`: the shortest equivalent path by lexical processing.
    fn clean(self, p: &str) -> String {
        let vol_len = self.volume_len(p);
        let vol = if self.windows {
            p[..vol_len].replace('/', "\\")
        } else {
            String::new()
        };
        let rest = &p[vol_len..];
        if rest.is_empty() {
            return if vol_len > 2 { vol } else { format!("{vol}.") };
        }
        let rooted = rest.starts_with(|c| self.is_sep(c));
        let mut parts: Vec<&str> = Vec::new();
        for part in rest.split(|c| self.is_sep(c)) {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.last().is_some_and(|l| *l != "..") {
                        parts.pop();
                    } else if !rooted {
                        parts.push("..");
                    }
                }
                p => parts.push(p),
            }
        }
        let sep = self.sep().to_string();
        let body = parts.join(&sep);
        match (rooted, body.is_empty()) {
            (true, _) => format!("{vol}{sep}{body}"),
            (false, true) => format!("{vol}."),
            (false, false) => format!("{vol}{body}"),
        }
    }

    /// The index just past the last separator (or the volume).
    fn split_at(self, p: &str) -> usize {
        let vol = self.volume_len(p);
        p[vol..]
            .rfind(|c| self.is_sep(c))
            .map_or(vol, |i| vol + i + 1)
    }

    fn base(self, p: &str) -> String {
        if p.is_empty() {
            return ".".into();
        }
        let trimmed = p.trim_end_matches(|c| self.is_sep(c));
        if trimmed.is_empty() {
            return self.sep().to_string();
        }
        let p = &trimmed[self.volume_len(trimmed)..];
        match p.rfind(|c| self.is_sep(c)) {
            Some(i) => p[i + 1..].to_string(),
            None => p.to_string(),
        }
    }

    fn dir(self, p: &str) -> String {
        let vol = self.volume_len(p);
        let i = self.split_at(p);
        let d = self.clean(&p[vol..i]);
        format!("{}{d}", &p[..vol])
    }

    fn ext(self, p: &str) -> String {
        for (i, c) in p.char_indices().rev() {
            if self.is_sep(c) {
                break;
            }
            if c == '.' {
                return p[i..].to_string();
            }
        }
        String::new()
    }

    fn join(self, parts: &[String]) -> String {
        let parts: Vec<&str> = parts
            .iter()
            .map(String::as_str)
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            return String::new();
        }
        // `C:` joined with `a` is the relative `C:a`, as in Go.
        if self.windows && parts.len() > 1 && parts[0].len() == 2 && self.volume_len(parts[0]) == 2
        {
            let rest = parts[1..].join(&self.sep().to_string());
            return self.clean(&format!("{}{rest}", parts[0]));
        }
        let sep = self.sep().to_string();
        let joined = self.clean(&parts.join(&sep));
        if !self.windows || self.volume_len(&joined) <= 2 {
            return joined;
        }
        // Joining must not make a UNC path unless the first element is one.
        let head = self.clean(parts[0]);
        if self.volume_len(&head) > 2 {
            return joined;
        }
        let tail = self.clean(&parts[1..].join(&sep));
        if head.ends_with(self.sep()) {
            head + &tail
        } else {
            head + &sep + &tail
        }
    }

    /// Go's `Rel`.
    fn rel(self, base: &str, target: &str) -> Result<String, String> {
        let err = || format!("Rel: can't make {target} relative to {base}");
        let b = self.clean(base);
        let t = self.clean(target);
        if b == t {
            return Ok(".".into());
        }
        let b = if b == "." { String::new() } else { b };
        if self.is_abs(&b) != self.is_abs(&t) {
            return Err(err());
        }
        let sep = self.sep();
        let bs: Vec<&str> = b.split(sep).filter(|s| !s.is_empty()).collect();
        let ts: Vec<&str> = t
            .split(sep)
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        let common = bs.iter().zip(&ts).take_while(|(x, y)| x == y).count();
        if bs[common..].contains(&"..") {
            return Err(err());
        }
        let mut out: Vec<&str> = vec![".."; bs.len() - common];
        out.extend(&ts[common..]);
        Ok(if out.is_empty() {
            ".".into()
        } else {
            out.join(&sep.to_string())
        })
    }
}

/// Go's `path.Match` (`/`-separated): whether `name` matches the shell
/// pattern, `Err` for a malformed pattern.
pub(crate) fn path_match(pattern: &str, name: &str) -> Result<bool, ()> {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    matches(&pattern, &name, Os { windows: false })
}

/// Go's `filepath.Match`.
fn matches(pattern: &[char], name: &[char], os: Os) -> Result<bool, ()> {
    let Some((&c, rest)) = pattern.split_first() else {
        return Ok(name.is_empty());
    };
    match c {
        '*' => {
            for i in 0..=name.len() {
                if i > 0 && os.is_sep(name[i - 1]) {
                    break;
                }
                if matches(rest, &name[i..], os)? {
                    return Ok(true);
                }
            }
            // Check the remaining pattern for syntax errors.
            matches(rest, &[], os).map(|_| false)
        }
        '?' => match name.split_first() {
            Some((&n, nr)) if !os.is_sep(n) => matches(rest, nr, os),
            _ => check_syntax(rest).map(|_| false),
        },
        '[' => {
            let (ok, len) = class(rest, name.first().copied())?;
            if ok {
                matches(&rest[len..], &name[1..], os)
            } else {
                check_syntax(&rest[len..]).map(|_| false)
            }
        }
        '\\' if !os.windows => {
            let (&e, rest) = rest.split_first().ok_or(())?;
            match name.split_first() {
                Some((&n, nr)) if n == e => matches(rest, nr, os),
                _ => check_syntax(rest).map(|_| false),
            }
        }
        c => match name.split_first() {
            Some((&n, nr)) if n == c => matches(rest, nr, os),
            _ => check_syntax(rest).map(|_| false),
        },
    }
}

fn check_syntax(p: &[char]) -> Result<(), ()> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '[' => {
                let (_, len) = class(&p[i + 1..], None)?;
                i += len + 1;
            }
            '\\' => i += 2,
            _ => i += 1,
        }
    }
    if i > p.len() { Err(()) } else { Ok(()) }
}

/// Matches a character class body (after `[`); returns whether `c` is in
/// it and the length of the body including `]`.
fn class(p: &[char], c: Option<char>) -> Result<(bool, usize), ()> {
    let mut i = 0;
    let negated = p.first() == Some(&'^');
    if negated {
        i += 1;
    }
    let mut found = false;
    let mut first = true;
    loop {
        let ch = *p.get(i).ok_or(())?;
        if ch == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let lo = esc(p, &mut i)?;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && p.get(i + 1) != Some(&']') {
            i += 1;
            hi = esc(p, &mut i)?;
        }
        if lo > hi {
            return Err(());
        }
        if c.is_some_and(|c| lo <= c && c <= hi) {
            found = true;
        }
    }
    Ok((c.is_some() && found != negated, i))
}

fn esc(p: &[char], i: &mut usize) -> Result<char, ()> {
    let mut ch = *p.get(*i).ok_or(())?;
    if ch == '\\' {
        *i += 1;
        ch = *p.get(*i).ok_or(())?;
    } else if ch == '-' || ch == ']' {
        return Err(());
    }
    *i += 1;
    Ok(ch)
}

/// The OS argument at `i` (Unix when absent).
fn os_arg(a: &mut Args<'_, '_>, i: usize) -> Result<Os, Value> {
    if a.vals.len() <= i {
        return Ok(Os { windows: false });
    }
    let s = match a.get(i)? {
        Value::String(s) => s.to_string(),
        v => a.ev.display(&v),
    };
    if !OS_NAMES.contains(&s.as_str()) {
        let allowed = OS_NAMES
            .iter()
            .enumerate()
            .map(|(i, n)| {
                if i == 0 {
                    format!("*{n:?}")
                } else {
                    format!("{n:?}")
                }
            })
            .collect::<Vec<_>>()
            .join(" | ");
        return Err(Value::err(
            crate::value::ErrorCode::Eval,
            format!(
                "cannot use {s:?} as {allowed} in argument {} to {}",
                i + 1,
                a.name
            ),
        ));
    }
    Ok(Os {
        windows: s == "windows",
    })
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    let one = |a: &mut Args<'_, '_>| -> Result<(String, Os), Value> {
        let p = a.string(0)?;
        Ok((p, os_arg(a, 1)?))
    };
    Ok(match f {
        "Base" => {
            let (p, os) = one(a)?;
            Value::str(&os.base(&p))
        }
        "Dir" => {
            let (p, os) = one(a)?;
            Value::str(&os.dir(&p))
        }
        "Ext" => {
            let (p, os) = one(a)?;
            Value::str(&os.ext(&p))
        }
        "Clean" => {
            let (p, os) = one(a)?;
            Value::str(&os.clean(&p))
        }
        "IsAbs" => {
            let (p, os) = one(a)?;
            Value::Bool(os.is_abs(&p))
        }
        "VolumeName" => {
            let (p, os) = one(a)?;
            Value::str(&p[..os.volume_len(&p)])
        }
        "ToSlash" => {
            let (p, os) = one(a)?;
            Value::str(&if os.windows { p.replace('\\', "/") } else { p })
        }
        "FromSlash" => {
            let (p, os) = one(a)?;
            Value::str(&if os.windows { p.replace('/', "\\") } else { p })
        }
        "SplitList" => {
            let (p, os) = one(a)?;
            let sep = if os.windows { ';' } else { ':' };
            let items = if p.is_empty() {
                Vec::new()
            } else {
                p.split(sep).map(Value::str).collect()
            };
            a.ev.make_list(items)
        }
        "Split" => {
            let (p, os) = one(a)?;
            let i = os.split_at(&p);
            let items = vec![Value::str(&p[..i]), Value::str(&p[i..])];
            a.ev.make_list(items)
        }
        "Join" => {
            let parts = a.strings(0)?;
            let os = os_arg(a, 1)?;
            Value::str(&os.join(&parts))
        }
        "Match" => {
            let pattern: Vec<char> = a.string(0)?.chars().collect();
            let name: Vec<char> = a.string(1)?.chars().collect();
            let os = os_arg(a, 2)?;
            match matches(&pattern, &name, os) {
                Ok(b) => Value::Bool(b),
                Err(()) => return Err(arg_err(&a.name, "syntax error in pattern")),
            }
        }
        "Resolve" => {
            let dir = a.string(0)?;
            let sub = a.string(1)?;
            let os = os_arg(a, 2)?;
            let r = if os.is_abs(&sub) {
                os.clean(&sub)
            } else {
                os.join(&[dir, sub])
            };
            Value::str(&r)
        }
        "Rel" => {
            let base = a.string(0)?;
            let target = a.string(1)?;
            let os = os_arg(a, 2)?;
            match os.rel(&base, &target) {
                Ok(r) => Value::str(&r),
                Err(e) => return Err(arg_err(&a.name, e)),
            }
        }
        _ => return Err(unknown(a)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIX: Os = Os { windows: false };
    const WIN: Os = Os { windows: true };

    #[test]
    fn unix_paths() {
        assert_eq!(UNIX.clean("a//b/./c/.."), "a/b");
        assert_eq!(UNIX.clean("/../a"), "/a");
        assert_eq!(UNIX.clean("../../a"), "../../a");
        assert_eq!(UNIX.dir("/a/b.c"), "/a");
        assert_eq!(UNIX.base("/a/b/"), "b");
        assert_eq!(UNIX.ext("a.b/c"), "");
        assert_eq!(UNIX.rel("/a", "/a/b/c").unwrap(), "b/c");
        assert_eq!(UNIX.rel("/a/x", "/a/b").unwrap(), "../b");
        assert!(UNIX.rel("a", "/b").is_err());
        let m = |p: &str, n: &str| {
            let p: Vec<char> = p.chars().collect();
            let n: Vec<char> = n.chars().collect();
            matches(&p, &n, UNIX)
        };
        assert_eq!(m("*.go", "x.go"), Ok(true));
        assert_eq!(m("*.go", "a/x.go"), Ok(false));
        assert_eq!(m("[a-c]?", "bz"), Ok(true));
        assert_eq!(m("[", "x"), Err(()));
    }

    #[test]
    fn windows_paths() {
        assert_eq!(WIN.clean("C:\\a\\..\\b\\"), "C:\\b");
        assert_eq!(WIN.base("C:\\a\\b"), "b");
        assert_eq!(WIN.join(&["a".into(), "b".into()]), "a\\b");
        assert!(!WIN.is_abs("\\x"));
        assert_eq!(WIN.volume_len("C:\\x"), 2);
    }
}
