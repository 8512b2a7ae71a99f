use crate::ast::*;
use crate::{parse_expr, parse_file, parse_file_partial};

/// A compact rendering of the AST for assertions.
fn e(x: &Expr) -> String {
    match x {
        Expr::Ident(i) => i.name.clone(),
        Expr::Null(_) => "null".into(),
        Expr::Bool(b, _) => b.to_string(),
        Expr::Bottom(_) => "_|_".into(),
        Expr::Number(n) => n.text.clone(),
        Expr::String(s) => format!("{:?}", s.text()),
        Expr::Interpolation(i) => {
            let parts: Vec<String> = i
                .parts
                .iter()
                .map(|p| match p {
                    InterpPart::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                    InterpPart::Expr(x) => e(x),
                })
                .collect();
            format!("(interp {})", parts.join(" "))
        }
        Expr::Struct(s) => {
            let ds: Vec<String> = s.decls.iter().map(d).collect();
            if s.braces {
                format!("{{{}}}", ds.join(", "))
            } else {
                format!("<{}>", ds.join(", "))
            }
        }
        Expr::List(l) => {
            let mut es: Vec<String> = l
                .elems
                .iter()
                .map(|x| match x {
                    ListElem::Expr(x) => e(x),
                    ListElem::Comprehension(c) => comp(c),
                })
                .collect();
            if let Some(el) = &l.ellipsis {
                es.push(format!(
                    "...{}",
                    el.ty.as_ref().map(|t| e(t)).unwrap_or_default()
                ));
            }
            format!("[{}]", es.join(", "))
        }
        Expr::Paren(x, _) => format!("({})", e(x)),
        Expr::Selector(x, Selector::Ident(i), _) => format!("{}.{}", e(x), i.name),
        Expr::Selector(x, Selector::String(s), _) => format!("{}.{:?}", e(x), s.text()),
        Expr::Index(x, i, _) => format!("{}[{}]", e(x), e(i)),
        Expr::Slice(x, lo, hi, _) => format!(
            "{}[{}:{}]",
            e(x),
            lo.as_ref().map(|v| e(v)).unwrap_or_default(),
            hi.as_ref().map(|v| e(v)).unwrap_or_default()
        ),
        Expr::Call(f, args, _) => {
            format!(
                "{}({})",
                e(f),
                args.iter().map(e).collect::<Vec<_>>().join(", ")
            )
        }
        Expr::Unary(op, x, _) => format!("({op:?} {})", e(x)),
        Expr::Binary(op, x, y, _) => format!("({op:?} {} {})", e(x), e(y)),
        Expr::Postfix(op, x, _) => format!("({op:?} {})", e(x)),
        Expr::Alias(a, x, _) => format!("{}={}", a.name, e(x)),
        Expr::Bad(_) => "BAD".into(),
    }
}

fn label(l: &Label) -> String {
    match l {
        Label::Ident(i) => i.name.clone(),
        Label::String(s) => format!("{:?}", s.text()),
        Label::Interpolation(i) => e(&Expr::Interpolation(i.clone())),
        Label::Dynamic(x, _) => format!("({})", e(x)),
        Label::Pattern(p) => match &p.alias {
            Some(a) => format!("[{}={}]", a.name, e(&p.expr)),
            None => format!("[{}]", e(&p.expr)),
        },
    }
}

fn comp(c: &Comprehension) -> String {
    let cl: Vec<String> = c
        .clauses
        .iter()
        .map(|c| match c {
            Clause::For {
                key, value, source, ..
            } => match key {
                Some(k) => format!("for {},{} in {}", k.name, value.name, e(source)),
                None => format!("for {} in {}", value.name, e(source)),
            },
            Clause::If { condition, .. } => format!("if {}", e(condition)),
            Clause::Let(l) => format!("let {}={}", l.ident.name, e(&l.expr)),
            Clause::Try { binding: None, .. } => "try".into(),
            Clause::Try {
                binding: Some((i, x)),
                ..
            } => format!("try {}={}", i.name, e(x)),
        })
        .collect();
    let mut s = format!("{} {}", cl.join(" "), e(&Expr::Struct(c.body.clone())));
    if let Some(f) = &c.fallback {
        s.push_str(&format!(
            " {} {}",
            f.keyword.name,
            e(&Expr::Struct(f.body.clone()))
        ));
    }
    s
}

fn d(x: &Decl) -> String {
    match x {
        Decl::Field(f) => {
            let alias = match &f.alias {
                None => String::new(),
                Some(LabelAlias::Prefix(a)) => format!("{}=", a.name),
                Some(LabelAlias::Postfix(a)) => format!("~{}", a.name),
                Some(LabelAlias::PostfixPair(k, v)) => format!("~({},{})", k.name, v.name),
            };
            let c = match f.constraint {
                Constraint::Regular => "",
                Constraint::Optional => "?",
                Constraint::Required => "!",
            };
            let (pre, post) = if alias.ends_with('=') {
                (alias, String::new())
            } else {
                (String::new(), alias)
            };
            let attrs: String = f.attrs.iter().map(|a| format!(" @{}", a.name)).collect();
            format!("{pre}{}{post}{c}: {}{attrs}", label(&f.label), e(&f.value))
        }
        Decl::Embed(x) => e(&x.expr),
        Decl::Let(l) => format!("let {}={}", l.ident.name, e(&l.expr)),
        Decl::Comprehension(c) => comp(c),
        Decl::Ellipsis(el) => format!("...{}", el.ty.as_ref().map(|t| e(t)).unwrap_or_default()),
        Decl::Attribute(a) => format!("@{}({})", a.name, a.body),
        Decl::Bad(_) => "BAD".into(),
    }
}

fn file(src: &str) -> String {
    let f = match parse_file("t.cue", src) {
        Ok(f) => f,
        Err(err) => panic!("{src:?}: {err}"),
    };
    f.decls.iter().map(d).collect::<Vec<_>>().join("; ")
}

fn expr(src: &str) -> String {
    match parse_expr("t.cue", src) {
        Ok(x) => e(&x),
        Err(err) => panic!("{src:?}: {err}"),
    }
}

fn errs(src: &str) -> Vec<String> {
    parse_file_partial("t.cue", src)
        .1
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn fields() {
    assert_eq!(file("a: 1\nb?: 2\nc!: 3"), "a: 1; b?: 2; c!: 3");
    assert_eq!(file("#D: int, _h: 1, _#hd: 2"), "#D: int; _h: 1; _#hd: 2");
    assert_eq!(file(r#""a-b": 1, "c"?: 2"#), r#""a-b": 1; "c"?: 2"#);
    assert_eq!(file("(k): 1\n(k)?: 2"), "(k): 1; (k)?: 2");
    assert_eq!(file(r#""\(k)x": 1"#), r#"(interp "" k "x"): 1"#);
    assert_eq!(
        file("[string]: int\n[X=string]: X"),
        "[string]: int; [X=string]: X"
    );
    // `=~` is one token, so a pattern alias needs a space or parentheses.
    assert_eq!(file("[X= =~\"^a\"]: X"), r#"[X=(Match "^a")]: X"#);
    assert_eq!(file("a: b: c: 1"), "a: <b: <c: 1>>");
    assert_eq!(file("a: b?: c!: 1"), "a: <b?: <c!: 1>>");
    assert_eq!(
        file("if: 1, for: 2, let: 3, in: 4, true: 5, null: 6, package: 7, import: 8"),
        "if: 1; for: 2; let: 3; in: 4; true: 5; null: 6; package: 7; import: 8"
    );
    assert_eq!(file("if?: 1\nfor!: 2"), "if?: 1; for!: 2");
    assert_eq!(file("a: 1 @go(A) @json(,omitempty)"), "a: 1 @go @json");
    assert_eq!(file("a: {b: 1, c: {}}"), "a: {b: 1, c: {}}");
}

#[test]
fn aliases() {
    assert_eq!(file("X=a: 1"), "X=a: 1");
    assert_eq!(file("X=[string]: 1"), "X=[string]: 1");
    assert_eq!(file("a: X=b: 1"), "a: <X=b: 1>");
    assert_eq!(file("a: X={b: 1}"), "a: X={b: 1}");
    assert_eq!(file("X=3"), "X=3");
    assert_eq!(file("let x = 1 + 2"), "let x=(Add 1 2)");
    assert_eq!(
        file("a~X: 1\nb~(K,V): 2\nc~(Y): 3\n[string]~(_,V)?: 4"),
        "a~X: 1; b~(K,V): 2; c~Y: 3; [string]~(_,V)?: 4"
    );
    assert_eq!(file("c~X?: 1"), "c~X?: 1");
}

#[test]
fn embeddings_and_ellipsis() {
    assert_eq!(file("a\n{b: 1}\nc & d"), "a; {b: 1}; (Unification c d)");
    assert_eq!(
        file("a: {...}\nb: {...int}\nc: {x: 1, ...}"),
        "a: {...}; b: {...int}; c: {x: 1, ...}"
    );
    assert_eq!(
        file("a: [1, ...]\nb: [...int]\nc: [...]"),
        "a: [1, ...]; b: [...int]; c: [...]"
    );
    assert_eq!(file("a: #A...\nb: {c...}"), "a: (Open #A); b: {(Open c)}");
}

#[test]
fn comprehensions() {
    assert_eq!(file("for k, v in x { (k): v }"), "for k,v in x {(k): v}");
    assert_eq!(file("if a > 1 { b: 2 }"), "if (Gt a 1) {b: 2}");
    assert_eq!(
        file("for x in y if x let z = x { a: z }"),
        "for x in y if x let z=x {a: z}"
    );
    assert_eq!(
        file("for x in y\nfor z in x { a: z }"),
        "for x in y for z in x {a: z}"
    );
    assert_eq!(file("if !ok { a: 1 }"), "if (Not ok) {a: 1}");
    assert_eq!(file("a: [for x in y { x }]"), "a: [for x in y {x}]");
    assert_eq!(file("a: [1, if c { 2 }]"), "a: [1, if c {2}]");
    assert_eq!(
        file("if c { a: 1 } else { b: 2 }"),
        "if c {a: 1} else {b: 2}"
    );
    assert_eq!(
        file("for x in [] { a: x } fallback { e: true }"),
        "for x in [] {a: x} fallback {e: true}"
    );
    assert_eq!(file("try { a: b? }"), "try {a: (Optional b)}");
    assert_eq!(
        file("try x = a? try y = b? { r: x }"),
        "try x=(Optional a) try y=(Optional b) {r: x}"
    );
    assert_eq!(file("try if c { a: 1 }"), "try if c {a: 1}");
}

#[test]
fn literals() {
    assert_eq!(expr("null"), "null");
    assert_eq!(expr("[true, false, _|_, _]"), "[true, false, _|_, _]");
    assert_eq!(expr(r#""a\nb""#), r#""a\nb""#);
    assert_eq!(
        expr(r#""a\(b + "c\(d)")e""#),
        r#"(interp "a" (Add b (interp "c" d "")) "e")"#
    );
    assert_eq!(expr(r##"#"\(a)\#(b)"#"##), r#"(interp "\\(a)" b "")"#);
    assert_eq!(expr("\"\"\"\n\tx\n\t  y\n\t\"\"\""), r#""x\n  y""#);
    let Ok(Expr::String(b)) = parse_expr("t", r"'\x00\377ab'") else {
        panic!()
    };
    assert!(b.is_bytes);
    assert_eq!(b.value, vec![0, 0xff, b'a', b'b']);
    let Ok(Expr::Number(n)) = parse_expr("t", "1_000.5Gi") else {
        panic!()
    };
    assert_eq!(
        (n.kind, n.radix, n.digits.as_str(), n.multiplier.as_deref()),
        (NumberKind::Int, 10, "1000.5", Some("Gi"))
    );
    let Ok(Expr::Number(n)) = parse_expr("t", "0xFF_FF") else {
        panic!()
    };
    assert_eq!((n.radix, n.digits.as_str()), (16, "FFFF"));
    let Ok(Expr::Number(n)) = parse_expr("t", "1.5e-3") else {
        panic!()
    };
    assert_eq!((n.kind, n.digits.as_str()), (NumberKind::Float, "1.5e-3"));
}

#[test]
fn precedence() {
    assert_eq!(expr("a | b & c"), "(Disjunction a (Unification b c))");
    assert_eq!(expr("a & b | c"), "(Disjunction (Unification a b) c)");
    assert_eq!(expr("a || b && c"), "(Or a (And b c))");
    assert_eq!(expr("a & b || c"), "(Unification a (Or b c))");
    assert_eq!(expr("a == b + c * d"), "(Eq a (Add b (Mul c d)))");
    assert_eq!(expr("a - b - c"), "(Sub (Sub a b) c)");
    assert_eq!(expr("a / b * c"), "(Mul (Div a b) c)");
    assert_eq!(expr("*1 | int"), "(Disjunction (Default 1) int)");
    assert_eq!(expr(">=0 & <10"), "(Unification (Ge 0) (Lt 10))");
    assert_eq!(
        expr("!=\"\" & =~\"a\" & !~\"b\""),
        r#"(Unification (Unification (Ne "") (Match "a")) (NotMatch "b"))"#
    );
    assert_eq!(expr("-a.b[0](c)"), "(Neg a.b[0](c))");
    assert_eq!(expr("!(a || b)"), "(Not ((Or a b)))");
    assert_eq!(expr("a =~ b && c < d"), "(And (Match a b) (Lt c d))");
}

#[test]
fn selectors_calls_index() {
    assert_eq!(expr("a.b.#C._d"), "a.b.#C._d");
    assert_eq!(expr(r#"a."b-c""#), r#"a."b-c""#);
    assert_eq!(expr("f(a, b,)"), "f(a, b)");
    assert_eq!(expr("f(\n\ta,\n\tb,\n)"), "f(a, b)");
    assert_eq!(expr("a[1][\"x\"]"), r#"a[1]["x"]"#);
    assert_eq!(expr("a[1:2]"), "a[1:2]");
    assert_eq!(expr("strings.Join(x, \",\")"), r#"strings.Join(x, ",")"#);
}

#[test]
fn lists() {
    assert_eq!(expr("[1, 2,\n3,\n]"), "[1, 2, 3]");
    assert_eq!(expr("[\n1\n]"), "[1]");
    assert_eq!(expr("[X=1, 2]"), "[X=1, 2]");
}

#[test]
fn file_header() {
    let f = parse_file(
        "t.cue",
        "@if(prod)\n@experiment(aliasv2)\n\npackage foo\n\nimport \"list\"\nimport (\n\ts \"strings\"\n\t\"example.com/x:y\"\n)\n\na: 1 // c\n",
    )
    .unwrap();
    assert_eq!(
        f.attrs.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        vec!["if", "experiment"]
    );
    assert_eq!(f.attrs[0].args[0].value, "prod");
    assert_eq!(
        f.package.as_ref().map(|p| p.name.name.as_str()),
        Some("foo")
    );
    assert_eq!(f.imports.len(), 2);
    assert!(!f.imports[0].grouped && f.imports[1].grouped);
    assert_eq!(
        f.imports[1].specs[0]
            .alias
            .as_ref()
            .map(|a| a.name.as_str()),
        Some("s")
    );
    assert_eq!(f.imports[1].specs[1].path.text(), "example.com/x:y");
    assert_eq!(f.decls.len(), 1);
    assert_eq!(f.comments.len(), 1);
    assert_eq!(f.comments[0].text, "// c");
    // Without a package clause, attributes then imports.
    let f = parse_file(
        "t.cue",
        "@experiment(try)\nimport \"list\"\nx: list.Sum([1])",
    )
    .unwrap();
    assert_eq!((f.attrs.len(), f.imports.len(), f.decls.len()), (1, 1, 1));
}

#[test]
fn attributes() {
    let f = parse_file(
        "t.cue",
        "a: 1 @test(err, code=eval, args=[1, \"a,b\"], pos=[0:5])",
    )
    .unwrap();
    let Decl::Field(field) = &f.decls[0] else {
        panic!()
    };
    let a = &field.attrs[0];
    assert_eq!(a.name, "test");
    assert_eq!(a.body, "err, code=eval, args=[1, \"a,b\"], pos=[0:5]");
    let args: Vec<(Option<&str>, &str)> = a
        .args
        .iter()
        .map(|x| (x.key.as_deref(), x.value.as_str()))
        .collect();
    assert_eq!(
        args,
        vec![
            (None, "err"),
            (Some("code"), "eval"),
            (Some("args"), "[1, \"a,b\"]"),
            (Some("pos"), "[0:5]")
        ]
    );
    let src = "a: 1 @test(err, code=eval, args=[1, \"a,b\"], pos=[0:5])";
    assert_eq!(
        &src[a.args[2].span.start..a.args[2].span.end],
        "args=[1, \"a,b\"]"
    );
    assert_eq!(file("a: 1\n@test(eq, {a: 1})"), "a: 1; @test(eq, {a: 1})");
}

#[test]
fn spans() {
    let f = parse_file("t.cue", "a: {\n\tb: x + 1\n}").unwrap();
    let Decl::Field(a) = &f.decls[0] else {
        panic!()
    };
    assert_eq!((a.span.start, a.span.end), (0, 16));
    let Expr::Struct(s) = &a.value else { panic!() };
    let Decl::Field(b) = &s.decls[0] else {
        panic!()
    };
    assert_eq!(b.span, crate::Span::new(6, 14));
    assert_eq!(b.value.span(), crate::Span::new(9, 14));
}

#[test]
fn errors_have_positions() {
    assert_eq!(
        errs("a: 1 b: 2"),
        vec!["t.cue:1:6: missing ',' in struct literal"]
    );
    assert_eq!(
        errs("a: {\n\tb: 1\n"),
        vec!["t.cue:3:1: expected '}', found 'EOF'"]
    );
    assert_eq!(
        errs("a: [1\n2]"),
        vec!["t.cue:2:1: missing ',' before newline in list literal"]
    );
    assert_eq!(
        errs("a: %"),
        vec!["t.cue:1:4: illegal character U+0025 '%'"]
    );
    assert_eq!(
        errs("a: \"x"),
        vec!["t.cue:1:4: string literal not terminated"]
    );
    assert_eq!(
        errs("import 435"),
        vec!["t.cue:1:8: missing ',' in struct literal"]
    );
    assert_eq!(
        errs("foo :: 1"),
        vec!["t.cue:1:6: expected operand, found ':'"]
    );
    assert_eq!(
        errs("[1, 2]: x"),
        vec!["t.cue:1:1: square bracket must have exactly one element"]
    );
    assert_eq!(
        errs("__x: 1"),
        vec!["t.cue:1:1: identifiers starting with '__' are reserved"]
    );
    assert_eq!(
        errs("import \"a b\""),
        vec!["t.cue:1:8: invalid import path: \"a b\""]
    );
}

#[test]
fn reports_several_errors_and_recovers() {
    let (f, e) = parse_file_partial("t.cue", "a: )\nb: 2\nc: ]\nd: 4\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!((e[0].line, e[0].column), (1, 4));
    assert_eq!((e[1].line, e[1].column), (3, 4));
    assert_eq!(e[1].source_line, "c: ]");
    let names: Vec<String> = f
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Field(f) => Some(label(&f.label)),
            _ => None,
        })
        .collect();
    assert!(
        names.contains(&"b".to_string()) && names.contains(&"d".to_string()),
        "{names:?}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!("a: {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(!errs(&src).is_empty());
    let src = format!("a: {}", "[{".repeat(10_000));
    assert!(!errs(&src).is_empty());
    let src = format!("a: {}1", "-".repeat(10_000));
    assert!(!errs(&src).is_empty());
}
