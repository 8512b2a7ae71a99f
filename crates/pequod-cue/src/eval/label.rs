//! Field labels.

use std::fmt;
use std::rc::Rc;

/// The label of an arc: a field name of some kind, or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// A regular field.
    Field(Rc<str>),
    /// A definition `#x`.
    Def(Rc<str>),
    /// A hidden field `_x` or hidden definition `_#x`.
    Hidden(Rc<str>),
    /// A list element.
    Index(usize),
}

impl Label {
    /// Classifies an identifier label.
    pub fn ident(name: &str) -> Label {
        if name.starts_with('#') {
            Label::Def(Rc::from(name))
        } else if name.starts_with('_') && name != "_" {
            Label::Hidden(Rc::from(name))
        } else {
            Label::Field(Rc::from(name))
        }
    }

    /// A regular field from a quoted or dynamic label.
    pub fn field(name: &str) -> Label {
        Label::Field(Rc::from(name))
    }

    /// Whether it is a regular field (exported, subject to closedness).
    pub fn is_regular(&self) -> bool {
        matches!(self, Label::Field(_))
    }

    /// Whether it is a definition.
    pub fn is_def(&self) -> bool {
        match self {
            Label::Def(_) => true,
            Label::Hidden(n) => n.starts_with("_#"),
            _ => false,
        }
    }

    /// The label as it appears in a path, quoted if needed.
    pub fn selector(&self) -> String {
        match self {
            Label::Field(n) => {
                if is_identifier(n) {
                    n.to_string()
                } else {
                    crate::value::format::quote_str(n)
                }
            }
            Label::Def(n) | Label::Hidden(n) => n.to_string(),
            Label::Index(i) => i.to_string(),
        }
    }

    /// The field name (for regular, hidden and definition labels).
    pub fn name(&self) -> Option<&str> {
        match self {
            Label::Field(n) | Label::Def(n) | Label::Hidden(n) => Some(n),
            Label::Index(_) => None,
        }
    }
}

/// Whether `s` is a valid CUE identifier.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' || c == '$' || c == '#' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.selector())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify() {
        assert!(Label::ident("#A").is_def());
        assert!(Label::ident("_#A").is_def());
        assert!(!Label::ident("_a").is_regular());
        assert_eq!(Label::field("a-b").selector(), "\"a-b\"");
    }
}
