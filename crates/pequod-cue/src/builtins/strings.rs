//! The `strings` and `regexp` packages.

use std::rc::Rc;

use super::{Args, arg_err, regex, unknown};
use crate::value::Value;

fn s(x: String) -> Value {
    Value::String(Rc::from(x))
}

fn count(n: usize) -> Value {
    Value::int(n as i64)
}

pub(crate) fn call(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    Ok(match f {
        "Join" => {
            let items = a.strings(0)?;
            let sep = a.string(1)?;
            s(items.join(&sep))
        }
        "Split" => {
            let x = a.string(0)?;
            let sep = a.string(1)?;
            let parts: Vec<Value> = if sep.is_empty() {
                x.chars().map(|c| s(c.to_string())).collect()
            } else {
                x.split(sep.as_str()).map(|p| s(p.to_string())).collect()
            };
            a.ev.make_list(parts)
        }
        "SplitN" => {
            let x = a.string(0)?;
            let sep = a.string(1)?;
            let n = a.small(2)?;
            let parts: Vec<Value> = if n < 0 {
                x.split(sep.as_str()).map(|p| s(p.to_string())).collect()
            } else {
                x.splitn(n as usize, sep.as_str())
                    .map(|p| s(p.to_string()))
                    .collect()
            };
            a.ev.make_list(parts)
        }
        "Fields" => {
            let x = a.string(0)?;
            let parts = x.split_whitespace().map(|p| s(p.to_string())).collect();
            a.ev.make_list(parts)
        }
        "Contains" => Value::Bool(a.string(0)?.contains(a.string(1)?.as_str())),
        "ContainsAny" => {
            let x = a.string(0)?;
            let chars = a.string(1)?;
            Value::Bool(x.chars().any(|c| chars.contains(c)))
        }
        "HasPrefix" => Value::Bool(a.string(0)?.starts_with(a.string(1)?.as_str())),
        "HasSuffix" => Value::Bool(a.string(0)?.ends_with(a.string(1)?.as_str())),
        "ToUpper" => s(a.string(0)?.to_uppercase()),
        "ToLower" => s(a.string(0)?.to_lowercase()),
        "ToTitle" => s(a.string(0)?.to_uppercase()),
        "Title" => {
            let x = a.string(0)?;
            let mut out = String::new();
            let mut prev = ' ';
            for c in x.chars() {
                if prev.is_whitespace() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                prev = c;
            }
            s(out)
        }
        "Replace" => {
            let x = a.string(0)?;
            let old = a.string(1)?;
            let new = a.string(2)?;
            let n = a.small(3)?;
            if n < 0 {
                s(x.replace(&old, &new))
            } else {
                s(x.replacen(&old, &new, n as usize))
            }
        }
        "TrimSpace" => s(a.string(0)?.trim().to_string()),
        "Trim" => {
            let x = a.string(0)?;
            let cut = a.string(1)?;
            s(x.trim_matches(|c| cut.contains(c)).to_string())
        }
        "TrimLeft" => {
            let x = a.string(0)?;
            let cut = a.string(1)?;
            s(x.trim_start_matches(|c| cut.contains(c)).to_string())
        }
        "TrimRight" => {
            let x = a.string(0)?;
            let cut = a.string(1)?;
            s(x.trim_end_matches(|c| cut.contains(c)).to_string())
        }
        "TrimPrefix" => {
            let x = a.string(0)?;
            let p = a.string(1)?;
            s(x.strip_prefix(p.as_str()).unwrap_or(&x).to_string())
        }
        "TrimSuffix" => {
            let x = a.string(0)?;
            let p = a.string(1)?;
            s(x.strip_suffix(p.as_str()).unwrap_or(&x).to_string())
        }
        "Repeat" => {
            let x = a.string(0)?;
            let n = a.small(1)?;
            if n < 0 || (n as usize).saturating_mul(x.len()) > 1 << 24 {
                return Err(arg_err(&a.name, "invalid count"));
            }
            s(x.repeat(n as usize))
        }
        "Index" => {
            let x = a.string(0)?;
            let sub = a.string(1)?;
            Value::int(x.find(sub.as_str()).map_or(-1, |i| i as i64))
        }
        "LastIndex" => {
            let x = a.string(0)?;
            let sub = a.string(1)?;
            Value::int(x.rfind(sub.as_str()).map_or(-1, |i| i as i64))
        }
        "Count" => {
            let x = a.string(0)?;
            let sub = a.string(1)?;
            if sub.is_empty() {
                count(x.chars().count() + 1)
            } else {
                count(x.matches(sub.as_str()).count())
            }
        }
        "SliceRunes" => {
            let x: Vec<char> = a.string(0)?.chars().collect();
            let start = a.small(1)?;
            let end = a.small(2)?;
            if start < 0 || end < start || end as usize > x.len() {
                return Err(arg_err(&a.name, "index out of range"));
            }
            s(x[start as usize..end as usize].iter().collect())
        }
        "MinRunes" => Value::Bool(a.string(0)?.chars().count() as i64 >= a.small(1)?),
        "MaxRunes" => Value::Bool(a.string(0)?.chars().count() as i64 <= a.small(1)?),
        "Runes" => {
            let x = a.string(0)?;
            let items = x.chars().map(|c| Value::int(c as i64)).collect();
            a.ev.make_list(items)
        }
        _ => return Err(unknown(a)),
    })
}

pub(crate) fn call_regexp(a: &mut Args<'_, '_>, f: &str) -> Result<Value, Value> {
    let pat = a.string(0)?;
    let re = regex(&pat).map_err(|e| arg_err(&a.name, e))?;
    Ok(match f {
        "Match" => Value::Bool(re.is_match(&a.string(1)?)),
        "Find" => {
            let x = a.string(1)?;
            match re.find(&x) {
                Some(m) => s(m.as_str().to_string()),
                None => return Err(arg_err(&a.name, "no match")),
            }
        }
        "FindAll" => {
            let x = a.string(1)?;
            let n = a.small(2)?;
            let mut items: Vec<Value> = re
                .find_iter(&x)
                .map(|m| s(m.as_str().to_string()))
                .collect();
            if n >= 0 {
                items.truncate(n as usize);
            }
            if items.is_empty() {
                return Err(arg_err(&a.name, "no match"));
            }
            a.ev.make_list(items)
        }
        "FindSubmatch" => {
            let x = a.string(1)?;
            let Some(caps) = re.captures(&x) else {
                return Err(arg_err(&a.name, "no match"));
            };
            let items = caps
                .iter()
                .map(|m| s(m.map_or("", |m| m.as_str()).to_string()))
                .collect();
            a.ev.make_list(items)
        }
        "FindNamedSubmatch" => {
            let x = a.string(1)?;
            let Some(caps) = re.captures(&x) else {
                return Err(arg_err(&a.name, "no match"));
            };
            let fields = re
                .capture_names()
                .flatten()
                .map(|n| {
                    (
                        n.to_string(),
                        s(caps.name(n).map_or("", |m| m.as_str()).to_string()),
                    )
                })
                .collect();
            a.ev.make_struct(fields)
        }
        "ReplaceAll" => {
            let x = a.string(1)?;
            let r = a.string(2)?;
            s(re.replace_all(&x, r.as_str()).into_owned())
        }
        "ReplaceAllLiteral" => {
            let x = a.string(1)?;
            let r = a.string(2)?;
            s(re.replace_all(&x, regex::NoExpand(&r)).into_owned())
        }
        _ => return Err(unknown(a)),
    })
}
