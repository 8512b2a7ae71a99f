//! The `encoding/json` package.

use std::rc::Rc;
use std::str::FromStr;

use bigdecimal::BigDecimal;
use num_bigint::BigInt;

use super::{Args, arg_err, unknown};
use crate::eval::Evaluator;
use crate::value::Value;

/// A small JSON parser that keeps object field order.
struct Parser<'s> {
    s: &'s [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn string(&mut self) -> Option<String> {
        let start = self.i;
        self.i += 1;
        let mut escaped = false;
        while let Some(c) = self.peek() {
            self.i += 1;
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                let raw = std::str::from_utf8(&self.s[start..self.i]).ok()?;
                return serde_json::from_str::<String>(raw).ok();
            }
        }
        None
    }

    fn value(&mut self, ev: &mut Evaluator<'_>, depth: usize) -> Option<Value> {
        if depth > 500 {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'{' => {
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Some(ev.make_struct(fields));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return None;
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return None;
                    }
                    self.i += 1;
                    let v = self.value(ev, depth + 1)?;
                    fields.push((k, v));
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(ev.make_struct(fields));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Some(ev.make_list(items));
                }
                loop {
                    items.push(self.value(ev, depth + 1)?);
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(ev.make_list(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(|s| Value::String(Rc::from(s))),
            b't' if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Some(Value::Bool(true))
            }
            b'f' if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Some(Value::Bool(false))
            }
            b'n' if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Some(Value::Null)
            }
            _ => {
                let start = self.i;
                while let Some(c) = self.peek() {
                    if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E') {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).ok()?;
                if t.contains(['.', 'e', 'E']) {
                    BigDecimal::from_str(t).ok().map(Value::Float)
                } else {
                    BigInt::from_str(t).ok().map(Value::Int)
                }
            }
        }
    }
}

/// Parses JSON text into a value, keeping field order.
pub(crate) fn parse(ev: &mut Evaluator<'_>, text: &str) -> Option<Value> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value(ev, 0)?;
    p.ws();
    if p.i == p.s.len() { Some(v) } else { None }
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "Marshal" => {
            let v = a.vals.first().cloned().unwrap_or(Value::Top);
            match crate::export::to_json(a.ev, v, None, None) {
                Ok(s) => Value::String(Rc::from(s)),
                Err(e) => {
                    return Err(Value::err(
                        e.code,
                        format!("error in call to {}: {}", a.name, e),
                    ));
                }
            }
        }
        "Unmarshal" => {
            let s = a.string(0)?;
            match parse(a.ev, &s) {
                Some(v) => v,
                None => return Err(arg_err(&a.name, "invalid JSON")),
            }
        }
        "Valid" => {
            let s = a.string(0)?;
            Value::Bool(serde_json::from_str::<serde_json::Value>(&s).is_ok())
        }
        "Indent" => {
            let s = a.string(0)?;
            let prefix = a.string(1)?;
            let indent = a.string(2)?;
            let Some(v) = parse(a.ev, &s) else {
                return Err(arg_err(&a.name, "invalid JSON"));
            };
            let _ = prefix;
            match crate::export::to_json(a.ev, v, None, Some(&indent)) {
                Ok(s) => Value::String(Rc::from(s)),
                Err(e) => return Err(arg_err(&a.name, e)),
            }
        }
        _ => return Err(unknown(a)),
    })
}
