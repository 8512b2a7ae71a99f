//! `@embed` attributes: in a file marked `@extern(embed)`, a field's
//! `@embed(file=...)` or `@embed(glob=...)` unifies its value with the
//! content of files beside it (JSON, YAML, text or bytes), and an `@embed`
//! declaration embeds that content in the enclosing struct.

use std::path::Path;

use crate::ast::{self, Decl, Expr};
use crate::source::{SourceFile, Span};

/// What `cue` says of a file marked `@extern(embed)` in a package of no
/// module (files named on the command line, or outside any module).
pub(crate) const NOT_IN_MODULE: &str = "cannot embed files when not in a module";

/// Whether `file` is marked `@extern(embed)`.
pub(crate) fn enabled(file: &ast::File) -> bool {
    file.attrs
        .iter()
        .any(|a| a.name == "extern" && a.body.trim() == "embed")
}

/// Rewrites the `@embed` attributes of `file`, whose directory on disk is
/// `dir` and whose text is `source` (for error positions); every error is
/// returned, each with its position.
pub(super) fn apply(file: &mut ast::File, dir: &Path, source: &str) -> Result<(), String> {
    if !enabled(file) {
        return Ok(());
    }
    let mut errors = Vec::new();
    let mut embedder = Embedder {
        dir,
        errors: &mut errors,
    };
    embedder.decls(&mut file.decls, 0);
    if errors.is_empty() {
        return Ok(());
    }
    let lines = SourceFile::new(&file.name, source);
    let rendered: Vec<String> = errors
        .into_iter()
        .map(|(span, message)| {
            let p = lines.position(span.start);
            format!(
                "@embed: {message}:\n    {}:{}:{}",
                file.name, p.line, p.column
            )
        })
        .collect();
    Err(rendered.join("\n"))
}

/// Deepest nesting of expressions searched for attributes.
const MAX_DEPTH: usize = 200;

struct Embedder<'a> {
    dir: &'a Path,
    errors: &'a mut Vec<(Span, String)>,
}

impl Embedder<'_> {
    fn decls(&mut self, decls: &mut [Decl], depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        for d in decls.iter_mut() {
            match d {
                Decl::Field(f) => {
                    self.expr(&mut f.value, depth + 1);
                    for a in f.attrs.iter().filter(|a| a.name == "embed") {
                        if let Some(content) = self.content(a) {
                            let span = f.value.span();
                            let value = std::mem::replace(&mut f.value, Expr::Bad(span));
                            f.value = Expr::Binary(
                                ast::BinaryOp::Unification,
                                Box::new(value),
                                Box::new(content),
                                span,
                            );
                        }
                    }
                }
                Decl::Embed(e) => self.expr(&mut e.expr, depth + 1),
                Decl::Let(l) => self.expr(&mut l.expr, depth + 1),
                Decl::Comprehension(c) => self.decls(&mut c.body.decls, depth + 1),
                Decl::Attribute(a) if a.name == "embed" => {
                    if let Some(content) = self.content(a) {
                        *d = Decl::Embed(ast::Embed {
                            expr: content,
                            attrs: Vec::new(),
                            span: a.span,
                        });
                    }
                }
                _ => {}
            }
        }
    }

    fn expr(&mut self, e: &mut Expr, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match e {
            Expr::Struct(s) => self.decls(&mut s.decls, depth + 1),
            Expr::Paren(x, _)
            | Expr::Unary(_, x, _)
            | Expr::Postfix(_, x, _)
            | Expr::Alias(_, x, _)
            | Expr::Selector(x, _, _) => self.expr(x, depth + 1),
            Expr::Binary(_, l, r, _) | Expr::Index(l, r, _) => {
                self.expr(l, depth + 1);
                self.expr(r, depth + 1);
            }
            Expr::List(l) => {
                for el in &mut l.elems {
                    match el {
                        ast::ListElem::Expr(x) => self.expr(x, depth + 1),
                        ast::ListElem::Comprehension(c) => self.decls(&mut c.body.decls, depth + 1),
                    }
                }
            }
            Expr::Call(f, args, _) => {
                self.expr(f, depth + 1);
                for a in args {
                    self.expr(a, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// The value an `@embed` attribute stands for, or `None` after
    /// recording why there is none.
    fn content(&mut self, a: &ast::Attribute) -> Option<Expr> {
        match self.try_content(a) {
            Ok(e) => Some(e),
            Err(message) => {
                self.errors.push((a.span, message));
                None
            }
        }
    }

    fn try_content(&self, a: &ast::Attribute) -> Result<Expr, String> {
        let mut file = None;
        let mut glob = None;
        let mut ty = None;
        let mut allow_empty = false;
        for arg in &a.args {
            let value = unquote(&arg.value);
            match arg.key.as_deref() {
                Some("file") => file = Some(value),
                Some("glob") => glob = Some(value),
                Some("type") => ty = Some(value),
                None if arg.value == "allowEmptyGlob" => allow_empty = true,
                // `cue` ignores other arguments.
                _ => {}
            }
        }
        if allow_empty && glob.is_none() {
            return Err("allowEmptyGlob must be specified with a glob field".to_string());
        }
        // The content is another file's: it orders its fields before the
        // literals of this one, as `cue` orders them.
        let span = Span { start: 0, end: 0 };
        match (file, glob) {
            (Some(_), Some(_)) => Err("attribute cannot have both file and glob field".to_string()),
            (None, None) => Err("attribute must have file or glob field".to_string()),
            (Some(file), None) => {
                check_path(&file)?;
                self.check_module(&file)?;
                self.decode(&file, ty.as_deref(), span)
            }
            (None, Some(pattern)) => {
                check_path(&pattern)?;
                check_glob(&pattern)?;
                let mut matches = Vec::new();
                glob_files(self.dir, "", &pattern, &mut matches);
                matches.sort();
                if matches.is_empty() && !allow_empty {
                    return Err(format!("no matches for glob pattern {pattern:?}"));
                }
                let mut decls = Vec::with_capacity(matches.len());
                for m in matches {
                    self.check_module(&m)?;
                    let value = self.decode(&m, ty.as_deref(), span)?;
                    decls.push(field(&m, value, span));
                }
                Ok(Expr::Struct(ast::StructLit {
                    decls,
                    braces: true,
                    span,
                }))
            }
        }
    }

    /// The content of file `rel` (relative to the directory) as a value of
    /// type `ty`, or of the type its extension says.
    fn decode(&self, rel: &str, ty: Option<&str>, span: Span) -> Result<Expr, String> {
        let ext = Path::new(rel).extension().and_then(|e| e.to_str());
        let ty = match (ty, ext) {
            (Some(t), _) => t,
            (None, Some("json")) => "json",
            (None, Some("yaml" | "yml")) => "yaml",
            (None, Some("txt")) => "text",
            (None, Some(e)) if UNSUPPORTED.contains(&e) => e,
            (None, Some(e)) => return Err(format!("unknown file extension .{e}")),
            (None, None) => return Err(format!("no encoding specified for file {rel:?}")),
        };
        if UNSUPPORTED.contains(&ty) {
            return Err(format!("encoding {ty:?} not (yet) supported"));
        }
        if !matches!(ty, "json" | "yaml" | "text" | "binary") {
            return Err(format!("unknown filetype {ty}"));
        }
        let path = self.dir.join(rel);
        let bytes = std::fs::read(&path).map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                std::io::ErrorKind::IsADirectory => "is a directory".to_string(),
                _ => e.to_string(),
            };
            format!("open {rel}: {why}")
        })?;
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match ty {
            "json" => {
                let v: serde_json::Value =
                    serde_json::from_slice(&bytes).map_err(|e| format!("{rel}: {e}"))?;
                Ok(from_json(&v, span))
            }
            "yaml" => {
                let v: serde_json::Value =
                    serde_yaml::from_str(&text()).map_err(|e| format!("{rel}: {e}"))?;
                Ok(from_json(&v, span))
            }
            "text" => Ok(string(&text(), span)),
            "binary" => Ok(Expr::String(ast::StringLit {
                raw: crate::value::format::quote_bytes(&bytes),
                value: bytes,
                is_bytes: true,
                span,
            })),
            other => Err(format!("unknown filetype {other}")),
        }
    }
}

/// Encodings `cue` knows that are not embedded here (yet).
const UNSUPPORTED: [&str; 6] = ["cue", "jsonschema", "openapi", "toml", "textproto", "proto"];

impl Embedder<'_> {
    /// A file in a nested module (a directory on its way has a `cue.mod`)
    /// is not the module's to embed.
    fn check_module(&self, rel: &str) -> Result<(), String> {
        let mut at = self.dir.to_path_buf();
        let dirs = rel.split('/').collect::<Vec<_>>();
        for part in dirs.iter().take(dirs.len().saturating_sub(1)) {
            at.push(part);
            if at.join("cue.mod").is_dir() {
                return Err(format!("cannot embed file {rel:?}: in different module"));
            }
        }
        Ok(())
    }
}

/// Paths must stay within the directory: relative, no `..` element.
fn check_path(path: &str) -> Result<(), String> {
    if path.starts_with('/') {
        return Err("only relative files are allowed".to_string());
    }
    if path.split('/').any(|p| p == "..") {
        return Err("cannot refer to parent directory".to_string());
    }
    Ok(())
}

/// A pattern `cue` rejects: `**`, or one `path.Match` finds malformed.
fn check_glob(pattern: &str) -> Result<(), String> {
    if pattern.contains("**") {
        return Err(format!(
            "invalid glob pattern {pattern:?}: '**' is not supported in patterns as of yet"
        ));
    }
    // Go's check: matching the empty name finds a malformed pattern.
    if crate::builtins::path_match(pattern, "").is_err() {
        return Err(format!(
            "invalid glob pattern {pattern:?}: syntax error in pattern"
        ));
    }
    Ok(())
}

/// An attribute argument's value without its quotes.
fn unquote(value: &str) -> String {
    match serde_json::from_str::<String>(value) {
        Ok(s) if value.starts_with('"') => s,
        _ => value.to_string(),
    }
}

/// The files below `dir` matching the `/`-separated `pattern`, each as
/// its path from `dir`; a name starting with `.` matches only a pattern
/// element that starts with one.
fn glob_files(dir: &Path, prefix: &str, pattern: &str, out: &mut Vec<String>) {
    let (head, rest) = match pattern.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None => (pattern, None),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Some(name) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if (name.starts_with('.') && !head.starts_with('.'))
            || !crate::builtins::path_match(head, &name).unwrap_or(false)
        {
            continue;
        }
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let is_dir = e.path().is_dir();
        match rest {
            Some(rest) if is_dir => glob_files(&e.path(), &path, rest, out),
            None if !is_dir => out.push(path),
            _ => {}
        }
    }
}

/// A JSON value as a CUE expression, every node at `span`.
fn from_json(v: &serde_json::Value, span: Span) -> Expr {
    match v {
        serde_json::Value::Null => Expr::Null(span),
        serde_json::Value::Bool(b) => Expr::Bool(*b, span),
        serde_json::Value::Number(n) => match crate::parse_expr("", &n.to_string()) {
            Ok(Expr::Number(mut lit)) => {
                lit.span = span;
                Expr::Number(lit)
            }
            _ => Expr::Bad(span),
        },
        serde_json::Value::String(s) => string(s, span),
        serde_json::Value::Array(items) => Expr::List(ast::ListLit {
            elems: items
                .iter()
                .map(|x| ast::ListElem::Expr(from_json(x, span)))
                .collect(),
            ellipsis: None,
            span,
        }),
        serde_json::Value::Object(fields) => Expr::Struct(ast::StructLit {
            decls: fields
                .iter()
                .map(|(k, x)| field(k, from_json(x, span), span))
                .collect(),
            braces: true,
            span,
        }),
    }
}

/// A regular field with a quoted label.
fn field(label: &str, value: Expr, span: Span) -> Decl {
    let ast::Expr::String(label) = string(label, span) else {
        return Decl::Bad(span);
    };
    Decl::Field(ast::Field {
        label: ast::Label::String(label),
        alias: None,
        constraint: ast::Constraint::Regular,
        value,
        attrs: Vec::new(),
        span,
    })
}

fn string(s: &str, span: Span) -> Expr {
    Expr::String(ast::StringLit {
        raw: crate::value::format::quote_str(s),
        value: s.as_bytes().to_vec(),
        is_bytes: false,
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_are_checked_as_cue_does() {
        assert!(check_glob("*.json").is_ok());
        assert!(check_glob("[a-c]?.txt").is_ok());
        assert!(check_glob("a/**/b").is_err());
        assert!(check_glob("[a-c").is_err());
        assert!(check_glob("x\\").is_err());
    }
}
