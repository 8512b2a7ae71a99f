//! `@tag(name)` injection and `@if(expr)` build tags, as `cue -t` applies
//! them: a [`Tags`] set is applied to parsed files before evaluation.
//!
//! `-t name=value` sets every field marked `@tag(name)` (with
//! `type=int|number|bool|string`, string by default); `-t word` sets every
//! tag that lists `word` in `short=a|b` to `word`, and turns on the build
//! tag `word` for `@if(word)` file attributes (`!`, `&&`, `||` and
//! parentheses combine them). A file whose `@if` is false is left out.

use crate::ast::{self, Decl, Expr, StringLit, UnaryOp};
use crate::source::Span;

/// Tag values: `name=value` assignments and bare `word` flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    entries: Vec<(String, Option<String>)>,
    /// Build tags of `@if` attributes the loader met in files it left out
    /// of the package: a flag naming one is used, as `cue` sees it.
    seen: Vec<String>,
}

/// Why tags could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TagError(pub String);

impl Tags {
    /// No tags.
    pub fn new() -> Self {
        Tags::default()
    }

    /// Parses `-t` arguments: `name=value` or a bare `word`.
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Self {
        let mut t = Tags::new();
        for a in args {
            let a = a.as_ref();
            t = match a.split_once('=') {
                Some((k, v)) => t.set(k, v),
                None => t.flag(a),
            };
        }
        t
    }

    /// Adds `name=value`.
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.entries
            .push((name.to_string(), Some(value.to_string())));
        self
    }

    /// Adds a bare `word` (a `short=` value or an `@if` build tag).
    pub fn flag(mut self, word: &str) -> Self {
        self.entries.push((word.to_string(), None));
        self
    }

    /// The same tags, knowing the build tags of the files the loader
    /// examined beside the package's (or of the other packages loaded
    /// with it): `cue` counts a flag that names one as used.
    pub fn with_seen(mut self, names: Vec<String>) -> Self {
        self.seen.extend(names);
        self
    }

    /// Whether the `@if` attributes of `file` leave it out of its package
    /// under these tags.
    pub fn excludes(&self, file: &ast::File) -> bool {
        excluded(&file.attrs, self)
    }

    /// Whether no tags are set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn flags(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.as_str())
    }
}

/// One `@tag` attribute: name, type and short forms.
struct TagAttr<'a> {
    name: &'a str,
    ty: &'a str,
    short: Vec<&'a str>,
}

fn tag_attr(a: &ast::Attribute) -> Option<TagAttr<'_>> {
    if a.name != "tag" {
        return None;
    }
    let mut args = a.args.iter();
    let name = args.next().filter(|x| x.key.is_none())?.value.as_str();
    let mut t = TagAttr {
        name,
        ty: "string",
        short: Vec::new(),
    };
    for x in args {
        match x.key.as_deref() {
            Some("type") => t.ty = x.value.as_str(),
            Some("short") => t.short = x.value.split('|').map(str::trim).collect(),
            _ => {}
        }
    }
    Some(t)
}

/// Whether a file's `@if` attributes leave it out under `tags`: the loader
/// infers a directory's package from the files kept. An invalid
/// expression keeps the file, for [`apply`] to report.
pub(crate) fn excluded(attrs: &[ast::Attribute], tags: &Tags) -> bool {
    let flags: Vec<&str> = tags.flags().collect();
    let mut names = Vec::new();
    attrs.iter().filter(|a| a.name == "if").any(|a| {
        let mut p = Cond {
            s: a.body.as_bytes(),
            i: 0,
            flags: &flags,
            names: &mut names,
        };
        p.or() == Some(false)
    })
}

/// The build tags the `@if` attributes of a source's file name, for
/// [`Tags::with_seen`].
pub fn build_tags(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    if source.contains("@if(")
        && let Ok(file) = crate::parse_file("", source)
    {
        if_names(&file.attrs, &mut names);
    }
    names
}

/// The build tags `@if` attributes name, for [`Tags::with_seen`].
pub(crate) fn if_names(attrs: &[ast::Attribute], out: &mut Vec<String>) {
    for a in attrs.iter().filter(|a| a.name == "if") {
        let mut p = Cond {
            s: a.body.as_bytes(),
            i: 0,
            flags: &[],
            names: out,
        };
        let _ = p.or();
    }
}

/// Applies tags to the files of a package: drops files whose `@if` is
/// false and unifies tagged fields with their values. Returns the indexes
/// of the files kept, with the files rewritten.
pub(crate) fn apply(
    files: Vec<ast::File>,
    sources: &[String],
    tags: &Tags,
) -> Result<Vec<(usize, ast::File)>, TagError> {
    let flags: Vec<&str> = tags.flags().collect();
    let mut kept = Vec::new();
    let mut build_tags: Vec<String> = Vec::new();
    for (i, f) in files.into_iter().enumerate() {
        let mut keep = true;
        for a in f.attrs.iter().filter(|a| a.name == "if") {
            let mut p = Cond {
                s: a.body.as_bytes(),
                i: 0,
                flags: &flags,
                names: &mut build_tags,
            };
            let v = p
                .or()
                .ok_or_else(|| TagError(format!("invalid @if expression: {}", a.body)))?;
            p.ws();
            if p.i != p.s.len() {
                return Err(TagError(format!("invalid @if expression: {}", a.body)));
            }
            keep &= v;
        }
        if keep {
            kept.push((i, f));
        }
    }
    let mut errors = Vec::new();
    for (i, f) in &kept {
        let mut found = Vec::new();
        misplaced(&f.decls, None, &mut found);
        if found.is_empty() {
            continue;
        }
        let lines = crate::SourceFile::new(&f.name, sources.get(*i).map_or("", String::as_str));
        for (span, within) in found {
            let p = lines.position(span.start);
            errors.push(format!(
                "@tag not allowed within {within}:\n    {}:{}:{}",
                f.name, p.line, p.column
            ));
        }
    }
    let mut used = vec![false; tags.entries.len()];
    for (_, f) in &mut kept {
        inject(&mut f.decls, tags, &mut used)?;
    }
    for (i, (k, v)) in tags.entries.iter().enumerate() {
        let build_tag = v.is_none() && build_tags.iter().chain(&tags.seen).any(|b| b == k);
        if !used[i] && !build_tag {
            let e = match v {
                Some(_) => format!("no tag for {k:?}"),
                None => format!("tag {k:?} not used in any file"),
            };
            errors.insert(0, e);
            break;
        }
    }
    if errors.is_empty() {
        Ok(kept)
    } else {
        Err(TagError(errors.join("\n")))
    }
}

/// The `@tag` attributes where `cue` does not inject: in optional fields
/// and pattern constraints, lists and comprehensions (`within` names the
/// enclosing one).
fn misplaced(decls: &[Decl], within: Option<&'static str>, out: &mut Vec<(Span, &'static str)>) {
    for d in decls {
        match d {
            Decl::Field(f) => {
                let constraint = f.constraint != ast::Constraint::Regular
                    || matches!(f.label, ast::Label::Pattern(_));
                let here = within.or(constraint.then_some("field constraint"));
                if let Some(w) = here {
                    out.extend(
                        f.attrs
                            .iter()
                            .filter(|a| a.name == "tag")
                            .map(|a| (a.span, w)),
                    );
                }
                misplaced_in(&f.value, here, out);
            }
            Decl::Embed(e) => misplaced_in(&e.expr, within, out),
            Decl::Comprehension(c) => {
                misplaced(&c.body.decls, within.or(Some("comprehension")), out);
            }
            _ => {}
        }
    }
}

fn misplaced_in(e: &Expr, within: Option<&'static str>, out: &mut Vec<(Span, &'static str)>) {
    match e {
        Expr::Struct(s) => misplaced(&s.decls, within, out),
        Expr::List(l) => {
            for elem in &l.elems {
                match elem {
                    ast::ListElem::Expr(e) => misplaced_in(e, within.or(Some("lists")), out),
                    ast::ListElem::Comprehension(c) => {
                        misplaced(&c.body.decls, within.or(Some("lists")), out);
                    }
                }
            }
        }
        Expr::Binary(_, a, b, _) => {
            misplaced_in(a, within, out);
            misplaced_in(b, within, out);
        }
        Expr::Paren(inner, _) => misplaced_in(inner, within, out),
        _ => {}
    }
}

fn inject(decls: &mut [Decl], tags: &Tags, used: &mut [bool]) -> Result<(), TagError> {
    for d in decls {
        let f = match d {
            Decl::Field(f) => f,
            // An embedded struct's fields are the enclosing struct's.
            Decl::Embed(ast::Embed {
                expr: Expr::Struct(s),
                ..
            }) => {
                inject(&mut s.decls, tags, used)?;
                continue;
            }
            _ => continue,
        };
        let mut values = Vec::new();
        for a in &f.attrs {
            let Some(t) = tag_attr(a) else { continue };
            for (i, (k, v)) in tags.entries.iter().enumerate() {
                let text = match v {
                    Some(v) if k == t.name => v.as_str(),
                    None if t.short.contains(&k.as_str()) => k.as_str(),
                    _ => continue,
                };
                used[i] = true;
                values.push(literal(&t, text, f.value.span())?);
            }
        }
        for v in values {
            let span = f.value.span();
            let old = std::mem::replace(&mut f.value, Expr::Bad(span));
            f.value = Expr::Binary(ast::BinaryOp::Unification, Box::new(old), Box::new(v), span);
        }
        if let Expr::Struct(s) = &mut f.value {
            inject(&mut s.decls, tags, used)?;
        }
    }
    Ok(())
}

/// The literal for a tag value, located at the field's value.
fn literal(t: &TagAttr<'_>, text: &str, span: Span) -> Result<Expr, TagError> {
    let number = |kind: &str| -> Result<Expr, TagError> {
        let kind_ok = kind;
        let bad = || {
            let start = text.chars().next().map(String::from).unwrap_or_default();
            let what = if start.is_empty() {
                String::new()
            } else {
                format!(" {text:?}")
            };
            TagError(format!(
                "invalid number for injection tag {:?}: illegal number start{what}",
                t.name
            ))
        };
        let mut e = crate::parse_expr("tag", text).map_err(|_| bad())?;
        let lit = match &mut e {
            Expr::Unary(UnaryOp::Neg | UnaryOp::Pos, x, s) => {
                *s = span;
                x.as_mut()
            }
            x => x,
        };
        let Expr::Number(n) = lit else {
            return Err(bad());
        };
        if kind_ok == "int" && n.kind != ast::NumberKind::Int {
            return Err(TagError(format!(
                "invalid int {text:?} for injection tag {:?}",
                t.name
            )));
        }
        n.span = span;
        Ok(e)
    };
    match t.ty {
        "int" => number("int"),
        "number" | "float" => number("number"),
        "bool" => match text {
            "true" => Ok(Expr::Bool(true, span)),
            "false" => Ok(Expr::Bool(false, span)),
            _ => Err(TagError(format!(
                "invalid boolean {text:?} for injection tag {:?}",
                t.name
            ))),
        },
        _ => Ok(Expr::String(StringLit {
            raw: serde_json::to_string(text).unwrap_or_default(),
            value: text.as_bytes().to_vec(),
            is_bytes: false,
            span,
        })),
    }
}

/// A recursive-descent evaluator of `@if` expressions.
struct Cond<'s, 'f> {
    s: &'s [u8],
    i: usize,
    flags: &'f [&'f str],
    names: &'f mut Vec<String>,
}

impl Cond<'_, '_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(tok.as_bytes()) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Option<bool> {
        let mut v = self.and()?;
        while self.eat("||") {
            v |= self.and()?;
        }
        Some(v)
    }

    fn and(&mut self) -> Option<bool> {
        let mut v = self.unary()?;
        while self.eat("&&") {
            v &= self.unary()?;
        }
        Some(v)
    }

    fn unary(&mut self) -> Option<bool> {
        if self.eat("!") {
            return self.unary().map(|v| !v);
        }
        if self.eat("(") {
            let v = self.or()?;
            return self.eat(")").then_some(v);
        }
        self.ws();
        let start = self.i;
        while self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-' || *c == b'.')
        {
            self.i += 1;
        }
        let name = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        if name.is_empty() {
            return None;
        }
        self.names.push(name.to_string());
        Some(self.flags.contains(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(sources: &[(&str, &str)], tags: &Tags) -> String {
        let c = crate::Compiled::from_sources_with_tags(sources, tags);
        let c = match c {
            Ok(c) => c,
            Err(e) => return format!("ERR {e}"),
        };
        let mut i = c.eval();
        let r = i.root();
        i.to_json(r, false)
            .unwrap_or_else(|e| format!("ERR {}", e.detailed()))
    }

    const A: &str = "package p\nenv: string @tag(env)\nn: int @tag(n, type=int)\n\
                     mode: *\"dev\" | string @tag(mode, short=dev|prod)\n";
    const B: &str = "@if(prod)\npackage p\nprodOnly: true\n";
    const C: &str = "@if(!prod && !staging)\npackage p\nnotProd: true\n";

    #[test]
    fn tags_and_build_tags() {
        let files = [("a.cue", A), ("b.cue", B), ("c.cue", C)];
        let t = Tags::parse(&["env=x", "n=3", "prod"]);
        assert_eq!(
            export(&files, &t),
            r#"{"env":"x","n":3,"mode":"prod","prodOnly":true}"#
        );
        let t = Tags::parse(&["env=x", "n=-4", "mode=other"]);
        assert_eq!(
            export(&files, &t),
            r#"{"env":"x","n":-4,"mode":"other","notProd":true}"#
        );
        let t = Tags::parse(&["env=x", "n=abc"]);
        assert_eq!(
            export(&files, &t),
            "ERR invalid number for injection tag \"n\": illegal number start \"abc\""
        );
        assert_eq!(
            export(&files, &Tags::parse(&["zzz=1"])),
            "ERR no tag for \"zzz\""
        );
        assert_eq!(
            export(&files, &Tags::parse(&["staging", "env=e", "n=1"])),
            r#"{"env":"e","n":1,"mode":"dev"}"#
        );
        assert_eq!(
            export(&[("a.cue", "d: \"x\" @tag(d)")], &Tags::parse(&["d=y"])),
            "ERR d: conflicting values \"y\" and \"x\":\n    a.cue:1:4"
        );
    }
}
