//! Evaluates the inline `@test(eq, ...)` and `@test(err, ...)` assertions of
//! the upstream CUE v0.17.1 conformance corpus (`cue/testdata`).
//!
//! Every archive with `@test` attributes is evaluated once; each assertion is
//! checked against the evaluated value (`eq` structurally, ignoring field
//! order; `err` by error code). A panic or an exhausted step budget fails the
//! assertions of that archive only. The totals must not drop below the
//! committed baseline `testdata/conformance-baseline.txt`.

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use pequod_cue::ast::{self, Attribute, Decl, Expr, Label as AstLabel};
use pequod_cue::eval::{ArcType, Label};
use pequod_cue::value::Value;
use pequod_cue::{Compiled, Instance, Node, txtar};

mod common;

/// Evaluation steps allowed per archive.
const BUDGET: u64 = 1_000_000;

/// One assertion found in the source.
#[derive(Debug, Clone)]
struct Assertion {
    path: Vec<String>,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Eq(String),
    Err {
        code: Option<String>,
        at: Option<String>,
        any: bool,
    },
}

fn label_name(l: &AstLabel) -> Option<String> {
    match l {
        AstLabel::Ident(i) => Some(i.name.clone()),
        AstLabel::String(s) => Some(s.text()),
        _ => None,
    }
}

fn parse_attr(attr: &Attribute, path: &[String], out: &mut Vec<Assertion>) {
    if attr.name != "test" || attr.args.is_empty() {
        return;
    }
    let first = &attr.args[0];
    if first.key.is_some() {
        return;
    }
    match first.value.as_str() {
        "eq" => {
            if let Some(v) = attr.args.get(1) {
                let text = match &v.key {
                    Some(k) => format!("{k}={}", v.value),
                    None => v.value.clone(),
                };
                out.push(Assertion {
                    path: path.to_vec(),
                    kind: Kind::Eq(text),
                });
            }
        }
        "err" => {
            let mut code = None;
            let mut at = None;
            let mut any = false;
            for a in &attr.args[1..] {
                match (a.key.as_deref(), a.value.as_str()) {
                    (Some("code"), v) => code = Some(v.trim_matches('"').to_string()),
                    (Some("at") | Some("path"), v) => at = Some(v.to_string()),
                    (None, "any") => any = true,
                    _ => {}
                }
            }
            out.push(Assertion {
                path: path.to_vec(),
                kind: Kind::Err { code, at, any },
            });
        }
        _ => {}
    }
}

fn is_todo(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.name == "test"
            && a.args.first().is_some_and(|x| {
                x.key.is_none() && (x.value == "todo" || x.value.starts_with("skip"))
            })
    })
}

fn walk_decls(decls: &[Decl], path: &[String], out: &mut Vec<Assertion>) {
    let todo = decls
        .iter()
        .any(|d| matches!(d, Decl::Attribute(a) if is_todo(std::slice::from_ref(a))));
    for d in decls {
        match d {
            Decl::Attribute(a) if !todo => parse_attr(a, path, out),
            Decl::Field(f) => {
                let Some(name) = label_name(&f.label) else {
                    continue;
                };
                let mut p = path.to_vec();
                p.push(name);
                if !is_todo(&f.attrs) {
                    for a in &f.attrs {
                        parse_attr(a, &p, out);
                    }
                }
                if let Expr::Struct(s) = &f.value {
                    walk_decls(&s.decls, &p, out);
                }
            }
            _ => {}
        }
    }
}

/// A comparable rendering of a value.
#[derive(Debug, Clone, PartialEq)]
enum Tree {
    Leaf(String),
    Err,
    List(Vec<Tree>),
    Struct(BTreeMap<String, Tree>),
}

fn tree(inst: &mut Instance<'_>, v: Value, depth: usize) -> Tree {
    if depth > 40 {
        return Tree::Leaf("...".into());
    }
    match v {
        Value::Bottom(_) => Tree::Err,
        Value::Vertex(_) => {
            let Some(n) = Instance::node_of(&v) else {
                return Tree::Err;
            };
            node_tree(inst, n, depth)
        }
        v => Tree::Leaf(v.to_string()),
    }
}

fn node_tree(inst: &mut Instance<'_>, n: Node, depth: usize) -> Tree {
    let is_list = inst.is_list(n);
    let arcs = inst.arcs(n);
    if is_list {
        let mut items = Vec::new();
        for (l, _, a) in arcs {
            if matches!(l, Label::Index(_)) {
                let v = inst.value(a);
                items.push(tree(inst, v, depth + 1));
            }
        }
        return Tree::List(items);
    }
    let mut m = BTreeMap::new();
    for (l, t, a) in arcs {
        if matches!(l, Label::Hidden(_)) {
            continue;
        }
        let mut name = l.selector();
        match t {
            ArcType::Optional => name.push('?'),
            ArcType::Required => name.push('!'),
            ArcType::Regular => {}
        }
        let v = inst.value(a);
        m.insert(name, tree(inst, v, depth + 1));
    }
    Tree::Struct(m)
}

fn expected_tree(text: &str) -> Option<Tree> {
    let src = format!("pequodExpected: {text}\n");
    let c = Compiled::from_sources(&[("expected.cue", &src)]).ok()?;
    let mut inst = c.eval_with_budget(&[], BUDGET);
    let n = inst.lookup("pequodExpected")?;
    let v = inst.value(n);
    Some(tree(&mut inst, v, 0))
}

#[derive(Default, Clone, Copy)]
struct Counts {
    eq: usize,
    eq_ok: usize,
    err: usize,
    err_ok: usize,
}

#[allow(clippy::print_stdout)]
fn check(inst: &mut Instance<'_>, a: &Assertion) -> bool {
    let ok = check_inner(inst, a);
    if !ok && std::env::var("PEQUOD_CUE_CONFORMANCE_ONLY").is_ok() {
        let path = a.path.join(".");
        let node = if a.path.is_empty() {
            Some(inst.root())
        } else {
            inst.lookup(&path)
        };
        let actual = node.map(|n| {
            let v = inst.value(n);
            let err = inst
                .error_at(n, false)
                .map(|e| format!("{}: {}", e.code.name(), e.msg));
            (tree(inst, v, 0), err)
        });
        println!("FAIL {path}: {:?}\n   actual {:?}", a.kind, actual);
        if let Kind::Eq(t) = &a.kind {
            println!("   expect {:?}", expected_tree(t));
        }
    }
    ok
}

fn check_inner(inst: &mut Instance<'_>, a: &Assertion) -> bool {
    let path = a.path.join(".");
    let node = if a.path.is_empty() {
        Some(inst.root())
    } else {
        inst.lookup(&path)
    };
    match &a.kind {
        Kind::Eq(text) => {
            let Some(n) = node else { return false };
            let v = inst.value(n);
            let actual = tree(inst, v, 0);
            expected_tree(text).is_some_and(|e| e == actual)
        }
        Kind::Err { code, at, any } => {
            let Some(mut n) = node else { return false };
            if let Some(at) = at {
                match inst.lookup_in(n, at) {
                    Some(x) => n = x,
                    None => return false,
                }
            }
            match inst.error_at(n, *any) {
                None => false,
                Some(e) => code
                    .as_deref()
                    .is_none_or(|c| c.split('|').any(|c| c.trim() == e.code.name())),
            }
        }
    }
}

/// The top-level files as a package of the archive's module, when it has a
/// `cue.mod/module.cue` and the package imports resolve within it.
fn module_package(archive: &txtar::Archive, files: &[ast::File]) -> Option<Compiled> {
    archive.file("cue.mod/module.cue")?;
    let sources: Vec<(&str, &str)> = archive
        .files
        .iter()
        .filter(|f| f.name.ends_with(".cue"))
        .map(|f| (f.name.as_str(), f.data.as_str()))
        .collect();
    let module = pequod_cue::Module::from_files(&sources).ok()?;
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    module.compile_files(&names, &pequod_cue::Tags::new()).ok()
}

fn run_archive(path: &Path) -> Counts {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let archive = txtar::parse(&text);
    let mut files: Vec<ast::File> = Vec::new();
    let mut assertions = Vec::new();
    let mut has_test = false;
    let mut parse_failed = false;
    for f in &archive.files {
        if !f.name.ends_with(".cue") || f.name.contains('/') {
            continue;
        }
        if f.data.contains("@test(") {
            has_test = true;
        }
        match pequod_cue::parse_file(&f.name, &f.data) {
            Ok(file) => {
                for a in &file.decls {
                    if let Decl::Attribute(attr) = a {
                        parse_attr(attr, &[], &mut assertions);
                    }
                }
                let fields: Vec<Decl> = file
                    .decls
                    .iter()
                    .filter(|d| !matches!(d, Decl::Attribute(_)))
                    .cloned()
                    .collect();
                walk_decls(&fields, &[], &mut assertions);
                files.push(file);
            }
            Err(_) => parse_failed = true,
        }
    }
    let mut counts = Counts::default();
    if !has_test {
        return counts;
    }
    for a in &assertions {
        match a.kind {
            Kind::Eq(_) => counts.eq += 1,
            Kind::Err { .. } => counts.err += 1,
        }
    }
    if parse_failed {
        return counts;
    }
    let compiled = module_package(&archive, &files).unwrap_or_else(|| Compiled::new(files));
    let mut inst = compiled.eval_with_limits(&[], BUDGET, Some(std::time::Duration::from_secs(3)));
    for a in &assertions {
        let ok = catch_unwind(AssertUnwindSafe(|| check(&mut inst, a))).unwrap_or(false);
        if inst.exhausted() {
            break;
        }
        if ok {
            match a.kind {
                Kind::Eq(_) => counts.eq_ok += 1,
                Kind::Err { .. } => counts.err_ok += 1,
            }
        }
    }
    counts
}

#[allow(clippy::print_stdout)]
fn run_all(dir: &Path) -> (BTreeMap<String, Counts>, Counts) {
    let archives = common::txtar_archives(dir);
    let mut per_dir: BTreeMap<String, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    let verbose = std::env::var("PEQUOD_CUE_CONFORMANCE_VERBOSE").is_ok();
    let only = std::env::var("PEQUOD_CUE_CONFORMANCE_ONLY").ok();
    for path in &archives {
        let rel = path.strip_prefix(dir).unwrap_or(path);
        if only
            .as_ref()
            .is_some_and(|o| !rel.to_string_lossy().contains(o.as_str()))
        {
            continue;
        }
        let top = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().to_string())
            .unwrap_or_default();
        let start = std::time::Instant::now();
        let c = catch_unwind(AssertUnwindSafe(|| run_archive(path))).unwrap_or_else(|_| {
            // Count the assertions of a panicking archive as failures.
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let eq = text.matches("@test(eq,").count();
            let err = text.matches("@test(err").count();
            Counts {
                eq,
                err,
                ..Counts::default()
            }
        });
        let took = start.elapsed();
        if verbose && took.as_millis() > 500 {
            println!("  SLOW {} {:?}", rel.display(), took);
        }
        if verbose && (c.eq_ok < c.eq || c.err_ok < c.err) {
            println!(
                "  {}: eq {}/{} err {}/{}",
                rel.display(),
                c.eq_ok,
                c.eq,
                c.err_ok,
                c.err
            );
        }
        let d = per_dir.entry(top).or_default();
        for x in [d, &mut total] {
            x.eq += c.eq;
            x.eq_ok += c.eq_ok;
            x.err += c.err;
            x.err_ok += c.err_ok;
        }
    }
    (per_dir, total)
}

#[test]
fn conformance_eval() {
    let dir = common::corpus_dir().join("cue/testdata");
    std::panic::set_hook(Box::new(|_| {}));
    let handle = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || run_all(&dir));
    let (per_dir, total) = match handle.map(|h| h.join()) {
        Ok(Ok(r)) => r,
        _ => {
            let _ = std::panic::take_hook();
            panic!("conformance runner thread failed");
        }
    };
    let _ = std::panic::take_hook();
    // Written past the test harness's capture: every log shows the figures.
    let mut log = std::io::stderr().lock();
    for (d, c) in &per_dir {
        if c.eq + c.err > 0 {
            let _ = writeln!(
                log,
                "cue-conformance {d}: eq {}/{} err {}/{}",
                c.eq_ok, c.eq, c.err_ok, c.err
            );
        }
    }
    let _ = writeln!(
        log,
        "cue-conformance: eq {}/{} err {}/{}",
        total.eq_ok, total.eq, total.err_ok, total.err
    );
    drop(log);
    let baseline = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/conformance-baseline.txt"),
    )
    .unwrap_or_default();
    let get = |key: &str| -> usize {
        baseline
            .lines()
            .filter_map(|l| l.strip_prefix(key))
            .filter_map(|v| v.trim().parse().ok())
            .next()
            .unwrap_or(0)
    };
    let (beq, berr) = (get("eq "), get("err "));
    assert!(
        total.eq_ok >= beq,
        "eq passes dropped: {} < baseline {beq}",
        total.eq_ok
    );
    assert!(
        total.err_ok >= berr,
        "err passes dropped: {} < baseline {berr}",
        total.err_ok
    );
}
