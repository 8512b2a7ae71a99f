//! Declarations: fields, labels, aliases, embeddings, `let`, comprehensions,
//! ellipses and attributes.

use super::Parser;
use crate::ast::{
    AttrArg, Attribute, Clause, Comprehension, Constraint, Decl, Ellipsis, Embed, Expr, Fallback,
    Field, Ident, Label, LabelAlias, LetClause, ListElem, Pattern, PostfixOp, StructLit,
};
use crate::source::Span;
use crate::token::TokenKind;

impl Parser<'_> {
    /// Parses declarations until `close` (`}` or EOF), not consuming it.
    pub(super) fn parse_decl_list(&mut self, close: TokenKind) -> Vec<Decl> {
        let mut decls = Vec::new();
        while self.kind() != close && self.kind() != TokenKind::Eof {
            let before = self.pos;
            if self.kind() == TokenKind::Comma {
                self.error_expected("label or expression");
                self.next();
                continue;
            }
            let d = self.parse_decl();
            decls.push(d);
            self.expect_comma("struct literal", close);
            if self.pos == before {
                self.next();
            }
        }
        decls
    }

    fn parse_decl(&mut self) -> Decl {
        let t = self.tok();
        match t.kind {
            TokenKind::Attribute => return Decl::Attribute(self.parse_attribute()),
            TokenKind::Ellipsis => {
                self.next();
                let ty = match self.kind() {
                    TokenKind::Comma | TokenKind::RBrace | TokenKind::Eof => None,
                    _ => Some(Box::new(self.parse_expr())),
                };
                return Decl::Ellipsis(Ellipsis {
                    ty,
                    span: self.span_from(t.span.start),
                });
            }
            TokenKind::Ident => {
                if self.text(t) == "let"
                    && self.peek_is(1, TokenKind::Ident)
                    && self.peek_is(2, TokenKind::Bind)
                {
                    return Decl::Let(self.parse_let());
                }
                if self.at_clause() {
                    return Decl::Comprehension(self.parse_comprehension());
                }
            }
            _ => {}
        }
        self.parse_field_or_embed()
    }

    /// Whether the current token starts a comprehension clause.
    pub(super) fn at_clause(&self) -> bool {
        let t = self.tok();
        if t.kind != TokenKind::Ident {
            return false;
        }
        let next = self.peek(1).kind;
        match self.text(t) {
            "for" | "if" => {
                let after = self.peek(2).kind;
                let constraint_label = matches!(next, TokenKind::Question | TokenKind::Not)
                    && matches!(after, TokenKind::Colon | TokenKind::Tilde);
                !constraint_label
                    && !matches!(
                        next,
                        TokenKind::Colon
                            | TokenKind::Bind
                            | TokenKind::Tilde
                            | TokenKind::Comma
                            | TokenKind::RBrace
                            | TokenKind::RBrack
                            | TokenKind::RParen
                            | TokenKind::Eof
                            | TokenKind::Period
                    )
            }
            "try" => next == TokenKind::LBrace || next == TokenKind::Ident,
            _ => false,
        }
    }

    fn parse_let(&mut self) -> LetClause {
        let start = self.tok().span.start;
        self.next(); // let
        let ident = self.parse_ident();
        self.expect(TokenKind::Bind);
        let expr = self.parse_expr();
        LetClause {
            ident,
            expr,
            span: self.span_from(start),
        }
    }

    pub(super) fn parse_comprehension(&mut self) -> Comprehension {
        let start = self.tok().span.start;
        let mut clauses = Vec::new();
        loop {
            let t = self.tok();
            if t.kind != TokenKind::Ident {
                break;
            }
            let cstart = t.span.start;
            match self.text(t) {
                "for" => {
                    self.next();
                    let mut value = self.parse_ident();
                    let mut key = None;
                    if self.kind() == TokenKind::Comma {
                        self.next();
                        key = Some(value);
                        value = self.parse_ident();
                    }
                    if self.is_word("in") {
                        self.next();
                    } else {
                        self.error_expected("'in'");
                    }
                    let source = self.parse_expr();
                    clauses.push(Clause::For {
                        key,
                        value,
                        source,
                        span: self.span_from(cstart),
                    });
                }
                "if" => {
                    self.next();
                    let condition = self.parse_expr();
                    clauses.push(Clause::If {
                        condition,
                        span: self.span_from(cstart),
                    });
                }
                "let" if self.peek_is(1, TokenKind::Ident) => {
                    clauses.push(Clause::Let(self.parse_let()));
                }
                "try" if self.at_clause() => {
                    self.next();
                    let binding =
                        if self.kind() == TokenKind::Ident && self.peek_is(1, TokenKind::Bind) {
                            let id = self.parse_ident();
                            self.next(); // =
                            Some((id, Box::new(self.parse_expr())))
                        } else {
                            None
                        };
                    clauses.push(Clause::Try {
                        binding,
                        span: self.span_from(cstart),
                    });
                }
                _ => break,
            }
            // A newline may separate clauses.
            if self.kind() == TokenKind::Comma {
                self.next();
                if !self.at_clause() && !self.is_word("let") {
                    self.pos -= 1;
                    break;
                }
            }
        }
        let body = self.parse_struct_body_expected();
        let mut fallback = None;
        let t = self.tok();
        if t.kind == TokenKind::Ident
            && matches!(self.text(t), "else" | "fallback")
            && self.peek_is(1, TokenKind::LBrace)
        {
            let keyword = self.parse_ident();
            let body = self.parse_struct_body_expected();
            fallback = Some(Fallback { keyword, body });
        }
        Comprehension {
            clauses,
            body,
            fallback,
            span: self.span_from(start),
        }
    }

    fn parse_struct_body_expected(&mut self) -> StructLit {
        if self.kind() == TokenKind::LBrace {
            self.parse_struct()
        } else {
            let t = self.tok();
            self.error_expected("'{'");
            StructLit {
                decls: Vec::new(),
                braces: true,
                span: Span::new(t.span.start, t.span.start),
            }
        }
    }

    /// Parses `{ decls }`; the current token is `{`.
    pub(super) fn parse_struct(&mut self) -> StructLit {
        let start = self.tok().span.start;
        self.next(); // {
        let decls = self.parse_decl_list(TokenKind::RBrace);
        self.expect_closing(TokenKind::RBrace, "struct literal");
        StructLit {
            decls,
            braces: true,
            span: self.span_from(start),
        }
    }

    /// Whether the tokens after an expression make it a field label.
    fn at_label_end(&self) -> bool {
        match self.kind() {
            TokenKind::Colon | TokenKind::Tilde => true,
            TokenKind::Not | TokenKind::Question => {
                self.peek_is(1, TokenKind::Colon) || self.peek_is(1, TokenKind::Tilde)
            }
            _ => false,
        }
    }

    fn parse_field_or_embed(&mut self) -> Decl {
        let start = self.tok().span.start;
        let e = self.parse_expr();
        if self.kind() == TokenKind::Bind {
            if let Expr::Ident(x) = e {
                self.next(); // =
                let e2 = self.parse_expr();
                if self.at_label_end() {
                    return self.parse_field_rest(start, e2, Some(LabelAlias::Prefix(x)));
                }
                let span = self.span_from(start);
                let attrs = self.parse_attrs();
                return Decl::Embed(Embed {
                    expr: Expr::Alias(x, Box::new(e2), span),
                    attrs,
                    span: self.span_from(start),
                });
            }
            let t = self.tok();
            self.error(t.span, "expected identifier for alias");
            self.next();
            let _ = self.parse_expr();
            return Decl::Bad(self.span_from(start));
        }
        if self.at_label_end() {
            return self.parse_field_rest(start, e, None);
        }
        let attrs = self.parse_attrs();
        Decl::Embed(Embed {
            expr: e,
            attrs,
            span: self.span_from(start),
        })
    }

    fn parse_attrs(&mut self) -> Vec<Attribute> {
        let mut attrs = Vec::new();
        while self.kind() == TokenKind::Attribute {
            attrs.push(self.parse_attribute());
        }
        attrs
    }

    /// Converts a parsed expression into a label (and constraint).
    fn expr_to_label(&mut self, e: Expr) -> Option<(Label, Constraint)> {
        let label = match e {
            Expr::Postfix(PostfixOp::Optional, inner, _) => {
                let (l, _) = self.expr_to_label(*inner)?;
                return Some((l, Constraint::Optional));
            }
            Expr::Ident(i) => {
                if i.name.starts_with("__") {
                    self.error(i.span, "identifiers starting with '__' are reserved");
                }
                Label::Ident(i)
            }
            Expr::Null(span) => Label::Ident(Ident {
                name: "null".into(),
                span,
            }),
            Expr::Bool(b, span) => Label::Ident(Ident {
                name: if b { "true" } else { "false" }.into(),
                span,
            }),
            Expr::String(s) => Label::String(s),
            Expr::Interpolation(i) => Label::Interpolation(i),
            Expr::Paren(inner, span) => Label::Dynamic(inner, span),
            Expr::List(mut l) => {
                if l.elems.len() != 1 || l.ellipsis.is_some() {
                    self.error(l.span, "square bracket must have exactly one element");
                    return None;
                }
                let span = l.span;
                match l.elems.pop() {
                    Some(ListElem::Expr(Expr::Alias(a, x, _))) => Label::Pattern(Pattern {
                        alias: Some(a),
                        expr: x,
                        span,
                    }),
                    Some(ListElem::Expr(x)) => Label::Pattern(Pattern {
                        alias: None,
                        expr: Box::new(x),
                        span,
                    }),
                    Some(ListElem::Comprehension(c)) => {
                        // Kept as a one-element list; the compiler rejects it.
                        l.elems.push(ListElem::Comprehension(c));
                        Label::Pattern(Pattern {
                            alias: None,
                            expr: Box::new(Expr::List(l)),
                            span,
                        })
                    }
                    None => {
                        self.error(span, "square bracket must have exactly one element");
                        return None;
                    }
                }
            }
            other => {
                self.error(other.span(), "expected label or ':'");
                return None;
            }
        };
        Some((label, Constraint::Regular))
    }

    fn parse_postfix_alias(&mut self) -> Option<LabelAlias> {
        self.next(); // ~
        if self.kind() == TokenKind::LParen {
            self.next();
            let k = self.parse_ident();
            if self.kind() == TokenKind::RParen {
                self.next();
                return Some(LabelAlias::Postfix(k));
            }
            if !self.expect(TokenKind::Comma) {
                return None;
            }
            let v = self.parse_ident();
            self.expect(TokenKind::RParen);
            Some(LabelAlias::PostfixPair(k, v))
        } else {
            Some(LabelAlias::Postfix(self.parse_ident()))
        }
    }

    fn parse_constraint(&mut self, c: &mut Constraint) {
        let nc = match self.kind() {
            TokenKind::Question => Constraint::Optional,
            TokenKind::Not => Constraint::Required,
            _ => return,
        };
        if *c != Constraint::Regular {
            let t = self.tok();
            self.error(t.span, "expected ':'");
        }
        *c = nc;
        self.next();
    }

    /// Parses the rest of a field whose label expression has been parsed.
    fn parse_field_rest(&mut self, start: usize, label: Expr, prefix: Option<LabelAlias>) -> Decl {
        let Some((label, mut constraint)) = self.expr_to_label(label) else {
            self.sync();
            return Decl::Bad(self.span_from(start));
        };
        let mut alias = prefix;
        self.parse_constraint(&mut constraint);
        if self.kind() == TokenKind::Tilde {
            if alias.is_some() {
                let t = self.tok();
                self.error(t.span, "a label may have only one alias");
            }
            alias = self.parse_postfix_alias();
            self.parse_constraint(&mut constraint);
        }
        if !self.expect(TokenKind::Colon) {
            self.sync();
            return Decl::Bad(self.span_from(start));
        }
        let value = self.parse_field_value();
        let attrs = self.parse_attrs();
        Decl::Field(Field {
            label,
            alias,
            constraint,
            value,
            attrs,
            span: self.span_from(start),
        })
    }

    /// Parses a field value, which may itself be a shorthand field `b: c`;
    /// a chain of shorthand fields counts towards the nesting limit.
    fn parse_field_value(&mut self) -> Expr {
        let t = self.tok();
        if self.depth >= super::MAX_DEPTH {
            self.error(t.span, "expression nested too deeply");
            self.sync();
            return Expr::Bad(Span::new(t.span.start, t.span.start));
        }
        self.depth += 1;
        let e = self.parse_field_value_inner();
        self.depth -= 1;
        e
    }

    fn parse_field_value_inner(&mut self) -> Expr {
        let start = self.tok().span.start;
        let e = self.parse_expr();
        let nested = if self.kind() == TokenKind::Bind {
            let Expr::Ident(x) = e else {
                let t = self.tok();
                self.error(t.span, "expected identifier for alias");
                self.next();
                let _ = self.parse_expr();
                return Expr::Bad(self.span_from(start));
            };
            self.next(); // =
            let e2 = self.parse_expr();
            if !self.at_label_end() {
                return Expr::Alias(x, Box::new(e2), self.span_from(start));
            }
            self.parse_field_rest(start, e2, Some(LabelAlias::Prefix(x)))
        } else if self.at_label_end() {
            self.parse_field_rest(start, e, None)
        } else {
            return e;
        };
        let span = self.span_from(start);
        Expr::Struct(StructLit {
            decls: vec![nested],
            braces: false,
            span,
        })
    }

    /// Parses the current attribute token.
    pub(super) fn parse_attribute(&mut self) -> Attribute {
        let t = self.tok();
        self.next();
        let text = self.text(t);
        let after_at = text.get(1..).unwrap_or("");
        let name_len = after_at
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(after_at.len());
        let name = after_at.get(..name_len).unwrap_or("").to_string();
        let (body, body_start) = match text.find('(') {
            Some(open) if text.ends_with(')') && open < text.len() - 1 => (
                text.get(open + 1..text.len() - 1).unwrap_or(""),
                t.span.start + open + 1,
            ),
            Some(open) => (text.get(open + 1..).unwrap_or(""), t.span.start + open + 1),
            None => ("", t.span.end),
        };
        Attribute {
            name,
            body: body.to_string(),
            args: split_attr_args(body, body_start),
            span: t.span,
        }
    }
}

/// Splits an attribute body at top-level commas into `key=value` arguments.
fn split_attr_args(body: &str, base: usize) -> Vec<AttrArg> {
    let mut args = Vec::new();
    if body.trim().is_empty() {
        return args;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut start = 0;
    let push = |s: usize, e: usize, args: &mut Vec<AttrArg>| {
        let raw = body.get(s..e).unwrap_or("");
        let lead = raw.len() - raw.trim_start().len();
        let trimmed = raw.trim();
        let span = Span::new(base + s + lead, base + s + lead + trimmed.len());
        let key_len = trimmed
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '#'))
            .unwrap_or(0);
        let rest = trimmed.get(key_len..).unwrap_or("").trim_start();
        if key_len > 0
            && rest.starts_with('=')
            && !rest.starts_with("==")
            && !rest.starts_with("=~")
        {
            args.push(AttrArg {
                key: Some(trimmed.get(..key_len).unwrap_or("").to_string()),
                value: rest.get(1..).unwrap_or("").trim().to_string(),
                span,
            });
        } else {
            args.push(AttrArg {
                key: None,
                value: trimmed.to_string(),
                span,
            });
        }
    };
    for (i, c) in body.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                push(start, i, &mut args);
                start = i + 1;
            }
            _ => {}
        }
    }
    push(start, body.len(), &mut args);
    args
}
