//! The value lattice: scalars, basic types, bounds, disjunctions, and
//! references to evaluated structs and lists.

pub mod format;
mod kind;
mod named;
pub(crate) use named::named_type;

use std::fmt;
use std::rc::Rc;

use bigdecimal::BigDecimal;
use num_bigint::BigInt;

pub use kind::Kind;

use crate::source::Span;

/// An index into the evaluator's vertex arena (a struct or list).
pub type VId = usize;

/// The class of an error, as the conformance corpus names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A permanent evaluation error (conflict, out of bound, ...).
    Eval,
    /// A value is not yet known (a reference to a non-concrete value).
    Incomplete,
    /// A reference cycle between non-struct values.
    Cycle,
    /// A struct refers to itself so that it would be infinite.
    Structural,
    /// An error produced by the `error` builtin or `_|_`.
    User,
}

impl ErrorCode {
    /// The name used in `@test(err, code=...)`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::Eval => "eval",
            ErrorCode::Incomplete => "incomplete",
            ErrorCode::Cycle => "cycle",
            ErrorCode::Structural => "structural_cycle",
            ErrorCode::User => "user",
        }
    }
}

/// An evaluation error: a bottom value.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// The class of the error.
    pub code: ErrorCode,
    /// The message, without path.
    pub msg: String,
    /// Source spans involved, in the file named by `file`.
    pub spans: Vec<(usize, Span)>,
}

impl Error {
    /// Creates an error without positions.
    pub fn new(code: ErrorCode, msg: impl Into<String>) -> Rc<Error> {
        Rc::new(Error {
            code,
            msg: msg.into(),
            spans: Vec::new(),
        })
    }
}

/// A comparison or match bound such as `>=0` or `=~"^a"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `!=`
    Ne,
    /// `=~`
    Match,
    /// `!~`
    NotMatch,
}

impl BoundOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BoundOp::Lt => "<",
            BoundOp::Le => "<=",
            BoundOp::Gt => ">",
            BoundOp::Ge => ">=",
            BoundOp::Ne => "!=",
            BoundOp::Match => "=~",
            BoundOp::NotMatch => "!~",
        }
    }
}

/// A non-concrete scalar constraint: allowed kinds and bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The kinds still allowed.
    pub kinds: Kind,
    /// Bounds, each with its operand (a concrete scalar).
    pub bounds: Vec<(BoundOp, Value)>,
}

/// One alternative of a disjunction.
#[derive(Debug, Clone, PartialEq)]
pub struct Disjunct {
    /// The value.
    pub value: Value,
    /// Whether it is marked as a default (`*`).
    pub default: bool,
}

/// A CUE value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `_`
    #[default]
    Top,
    /// An error.
    Bottom(Rc<Error>),
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(BigInt),
    /// A decimal floating-point number.
    Float(BigDecimal),
    /// A string.
    String(Rc<str>),
    /// Bytes.
    Bytes(Rc<[u8]>),
    /// A basic type with bounds (`int`, `>=0`, `string & =~"a"`).
    Constraint(Rc<Constraint>),
    /// A disjunction of two or more values.
    Disjunction(Rc<Vec<Disjunct>>),
    /// A struct or list in the evaluator's arena.
    Vertex(VId),
    /// A builtin function.
    Builtin(Rc<str>),
    /// A builtin used as a validator, such as `strings.MinRunes(3)`: the
    /// function and the arguments after the validated value.
    Validator(Rc<(Rc<str>, Vec<Value>)>),
}

impl Value {
    /// Makes an error value.
    pub fn err(code: ErrorCode, msg: impl Into<String>) -> Value {
        Value::Bottom(Error::new(code, msg))
    }

    /// Makes a string value.
    pub fn str(s: &str) -> Value {
        Value::String(Rc::from(s))
    }

    /// Makes an int value.
    pub fn int(i: i64) -> Value {
        Value::Int(BigInt::from(i))
    }

    /// A basic type of the given kinds.
    pub fn kind(kinds: Kind) -> Value {
        Value::Constraint(Rc::new(Constraint {
            kinds,
            bounds: Vec::new(),
        }))
    }

    /// Whether this is bottom.
    pub fn is_bottom(&self) -> bool {
        matches!(self, Value::Bottom(_))
    }

    /// The error, if bottom.
    pub fn as_error(&self) -> Option<&Rc<Error>> {
        match self {
            Value::Bottom(e) => Some(e),
            _ => None,
        }
    }

    /// The kind of a scalar (structs and lists report through the evaluator).
    pub fn scalar_kind(&self) -> Kind {
        match self {
            Value::Top => Kind::TOP,
            Value::Bottom(_) => Kind::BOTTOM,
            Value::Null => Kind::NULL,
            Value::Bool(_) => Kind::BOOL,
            Value::Int(_) => Kind::INT,
            Value::Float(_) => Kind::FLOAT,
            Value::String(_) => Kind::STRING,
            Value::Bytes(_) => Kind::BYTES,
            Value::Constraint(c) => c.kinds,
            Value::Disjunction(d) => d
                .iter()
                .fold(Kind::BOTTOM, |k, v| k | v.value.scalar_kind()),
            Value::Vertex(_) => Kind::STRUCT | Kind::LIST,
            Value::Builtin(_) => Kind::FUNC,
            Value::Validator(_) => Kind::TOP,
        }
    }

    /// Whether the value is a concrete scalar.
    pub fn is_concrete_scalar(&self) -> bool {
        matches!(
            self,
            Value::Null
                | Value::Bool(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::String(_)
                | Value::Bytes(_)
        )
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::write_value(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_scalars() {
        assert_eq!(Value::int(1).scalar_kind(), Kind::INT);
        assert_eq!(Value::str("a").to_string(), "\"a\"");
        assert!(Value::Null.is_concrete_scalar());
        assert!(!Value::Top.is_concrete_scalar());
    }
}
