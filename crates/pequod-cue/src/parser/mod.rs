//! The recursive-descent parser: tokens to [`ast::File`].
//!
//! [`parse_file`] is the entry point. The parser recovers from errors at
//! declaration and list element boundaries and reports several at once; it
//! never panics, and limits nesting depth so that hostile input cannot
//! exhaust the stack.

mod decl;
mod expr;
#[cfg(test)]
mod tests;

use crate::ast;
use crate::error::{ParseError, ParseErrors};
use crate::lexer::lex;
use crate::source::{SourceFile, Span};
use crate::token::{Token, TokenKind};

/// Maximum nesting of expressions before the parser gives up on a branch.
const MAX_DEPTH: usize = 120;
/// Maximum number of errors reported for one file.
const MAX_ERRORS: usize = 50;

/// Parses a CUE file, returning the AST or every syntax error found.
pub fn parse_file(name: &str, src: &str) -> Result<ast::File, ParseErrors> {
    let (file, errors) = parse_file_partial(name, src);
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(ParseErrors { errors })
    }
}

/// Parses a CUE file, returning the (possibly partial) AST and all errors.
pub fn parse_file_partial(name: &str, src: &str) -> (ast::File, Vec<ParseError>) {
    let source = SourceFile::new(name, src);
    let mut p = Parser::new(&source);
    let file = p.parse_file();
    (file, p.finish())
}

/// Parses a single expression, such as an attribute argument.
pub fn parse_expr(name: &str, src: &str) -> Result<ast::Expr, ParseErrors> {
    let source = SourceFile::new(name, src);
    let mut p = Parser::new(&source);
    let e = p.parse_alias_expr();
    if p.kind() == TokenKind::Comma && p.tok().span.is_empty() {
        p.next();
    }
    if p.kind() != TokenKind::Eof {
        p.error_expected("end of expression");
    }
    let errors = p.finish();
    if errors.is_empty() {
        Ok(e)
    } else {
        Err(ParseErrors { errors })
    }
}

pub(crate) struct Parser<'a> {
    src: &'a SourceFile,
    tokens: Vec<Token>,
    comments: Vec<Span>,
    pos: usize,
    errors: Vec<ParseError>,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a SourceFile) -> Self {
        let lexed = lex(src.text());
        let mut p = Parser {
            src,
            tokens: lexed.tokens,
            comments: lexed.comments,
            pos: 0,
            errors: Vec::new(),
            depth: 0,
        };
        for e in lexed.errors {
            p.error(e.span, e.message);
        }
        p
    }

    fn finish(mut self) -> Vec<ParseError> {
        self.errors.sort_by_key(|e| e.span.start);
        self.errors
    }

    // ---- token access -------------------------------------------------

    fn tok(&self) -> Token {
        self.peek(0)
    }

    fn peek(&self, n: usize) -> Token {
        self.tokens
            .get(self.pos + n)
            .or_else(|| self.tokens.last())
            .copied()
            .unwrap_or(Token {
                kind: TokenKind::Eof,
                span: Span::new(self.src.text().len(), self.src.text().len()),
                newline_before: false,
            })
    }

    fn kind(&self) -> TokenKind {
        self.tok().kind
    }

    fn text(&self, t: Token) -> &'a str {
        self.src.slice(t.span)
    }

    fn is_word(&self, word: &str) -> bool {
        let t = self.tok();
        t.kind == TokenKind::Ident && self.text(t) == word
    }

    fn peek_is(&self, n: usize, kind: TokenKind) -> bool {
        self.peek(n).kind == kind
    }

    fn next(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    /// The end offset of the previous token.
    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map(|t| t.span.end)
            .unwrap_or(0)
    }

    fn span_from(&self, start: usize) -> Span {
        Span::new(start, self.prev_end().max(start))
    }

    // ---- errors -------------------------------------------------------

    fn error(&mut self, span: Span, message: impl Into<String>) {
        if self.errors.len() >= MAX_ERRORS {
            return;
        }
        let e = ParseError::at(self.src, span, message);
        // Like the official parser, keep one error per line: later ones on
        // the same line are usually consequences of the first.
        if self.errors.iter().any(|x| x.line == e.line) {
            return;
        }
        self.errors.push(e);
    }

    fn describe(&self, t: Token) -> String {
        match t.kind {
            TokenKind::Comma if t.span.is_empty() => "newline".to_string(),
            TokenKind::Ident
            | TokenKind::Int
            | TokenKind::Float
            | TokenKind::String
            | TokenKind::InterpStart
            | TokenKind::InterpMid
            | TokenKind::InterpEnd => {
                format!("'{}' {}", t.kind.describe(), self.text(t))
            }
            k => format!("'{}'", k.describe()),
        }
    }

    fn error_expected(&mut self, what: &str) {
        let t = self.tok();
        let msg = format!("expected {what}, found {}", self.describe(t));
        self.error(t.span, msg);
    }

    fn expect(&mut self, kind: TokenKind) -> bool {
        if self.kind() == kind {
            self.next();
            true
        } else {
            self.error_expected(&format!("'{}'", kind.describe()));
            false
        }
    }

    /// Expects a closing token; a newline before it gets a clearer message.
    fn expect_closing(&mut self, kind: TokenKind, context: &str) -> bool {
        let t = self.tok();
        if t.kind != kind && t.kind == TokenKind::Comma && t.span.is_empty() {
            self.error(t.span, format!("missing ',' before newline in {context}"));
            self.next();
            if self.kind() == kind {
                self.next();
                return true;
            }
            return false;
        }
        self.expect(kind)
    }

    /// Skips to the next comma or closing token (used after an error).
    fn sync(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.kind() {
                TokenKind::Eof => return,
                TokenKind::Comma if depth == 0 => return,
                TokenKind::LBrace | TokenKind::LBrack | TokenKind::LParen => depth += 1,
                TokenKind::RBrace | TokenKind::RBrack | TokenKind::RParen => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.next();
        }
    }

    /// Consumes a separating comma; `}`/EOF (or `close`) may end the list.
    fn expect_comma(&mut self, context: &str, close: TokenKind) {
        match self.kind() {
            TokenKind::Comma => self.next(),
            k if k == close || k == TokenKind::Eof => {}
            _ => {
                let t = self.tok();
                self.error(t.span, format!("missing ',' in {context}"));
                self.sync();
                if self.kind() == TokenKind::Comma {
                    self.next();
                }
            }
        }
    }

    // ---- file ---------------------------------------------------------

    fn parse_file(&mut self) -> ast::File {
        let mut file = ast::File {
            name: self.src.name().to_string(),
            span: Span::new(0, self.src.text().len()),
            ..ast::File::default()
        };
        for c in &self.comments {
            file.comments.push(ast::Comment {
                text: self.src.slice(*c).to_string(),
                span: *c,
            });
        }
        while self.kind() == TokenKind::Attribute {
            let a = self.parse_attribute();
            file.attrs.push(a);
            self.expect_comma("file", TokenKind::Eof);
        }
        if self.is_word("package") && self.peek_is(1, TokenKind::Ident) {
            let start = self.tok().span.start;
            self.next();
            let name = self.parse_ident();
            file.package = Some(ast::Package {
                name,
                span: self.span_from(start),
            });
            self.expect_comma("package clause", TokenKind::Eof);
        }
        loop {
            if self.kind() == TokenKind::Attribute {
                let a = self.parse_attribute();
                file.decls.push(ast::Decl::Attribute(a));
                self.expect_comma("file", TokenKind::Eof);
            } else if self.at_import() {
                let d = self.parse_import_decl();
                file.imports.push(d);
            } else {
                break;
            }
        }
        let decls = self.parse_decl_list(TokenKind::Eof);
        file.decls.extend(decls);
        if self.kind() != TokenKind::Eof {
            self.error_expected("EOF");
        }
        file
    }

    fn at_import(&self) -> bool {
        self.is_word("import")
            && match self.peek(1).kind {
                TokenKind::String | TokenKind::LParen => true,
                TokenKind::Ident => self.peek_is(2, TokenKind::String),
                TokenKind::Period => true,
                _ => false,
            }
    }

    fn parse_import_decl(&mut self) -> ast::ImportDecl {
        let start = self.tok().span.start;
        self.next(); // import
        let mut specs = Vec::new();
        let grouped = self.kind() == TokenKind::LParen;
        if grouped {
            self.next();
            while self.kind() != TokenKind::RParen && self.kind() != TokenKind::Eof {
                let before = self.pos;
                if let Some(s) = self.parse_import_spec() {
                    specs.push(s);
                }
                self.expect_comma("import declaration", TokenKind::RParen);
                if self.pos == before {
                    self.next();
                }
            }
            self.expect(TokenKind::RParen);
        } else if let Some(s) = self.parse_import_spec() {
            specs.push(s);
        }
        let span = self.span_from(start);
        self.expect_comma("import declaration", TokenKind::Eof);
        ast::ImportDecl {
            specs,
            grouped,
            span,
        }
    }

    fn parse_import_spec(&mut self) -> Option<ast::ImportSpec> {
        let start = self.tok().span.start;
        let alias = if self.kind() == TokenKind::Ident {
            Some(self.parse_ident())
        } else {
            None
        };
        if self.kind() != TokenKind::String {
            self.error_expected("'STRING'");
            self.sync();
            return None;
        }
        let t = self.tok();
        let path = self.string_lit(t);
        self.next();
        let full = path.text();
        // The part after `:` is a package qualifier, checked later.
        let text = full.split(':').next().unwrap_or("");
        let illegal = "!\"#$%&'()*,:;<=>?[\\]^{|}`\u{FFFD}";
        if text.is_empty()
            || text
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || illegal.contains(c))
        {
            self.error(path.span, format!("invalid import path: {}", path.raw));
        }
        Some(ast::ImportSpec {
            alias,
            path,
            span: self.span_from(start),
        })
    }

    fn parse_ident(&mut self) -> ast::Ident {
        let t = self.tok();
        if t.kind == TokenKind::Ident {
            self.next();
            ast::Ident {
                name: self.text(t).to_string(),
                span: t.span,
            }
        } else {
            self.error_expected("'IDENT'");
            ast::Ident {
                name: "_".to_string(),
                span: Span::new(t.span.start, t.span.start),
            }
        }
    }
}
