//! The abstract syntax tree of a CUE file.
//!
//! Every node carries a [`Span`] of byte offsets into its source. Literals keep
//! their source text next to their decoded value, so that numbers can later be
//! evaluated with arbitrary precision and a printer can reproduce them.

use crate::source::Span;

pub mod visit;

/// A parsed CUE file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    /// The file name given to the parser.
    pub name: String,
    /// Attributes before the package clause (`@experiment(...)`, `@if(...)`).
    pub attrs: Vec<Attribute>,
    /// The package clause, if any.
    pub package: Option<Package>,
    /// Import declarations, in order.
    pub imports: Vec<ImportDecl>,
    /// Top-level declarations.
    pub decls: Vec<Decl>,
    /// All `//` comments of the file, in source order.
    pub comments: Vec<Comment>,
    /// The whole file.
    pub span: Span,
}

/// A `//` comment; `text` includes the slashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment text, starting with `//`.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// `package name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// The package name.
    pub name: Ident,
    /// The whole clause.
    pub span: Span,
}

/// `import "path"` or `import ( ... )`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportDecl {
    /// The imported paths.
    pub specs: Vec<ImportSpec>,
    /// Whether the specs were grouped in parentheses.
    pub grouped: bool,
    /// The whole declaration.
    pub span: Span,
}

/// One imported path with an optional local name.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSpec {
    /// The local name (`name "path"`), if given.
    pub alias: Option<Ident>,
    /// The import path literal.
    pub path: StringLit,
    /// The whole spec.
    pub span: Span,
}

/// An identifier, keyword used as a name, `_` (top) or a definition name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name as written (`foo`, `#Foo`, `_foo`, `_#foo`).
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// What kind of name an identifier is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentKind {
    /// A regular name.
    Regular,
    /// `#Name`: a definition.
    Definition,
    /// `_name`: hidden.
    Hidden,
    /// `_#Name`: a hidden definition.
    HiddenDefinition,
}

impl Ident {
    /// Classifies the identifier by its prefix.
    pub fn kind(&self) -> IdentKind {
        if self.name.starts_with("_#") {
            IdentKind::HiddenDefinition
        } else if self.name.starts_with('#') {
            IdentKind::Definition
        } else if self.name.starts_with('_') && self.name != "_" {
            IdentKind::Hidden
        } else {
            IdentKind::Regular
        }
    }
}

/// A declaration inside a struct or at file level.
#[derive(Debug, Clone, PartialEq)]
pub enum Decl {
    /// `label: value`.
    Field(Field),
    /// An embedded expression (possibly `X=expr`).
    Embed(Embed),
    /// `let x = expr`.
    Let(LetClause),
    /// `for ... { }`, `if ... { }`, `try { }`.
    Comprehension(Comprehension),
    /// `...` or `...T`.
    Ellipsis(Ellipsis),
    /// A declaration attribute `@attr(...)`.
    Attribute(Attribute),
    /// A declaration that failed to parse.
    Bad(Span),
}

impl Decl {
    /// The span of the declaration.
    pub fn span(&self) -> Span {
        match self {
            Decl::Field(f) => f.span,
            Decl::Embed(e) => e.span,
            Decl::Let(l) => l.span,
            Decl::Comprehension(c) => c.span,
            Decl::Ellipsis(e) => e.span,
            Decl::Attribute(a) => a.span,
            Decl::Bad(s) => *s,
        }
    }
}

/// Whether a field is regular, optional (`?`) or required (`!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Constraint {
    /// A regular field.
    #[default]
    Regular,
    /// `label?: value`.
    Optional,
    /// `label!: value`.
    Required,
}

/// A field `label: value`, with its aliases and attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The label.
    pub label: Label,
    /// A label alias: `X=label` or the postfix `label~X` / `label~(K,V)`.
    pub alias: Option<LabelAlias>,
    /// `?`, `!` or none.
    pub constraint: Constraint,
    /// The value; for `a: b: 1` a [`StructLit`] without braces.
    pub value: Expr,
    /// Attributes after the value.
    pub attrs: Vec<Attribute>,
    /// The whole field.
    pub span: Span,
}

/// An alias on a field label.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelAlias {
    /// `X=label`: `X` refers to the field.
    Prefix(Ident),
    /// `label~X`: `X` refers to the field value.
    Postfix(Ident),
    /// `label~(K,V)`: `K` is the label and `V` the field value; either may be `_`.
    PostfixPair(Ident, Ident),
}

/// A field label.
#[derive(Debug, Clone, PartialEq)]
pub enum Label {
    /// An identifier (including keywords such as `if` or `true` used as labels).
    Ident(Ident),
    /// A quoted string label.
    String(StringLit),
    /// An interpolated string label, evaluated dynamically.
    Interpolation(Interpolation),
    /// `(expr)`: a dynamic label.
    Dynamic(Box<Expr>, Span),
    /// `[expr]` or `[X=expr]`: a pattern constraint.
    Pattern(Pattern),
}

impl Label {
    /// The span of the label.
    pub fn span(&self) -> Span {
        match self {
            Label::Ident(i) => i.span,
            Label::String(s) => s.span,
            Label::Interpolation(i) => i.span,
            Label::Dynamic(_, s) => *s,
            Label::Pattern(p) => p.span,
        }
    }
}

/// A pattern constraint label `[X=expr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The alias `X`, bound to the matched label.
    pub alias: Option<Ident>,
    /// The pattern expression.
    pub expr: Box<Expr>,
    /// The brackets and their content.
    pub span: Span,
}

/// An embedded expression in a struct or file.
#[derive(Debug, Clone, PartialEq)]
pub struct Embed {
    /// The expression (an [`Expr::Alias`] for `X=expr`).
    pub expr: Expr,
    /// Attributes after the expression.
    pub attrs: Vec<Attribute>,
    /// Where it is.
    pub span: Span,
}

/// `let name = expr`, as a declaration or a comprehension clause.
#[derive(Debug, Clone, PartialEq)]
pub struct LetClause {
    /// The bound name.
    pub ident: Ident,
    /// Its value.
    pub expr: Expr,
    /// Where it is.
    pub span: Span,
}

/// `...` or `...T` in a struct or list.
#[derive(Debug, Clone, PartialEq)]
pub struct Ellipsis {
    /// The type `T` of additional fields or elements, if any.
    pub ty: Option<Box<Expr>>,
    /// Where it is.
    pub span: Span,
}

/// A comprehension: clauses, a struct body, and an optional fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct Comprehension {
    /// The clauses, first to last.
    pub clauses: Vec<Clause>,
    /// The body.
    pub body: StructLit,
    /// `else { }` / `fallback { }` after the body (experimental).
    pub fallback: Option<Fallback>,
    /// Where it is.
    pub span: Span,
}

/// The `else`/`fallback` part of a comprehension.
#[derive(Debug, Clone, PartialEq)]
pub struct Fallback {
    /// The keyword used (`else` or `fallback`).
    pub keyword: Ident,
    /// The body.
    pub body: StructLit,
}

/// A comprehension clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `for key, value in source` (key optional).
    For {
        /// The key variable, if two were given.
        key: Option<Ident>,
        /// The value variable.
        value: Ident,
        /// The iterated expression.
        source: Expr,
        /// Where it is.
        span: Span,
    },
    /// `if condition`.
    If {
        /// The condition.
        condition: Expr,
        /// Where it is.
        span: Span,
    },
    /// `let x = expr`.
    Let(LetClause),
    /// `try` or `try x = expr` (experimental).
    Try {
        /// The binding, for the assignment form.
        binding: Option<(Ident, Box<Expr>)>,
        /// Where it is.
        span: Span,
    },
}

/// An attribute `@name(body)`, kept verbatim and with its arguments split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The name after `@`.
    pub name: String,
    /// The raw text between the parentheses.
    pub body: String,
    /// The comma-separated arguments of the body.
    pub args: Vec<AttrArg>,
    /// The whole attribute, from `@` to `)`.
    pub span: Span,
}

/// One argument of an attribute: `value` or `key=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrArg {
    /// The key, for `key=value` arguments.
    pub key: Option<String>,
    /// The value, trimmed, as written.
    pub value: String,
    /// The span of the whole argument (trimmed).
    pub span: Span,
}

/// A unary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `+x`
    Pos,
    /// `-x`
    Neg,
    /// `!x`
    Not,
    /// `*x`: default marker.
    Default,
    /// `<x`
    Lt,
    /// `<=x`
    Le,
    /// `>x`
    Gt,
    /// `>=x`
    Ge,
    /// `==x`
    Eq,
    /// `!=x`
    Ne,
    /// `=~x`
    Match,
    /// `!~x`
    NotMatch,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `|`
    Disjunction,
    /// `&`
    Unification,
    /// `||`
    Or,
    /// `&&`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~`
    Match,
    /// `!~`
    NotMatch,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinaryOp {
    /// Precedence: higher binds tighter (`|` is 1, `*` and `/` are 7).
    pub fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            Disjunction => 1,
            Unification => 2,
            Or => 3,
            And => 4,
            Eq | Ne | Lt | Le | Gt | Ge | Match | NotMatch => 5,
            Add | Sub => 6,
            Mul | Div => 7,
        }
    }
}

/// A postfix operator (experimental syntax).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostfixOp {
    /// `x?`: an optional reference inside a `try` clause.
    Optional,
    /// `x...`: an explicitly opened struct.
    Open,
}

/// The kind of a number literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// An integer (including `1.5Gi`-style literals with a multiplier).
    Int,
    /// A decimal floating-point number.
    Float,
}

/// A number literal, kept as text with its parts separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberLit {
    /// The literal as written.
    pub text: String,
    /// Int or float.
    pub kind: NumberKind,
    /// 2, 8, 10 or 16.
    pub radix: u32,
    /// The mantissa without prefix, underscores or multiplier (may contain
    /// `.` and an exponent for decimals).
    pub digits: String,
    /// The SI multiplier suffix, such as `K` or `Gi`.
    pub multiplier: Option<String>,
    /// Where it is.
    pub span: Span,
}

/// A string or bytes literal without interpolation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLit {
    /// The literal as written, with quotes.
    pub raw: String,
    /// The decoded value (UTF-8 for strings, arbitrary for bytes).
    pub value: Vec<u8>,
    /// Whether it is a bytes (`'...'`) literal.
    pub is_bytes: bool,
    /// Where it is.
    pub span: Span,
}

impl StringLit {
    /// The decoded value as text (lossy for invalid UTF-8 bytes).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.value).into_owned()
    }
}

/// One part of an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum InterpPart {
    /// Literal text, decoded.
    Text(Vec<u8>),
    /// An interpolated expression.
    Expr(Expr),
}

/// An interpolated string `"a\(x)b"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Interpolation {
    /// The parts, alternating text and expressions, starting and ending with text.
    pub parts: Vec<InterpPart>,
    /// Whether it is a bytes literal.
    pub is_bytes: bool,
    /// Where it is.
    pub span: Span,
}

/// A struct literal `{ ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct StructLit {
    /// Declarations in order.
    pub decls: Vec<Decl>,
    /// False for the implicit struct of a shorthand field `a: b: c`.
    pub braces: bool,
    /// Where it is.
    pub span: Span,
}

/// An element of a list literal.
#[derive(Debug, Clone, PartialEq)]
pub enum ListElem {
    /// A value.
    Expr(Expr),
    /// A comprehension producing values.
    Comprehension(Comprehension),
}

/// A list literal `[a, b, ...T]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListLit {
    /// Elements before the ellipsis.
    pub elems: Vec<ListElem>,
    /// A trailing `...` or `...T`.
    pub ellipsis: Option<Ellipsis>,
    /// Where it is.
    pub span: Span,
}

/// A selector name after `.`: an identifier or a quoted string.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// `.name`
    Ident(Ident),
    /// `."name"`
    String(StringLit),
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A reference or `_`.
    Ident(Ident),
    /// `null`
    Null(Span),
    /// `true` or `false`.
    Bool(bool, Span),
    /// `_|_`
    Bottom(Span),
    /// A number.
    Number(NumberLit),
    /// A string or bytes literal.
    String(StringLit),
    /// An interpolated string or bytes literal.
    Interpolation(Interpolation),
    /// `{ ... }`
    Struct(StructLit),
    /// `[ ... ]`
    List(ListLit),
    /// `( expr )`
    Paren(Box<Expr>, Span),
    /// `x.sel`
    Selector(Box<Expr>, Selector, Span),
    /// `x[index]`
    Index(Box<Expr>, Box<Expr>, Span),
    /// `x[lo:hi]` (parsed for diagnostics; not part of CUE's value model).
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>, Span),
    /// `f(args)`
    Call(Box<Expr>, Vec<Expr>, Span),
    /// A unary operation.
    Unary(UnaryOp, Box<Expr>, Span),
    /// A binary operation.
    Binary(BinaryOp, Box<Expr>, Box<Expr>, Span),
    /// A postfix operation (experimental).
    Postfix(PostfixOp, Box<Expr>, Span),
    /// `X=expr`: an alias expression.
    Alias(Ident, Box<Expr>, Span),
    /// An expression that failed to parse.
    Bad(Span),
}

impl Expr {
    /// The span of the expression.
    pub fn span(&self) -> Span {
        match self {
            Expr::Ident(i) => i.span,
            Expr::Null(s) | Expr::Bool(_, s) | Expr::Bottom(s) | Expr::Bad(s) => *s,
            Expr::Number(n) => n.span,
            Expr::String(s) => s.span,
            Expr::Interpolation(i) => i.span,
            Expr::Struct(s) => s.span,
            Expr::List(l) => l.span,
            Expr::Paren(_, s)
            | Expr::Selector(_, _, s)
            | Expr::Index(_, _, s)
            | Expr::Slice(_, _, _, s)
            | Expr::Call(_, _, s)
            | Expr::Unary(_, _, s)
            | Expr::Binary(_, _, _, s)
            | Expr::Postfix(_, _, s)
            | Expr::Alias(_, _, s) => *s,
        }
    }
}
