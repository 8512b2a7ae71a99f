//! The `encoding/csv` package, with the rules and errors of Go's
//! `encoding/csv` (every record as long as the first, `""` quoting).

use super::{Args, arg_err, unknown};
use crate::value::Value;

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    match f {
        "Decode" => {
            let text = String::from_utf8_lossy(&a.bytes(0)?).into_owned();
            let records = decode(&text).map_err(|e| arg_err(&a.name, e))?;
            let rows = records
                .into_iter()
                .map(|r| {
                    let fields = r.iter().map(|s| Value::str(s)).collect();
                    a.ev.make_list(fields)
                })
                .collect();
            Ok(a.ev.make_list(rows))
        }
        "Encode" => {
            let rows = a.concrete_list(0)?;
            let mut out = String::new();
            for row in rows {
                a.vals = vec![row];
                let fields = a.concrete_list(0)?;
                for (i, v) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let s = match v {
                        Value::String(s) => s.to_string(),
                        Value::Vertex(_) => crate::export::to_json(a.ev, v.clone(), None, None)
                            .map_err(|e| arg_err(&a.name, e))?,
                        v => v.to_string(),
                    };
                    write_field(&s, &mut out);
                }
                out.push('\n');
            }
            Ok(Value::str(&out))
        }
        _ => Err(unknown(a)),
    }
}

/// Appends a field, quoted where Go's writer quotes it.
fn write_field(s: &str, out: &mut String) {
    let quote = s == "\\."
        || s.contains([',', '"', '\r', '\n'])
        || s.chars().next().is_some_and(char::is_whitespace);
    if !quote {
        out.push_str(s);
        return;
    }
    out.push('"');
    out.push_str(&s.replace('"', "\"\""));
    out.push('"');
}

/// The records of `text`; empty lines are skipped.
fn decode(text: &str) -> Result<Vec<Vec<String>>, String> {
    let text = text.replace("\r\n", "\n");
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        if chars.peek() == Some(&'\n') {
            chars.next();
            line += 1;
            continue;
        }
        let start = line;
        let mut record = Vec::new();
        let mut col = 0;
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                col += 1;
                loop {
                    match chars.next() {
                        None => return Err(quote_err(line, col + 1)),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            col += 2;
                            field.push('"');
                        }
                        Some('"') => {
                            col += 1;
                            if !matches!(chars.peek(), None | Some(',' | '\n')) {
                                return Err(quote_err(line, col + 1));
                            }
                            break;
                        }
                        Some(c) => {
                            col += 1;
                            if c == '\n' {
                                line += 1;
                                col = 0;
                            }
                            field.push(c);
                        }
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\n' {
                        break;
                    }
                    col += 1;
                    if c == '"' {
                        return Err(format!(
                            "parse error on line {line}, column {col}: bare \" in non-quoted-field"
                        ));
                    }
                    field.push(c);
                    chars.next();
                }
            }
            record.push(field);
            match chars.next() {
                Some(',') => col += 1,
                _ => break,
            }
        }
        line += 1;
        if let Some(first) = records.first()
            && first.len() != record.len()
        {
            return Err(format!("record on line {start}: wrong number of fields"));
        }
        records.push(record);
    }
    Ok(records)
}

fn quote_err(line: usize, col: usize) -> String {
    format!("parse error on line {line}, column {col}: extraneous or missing \" in quoted-field")
}
