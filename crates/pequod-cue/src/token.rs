//! Tokens produced by the lexer.

use crate::source::Span;

/// The kind of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An identifier or keyword (`foo`, `#Def`, `_hidden`, `if`, `true`, ...).
    Ident,
    /// An integer literal, including SI multipliers (`1Ki`).
    Int,
    /// A floating-point literal.
    Float,
    /// A complete string or bytes literal.
    String,
    /// The first fragment of an interpolated string, up to and including `\(`.
    InterpStart,
    /// A middle fragment of an interpolated string, from `)` to the next `\(`.
    InterpMid,
    /// The last fragment of an interpolated string, from `)` to the closing quote.
    InterpEnd,
    /// An attribute `@name(...)`, kept verbatim.
    Attribute,
    /// `_|_`
    Bottom,
    /// `,` (explicit, or inserted at a newline or end of file).
    Comma,
    /// `:`
    Colon,
    /// `;`
    Semicolon,
    /// `?`
    Question,
    /// `!`
    Not,
    /// `~`
    Tilde,
    /// `.`
    Period,
    /// `...`
    Ellipsis,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBrack,
    /// `]`
    RBrack,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Quo,
    /// `<`
    Lss,
    /// `<=`
    Leq,
    /// `>`
    Gtr,
    /// `>=`
    Geq,
    /// `==`
    Eql,
    /// `!=`
    Neq,
    /// `=~`
    Mat,
    /// `!~`
    Nmat,
    /// `=`
    Bind,
    /// `&`
    And,
    /// `|`
    Or,
    /// `&&`
    Land,
    /// `||`
    Lor,
    /// `<-`
    Arrow,
    /// A character that starts no token.
    Illegal,
    /// End of input.
    Eof,
}

impl TokenKind {
    /// A short description used in error messages, like the official parser's.
    pub fn describe(self) -> &'static str {
        use TokenKind::*;
        match self {
            Ident => "IDENT",
            Int => "INT",
            Float => "FLOAT",
            String => "STRING",
            InterpStart | InterpMid | InterpEnd => "INTERPOLATION",
            Attribute => "@",
            Bottom => "_|_",
            Comma => ",",
            Colon => ":",
            Semicolon => ";",
            Question => "?",
            Not => "!",
            Tilde => "~",
            Period => ".",
            Ellipsis => "...",
            LParen => "(",
            RParen => ")",
            LBrack => "[",
            RBrack => "]",
            LBrace => "{",
            RBrace => "}",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Quo => "/",
            Lss => "<",
            Leq => "<=",
            Gtr => ">",
            Geq => ">=",
            Eql => "==",
            Neq => "!=",
            Mat => "=~",
            Nmat => "!~",
            Bind => "=",
            And => "&",
            Or => "|",
            Land => "&&",
            Lor => "||",
            Arrow => "<-",
            Illegal => "ILLEGAL",
            Eof => "EOF",
        }
    }

    /// Whether a newline after this token inserts a comma.
    pub fn inserts_comma(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Ident
                | Int
                | Float
                | String
                | InterpEnd
                | Attribute
                | Bottom
                | Semicolon
                | Question
                | Ellipsis
                | RParen
                | RBrack
                | RBrace
        )
    }
}

/// A token with its span in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What kind of token this is.
    pub kind: TokenKind,
    /// Where it is; empty for commas inserted at a newline or end of file.
    pub span: Span,
    /// Whether a newline separates this token from the previous one.
    pub newline_before: bool,
}

/// Words that are keywords in some positions; all may also be used as labels.
pub const KEYWORDS: &[&str] = &[
    "package", "import", "for", "in", "if", "let", "true", "false", "null", "func",
];
