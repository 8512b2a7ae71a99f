//! The lexer: turns source text into tokens, inserting commas at newlines as
//! the CUE specification prescribes, and tracking string interpolations.
//!
//! Comments are not tokens; their spans are collected separately.

mod number;
pub mod string;

use crate::source::Span;
use crate::token::{Token, TokenKind};

/// A lexical error: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// Where the error is.
    pub span: Span,
    /// What went wrong.
    pub message: String,
}

/// The result of lexing a whole source text.
#[derive(Debug, Clone, Default)]
pub struct Lexed {
    /// Tokens, always ending with [`TokenKind::Eof`].
    pub tokens: Vec<Token>,
    /// Spans of `//` comments, in source order.
    pub comments: Vec<Span>,
    /// Lexical errors, in source order.
    pub errors: Vec<LexError>,
}

/// State of a string whose interpolation is being lexed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quote {
    /// `"` or `'`.
    pub(crate) ch: char,
    /// 1 or 3.
    pub(crate) count: usize,
    /// Number of `#` around the string.
    pub(crate) hashes: usize,
    /// Open parentheses inside the current interpolation.
    depth: usize,
    /// Common whitespace prefix of content lines (multi-line only), as a span.
    min_ws: Option<(usize, usize)>,
    /// Offset of the opening delimiter.
    start: usize,
}

/// Lexes `src` completely.
pub fn lex(src: &str) -> Lexed {
    let mut lx = Lexer {
        src,
        pos: 0,
        insert_comma: false,
        newline: false,
        quotes: Vec::new(),
        out: Lexed::default(),
    };
    if src.starts_with('\u{feff}') {
        lx.pos = 3;
    }
    lx.run();
    lx.out
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    insert_comma: bool,
    newline: bool,
    quotes: Vec<Quote>,
    out: Lexed,
}

fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn is_ident_char(c: char) -> bool {
    is_letter(c) || is_digit(c) || c == '_' || c == '$'
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        // Sources are nearly all ASCII: one byte, no decoding.
        match self.src.as_bytes().get(self.pos) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            _ => self.src.get(self.pos..).and_then(|s| s.chars().next()),
        }
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().nth(n))
    }

    fn byte_at(&self, off: usize) -> Option<u8> {
        self.src.as_bytes().get(off).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.out.errors.push(LexError {
            span: Span::new(start, end),
            message: message.into(),
        });
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        let newline_before = std::mem::take(&mut self.newline);
        self.out.tokens.push(Token {
            kind,
            span: Span::new(start, self.pos),
            newline_before,
        });
        if kind != TokenKind::Illegal {
            self.insert_comma = kind.inserts_comma();
        }
    }

    fn push_inserted_comma(&mut self, at: usize) {
        self.out.tokens.push(Token {
            kind: TokenKind::Comma,
            span: Span::new(at, at),
            newline_before: false,
        });
        self.insert_comma = false;
    }

    /// Whether the next non-blank character (skipping newlines) is `,` or `:`.
    fn comma_or_colon_follows(&self) -> bool {
        let bytes = self.src.as_bytes();
        let mut i = self.pos;
        while let Some(&b) = bytes.get(i) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b',' | b':' => return true,
                _ => return false,
            }
        }
        false
    }

    fn run(&mut self) {
        loop {
            let Some(c) = self.peek() else {
                if self.insert_comma {
                    self.push_inserted_comma(self.pos);
                }
                let at = self.pos;
                self.out.tokens.push(Token {
                    kind: TokenKind::Eof,
                    span: Span::new(at, at),
                    newline_before: self.newline,
                });
                return;
            };
            let start = self.pos;
            match c {
                ' ' | '\t' | '\r' => {
                    self.pos += 1;
                }
                '\n' => {
                    self.pos += 1;
                    if self.insert_comma {
                        if self.comma_or_colon_follows() {
                            self.insert_comma = false;
                        } else {
                            self.push_inserted_comma(start);
                        }
                    }
                    self.newline = true;
                }
                '/' if self.peek_at(1) == Some('/') => {
                    if self.insert_comma {
                        self.push_inserted_comma(start);
                    }
                    self.pos = self.src[self.pos..]
                        .find('\n')
                        .map_or(self.src.len(), |n| self.pos + n);
                    let end = if self.src.as_bytes().get(self.pos.wrapping_sub(1)) == Some(&b'\r') {
                        self.pos - 1
                    } else {
                        self.pos
                    };
                    self.out.comments.push(Span::new(start, end.max(start)));
                }
                '\0' => {
                    self.pos += 1;
                    self.error(start, self.pos, "illegal character NUL");
                    self.push(TokenKind::Illegal, start);
                }
                '\u{feff}' => {
                    self.pos += c.len_utf8();
                    self.error(start, self.pos, "illegal byte order mark");
                    self.push(TokenKind::Illegal, start);
                }
                _ => self.token(c, start),
            }
        }
    }

    fn token(&mut self, c: char, start: usize) {
        use TokenKind::*;
        if c.is_ascii_digit() {
            let kind = self.scan_number(false);
            self.push(kind, start);
            return;
        }
        if c == '#' {
            // Raw string `#"..."#`, or a definition identifier.
            let mut n = 0;
            while self.peek_at(n) == Some('#') {
                n += 1;
            }
            if matches!(self.peek_at(n), Some('"') | Some('\'')) {
                self.pos += n;
                self.string_start(start, n);
                return;
            }
            // `#` alone is an identifier; `#name` is a definition.
            self.pos += 1;
            if !self.peek().is_some_and(|d| d.is_ascii_digit()) {
                self.scan_ident_rest();
            }
            self.push(Ident, start);
            return;
        }
        if c == '_' {
            if self
                .src
                .get(self.pos..)
                .is_some_and(|s| s.starts_with("_|_"))
            {
                self.pos += 3;
                self.push(Bottom, start);
                return;
            }
            self.pos += 1;
            if self.peek() == Some('#') {
                self.pos += 1;
            }
            self.scan_ident_rest();
            if self.src.get(start..self.pos) == Some("__") && self.peek() == Some('#') {
                self.pos += 1;
                self.scan_ident_rest();
                let text = self.src.get(start..self.pos).unwrap_or("");
                self.error(start, self.pos, format!("illegal token {text:?}"));
                self.push(Illegal, start);
                return;
            }
            self.push(Ident, start);
            return;
        }
        if is_letter(c) || c == '$' {
            self.scan_ident_rest();
            self.push(Ident, start);
            return;
        }
        self.pos += c.len_utf8();
        let next = self.peek();
        let kind = match c {
            '"' | '\'' => {
                self.pos = start;
                self.string_start(start, 0);
                return;
            }
            '@' => {
                self.scan_attribute(start);
                Attribute
            }
            ':' => Colon,
            ';' => Semicolon,
            '?' => Question,
            '~' => Tilde,
            '.' => {
                if next.is_some_and(|d| d.is_ascii_digit()) {
                    self.scan_number(true)
                } else if next == Some('.') {
                    if self.peek_at(1) == Some('.') {
                        self.pos += 2;
                        Ellipsis
                    } else {
                        self.pos += 1;
                        self.error(start, self.pos, "illegal token '..'; expected '.'");
                        Illegal
                    }
                } else {
                    Period
                }
            }
            ',' => Comma,
            '(' => {
                if let Some(q) = self.quotes.last_mut() {
                    q.depth += 1;
                }
                LParen
            }
            ')' => {
                if let Some(q) = self.quotes.last_mut() {
                    if q.depth == 0 {
                        let quote = *q;
                        self.quotes.pop();
                        let kind = self.scan_string(start, quote, true);
                        self.push(kind, start);
                        return;
                    }
                    q.depth -= 1;
                }
                RParen
            }
            '[' => LBrack,
            ']' => RBrack,
            '{' => LBrace,
            '}' => RBrace,
            '+' => Add,
            '-' => Sub,
            '*' => Mul,
            '/' => Quo,
            '<' => match next {
                Some('-') => {
                    self.pos += 1;
                    Arrow
                }
                Some('=') => {
                    self.pos += 1;
                    Leq
                }
                _ => Lss,
            },
            '>' => {
                if next == Some('=') {
                    self.pos += 1;
                    Geq
                } else {
                    Gtr
                }
            }
            '=' => match next {
                Some('~') => {
                    self.pos += 1;
                    Mat
                }
                Some('=') => {
                    self.pos += 1;
                    Eql
                }
                _ => Bind,
            },
            '!' => match next {
                Some('~') => {
                    self.pos += 1;
                    Nmat
                }
                Some('=') => {
                    self.pos += 1;
                    Neq
                }
                _ => Not,
            },
            '&' => {
                if next == Some('&') {
                    self.pos += 1;
                    Land
                } else {
                    And
                }
            }
            '|' => {
                if next == Some('|') {
                    self.pos += 1;
                    Lor
                } else {
                    Or
                }
            }
            _ => {
                self.error(
                    start,
                    self.pos,
                    format!("illegal character U+{:04X} '{}'", u32::from(c), c),
                );
                Illegal
            }
        };
        self.push(kind, start);
    }

    fn scan_ident_rest(&mut self) {
        let bytes = self.src.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'$' => self.pos += 1,
                _ if b.is_ascii() => return,
                _ => break,
            }
        }
        while let Some(c) = self.peek() {
            if !is_ident_char(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    /// Scans an attribute body after `@`: a name and a balanced `( ... )`.
    fn scan_attribute(&mut self, start: usize) {
        self.scan_ident_rest();
        while matches!(self.peek(), Some(' ') | Some('\t')) {
            self.pos += 1;
        }
        if self.peek() != Some('(') {
            self.error(start, self.pos, "invalid attribute: expected '('");
            return;
        }
        let mut stack: Vec<char> = Vec::new();
        while let Some(c) = self.bump() {
            match c {
                '(' => stack.push(')'),
                '[' => stack.push(']'),
                '{' => stack.push('}'),
                ')' | ']' | '}' => {
                    if stack.last() == Some(&c) {
                        stack.pop();
                        if stack.is_empty() {
                            return;
                        }
                    } else {
                        let at = self.pos - 1;
                        self.error(at, self.pos, format!("unexpected '{c}'"));
                    }
                }
                '"' | '\'' | '#' => {
                    self.pos -= 1;
                    self.skip_attr_string();
                }
                _ => {}
            }
        }
        self.error(start, self.pos, "attribute missing ')'");
    }

    /// Skips a string literal (any form) inside an attribute body.
    fn skip_attr_string(&mut self) {
        let mut hashes = 0;
        while self.peek() == Some('#') {
            self.pos += 1;
            hashes += 1;
        }
        let Some(q) = self.peek().filter(|c| *c == '"' || *c == '\'') else {
            return;
        };
        let q3: String = std::iter::repeat_n(q, 3).collect();
        let multi = self.src.get(self.pos..).is_some_and(|s| s.starts_with(&q3));
        let close = format!(
            "{}{}",
            if multi { q3.as_str() } else { &q3[..1] },
            "#".repeat(hashes)
        );
        self.pos += if multi { 3 } else { 1 };
        let esc = format!("\\{}", "#".repeat(hashes));
        while let Some(c) = self.peek() {
            let rest = self.src.get(self.pos..).unwrap_or("");
            if rest.starts_with(&esc) {
                self.pos += esc.len();
                if let Some(c) = self.peek() {
                    self.pos += c.len_utf8();
                }
                continue;
            }
            if rest.starts_with(&close) {
                self.pos += close.len();
                return;
            }
            if c == '\n' && !multi {
                return;
            }
            self.pos += c.len_utf8();
        }
    }
}

#[cfg(test)]
mod tests;
