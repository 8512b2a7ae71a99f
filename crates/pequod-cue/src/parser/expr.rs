//! Expressions: operators by precedence, primary expressions, operands and
//! literals.

use super::{MAX_DEPTH, Parser};
use crate::ast::{
    BinaryOp, Ellipsis, Expr, Ident, InterpPart, Interpolation, ListElem, ListLit, NumberKind,
    NumberLit, PostfixOp, Selector, StringLit, UnaryOp,
};
use crate::lexer::string::decode_fragments;
use crate::source::Span;
use crate::token::{Token, TokenKind};

fn binary_op(kind: TokenKind) -> Option<BinaryOp> {
    use TokenKind as T;
    Some(match kind {
        T::Or => BinaryOp::Disjunction,
        T::And => BinaryOp::Unification,
        T::Lor => BinaryOp::Or,
        T::Land => BinaryOp::And,
        T::Eql => BinaryOp::Eq,
        T::Neq => BinaryOp::Ne,
        T::Lss => BinaryOp::Lt,
        T::Leq => BinaryOp::Le,
        T::Gtr => BinaryOp::Gt,
        T::Geq => BinaryOp::Ge,
        T::Mat => BinaryOp::Match,
        T::Nmat => BinaryOp::NotMatch,
        T::Add => BinaryOp::Add,
        T::Sub => BinaryOp::Sub,
        T::Mul => BinaryOp::Mul,
        T::Quo => BinaryOp::Div,
        _ => return None,
    })
}

fn unary_op(kind: TokenKind) -> Option<UnaryOp> {
    use TokenKind as T;
    Some(match kind {
        T::Add => UnaryOp::Pos,
        T::Sub => UnaryOp::Neg,
        T::Not => UnaryOp::Not,
        T::Mul => UnaryOp::Default,
        T::Lss => UnaryOp::Lt,
        T::Leq => UnaryOp::Le,
        T::Gtr => UnaryOp::Gt,
        T::Geq => UnaryOp::Ge,
        T::Eql => UnaryOp::Eq,
        T::Neq => UnaryOp::Ne,
        T::Mat => UnaryOp::Match,
        T::Nmat => UnaryOp::NotMatch,
        _ => return None,
    })
}

impl Parser<'_> {
    /// Parses a full expression (no alias).
    pub(super) fn parse_expr(&mut self) -> Expr {
        self.parse_binary(1)
    }

    /// Parses `X=expr` or an expression.
    pub(super) fn parse_alias_expr(&mut self) -> Expr {
        let start = self.tok().span.start;
        let e = self.parse_expr();
        if self.kind() != TokenKind::Bind {
            return e;
        }
        match e {
            Expr::Ident(x) => {
                self.next();
                let v = self.parse_expr();
                Expr::Alias(x, Box::new(v), self.span_from(start))
            }
            other => {
                let t = self.tok();
                self.error(t.span, "expected identifier for alias");
                other
            }
        }
    }

    fn parse_binary(&mut self, min_prec: u8) -> Expr {
        let mut x = self.parse_unary();
        loop {
            let Some(op) = binary_op(self.kind()) else {
                return x;
            };
            let prec = op.precedence();
            if prec < min_prec {
                return x;
            }
            self.next();
            let y = self.parse_binary(prec + 1);
            let span = x.span().to(y.span());
            x = Expr::Binary(op, Box::new(x), Box::new(y), span);
        }
    }

    fn parse_unary(&mut self) -> Expr {
        let t = self.tok();
        if self.depth >= MAX_DEPTH {
            self.error(t.span, "expression nested too deeply");
            self.sync();
            return Expr::Bad(Span::new(t.span.start, t.span.start));
        }
        self.depth += 1;
        let e = if let Some(op) = unary_op(t.kind) {
            self.next();
            let x = self.parse_unary();
            let span = t.span.to(x.span());
            Expr::Unary(op, Box::new(x), span)
        } else {
            let x = self.parse_operand();
            self.parse_primary_tail(x)
        };
        self.depth -= 1;
        e
    }

    fn parse_primary_tail(&mut self, mut x: Expr) -> Expr {
        let start = x.span().start;
        loop {
            match self.kind() {
                TokenKind::Period => {
                    self.next();
                    let t = self.tok();
                    let sel = match t.kind {
                        TokenKind::Ident => Selector::Ident(self.parse_ident()),
                        TokenKind::String => {
                            self.next();
                            Selector::String(self.string_lit(t))
                        }
                        _ => {
                            self.error_expected("selector");
                            if !matches!(
                                t.kind,
                                TokenKind::Comma
                                    | TokenKind::Eof
                                    | TokenKind::RBrace
                                    | TokenKind::RBrack
                                    | TokenKind::RParen
                            ) {
                                self.next();
                            }
                            Selector::Ident(Ident {
                                name: "_".into(),
                                span: t.span,
                            })
                        }
                    };
                    x = Expr::Selector(Box::new(x), sel, self.span_from(start));
                }
                TokenKind::LBrack => {
                    self.next();
                    let lo = if self.kind() == TokenKind::Colon {
                        None
                    } else {
                        Some(Box::new(self.parse_expr()))
                    };
                    if self.kind() == TokenKind::Colon {
                        self.next();
                        let hi = if self.kind() == TokenKind::RBrack {
                            None
                        } else {
                            Some(Box::new(self.parse_expr()))
                        };
                        self.expect(TokenKind::RBrack);
                        x = Expr::Slice(Box::new(x), lo, hi, self.span_from(start));
                    } else {
                        self.expect(TokenKind::RBrack);
                        let idx = lo.unwrap_or_else(|| Box::new(Expr::Bad(self.span_from(start))));
                        x = Expr::Index(Box::new(x), idx, self.span_from(start));
                    }
                }
                TokenKind::LParen => {
                    self.next();
                    let mut args = Vec::new();
                    while self.kind() != TokenKind::RParen && self.kind() != TokenKind::Eof {
                        let before = self.pos;
                        args.push(self.parse_alias_expr());
                        match self.kind() {
                            TokenKind::Comma => self.next(),
                            TokenKind::RParen => break,
                            _ => {
                                let t = self.tok();
                                self.error(t.span, "missing ',' in argument list");
                                if self.pos == before {
                                    self.next();
                                }
                                break;
                            }
                        }
                    }
                    self.expect_closing(TokenKind::RParen, "argument list");
                    x = Expr::Call(Box::new(x), args, self.span_from(start));
                }
                TokenKind::Question => {
                    self.next();
                    x = Expr::Postfix(PostfixOp::Optional, Box::new(x), self.span_from(start));
                }
                TokenKind::Ellipsis => {
                    self.next();
                    x = Expr::Postfix(PostfixOp::Open, Box::new(x), self.span_from(start));
                }
                _ => return x,
            }
        }
    }

    fn parse_operand(&mut self) -> Expr {
        let t = self.tok();
        match t.kind {
            TokenKind::Ident => {
                self.next();
                match self.text(t) {
                    "true" => Expr::Bool(true, t.span),
                    "false" => Expr::Bool(false, t.span),
                    "null" => Expr::Null(t.span),
                    name => Expr::Ident(Ident {
                        name: name.to_string(),
                        span: t.span,
                    }),
                }
            }
            TokenKind::Bottom => {
                self.next();
                Expr::Bottom(t.span)
            }
            TokenKind::Int | TokenKind::Float => {
                self.next();
                Expr::Number(self.number_lit(t))
            }
            TokenKind::String => {
                self.next();
                Expr::String(self.string_lit(t))
            }
            TokenKind::InterpStart => self.parse_interpolation(),
            TokenKind::LParen => {
                self.next();
                let inner = self.parse_alias_expr();
                self.expect_closing(TokenKind::RParen, "parenthesized expression");
                Expr::Paren(Box::new(inner), self.span_from(t.span.start))
            }
            TokenKind::LBrace => Expr::Struct(self.parse_struct()),
            TokenKind::LBrack => Expr::List(self.parse_list()),
            _ => {
                self.error_expected("operand");
                if !matches!(
                    t.kind,
                    TokenKind::Comma
                        | TokenKind::Eof
                        | TokenKind::RBrace
                        | TokenKind::RBrack
                        | TokenKind::RParen
                        | TokenKind::InterpMid
                        | TokenKind::InterpEnd
                        | TokenKind::Attribute
                ) {
                    self.next();
                }
                Expr::Bad(t.span)
            }
        }
    }

    fn parse_list(&mut self) -> ListLit {
        let start = self.tok().span.start;
        self.next(); // [
        let mut elems = Vec::new();
        let mut ellipsis = None;
        loop {
            match self.kind() {
                TokenKind::RBrack | TokenKind::Eof => break,
                TokenKind::Ellipsis => {
                    let es = self.tok().span.start;
                    self.next();
                    let ty = match self.kind() {
                        TokenKind::Comma | TokenKind::RBrack => None,
                        _ => Some(Box::new(self.parse_expr())),
                    };
                    ellipsis = Some(Ellipsis {
                        ty,
                        span: self.span_from(es),
                    });
                    if self.kind() == TokenKind::Comma {
                        self.next();
                    }
                    break;
                }
                _ => {}
            }
            let before = self.pos;
            if self.at_clause() {
                elems.push(ListElem::Comprehension(self.parse_comprehension()));
            } else {
                elems.push(ListElem::Expr(self.parse_alias_expr()));
            }
            let t = self.tok();
            match t.kind {
                TokenKind::Comma if t.span.is_empty() => {
                    self.next();
                    if self.kind() != TokenKind::RBrack {
                        let t = self.tok();
                        self.error(t.span, "missing ',' before newline in list literal");
                    }
                }
                TokenKind::Comma => self.next(),
                TokenKind::RBrack => break,
                _ => {
                    self.error(t.span, "missing ',' in list literal");
                    self.sync();
                    if self.kind() == TokenKind::Comma || self.pos == before {
                        self.next();
                    }
                }
            }
        }
        self.expect_closing(TokenKind::RBrack, "list literal");
        ListLit {
            elems,
            ellipsis,
            span: self.span_from(start),
        }
    }

    fn parse_interpolation(&mut self) -> Expr {
        let start = self.tok().span.start;
        let mut frags: Vec<Token> = vec![self.tok()];
        let mut exprs = Vec::new();
        self.next();
        loop {
            exprs.push(self.parse_expr());
            match self.kind() {
                TokenKind::InterpMid => {
                    frags.push(self.tok());
                    self.next();
                }
                TokenKind::InterpEnd => {
                    frags.push(self.tok());
                    self.next();
                    break;
                }
                _ => {
                    self.error_expected("')' for string interpolation");
                    // Skip to this literal's next fragment.
                    let mut nest = 0usize;
                    loop {
                        match self.kind() {
                            TokenKind::Eof => {
                                return Expr::Bad(self.span_from(start));
                            }
                            TokenKind::InterpStart => nest += 1,
                            TokenKind::InterpEnd if nest > 0 => nest -= 1,
                            TokenKind::InterpMid | TokenKind::InterpEnd if nest == 0 => break,
                            _ => {}
                        }
                        self.next();
                    }
                }
            }
        }
        let span = self.span_from(start);
        let texts: Vec<&str> = frags.iter().map(|t| self.text(*t)).collect();
        let (is_bytes, decoded) = match decode_fragments(&texts) {
            Ok((d, parts)) => (d.quote == '\'', parts),
            Err(msg) => {
                self.error(span, format!("invalid string literal: {msg}"));
                (false, vec![Vec::new(); frags.len()])
            }
        };
        let mut parts = Vec::with_capacity(decoded.len() + exprs.len());
        let mut exprs = exprs.into_iter();
        for (i, text) in decoded.into_iter().enumerate() {
            if i > 0
                && let Some(e) = exprs.next()
            {
                parts.push(InterpPart::Expr(e));
            }
            parts.push(InterpPart::Text(text));
        }
        Expr::Interpolation(Interpolation {
            parts,
            is_bytes,
            span,
        })
    }

    /// Builds a string literal from a complete string token.
    pub(super) fn string_lit(&mut self, t: Token) -> StringLit {
        let raw = self.text(t);
        let (is_bytes, value) = match decode_fragments(&[raw]) {
            Ok((d, mut parts)) => (d.quote == '\'', parts.pop().unwrap_or_default()),
            Err(msg) => {
                self.error(t.span, format!("invalid string literal: {msg}"));
                (raw.trim_start_matches('#').starts_with('\''), Vec::new())
            }
        };
        StringLit {
            raw: raw.to_string(),
            value,
            is_bytes,
            span: t.span,
        }
    }

    fn number_lit(&self, t: Token) -> NumberLit {
        let text = self.text(t);
        let kind = if t.kind == TokenKind::Float {
            NumberKind::Float
        } else {
            NumberKind::Int
        };
        let lower = text.get(..2).unwrap_or("");
        let (radix, body) = match lower {
            "0x" | "0X" => (16, text.get(2..).unwrap_or("")),
            "0o" => (8, text.get(2..).unwrap_or("")),
            "0b" => (2, text.get(2..).unwrap_or("")),
            _ => (10, text),
        };
        let mut digits: String = body.chars().filter(|c| *c != '_').collect();
        let mut multiplier = None;
        if radix == 10 {
            let suffix_at = digits
                .find(['K', 'M', 'G', 'T', 'P'])
                .unwrap_or(digits.len());
            if suffix_at < digits.len() {
                multiplier = Some(digits.get(suffix_at..).unwrap_or("").to_string());
                digits.truncate(suffix_at);
            }
        }
        NumberLit {
            text: text.to_string(),
            kind,
            radix,
            digits,
            multiplier,
            span: t.span,
        }
    }
}
