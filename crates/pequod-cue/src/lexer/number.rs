//! Number literals: decimal, hex, octal and binary integers, decimals with
//! exponents, and SI multipliers (`K M G T P`, optionally followed by `i`).

use super::Lexer;
use crate::token::TokenKind;

fn digit_val(c: Option<char>) -> u32 {
    match c {
        Some(c @ '0'..='9') => c as u32 - '0' as u32,
        Some('_') => 0,
        Some(c @ 'a'..='f') => c as u32 - 'a' as u32 + 10,
        Some(c @ 'A'..='F') => c as u32 - 'A' as u32 + 10,
        _ => 16,
    }
}

impl Lexer<'_> {
    fn scan_mantissa(&mut self, base: u32) {
        let mut last = None;
        while digit_val(self.peek()) < base {
            let c = self.peek();
            if last == Some('_') && c == Some('_') {
                self.error(self.pos, self.pos + 1, "illegal '_' in number");
            }
            last = c;
            self.pos += 1;
        }
        if last == Some('_') {
            self.error(self.pos - 1, self.pos, "illegal '_' in number");
        }
    }

    fn dot_dot(&self) -> bool {
        self.peek() == Some('.') && self.byte_at(self.pos + 1) == Some(b'.')
    }

    /// Scans a number; `seen_dot` is set when the leading `.` was consumed.
    pub(super) fn scan_number(&mut self, seen_dot: bool) -> TokenKind {
        let start = self.pos;
        let mut kind = TokenKind::Int;
        if seen_dot {
            kind = TokenKind::Float;
            self.scan_mantissa(10);
            return self.scan_exponent(kind, start);
        }
        if self.peek() == Some('0') {
            self.pos += 1;
            let radix = match self.peek() {
                Some('x') | Some('X') => Some((16, "illegal hexadecimal number")),
                Some('b') => Some((2, "illegal binary number")),
                Some('o') => Some((8, "illegal octal number")),
                _ => None,
            };
            if let Some((base, msg)) = radix {
                self.pos += 1;
                self.scan_mantissa(base);
                if self.pos - start <= 2 {
                    self.error(start, self.pos, msg);
                }
                return kind;
            }
            let mut seen_digits = false;
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                seen_digits = true;
                self.scan_mantissa(10);
            }
            if self.dot_dot() {
                if seen_digits {
                    self.error(start, self.pos, "illegal integer number");
                }
                return kind;
            }
            if matches!(self.peek(), Some('.') | Some('e') | Some('E')) {
                return self.scan_fraction(kind, start);
            }
            if seen_digits {
                self.error(start, self.pos, "illegal integer number");
            }
            return self.scan_exponent(kind, start);
        }
        self.scan_mantissa(10);
        self.scan_fraction(kind, start)
    }

    fn scan_fraction(&mut self, mut kind: TokenKind, start: usize) -> TokenKind {
        if self.peek() == Some('.') {
            if self.dot_dot() {
                return kind;
            }
            kind = TokenKind::Float;
            self.pos += 1;
            self.scan_mantissa(10);
        }
        self.scan_exponent(kind, start)
    }

    fn scan_exponent(&mut self, mut kind: TokenKind, _start: usize) -> TokenKind {
        if let Some('K' | 'M' | 'G' | 'T' | 'P') = self.peek() {
            self.pos += 1;
            if self.peek() == Some('i') {
                self.pos += 1;
            }
            return TokenKind::Int;
        }
        if let Some('e' | 'E') = self.peek() {
            kind = TokenKind::Float;
            self.pos += 1;
            if let Some('-' | '+') = self.peek() {
                self.pos += 1;
            }
            if digit_val(self.peek()) >= 10 {
                self.error(self.pos, self.pos + 1, "illegal exponent in number");
            }
            self.scan_mantissa(10);
        }
        kind
    }
}
