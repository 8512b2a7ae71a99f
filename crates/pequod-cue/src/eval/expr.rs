//! Evaluation of expressions and resolution of references.

use std::rc::Rc;

use super::lit;
use super::ops;
use super::unify::{make_bound, scalar_eq};
use super::{ArcType, Conjunct, EnvId, Evaluator, Frame, Label, MAX_DEPTH, Src, State};
use crate::ast::{self, BinaryOp, UnaryOp};
use crate::value::{BoundOp, Disjunct, ErrorCode, Kind, VId, Value};

/// What a name resolves to.
enum Resolved<'a> {
    Arc(VId),
    Value(Value),
    Let(&'a ast::Expr, Option<EnvId>, usize),
    Import(String),
    /// The field of a dynamic label (`X=(expr): v`), whose label is
    /// evaluated in the environment of its struct.
    Dynamic(&'a ast::Label, EnvId, VId),
}

/// Whether a conjunct is, or unifies with, a struct literal.
fn declares_struct(src: &Src<'_>) -> bool {
    fn expr(e: &ast::Expr) -> bool {
        match e {
            ast::Expr::Struct(_) => true,
            ast::Expr::Paren(x, _) => expr(x),
            ast::Expr::Binary(BinaryOp::Unification, l, r, _) => expr(l) || expr(r),
            _ => false,
        }
    }
    match src {
        Src::Expr(e) => expr(e),
        Src::Lit(_) => true,
        Src::Package(..) | Src::Value(_) => false,
    }
}

/// Predeclared identifiers.
fn predeclared(name: &str) -> Option<Value> {
    Some(match name {
        "int" => Value::kind(Kind::INT),
        "float" => Value::kind(Kind::FLOAT),
        "number" => Value::kind(Kind::NUMBER),
        "string" => Value::kind(Kind::STRING),
        "bytes" => Value::kind(Kind::BYTES),
        "bool" => Value::kind(Kind::BOOL),
        "len" | "close" | "and" | "or" | "div" | "mod" | "quo" | "rem" | "error" | "matchN"
        | "matchIf" => Value::Builtin(Rc::from(name)),
        "__no_sharing" => Value::Top,
        _ => return lit::derived_type(name),
    })
}

/// The local name of an import: the alias, the qualifier (`path:name`),
/// or the last path element without a major version (`@v0`).
pub(crate) fn import_name(spec: &ast::ImportSpec) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    // Asked at every lookup that reaches a file's scope: no allocation
    // unless the path is not UTF-8.
    if let Some(a) = &spec.alias {
        return Cow::Borrowed(&a.name);
    }
    match String::from_utf8_lossy(&spec.path.value) {
        Cow::Borrowed(path) => Cow::Borrowed(package_name_of(path)),
        Cow::Owned(path) => Cow::Owned(package_name_of(&path).to_string()),
    }
}

/// The last element of an import path without its major version, or the
/// qualifier after `:`.
fn package_name_of(path: &str) -> &str {
    if let Some((_, q)) = path.rsplit_once(':')
        && !q.contains('/')
    {
        return q;
    }
    let last = path.rsplit('/').next().unwrap_or("");
    last.split('@').next().unwrap_or("")
}

/// Whether a file belongs to no named package.
fn is_anonymous(f: &ast::File) -> bool {
    f.package.as_ref().is_none_or(|p| p.name.name == "_")
}

/// Whether a file is a pseudo-file (`--expression`, which
/// [`crate::Compiled::with_file`] adds for the CLI's `-e`): in the scope of
/// the whole package, whatever its package.
fn is_pseudo(f: &ast::File) -> bool {
    f.name.starts_with("--")
}

fn decl_key(d: &ast::Decl) -> usize {
    d.span().start
}

impl<'a> Evaluator<'a> {
    /// Looks a name up in the declarations of one struct or file; `lets`
    /// (the struct, or the file the name is written in) also lets it
    /// name a `let` or a field alias, which are scoped to their file.
    fn lookup_decls(
        &self,
        decls: &'a [ast::Decl],
        vertex: VId,
        name: &str,
        env: EnvId,
        lets: bool,
    ) -> Option<Resolved<'a>> {
        for d in decls {
            match d {
                ast::Decl::Field(f) => {
                    // Every declaration in scope is looked at: the label
                    // (an allocation) is made only for one that names `name`.
                    let label = || match &f.label {
                        ast::Label::Ident(i) => Some(Label::ident(&i.name)),
                        ast::Label::String(s) => Some(Label::field(&s.text())),
                        _ => None,
                    };
                    let arc = |l: Label| self.vertices[vertex].arcs.get(&l).copied();
                    let matches = match &f.label {
                        ast::Label::Ident(i) => i.name == name,
                        ast::Label::String(s) => String::from_utf8_lossy(&s.value) == name,
                        _ => false,
                    };
                    if matches && let Some(a) = label().and_then(arc) {
                        return Some(Resolved::Arc(a));
                    }
                    match f.alias.as_ref().filter(|_| lets) {
                        Some(ast::LabelAlias::Prefix(x)) | Some(ast::LabelAlias::Postfix(x))
                            if x.name == name && label().is_none() =>
                        {
                            if matches!(
                                f.label,
                                ast::Label::Dynamic(..) | ast::Label::Interpolation(_)
                            ) {
                                return Some(Resolved::Dynamic(&f.label, env, vertex));
                            }
                        }
                        Some(ast::LabelAlias::Prefix(x)) | Some(ast::LabelAlias::Postfix(x))
                            if x.name == name =>
                        {
                            if let Some(a) = label().and_then(arc) {
                                return Some(Resolved::Arc(a));
                            }
                        }
                        Some(ast::LabelAlias::PostfixPair(k, x)) => {
                            if x.name == name
                                && let Some(a) = label().and_then(arc)
                            {
                                return Some(Resolved::Arc(a));
                            }
                            if k.name == name
                                && let Some(l) = label()
                            {
                                return Some(Resolved::Value(label_value(&l)));
                            }
                        }
                        _ => {}
                    }
                }
                ast::Decl::Let(l) if lets && l.ident.name == name => {
                    return Some(Resolved::Let(&l.expr, Some(env), decl_key(d)));
                }
                _ => {}
            }
        }
        None
    }

    fn resolve(&mut self, name: &str, env: Option<EnvId>) -> Option<Resolved<'a>> {
        let mut cur = env;
        while let Some(e) = cur {
            // A binding's value (an integer allocates) is cloned only when
            // it is the one named.
            if let Frame::Bind { name: n, value } = &self.envs[e].frame {
                if *n == name {
                    return Some(Resolved::Value(value.clone()));
                }
                cur = self.envs[e].parent;
                continue;
            }
            let frame = self.envs[e].frame.clone();
            match frame {
                Frame::Struct { decls, vertex } => {
                    if let Some(r) = self.lookup_decls(decls, vertex, name, e, true) {
                        return Some(r);
                    }
                }
                Frame::Package {
                    files,
                    file,
                    vertex,
                    ..
                } => {
                    for (i, f) in files.iter().enumerate() {
                        if let Some(r) = self.lookup_decls(&f.decls, vertex, name, e, i == file) {
                            // The files of an anonymous package (no package
                            // clause, or `package _`) do not see each other.
                            if i != file
                                && files.get(file).is_some_and(|f| !is_pseudo(f))
                                && files.iter().all(|f| is_pseudo(f) || is_anonymous(f))
                            {
                                continue;
                            }
                            return Some(r);
                        }
                    }
                    if let Some(f) = files.get(file) {
                        for imp in &f.imports {
                            for spec in &imp.specs {
                                if import_name(spec) == name {
                                    return Some(Resolved::Import(spec.path.text()));
                                }
                            }
                        }
                    }
                }
                Frame::Bind { .. } => {}
            }
            cur = self.envs[e].parent;
        }
        None
    }

    /// The struct (or file) an expression is written in: what `self`
    /// refers to under `@experiment(aliasv2)`.
    fn enclosing_struct(&self, env: Option<EnvId>) -> Option<VId> {
        let mut cur = env;
        while let Some(e) = cur {
            match self.envs[e].frame {
                Frame::Struct { vertex, .. } | Frame::Package { vertex, .. } => {
                    return Some(vertex);
                }
                Frame::Bind { .. } => cur = self.envs[e].parent,
            }
        }
        None
    }

    /// The value of a vertex referred to, with cycle detection.
    pub(crate) fn ref_value(&mut self, a: VId) -> Value {
        if self.vertices[a].state == State::Evaluating {
            self.last_ref = Some(a);
            let x = &self.vertices[a];
            if x.is_struct || x.is_list || x.conjuncts.iter().any(|c| declares_struct(&c.src)) {
                // A struct still being built: what it has so far, and the
                // rest as it comes (`c: e & {b: 2}, e: c`).
                return Value::Vertex(a);
            }
            if x.value.is_concrete_scalar() {
                return x.value.clone();
            }
            return self.speculate(a);
        }
        let v = self.value_of(a);
        self.last_ref = Some(a);
        v
    }

    /// Whether `name` refers to a declaration in scope (not to a
    /// predeclared identifier).
    pub(crate) fn is_declared(&mut self, name: &str, env: Option<EnvId>) -> bool {
        self.resolve(name, env).is_some()
    }

    /// The value of a field referred to by name: an optional or required
    /// field is not there (yet), so referring to it is incomplete, whatever
    /// its value (`a?: 1, b: a`), unless that value is an error.
    fn ref_field(&mut self, a: VId, name: &str) -> Value {
        let msg = match self.vertices[a].arc_type {
            ArcType::Regular => return self.ref_value(a),
            ArcType::Optional => "cannot reference optional field",
            ArcType::Required => "required field missing",
        };
        let v = self.ref_value(a);
        if v.is_bottom() {
            return v;
        }
        Value::err(ErrorCode::Incomplete, format!("{msg}: {name}"))
    }

    /// Evaluates the expression conjuncts of a vertex that is in the middle
    /// of its own evaluation (a reference cycle), hoping for a concrete
    /// value; a cycle error otherwise.
    fn speculate(&mut self, a: VId) -> Value {
        let cycle = Value::err(ErrorCode::Cycle, "cycle detected");
        if self.speculating.contains(&a) || self.speculating.len() > 8 {
            return cycle;
        }
        self.speculating.push(a);
        let conj = self.vertices[a].conjuncts.clone();
        let mut acc = Value::Top;
        for c in conj {
            if let Src::Expr(e) = c.src {
                let r = self.eval_expr(e, c.env);
                let r = self.default_of(r);
                if r.is_concrete_scalar() || matches!(r, Value::Constraint(_)) {
                    acc = super::unify::unify_scalar(&acc, &r);
                }
            }
        }
        self.speculating.pop();
        self.last_ref = Some(a);
        if acc.is_concrete_scalar() { acc } else { cycle }
    }

    fn eval_ident(&mut self, i: &'a ast::Ident, env: Option<EnvId>) -> Value {
        if i.name == "_" {
            return Value::Top;
        }
        match self.resolve(&i.name, env) {
            Some(Resolved::Arc(a)) => self.ref_field(a, &i.name),
            Some(Resolved::Dynamic(label, lenv, vertex)) => {
                match self.label_of(label, Some(lenv)) {
                    Ok(l) => match self.vertices[vertex].arcs.get(&l).copied() {
                        Some(a) => self.ref_field(a, &i.name),
                        None => Value::err(
                            ErrorCode::Incomplete,
                            format!("reference {:?} not found", i.name),
                        ),
                    },
                    Err(e) => e,
                }
            }
            Some(Resolved::Value(Value::Vertex(w))) => self.ref_value(w),
            Some(Resolved::Value(v)) => v,
            Some(Resolved::Let(expr, lenv, key)) => {
                let k = (lenv.unwrap_or(usize::MAX), key);
                if let Some(v) = self.lets.get(&k) {
                    return v.clone();
                }
                self.lets
                    .insert(k, Value::err(ErrorCode::Cycle, "cycle in let"));
                let v = self.eval_expr(expr, lenv);
                self.lets.insert(k, v.clone());
                v
            }
            Some(Resolved::Import(path)) => {
                if crate::builtins::is_package(&path) {
                    Value::Builtin(Rc::from(format!("pkg:{path}")))
                } else if let Some(root) = self.package_root(&path) {
                    self.ref_value(root)
                } else {
                    Value::err(ErrorCode::Eval, format!("package {path:?} not found"))
                }
            }
            None if i.name == "self" && self.experiment(env, "aliasv2") => {
                match self.enclosing_struct(env) {
                    Some(v) => Value::Vertex(v),
                    None => Value::err(ErrorCode::Eval, "reference \"self\" not found"),
                }
            }
            None => match predeclared(&i.name) {
                Some(v) => v,
                // At the name, as `cue` reports it when compiling.
                None => Value::Bottom(Rc::new(crate::value::Error {
                    code: ErrorCode::Eval,
                    msg: format!("reference {:?} not found", i.name),
                    spans: self.file_of(env).map(|f| (f, i.span)).into_iter().collect(),
                })),
            },
        }
    }

    /// The default of a disjunction (unchanged if none or ambiguous).
    pub(crate) fn default_of(&self, v: Value) -> Value {
        match &v {
            Value::Disjunction(d) => {
                let defs: Vec<&Disjunct> = d.iter().filter(|x| x.default).collect();
                match defs.len() {
                    0 => v,
                    1 => defs[0].value.clone(),
                    _ => Value::Disjunction(Rc::new(
                        defs.into_iter()
                            .map(|x| Disjunct {
                                value: x.value.clone(),
                                default: false,
                            })
                            .collect(),
                    )),
                }
            }
            _ => v,
        }
    }

    /// The incomplete error of an index that is not concrete yet, located
    /// as `cue` does: a disjunction at the index expression `e`, another
    /// value where the field `idx` refers to is declared.
    fn non_concrete_index(
        &self,
        v: &Value,
        e: &ast::Expr,
        idx: &ast::Expr,
        env: Option<EnvId>,
    ) -> Value {
        let (msg, spans) = match v {
            Value::Disjunction(_) => {
                let kinds = v.scalar_kind();
                let spans = self
                    .file_of(env)
                    .map(|f| (f, e.span()))
                    .into_iter()
                    .collect();
                (
                    format!("unresolved disjunction {v} (type ({kinds}))"),
                    spans,
                )
            }
            Value::Constraint(c) => {
                let want = c.kinds & (Kind::INT | Kind::STRING);
                let spans = match (idx, self.last_ref) {
                    (ast::Expr::Ident(_) | ast::Expr::Selector(..), Some(w)) => {
                        self.positions(w, "")
                    }
                    _ => Vec::new(),
                };
                (
                    format!("invalid non-ground value {v} (must be concrete {want})"),
                    spans,
                )
            }
            _ => (format!("non-concrete index {v}"), Vec::new()),
        };
        Value::Bottom(Rc::new(crate::value::Error {
            code: ErrorCode::Incomplete,
            msg,
            spans,
        }))
    }

    /// Looks up `label` in an evaluated value.
    pub(crate) fn select(&mut self, base: Value, label: &Label) -> Value {
        self.select_at(base, label, None)
    }

    /// Like [`Evaluator::select`], a missing field or index reported at
    /// `at` (the selector or index in the source), as `cue` does.
    pub(crate) fn select_at(
        &mut self,
        base: Value,
        label: &Label,
        at: Option<(Option<EnvId>, crate::source::Span)>,
    ) -> Value {
        // The file is looked up only when the error is made.
        let missing = |ev: &Self, code, msg: String| match at
            .and_then(|(env, span)| Some((ev.file_of(env)?, span)))
        {
            Some(span) => Value::Bottom(Rc::new(crate::value::Error {
                code,
                msg,
                spans: vec![span],
            })),
            None => Value::err(code, msg),
        };
        let base = self.default_of(base);
        match base {
            Value::Vertex(w) => {
                self.eval_vertex(w);
                if let Value::Bottom(_) = self.vertices[w].value {
                    return self.vertices[w].value.clone();
                }
                match self.vertices[w].arcs.get(label).copied() {
                    Some(a) => self.ref_field(a, &label.to_string()),
                    None => {
                        if let Label::Index(i) = label
                            && self.vertices[w].is_list
                        {
                            let n = self.vertices[w].arcs.len();
                            // An open list may still grow that far.
                            let code = if self.vertices[w].open_list {
                                ErrorCode::Incomplete
                            } else {
                                ErrorCode::Eval
                            };
                            return missing(
                                self,
                                code,
                                format!("index out of range [{i}] with length {n}"),
                            );
                        }
                        let code = if self.vertices[w].closed || self.vertices[w].is_list {
                            ErrorCode::Eval
                        } else {
                            ErrorCode::Incomplete
                        };
                        missing(self, code, format!("undefined field: {label}"))
                    }
                }
            }
            Value::Builtin(ref name) if name.starts_with("pkg:") => {
                let pkg = &name[4..];
                match label.name() {
                    Some(n) => {
                        let pkg = pkg.to_string();
                        crate::builtins::member(self, &pkg, n)
                    }
                    None => Value::err(ErrorCode::Eval, "invalid package selector"),
                }
            }
            Value::Bottom(_) => base,
            Value::Disjunction(_) | Value::Constraint(_) | Value::Top => Value::err(
                ErrorCode::Incomplete,
                format!("{base} is not concrete: cannot select {label}"),
            ),
            other => Value::err(
                ErrorCode::Eval,
                format!(
                    "invalid selector {label} on {other} (type {})",
                    other.scalar_kind()
                ),
            ),
        }
    }

    /// Evaluates an expression to a value.
    pub(crate) fn eval_expr(&mut self, e: &'a ast::Expr, env: Option<EnvId>) -> Value {
        self.tick();
        if self.exhausted() || self.depth > MAX_DEPTH || self.stack_exhausted() {
            return Value::err(ErrorCode::Eval, "evaluation limit exceeded");
        }
        self.depth += 1;
        let v = self.eval_expr_inner(e, env);
        self.depth -= 1;
        v
    }

    fn new_lit_vertex(&mut self, e: &'a ast::Expr, env: Option<EnvId>) -> Value {
        let w = self.new_vertex(None, None);
        self.vertices[w].conjuncts.push(Conjunct {
            src: Src::Expr(e),
            env,
            closed: false,
            group: 0,
        });
        self.value_of(w)
    }

    fn eval_expr_inner(&mut self, e: &'a ast::Expr, env: Option<EnvId>) -> Value {
        match e {
            ast::Expr::Ident(i) => self.eval_ident(i, env),
            ast::Expr::Null(_) => Value::Null,
            ast::Expr::Bool(b, _) => Value::Bool(*b),
            ast::Expr::Bottom(_) => {
                Value::err(ErrorCode::User, "explicit error (_|_ literal) in source")
            }
            ast::Expr::Number(n) => lit::number(n),
            ast::Expr::String(s) => {
                if s.is_bytes {
                    Value::Bytes(Rc::from(s.value.as_slice()))
                } else {
                    Value::String(Rc::from(s.text().as_str()))
                }
            }
            ast::Expr::Interpolation(i) => self.interpolate(i, env),
            ast::Expr::Struct(_) | ast::Expr::List(_) => self.new_lit_vertex(e, env),
            ast::Expr::Postfix(ast::PostfixOp::Open, _, _) => self.new_lit_vertex(e, env),
            ast::Expr::Paren(x, _) | ast::Expr::Alias(_, x, _) | ast::Expr::Postfix(_, x, _) => {
                self.eval_expr(x, env)
            }
            ast::Expr::Selector(x, sel, _) => {
                self.last_ref = None;
                let base = self.eval_expr(x, env);
                let label = match sel {
                    ast::Selector::Ident(i) => self.ident_label(i),
                    ast::Selector::String(s) => self.string_label(s),
                };
                // A scalar with definitions (`{3, #foo: 4}`) keeps them
                // in the vertex it came from.
                if base.is_concrete_scalar()
                    && matches!(
                        **x,
                        ast::Expr::Ident(_) | ast::Expr::Selector(..) | ast::Expr::Index(..)
                    )
                    && let Some(w) = self.last_ref
                    && let Some(a) = self.vertices[w].arcs.get(&label).copied()
                {
                    return self.ref_field(a, &label.to_string());
                }
                let at = match sel {
                    ast::Selector::Ident(i) => i.span,
                    ast::Selector::String(s) => s.span,
                };
                self.select_at(base, &label, Some((env, at)))
            }
            ast::Expr::Index(x, idx, _) => {
                let base = self.eval_expr(x, env);
                self.last_ref = None;
                let i = self.eval_expr(idx, env);
                let i = self.default_of(i);
                let label = match &i {
                    Value::Int(n) => match usize::try_from(n) {
                        Ok(n) => Label::Index(n),
                        Err(_) => {
                            return Value::err(
                                ErrorCode::Eval,
                                format!("invalid index {n} (index must be non-negative)"),
                            );
                        }
                    },
                    Value::String(s) => Label::field(s),
                    Value::Bottom(_) => return i,
                    v if !v.is_concrete_scalar() => return self.non_concrete_index(v, e, idx, env),
                    v => return Value::err(ErrorCode::Eval, format!("invalid index {v}")),
                };
                let base = self.default_of(base);
                if let Value::Vertex(w) = base {
                    self.eval_vertex(w);
                    let is_list = self.vertices[w].is_list;
                    if is_list != matches!(label, Label::Index(_)) {
                        return Value::err(ErrorCode::Eval, format!("invalid index {i}"));
                    }
                }
                self.select_at(base, &label, Some((env, idx.span())))
            }
            ast::Expr::Slice(x, lo, hi, _) => self.eval_slice(x, lo.as_deref(), hi.as_deref(), env),
            ast::Expr::Call(f, args, _) => {
                if let Some(v) = self.closing_call(f, args, env) {
                    return v;
                }
                let fv = match self.eval_expr(f, env) {
                    Value::Validator(v) if v.1.is_empty() => Value::Builtin(v.0.clone()),
                    fv => fv,
                };
                let Value::Builtin(name) = fv else {
                    if fv.is_bottom() {
                        return fv;
                    }
                    // A value that may still become a function (`_`).
                    if fv.scalar_kind().overlaps(Kind::FUNC) && !matches!(fv, Value::Vertex(_)) {
                        return Value::err(
                            ErrorCode::Incomplete,
                            format!("cannot call non-concrete value {fv}"),
                        );
                    }
                    return Value::err(ErrorCode::Eval, format!("cannot call non-function {fv}"));
                };
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval_expr(a, env));
                }
                let r = crate::builtins::call(self, &name, vals);
                let r = self.locate_non_concrete_argument(r, e, args, env);
                self.locate_argument_error(r, args, env)
            }
            ast::Expr::Unary(op, x, _) => {
                let v = self.eval_expr(x, env);
                let bound = match op {
                    UnaryOp::Default => return v,
                    UnaryOp::Lt => Some(BoundOp::Lt),
                    UnaryOp::Le => Some(BoundOp::Le),
                    UnaryOp::Gt => Some(BoundOp::Gt),
                    UnaryOp::Ge => Some(BoundOp::Ge),
                    UnaryOp::Ne => Some(BoundOp::Ne),
                    UnaryOp::Match => Some(BoundOp::Match),
                    UnaryOp::NotMatch => Some(BoundOp::NotMatch),
                    UnaryOp::Eq => None,
                    _ => {
                        let v = self.default_of(v);
                        let r = ops::unary(*op, &v);
                        // Named by its source, at the operand, as in `cue`.
                        if let Value::Bottom(err) = &r
                            && err.code == ErrorCode::Incomplete
                            && err.spans.is_empty()
                            && err.msg.starts_with("non-concrete value")
                            && let Some(src) = crate::export::source_text(x)
                            && let Some(file) = self.file_of(env)
                        {
                            let name = ops::unary_str(*op);
                            return Value::Bottom(Rc::new(crate::value::Error {
                                code: ErrorCode::Incomplete,
                                msg: format!("operand {src} of '{name}' not concrete (was {v})"),
                                spans: vec![(file, x.span())],
                            }));
                        }
                        return r;
                    }
                };
                let v = self.default_of(v);
                match bound {
                    Some(b) => make_bound(b, v),
                    // `==x` is `x` once it is concrete; until then it is
                    // not known what it equals.
                    None if matches!(
                        v,
                        Value::Top | Value::Constraint(_) | Value::Validator(_)
                    ) =>
                    {
                        Value::err(
                            ErrorCode::Incomplete,
                            format!("non-concrete value {v} for bound =="),
                        )
                    }
                    None => v,
                }
            }
            ast::Expr::Binary(BinaryOp::Disjunction, ..) => self.eval_disjunction(e, env),
            ast::Expr::Binary(BinaryOp::Unification, ..) => self.new_lit_vertex(e, env),
            ast::Expr::Binary(op, l, r, span) => self.eval_binary(*op, l, r, *span, env),
            ast::Expr::Bad(_) => Value::err(ErrorCode::Eval, "invalid expression"),
        }
    }

    fn eval_binary(
        &mut self,
        op: BinaryOp,
        l: &'a ast::Expr,
        r: &'a ast::Expr,
        span: crate::source::Span,
        env: Option<EnvId>,
    ) -> Value {
        if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
            let bottom_side = match (l, r) {
                (ast::Expr::Bottom(_), x) | (x, ast::Expr::Bottom(_)) => Some(x),
                _ => None,
            };
            if let Some(x) = bottom_side {
                let v = self.eval_expr(x, env);
                let is_bottom = match &v {
                    Value::Bottom(_) => true,
                    Value::Vertex(w) => self.vertices[*w].value.is_bottom(),
                    _ => false,
                };
                return Value::Bool(is_bottom == (op == BinaryOp::Eq));
            }
        }
        self.last_ref = None;
        let a = self.eval_expr(l, env);
        let a = self.default_of(a);
        if let Value::Bottom(_) = a {
            return a;
        }
        let a_ref = self.last_ref.take();
        if (op == BinaryOp::And || op == BinaryOp::Or)
            && let Value::Bool(x) = a
        {
            // Still evaluate the right side for CUE's strictness.
            let b = self.eval_expr(r, env);
            let b = self.default_of(b);
            if let Value::Bool(y) = b {
                return Value::Bool(if op == BinaryOp::And { x && y } else { x || y });
            }
            return ops::binary(op, &a, &b);
        }
        let b = self.eval_expr(r, env);
        let b = self.default_of(b);
        if let Value::Bottom(_) = b {
            return b;
        }
        let b_ref = self.last_ref;
        let non_concrete = |v: &Value| {
            matches!(
                v,
                Value::Top | Value::Constraint(_) | Value::Disjunction(_) | Value::Validator(_)
            )
        };
        if matches!((&a, &b), (Value::Vertex(_), _) | (_, Value::Vertex(_)))
            && (non_concrete(&a) || non_concrete(&b))
        {
            let x = if non_concrete(&a) { &a } else { &b };
            return Value::err(
                ErrorCode::Incomplete,
                format!("non-concrete value {x} in operand to {}", ops::op_str(op)),
            );
        }
        // Operands that cannot go together are located as `cue` does: at
        // the operation, then where each operand's value comes from.
        let v = match (&a, &b) {
            (Value::Vertex(_), _) | (_, Value::Vertex(_)) => match op {
                BinaryOp::Eq | BinaryOp::Ne => {
                    if self.is_concrete(&a) && self.is_concrete(&b) {
                        let eq = self.values_equal(&a, &b);
                        Value::Bool(eq == (op == BinaryOp::Eq))
                    } else if let Some(e) = [&a, &b].into_iter().find_map(|x| match x {
                        Value::Vertex(w) => self.deep_error(*w, 20).filter(|e| {
                            e.as_error()
                                .is_some_and(|e| e.code != ErrorCode::Incomplete)
                        }),
                        _ => None,
                    }) {
                        e
                    } else {
                        Value::err(ErrorCode::Incomplete, "non-concrete value in comparison")
                    }
                }
                _ => Value::err(
                    ErrorCode::Eval,
                    format!(
                        "invalid operands {} and {} to '{}' (type {} and {})",
                        self.display(&a),
                        self.display(&b),
                        ops::op_str(op),
                        self.kind_of(&a),
                        self.kind_of(&b)
                    ),
                ),
            },
            _ => ops::binary(op, &a, &b),
        };
        match v {
            Value::Bottom(e) if e.spans.is_empty() && e.msg.starts_with("invalid operands") => {
                let Some(file) = self.file_of(env) else {
                    return Value::Bottom(e);
                };
                let mut spans = vec![(file, span)];
                for (x, w) in [(l, a_ref), (r, b_ref)] {
                    match w {
                        Some(w) if matches!(x, ast::Expr::Ident(_) | ast::Expr::Selector(..)) => {
                            spans.extend(self.positions(w, ""));
                        }
                        _ => spans.push((file, unparen(x).span())),
                    }
                }
                let mut seen = Vec::with_capacity(spans.len());
                spans.retain(|(f, s)| {
                    let new = !seen.contains(&(*f, s.start));
                    seen.push((*f, s.start));
                    new
                });
                let mut e = (*e).clone();
                e.spans = spans;
                Value::Bottom(Rc::new(e))
            }
            // An operand not known yet: at the operation, then where that
            // operand's value is declared, as `cue` locates it.
            Value::Bottom(e) if e.spans.is_empty() && e.msg.starts_with("non-concrete value") => {
                let Some(file) = self.file_of(env) else {
                    return Value::Bottom(e);
                };
                let mut spans = vec![(file, span)];
                for (x, w, val) in [(l, a_ref, &a), (r, b_ref, &b)] {
                    if let Some(w) = w
                        && non_concrete(val)
                        && matches!(x, ast::Expr::Ident(_) | ast::Expr::Selector(..))
                    {
                        spans.extend(self.positions(w, ""));
                    }
                }
                let mut e = (*e).clone();
                e.spans = spans;
                Value::Bottom(Rc::new(e))
            }
            v => v,
        }
    }

    fn eval_disjunction(&mut self, e: &'a ast::Expr, env: Option<EnvId>) -> Value {
        let mut elems: Vec<(&'a ast::Expr, bool)> = Vec::new();
        fn flatten<'b>(e: &'b ast::Expr, out: &mut Vec<(&'b ast::Expr, bool)>) {
            match e {
                ast::Expr::Binary(BinaryOp::Disjunction, l, r, _) => {
                    flatten(l, out);
                    flatten(r, out);
                }
                ast::Expr::Unary(UnaryOp::Default, x, _) => out.push((x, true)),
                _ => out.push((e, false)),
            }
        }
        flatten(e, &mut elems);
        let any_marked = elems.iter().any(|x| x.1);
        let mut out: Vec<Disjunct> = Vec::new();
        let mut first_err = None;
        for (x, marked) in elems {
            self.last_ref = None;
            let mut v = self.eval_expr(x, env);
            if self.is_reference_cycle(x, &v) {
                // A disjunct referring back to the value it is part of
                // adds nothing to it: it is top (`a: a | string`).
                v = Value::Top;
            }
            let parts: Vec<Disjunct> = match v {
                Value::Disjunction(d) => {
                    let inner_def = d.iter().any(|y| y.default);
                    d.iter()
                        .map(|y| Disjunct {
                            value: y.value.clone(),
                            default: if any_marked {
                                marked && (y.default || !inner_def)
                            } else {
                                y.default
                            },
                        })
                        .collect()
                }
                v => vec![Disjunct {
                    value: v,
                    default: marked,
                }],
            };
            for p in parts {
                if p.value.is_bottom() {
                    if first_err.is_none() {
                        first_err = Some(p.value);
                    }
                    continue;
                }
                if let Some(q) = out.iter_mut().find(|q| same_scalar(&q.value, &p.value)) {
                    q.default |= p.default;
                    continue;
                }
                out.push(p);
            }
        }
        match out.len() {
            0 => first_err.unwrap_or_else(|| Value::err(ErrorCode::Eval, "empty disjunction")),
            1 => out.remove(0).value,
            _ => Value::Disjunction(Rc::new(out)),
        }
    }

    /// Whether `x`, a name, evaluated to `v`, a cycle error, by
    /// referring to a value under evaluation that is not a struct the
    /// current value is nested in (that would be a structural cycle).
    fn is_reference_cycle(&self, x: &ast::Expr, v: &Value) -> bool {
        let mut x = x;
        while let ast::Expr::Paren(inner, _) = x {
            x = inner;
        }
        // A selection from such a value (`x[0]`) is an error, as in `cue`.
        if !matches!(x, ast::Expr::Ident(_))
            || !v.as_error().is_some_and(|e| e.code == ErrorCode::Cycle)
        {
            return false;
        }
        let Some(t) = self.last_ref else { return false };
        self.vertices[t].state == State::Evaluating
            && self
                .evaluating
                .last()
                .is_none_or(|&cur| !self.is_ancestor(t, cur))
    }

    /// Evaluates an interpolated string.
    pub(crate) fn interpolate(&mut self, i: &'a ast::Interpolation, env: Option<EnvId>) -> Value {
        let mut buf: Vec<u8> = Vec::new();
        // A part not known yet makes the result incomplete, unless a later
        // part is wrong for good.
        let mut incomplete: Option<Value> = None;
        for part in &i.parts {
            match part {
                ast::InterpPart::Text(t) => buf.extend_from_slice(t),
                ast::InterpPart::Expr(x) => {
                    self.last_ref = None;
                    let v = self.eval_expr(x, env);
                    let v = self.default_of(v);
                    match &v {
                        Value::String(s) => buf.extend_from_slice(s.as_bytes()),
                        Value::Bytes(b) => buf.extend_from_slice(b),
                        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                            buf.extend_from_slice(v.to_string().as_bytes())
                        }
                        Value::Bottom(e)
                            if matches!(e.code, ErrorCode::Incomplete | ErrorCode::Cycle) =>
                        {
                            incomplete.get_or_insert_with(|| {
                                self.interpolation_error(i, x, env, e, true)
                            });
                        }
                        Value::Bottom(e) => return self.interpolation_error(i, x, env, e, true),
                        Value::Null | Value::Vertex(_) | Value::Builtin(_) => {
                            return Value::err(
                                ErrorCode::Eval,
                                format!(
                                    "invalid interpolation: cannot use {} in interpolation",
                                    self.display(&v)
                                ),
                            );
                        }
                        _ if incomplete.is_none() => {
                            let msg = match v {
                                Value::Disjunction(_) => format!(
                                    "unresolved disjunction {v} (type ({}))",
                                    v.scalar_kind()
                                ),
                                _ => format!("non-concrete value {v} (type {})", v.scalar_kind()),
                            };
                            let e = crate::value::Error {
                                code: ErrorCode::Incomplete,
                                msg,
                                spans: Vec::new(),
                            };
                            // `cue` locates neither `_` nor a disjunction.
                            let placed = matches!(v, Value::Constraint(_));
                            incomplete = Some(self.interpolation_error(i, x, env, &e, placed));
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Some(e) = incomplete {
            return e;
        }
        if i.is_bytes {
            Value::Bytes(Rc::from(buf))
        } else {
            Value::String(Rc::from(String::from_utf8_lossy(&buf).as_ref()))
        }
    }
}

impl<'a> Evaluator<'a> {
    /// An error in part `x` of an interpolation, as `cue` reports it: at
    /// the interpolation, then (if `placed`) where the part's value comes
    /// from: its own positions, the field it refers to, or the part itself.
    fn interpolation_error(
        &self,
        i: &ast::Interpolation,
        x: &ast::Expr,
        env: Option<EnvId>,
        e: &crate::value::Error,
        placed: bool,
    ) -> Value {
        let Some(file) = self.file_of(env) else {
            return Value::err(e.code, format!("invalid interpolation: {}", e.msg));
        };
        let mut spans = vec![(file, i.span)];
        if !placed {
            // Only the interpolation.
        } else if !e.spans.is_empty() {
            spans.extend_from_slice(&e.spans);
        } else if let (ast::Expr::Ident(_) | ast::Expr::Selector(..), Some(w)) = (x, self.last_ref)
        {
            spans.extend(self.positions(w, &e.msg));
        } else {
            spans.push((file, x.span()));
        }
        Value::Bottom(Rc::new(crate::value::Error {
            code: e.code,
            msg: format!("invalid interpolation: {}", e.msg),
            spans,
        }))
    }
}

/// The expression inside any parentheses.
fn unparen(e: &ast::Expr) -> &ast::Expr {
    match e {
        ast::Expr::Paren(x, _) => unparen(x),
        e => e,
    }
}

/// The label as a value (for label aliases and `for k, v`).
pub(crate) fn label_value(l: &Label) -> Value {
    match l {
        Label::Index(i) => Value::int(*i as i64),
        Label::Field(n) | Label::Def(n) | Label::Hidden(n) => Value::String(n.clone()),
    }
}

/// Equality of non-vertex values for deduplication.
pub(crate) fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Vertex(x), Value::Vertex(y)) => x == y,
        (Value::Constraint(_), Value::Constraint(_))
        | (Value::Disjunction(_), Value::Disjunction(_)) => a.to_string() == b.to_string(),
        (Value::Top, Value::Top) => true,
        _ => {
            a.is_concrete_scalar()
                && b.is_concrete_scalar()
                && a.scalar_kind() == b.scalar_kind()
                && scalar_eq(a, b)
        }
    }
}
