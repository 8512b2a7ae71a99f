//! Kinds of values as a bit set.

use std::fmt;
use std::ops::{BitAnd, BitOr};

/// A set of value kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kind(pub u16);

impl Kind {
    /// No kind: bottom.
    pub const BOTTOM: Kind = Kind(0);
    /// `null`
    pub const NULL: Kind = Kind(1);
    /// `bool`
    pub const BOOL: Kind = Kind(2);
    /// `int`
    pub const INT: Kind = Kind(4);
    /// `float`
    pub const FLOAT: Kind = Kind(8);
    /// `string`
    pub const STRING: Kind = Kind(16);
    /// `bytes`
    pub const BYTES: Kind = Kind(32);
    /// lists
    pub const LIST: Kind = Kind(64);
    /// structs
    pub const STRUCT: Kind = Kind(128);
    /// functions
    pub const FUNC: Kind = Kind(256);
    /// `number`
    pub const NUMBER: Kind = Kind(4 | 8);
    /// Every kind: top.
    pub const TOP: Kind = Kind(511);

    /// Whether every kind of `other` is in `self`.
    pub fn contains(self, other: Kind) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no kind is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether `self` and `other` share a kind.
    pub fn overlaps(self, other: Kind) -> bool {
        self.0 & other.0 != 0
    }
}

impl BitOr for Kind {
    type Output = Kind;
    fn bitor(self, rhs: Kind) -> Kind {
        Kind(self.0 | rhs.0)
    }
}

impl BitAnd for Kind {
    type Output = Kind;
    fn bitand(self, rhs: Kind) -> Kind {
        Kind(self.0 & rhs.0)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Kind::TOP {
            return f.write_str("_");
        }
        if self.is_empty() {
            return f.write_str("_|_");
        }
        let names: [(Kind, &str); 9] = [
            (Kind::NULL, "null"),
            (Kind::BOOL, "bool"),
            (Kind::NUMBER, "number"),
            (Kind::INT, "int"),
            (Kind::FLOAT, "float"),
            (Kind::STRING, "string"),
            (Kind::BYTES, "bytes"),
            (Kind::LIST, "list"),
            (Kind::STRUCT, "struct"),
        ];
        let mut rest = *self;
        let mut parts = Vec::new();
        for (k, n) in names {
            if rest.contains(k) && !k.is_empty() {
                parts.push(n);
                rest = Kind(rest.0 & !k.0);
            }
        }
        if rest.contains(Kind::FUNC) && !rest.is_empty() {
            parts.push("func");
        }
        f.write_str(&parts.join("|"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!(Kind::NUMBER.to_string(), "number");
        assert_eq!((Kind::INT | Kind::STRING).to_string(), "int|string");
        assert_eq!(Kind::TOP.to_string(), "_");
    }
}
