//! An expression written back as `cue eval` shows a value it cannot
//! compute yet (`a: b + 1`, `s: list.Sort(x, cmp)`): one line, in the
//! official formatter's spacing.

use crate::ast::{Expr, UnaryOp};
use crate::eval::ops_str;
use crate::value::format::quote_str;

/// The expression on one line; `None` for forms not written this way (the
/// caller falls back to the value).
pub(crate) fn text(e: &Expr) -> Option<String> {
    if let Some(t) = leaf_text(e) {
        return Some(t);
    }
    Some(match e {
        Expr::Paren(x, _) => format!("({})", text(x)?),
        Expr::Selector(x, sel, _) => {
            let name = match sel {
                crate::ast::Selector::Ident(i) => i.name.to_string(),
                crate::ast::Selector::String(s) => quote_str(&s.text()),
            };
            format!("{}.{name}", text(x)?)
        }
        Expr::Index(x, i, _) => format!("{}[{}]", text(x)?, text(i)?),
        Expr::Call(f, args, _) => {
            let args: Option<Vec<String>> = args.iter().map(text).collect();
            format!("{}({})", text(f)?, args?.join(", "))
        }
        Expr::Binary(op, l, r, _) => format!("{} {} {}", text(l)?, ops_str(*op), text(r)?),
        Expr::Unary(op, x, _) => {
            let op = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Pos => "+",
                UnaryOp::Not => "!",
                _ => return None,
            };
            format!("{op}{}", text(x)?)
        }
        _ => return None,
    })
}

/// A name or a scalar literal as written; `None` for anything else.
pub(crate) fn leaf_text(e: &Expr) -> Option<String> {
    Some(match e {
        Expr::Ident(i) => i.name.to_string(),
        Expr::Number(n) => n.text.clone(),
        Expr::String(s) if !s.is_bytes => quote_str(&s.text()),
        Expr::Bool(b, _) => b.to_string(),
        Expr::Null(_) => "null".into(),
        _ => return None,
    })
}
