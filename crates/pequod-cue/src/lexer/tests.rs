use super::string::decode_fragments;
use super::*;
use TokenKind::*;

fn kinds(src: &str) -> Vec<TokenKind> {
    lex(src).tokens.iter().map(|t| t.kind).collect()
}

fn errors(src: &str) -> Vec<std::string::String> {
    lex(src).errors.into_iter().map(|e| e.message).collect()
}

fn single(src: &str) -> (TokenKind, Vec<std::string::String>) {
    let l = lex(src);
    let t = l.tokens.first().map(|t| t.kind).unwrap_or(Eof);
    assert_eq!(
        l.tokens.first().map(|t| t.span),
        Some(Span::new(0, src.len())),
        "{src}"
    );
    (t, l.errors.into_iter().map(|e| e.message).collect())
}

#[test]
fn fields_and_inserted_commas() {
    assert_eq!(
        kinds("a: 1\nb: \"x\"\n"),
        vec![Ident, Colon, Int, Comma, Ident, Colon, String, Comma, Eof]
    );
    // Inserted commas are empty; explicit ones are not.
    let l = lex("a, b\n");
    assert!(!l.tokens[1].span.is_empty());
    assert!(l.tokens[3].span.is_empty());
}

#[test]
fn comma_insertion_rules() {
    for src in [
        "x\n", "1\n", "1.5\n", "\"s\"\n", ")\n", "]\n", "}\n", "_|_\n", "...\n", "?\n", "@a()\n",
    ] {
        let k = kinds(src);
        assert_eq!(k.get(k.len() - 2), Some(&Comma), "{src:?}: {k:?}");
    }
    for src in [
        "+\n", "{\n", ",\n", ":\n", "(\n", "[\n", "&\n", "|\n", "!\n", "=\n",
    ] {
        let k = kinds(src);
        assert_eq!(
            k.iter().filter(|k| **k == Comma).count(),
            usize::from(src == ",\n"),
            "{src:?}"
        );
    }
    // A newline followed by ',' or ':' inserts nothing.
    assert_eq!(kinds("a\n, b"), vec![Ident, Comma, Ident, Comma, Eof]);
    assert_eq!(kinds("a\n\n: b"), vec![Ident, Colon, Ident, Comma, Eof]);
    // End of file inserts a comma after a value.
    assert_eq!(kinds("a"), vec![Ident, Comma, Eof]);
}

#[test]
fn comments_are_collected_and_end_lines() {
    let l = lex("a: 1 // one\n// two\nb: 2");
    assert_eq!(l.comments.len(), 2);
    assert_eq!(
        &"a: 1 // one\n// two\nb: 2"[l.comments[0].start..l.comments[0].end],
        "// one"
    );
    let k: Vec<_> = l.tokens.iter().map(|t| t.kind).collect();
    assert_eq!(
        k,
        vec![Ident, Colon, Int, Comma, Ident, Colon, Int, Comma, Eof]
    );
}

#[test]
fn identifiers() {
    for src in [
        "foo", "#Foo", "_foo", "_#foo", "_", "$x", "a1_$", "#", "héllo",
    ] {
        assert_eq!(single(src), (Ident, vec![]), "{src}");
    }
    assert_eq!(single("_|_"), (Bottom, vec![]));
    assert_eq!(single("__#x").0, Illegal);
}

#[test]
fn numbers() {
    for src in [
        "0",
        "123",
        "1_000_000",
        "0x1F",
        "0X1f",
        "0o17",
        "0b1010",
        "1K",
        "1Ki",
        "1.5Gi",
        "0M",
        ".5Ki",
        "2Pi",
    ] {
        assert_eq!(single(src), (Int, vec![]), "{src}");
    }
    for src in ["1.5", ".5", "1e10", "1E+10", "1.5e-3", "0.0", "0e0", "1."] {
        assert_eq!(single(src), (Float, vec![]), "{src}");
    }
    assert_eq!(single("1__0").1, vec!["illegal '_' in number"]);
    assert_eq!(single("1_").1, vec!["illegal '_' in number"]);
    assert_eq!(single("0x").1, vec!["illegal hexadecimal number"]);
    assert_eq!(single("08").1, vec!["illegal integer number"]);
    assert_eq!(single("1e").1, vec!["illegal exponent in number"]);
}

#[test]
fn strings_and_bytes() {
    for src in [
        r#""abc""#,
        r#""""#,
        r#""a\"b\\c\/d\n\t\u00e9\U0001F600""#,
        r"'\x41\101\''",
        r##"#"a"b\n"#"##,
        r###"##"a"#b"##"###,
        r##"#""x""#"##,
        r##"#"""#"##,
        "\"\"\"\n  a\n  b\n  \"\"\"",
        "'''\n\tx\n\t'''",
        "#\"\"\"\n  \\(x)\n  \"\"\"#",
    ] {
        assert_eq!(single(src), (String, vec![]), "{src}");
    }
    assert_eq!(errors("\"abc"), vec!["string literal not terminated"]);
    assert_eq!(
        errors("\"ab\nc\""),
        vec![
            "string literal not terminated",
            "string literal not terminated"
        ]
    );
    assert_eq!(errors(r#""\q""#), vec!["unknown escape sequence"]);
    assert_eq!(
        errors(r#""\x41""#),
        vec!["hexadecimal escape not allowed in string literal"]
    );
    assert_eq!(
        errors(r#""\101""#),
        vec!["octal escape not allowed in string literal"]
    );
    assert_eq!(errors(r#""\'""#), vec!["unknown escape sequence"]);
    assert_eq!(
        errors(r#""\u12""#),
        vec!["illegal character U+0022 in escape sequence"]
    );
    assert!(errors("\"\"\"abc\"\"\"")[0].starts_with("expected newline after multiline quote"));
    assert!(errors("\"\"\"\n  a\n b\n  \"\"\"")[0].starts_with("non-matching whitespace"));
    // Blank lines need no indentation.
    assert!(errors("\"\"\"\n  a\n\n  b\n  \"\"\"").is_empty());
}

#[test]
fn interpolations() {
    assert_eq!(
        kinds(r#""a\(b)c\(d + 1)e""#),
        vec![
            InterpStart,
            Ident,
            InterpMid,
            Ident,
            Add,
            Int,
            InterpEnd,
            Comma,
            Eof
        ]
    );
    // Parentheses inside the expression do not end it.
    assert_eq!(
        kinds(r#""\(f(x))""#),
        vec![
            InterpStart,
            Ident,
            LParen,
            Ident,
            RParen,
            InterpEnd,
            Comma,
            Eof
        ]
    );
    // Nested interpolation.
    assert_eq!(
        kinds(r#""a\("b\(c)")""#),
        vec![
            InterpStart,
            InterpStart,
            Ident,
            InterpEnd,
            InterpEnd,
            Comma,
            Eof
        ]
    );
    // In raw strings only `\#(` interpolates.
    assert_eq!(
        kinds(r##"#"\(x) \#(y)"#"##),
        vec![InterpStart, Ident, InterpEnd, Comma, Eof]
    );
    // Multi-line interpolation.
    assert_eq!(
        kinds("\"\"\"\n  a\\(x)\n  b\n  \"\"\""),
        vec![InterpStart, Ident, InterpEnd, Comma, Eof]
    );
    // Bytes interpolation.
    assert_eq!(
        kinds(r"'\(x)'"),
        vec![InterpStart, Ident, InterpEnd, Comma, Eof]
    );
}

#[test]
fn operators() {
    assert_eq!(
        kinds("+ - * / < <= > >= == != =~ !~ = & | && || ! ? ~ . ... : ; <-"),
        vec![
            Add, Sub, Mul, Quo, Lss, Leq, Gtr, Geq, Eql, Neq, Mat, Nmat, Bind, And, Or, Land, Lor,
            Not, Question, Tilde, Period, Ellipsis, Colon, Semicolon, Arrow, Eof
        ]
    );
    assert_eq!(errors("%"), vec!["illegal character U+0025 '%'"]);
    assert_eq!(errors(".."), vec!["illegal token '..'; expected '.'"]);
}

#[test]
fn attributes() {
    assert_eq!(
        single(r#"@foo(a, "b)", [c], {d: (e)})"#),
        (Attribute, vec![])
    );
    assert_eq!(
        single("@test(eq, \"\"\"\n\tx)\n\t\"\"\")"),
        (Attribute, vec![])
    );
    assert_eq!(single(r##"@x(#"a")"#)"##), (Attribute, vec![]));
    assert_eq!(errors("@foo bar"), vec!["invalid attribute: expected '('"]);
    assert_eq!(errors("@foo(a"), vec!["attribute missing ')'"]);
}

fn decode(frags: &[&str]) -> Vec<std::string::String> {
    decode_fragments(frags)
        .map(|(_, parts)| {
            parts
                .into_iter()
                .map(|p| std::string::String::from_utf8_lossy(&p).into_owned())
                .collect()
        })
        .unwrap_or_else(|e| vec![format!("ERR {e}")])
}

#[test]
fn decoding() {
    assert_eq!(decode(&[r#""a\tb\u00e9\/""#]), vec!["a\tbé/"]);
    assert_eq!(decode(&[r#""\ud83d\ude00""#]), vec!["😀"]);
    assert_eq!(decode(&[r##"#"a\nb\#n"#"##]), vec!["a\\nb\n"]);
    assert_eq!(
        decode(&["\"\"\"\n    a\n      b\n\n    c\n    \"\"\""]),
        vec!["a\n  b\n\nc"]
    );
    assert_eq!(decode(&["\"\"\"\n    \"\"\""]), vec![""]);
    assert_eq!(decode(&["'''\n  x\n  '''"]), vec!["x"]);
    assert_eq!(
        decode(&[r#""a\("#, r#")b\("#, r#")c""#]),
        vec!["a", "b", "c"]
    );
    assert_eq!(
        decode(&["\"\"\"\n  a\\(", ")\n  b\n  \"\"\""]),
        vec!["a", "\nb"]
    );
    let (d, bytes) = decode_fragments(&[r"'\x41\101\377'"]).unwrap();
    assert_eq!(d.quote, '\'');
    assert_eq!(bytes, vec![vec![0x41, 0o101, 0xff]]);
    assert_eq!(decode(&[r##"#"""#"##]), vec!["\""]);
    assert_eq!(decode(&[r##"#""x""#"##]), vec!["\"x\""]);
}
