//! String and bytes literals: scanning (with interpolation and multi-line
//! indentation checks) and decoding of escapes.

use super::{Lexer, Quote};
use crate::token::TokenKind;

impl Lexer<'_> {
    /// Starts a string at `self.pos` (the first quote); `start` includes any `#`.
    pub(super) fn string_start(&mut self, start: usize, hashes: usize) {
        let Some(ch) = self.bump() else {
            return;
        };
        let mut quote = Quote {
            ch,
            count: 1,
            hashes,
            depth: 0,
            min_ws: None,
            start,
        };
        let mut n = 0;
        while n < 2 && self.peek() == Some(ch) {
            self.pos += 1;
            n += 1;
        }
        let kind = match n {
            0 => self.scan_string(start, quote, false),
            1 => {
                if self.hashes_follow(hashes) {
                    self.pos += hashes;
                    TokenKind::String
                } else {
                    // With hashes, `#""x""#` holds `"x"`: rescan from the second quote.
                    self.pos -= 1;
                    self.scan_string(start, quote, false)
                }
            }
            _ => {
                if hashes > 0 && self.hashes_follow(hashes) {
                    self.pos += hashes;
                    TokenKind::String
                } else {
                    quote.count = 3;
                    if self.peek() == Some('\r') {
                        self.pos += 1;
                    }
                    if self.peek() == Some('\n') {
                        self.pos += 1;
                        self.scan_string(start, quote, false)
                    } else {
                        let text = self.src.get(start..self.pos).unwrap_or("").to_string();
                        self.error(
                            start,
                            self.pos,
                            format!("expected newline after multiline quote {text}"),
                        );
                        TokenKind::String
                    }
                }
            }
        };
        self.push(kind, start);
    }

    fn hashes_follow(&self, n: usize) -> bool {
        (0..n).all(|i| self.byte_at(self.pos + i) == Some(b'#'))
    }

    /// Whether the closing delimiter starts at `self.pos` (just after a quote char).
    fn at_close(&self, q: &Quote) -> bool {
        let ch = q.ch as u8;
        (0..q.count - 1).all(|i| self.byte_at(self.pos + i) == Some(ch))
            && (0..q.hashes).all(|i| self.byte_at(self.pos + q.count - 1 + i) == Some(b'#'))
    }

    /// Scans string content up to the closing delimiter or an interpolation.
    pub(super) fn scan_string(
        &mut self,
        start: usize,
        mut q: Quote,
        continuation: bool,
    ) -> TokenKind {
        let multi = q.count == 3;
        let mut close_allowed = !continuation && multi;
        let mut line_start = self.pos;
        loop {
            let Some(ch) = self.peek() else {
                self.error(start, self.pos, "string literal not terminated");
                return self.string_kind(continuation, false);
            };
            if !multi && ch == '\n' {
                self.error(start, self.pos, "string literal not terminated");
                return self.string_kind(continuation, false);
            }
            self.pos += ch.len_utf8();
            if ch == q.ch && (!multi || close_allowed) && self.at_close(&q) {
                let close_start = self.pos - 1;
                self.pos += q.count - 1 + q.hashes;
                if let (true, Some((ws_s, ws_e))) = (multi, q.min_ws) {
                    let closing = self.src.get(line_start..close_start).unwrap_or("");
                    let min = self.src.get(ws_s..ws_e).unwrap_or("");
                    if !min.starts_with(closing) {
                        let msg = format!(
                            "non-matching whitespace for multiline string \
                             (expected {closing:?}, got {min:?})"
                        );
                        self.error(q.start, self.pos, msg);
                    }
                }
                return self.string_kind(continuation, false);
            }
            if ch == '\r' && multi {
                continue;
            }
            if close_allowed && ch != ' ' && ch != '\t' {
                let ws_end = self.pos - ch.len_utf8();
                if ch != '\n' || ws_end > line_start {
                    q.min_ws = Some(match q.min_ws {
                        None => (line_start, ws_end),
                        Some((s, e)) => {
                            let a = self.src.as_bytes().get(s..e).unwrap_or(&[]);
                            let b = self.src.as_bytes().get(line_start..ws_end).unwrap_or(&[]);
                            let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
                            (s, s + common)
                        }
                    });
                }
            }
            match ch {
                '\n' => {
                    close_allowed = true;
                    line_start = self.pos;
                }
                ' ' | '\t' if multi && close_allowed => {}
                _ => close_allowed = false,
            }
            if ch == '\\' && self.scan_escape(&q) {
                // `\(` (with hashes): an interpolation starts.
                self.pos += 1;
                q.depth = 0;
                self.quotes.push(q);
                return self.string_kind(continuation, true);
            }
        }
    }

    fn string_kind(&self, continuation: bool, interp: bool) -> TokenKind {
        match (continuation, interp) {
            (false, false) => TokenKind::String,
            (false, true) => TokenKind::InterpStart,
            (true, true) => TokenKind::InterpMid,
            (true, false) => TokenKind::InterpEnd,
        }
    }

    /// Validates an escape after `\`; returns true at an interpolation `(`.
    fn scan_escape(&mut self, q: &Quote) -> bool {
        if !self.hashes_follow(q.hashes) {
            return false;
        }
        self.pos += q.hashes;
        let offs = self.pos;
        let Some(c) = self.peek() else {
            self.error(offs, offs, "escape sequence not terminated");
            return false;
        };
        let (n, base, max): (usize, u32, u32) = match c {
            '(' => return true,
            'a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\' | '/' => {
                self.pos += 1;
                return false;
            }
            c if c == q.ch => {
                self.pos += 1;
                return false;
            }
            '0'..='7' if q.ch == '\'' => (3, 8, 255),
            '0'..='7' => {
                self.error(offs, offs + 1, "octal escape not allowed in string literal");
                return false;
            }
            'x' if q.ch == '\'' => {
                self.pos += 1;
                (2, 16, 255)
            }
            'x' => {
                self.error(
                    offs,
                    offs + 1,
                    "hexadecimal escape not allowed in string literal",
                );
                return false;
            }
            'u' => {
                self.pos += 1;
                (4, 16, 0x10ffff)
            }
            'U' => {
                self.pos += 1;
                (8, 16, 0x10ffff)
            }
            _ => {
                self.error(offs, offs + c.len_utf8(), "unknown escape sequence");
                return false;
            }
        };
        let mut x: u32 = 0;
        for _ in 0..n {
            let d = self
                .peek()
                .and_then(|c| c.to_digit(16))
                .filter(|d| *d < base);
            let Some(d) = d else {
                match self.peek() {
                    None => self.error(self.pos, self.pos, "escape sequence not terminated"),
                    Some(c) => self.error(
                        self.pos,
                        self.pos + c.len_utf8(),
                        format!(
                            "illegal character U+{:04X} in escape sequence",
                            u32::from(c)
                        ),
                    ),
                }
                return false;
            };
            x = x.saturating_mul(base).saturating_add(d);
            self.pos += 1;
        }
        if x > max {
            self.error(
                offs,
                self.pos,
                "escape sequence is invalid Unicode code point",
            );
        }
        false
    }
}

/// How a string literal is delimited, read from its opening text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiter {
    /// Number of `#` characters on each side.
    pub hashes: usize,
    /// `"` for strings, `'` for bytes.
    pub quote: char,
    /// Whether it is a multi-line (`"""` / `'''`) literal.
    pub multiline: bool,
}

impl Delimiter {
    /// Reads the delimiter from the start of a literal's source text.
    pub fn of(text: &str) -> Option<Delimiter> {
        let hashes = text.bytes().take_while(|b| *b == b'#').count();
        let rest = text.get(hashes..)?;
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let q = quote as u8;
        let triple = rest.as_bytes().starts_with(&[q, q, q]);
        // `#"""#` is a one-line raw string of a single quote, not an opening.
        let raw_one_quote =
            hashes > 0 && rest.len() == 3 + hashes && rest.bytes().skip(3).all(|b| b == b'#');
        let multiline = triple && !raw_one_quote;
        Some(Delimiter {
            hashes,
            quote,
            multiline,
        })
    }
}

/// Decodes the fragments of a (possibly interpolated) literal into the text of
/// each fragment, with escapes resolved and multi-line indentation removed.
///
/// `fragments` are the raw source texts of the literal's tokens: for a plain
/// literal a single element; for an interpolation the start, middle and end
/// fragments including their `\(` and `)` delimiters. Bytes are returned as raw
/// bytes; for strings they are valid UTF-8.
pub fn decode_fragments(fragments: &[&str]) -> Result<(Delimiter, Vec<Vec<u8>>), String> {
    let first = fragments.first().ok_or("empty literal")?;
    let delim = Delimiter::of(first).ok_or("not a string literal")?;
    let open_len = delim.hashes + if delim.multiline { 3 } else { 1 };
    let close_len = open_len;
    let last_idx = fragments.len() - 1;
    let mut bodies: Vec<&str> = Vec::with_capacity(fragments.len());
    for (i, frag) in fragments.iter().enumerate() {
        let mut s = *frag;
        if i == 0 {
            s = s.get(open_len..).ok_or("truncated literal")?;
            if delim.multiline {
                s = s
                    .strip_prefix("\r\n")
                    .or_else(|| s.strip_prefix('\n'))
                    .unwrap_or(s);
            }
        } else {
            s = s.strip_prefix(')').ok_or("malformed interpolation")?;
        }
        if i == last_idx {
            let end = s
                .len()
                .checked_sub(close_len)
                .ok_or("unterminated literal")?;
            s = s.get(..end).ok_or("unterminated literal")?;
        } else {
            let cut = 1 + delim.hashes + 1; // `\`, hashes, `(`
            let end = s.len().checked_sub(cut).ok_or("malformed interpolation")?;
            s = s.get(..end).ok_or("malformed interpolation")?;
        }
        bodies.push(s);
    }
    // Multi-line: the closing line's whitespace is the indentation to strip.
    let mut indent = "";
    if delim.multiline {
        let last = bodies.last().copied().unwrap_or("");
        let nl = last.rfind('\n');
        match nl {
            Some(p) => {
                indent = last.get(p + 1..).unwrap_or("");
                if let Some(b) = bodies.last_mut() {
                    let mut cut = p;
                    if cut > 0 && last.as_bytes().get(cut - 1) == Some(&b'\r') {
                        cut -= 1;
                    }
                    *b = last.get(..cut).unwrap_or("");
                }
            }
            None if last_idx == 0 => {
                // `"""\n"""`: the closing quotes follow the opening newline.
                indent = last;
                if let Some(b) = bodies.last_mut() {
                    *b = "";
                }
            }
            None => return Err("missing newline before closing multiline quote".into()),
        }
    }
    let mut out = Vec::with_capacity(bodies.len());
    for (i, body) in bodies.iter().enumerate() {
        out.push(decode_body(body, delim, indent, i == 0)?);
    }
    Ok((delim, out))
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn decode_body(
    s: &str,
    d: Delimiter,
    indent: &str,
    at_line_start: bool,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    if d.multiline && at_line_start {
        rest = rest.strip_prefix(indent).unwrap_or(rest);
    }
    let hashes = d.hashes;
    loop {
        // Text up to the next line break or backslash is copied as it is.
        let plain = memchr::memchr3(b'\r', b'\n', b'\\', rest.as_bytes()).unwrap_or(rest.len());
        out.extend_from_slice(rest.as_bytes().get(..plain).unwrap_or_default());
        rest = rest.get(plain..).unwrap_or_default();
        let Some(c) = rest.chars().next() else {
            break;
        };
        rest = rest.get(c.len_utf8()..).unwrap_or("");
        match c {
            '\r' if d.multiline => {}
            '\n' => {
                out.push(b'\n');
                if d.multiline {
                    rest = rest.strip_prefix(indent).unwrap_or(rest);
                }
            }
            '\\' if rest.bytes().take(hashes).filter(|b| *b == b'#').count() == hashes
                && rest.len() > hashes =>
            {
                rest = rest.get(hashes..).unwrap_or("");
                let e = rest
                    .chars()
                    .next()
                    .ok_or("escape sequence not terminated")?;
                rest = rest.get(e.len_utf8()..).unwrap_or("");
                match e {
                    'a' => out.push(7),
                    'b' => out.push(8),
                    'f' => out.push(12),
                    'n' => out.push(b'\n'),
                    'r' => out.push(b'\r'),
                    't' => out.push(b'\t'),
                    'v' => out.push(11),
                    '\\' | '/' => out.push(e as u8),
                    '"' | '\'' if e == d.quote => out.push(e as u8),
                    '0'..='7' if d.quote == '\'' => {
                        let digits = format!("{e}{}", rest.get(..2).unwrap_or(""));
                        let v = u8::from_str_radix(&digits, 8)
                            .map_err(|_| "invalid octal escape".to_string())?;
                        rest = rest.get(2..).unwrap_or("");
                        out.push(v);
                    }
                    'x' if d.quote == '\'' => {
                        let v = rest
                            .get(..2)
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                            .ok_or("invalid hexadecimal escape")?;
                        rest = rest.get(2..).unwrap_or("");
                        out.push(v);
                    }
                    'u' | 'U' => {
                        let n = if e == 'u' { 4 } else { 8 };
                        let mut v = rest
                            .get(..n)
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                            .ok_or("invalid unicode escape")?;
                        rest = rest.get(n..).unwrap_or("");
                        if (0xD800..0xDC00).contains(&v) {
                            // A UTF-16 surrogate pair written as two escapes.
                            let lo = rest
                                .strip_prefix('\\')
                                .and_then(|r| r.get(hashes..))
                                .and_then(|r| r.strip_prefix('u'))
                                .and_then(|r| r.get(..4))
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .filter(|lo| (0xDC00..0xE000).contains(lo));
                            if let Some(lo) = lo {
                                rest = rest.get(1 + hashes + 5..).unwrap_or("");
                                v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                            }
                        }
                        push_char(&mut out, char::from_u32(v).unwrap_or('\u{FFFD}'));
                    }
                    _ => return Err(format!("unknown escape sequence \\{e}")),
                }
            }
            c => push_char(&mut out, c),
        }
    }
    Ok(out)
}
