//! Builtin functions and packages.
//!
//! Predeclared functions (`len`, `close`, `and`, `or`, `div`, ...) are here;
//! each standard package has its own module: `strings`, `list`, `math`,
//! `struct`, `strconv`, `regexp`, `encoding/json`, `encoding/yaml` (with its
//! emitter in `yaml_emit`), `encoding/base64` and `encoding/hex` (`codec`),
//! `encoding/csv`, `math/bits`, `text/template`, `crypto/sha256` (`digest`),
//! `uuid`, `path`, `net` and `time` (Go layouts in `time_layout`). A package function that can act as a validator
//! (`uuid.Valid`, `net.IPv4`, `time.Time`, ...) is a [`Value::Validator`]
//! when referenced without a call.

mod bits;
mod codec;
mod csv;
mod digest;
mod json;
mod list;
mod math;
mod net;
mod path;
pub(crate) use path::path_match;
mod strconv;
mod strings;
mod structs;
mod template;
mod time;
mod time_layout;
mod uuid;
mod yaml;
mod yaml_emit;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use num_bigint::BigInt;
use regex::Regex;
use regex_automata::meta;

use crate::eval::{Evaluator, Label};
use crate::value::{Disjunct, ErrorCode, Kind, VId, Value};

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, Result<Regex, String>>> = RefCell::new(HashMap::new());
    static MATCHERS: RefCell<HashMap<Box<str>, Result<meta::Regex, String>>> = RefCell::new(HashMap::new());
}

/// Patterns kept compiled per thread; the caches start over past this.
const CACHED_PATTERNS: usize = 1000;

/// Compiles (and caches) a regular expression in RE2 syntax.
pub(crate) fn regex(pattern: &str) -> Result<Regex, String> {
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(r) = c.get(pattern) {
            return r.clone();
        }
        let r = Regex::new(pattern).map_err(|e| format!("invalid regexp {pattern:?}: {e}"));
        if c.len() > CACHED_PATTERNS {
            c.clear();
        }
        c.insert(pattern.to_string(), r.clone());
        r
    })
}

/// Whether `text` matches `pattern` (RE2 syntax): `=~`, `!~` and their
/// bounds. A bound is compiled once per evaluation and tried on a few short
/// strings, so its matcher is the Pike VM alone: building the DFAs, the
/// one-pass DFA, the backtracker or the lazy DFA's cache costs more than the
/// matching they would save (the lazy DFA alone was a twentieth of a cold
/// `cue export`). A long text goes to the full [`regex`] instead, where the
/// Pike VM would be slow.
pub(crate) fn regex_match(pattern: &str, text: &str) -> Result<bool, String> {
    if text.len() > PIKE_VM_TEXT {
        return regex(pattern).map(|r| r.is_match(text));
    }
    with_matcher(pattern, |m| m.is_match(text))
}

/// The longest text (in bytes) [`regex_match`] runs on the Pike VM.
const PIKE_VM_TEXT: usize = 4096;

/// Checks that `pattern` compiles, as a bound does when it is made.
pub(crate) fn check_regex(pattern: &str) -> Result<(), String> {
    with_matcher(pattern, |_| ())
}

fn with_matcher<T>(pattern: &str, f: impl FnOnce(&meta::Regex) -> T) -> Result<T, String> {
    MATCHERS.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(built) = c.get(pattern) {
            return built.as_ref().map(f).map_err(Clone::clone);
        }
        let config = meta::Config::new()
            .dfa(false)
            .onepass(false)
            .backtrack(false)
            .hybrid(false);
        let built = meta::Regex::builder()
            .configure(config)
            .build(pattern)
            // The `regex` crate's text, as the `regexp` builtins report it.
            .map_err(|e| {
                regex(pattern)
                    .err()
                    .unwrap_or_else(|| format!("invalid regexp {pattern:?}: {e}"))
            });
        let result = built.as_ref().map(f).map_err(Clone::clone);
        if c.len() > CACHED_PATTERNS {
            c.clear();
        }
        c.insert(pattern.into(), built);
        result
    })
}

/// Whether `path` names a builtin package.
pub(crate) fn is_package(path: &str) -> bool {
    matches!(
        path,
        "strings"
            | "list"
            | "math"
            | "struct"
            | "strconv"
            | "regexp"
            | "encoding/json"
            | "encoding/yaml"
            | "encoding/base64"
            | "encoding/hex"
            | "encoding/csv"
            | "math/bits"
            | "text/template"
            | "crypto/sha256"
            | "uuid"
            | "path"
            | "net"
            | "time"
    )
}

/// CUE-defined members of builtin packages.
const CUE_DEFS: &str = "
listAscending: {
\tT: number | string
\tx: T
\ty: T
\tless: x < y
}
listDescending: {
\tT: number | string
\tx: T
\ty: T
\tless: x > y
}
";

fn cue_defs() -> Option<&'static crate::ast::File> {
    static DEFS: std::sync::OnceLock<Option<crate::ast::File>> = std::sync::OnceLock::new();
    DEFS.get_or_init(|| crate::parse_file("builtins.cue", CUE_DEFS).ok())
        .as_ref()
}

/// A member of a builtin package: a constant or a function.
pub(crate) fn member(ev: &mut Evaluator<'_>, pkg: &str, name: &str) -> Value {
    // Only `list` has members written in CUE: other packages need not parse them.
    let defs = if pkg == "list" { cue_defs() } else { None };
    for d in defs.map_or(&[][..], |f| &f.decls[..]) {
        if let crate::ast::Decl::Field(f) = d
            && matches!(&f.label, crate::ast::Label::Ident(i)
                if i.name.strip_prefix(pkg) == Some(name))
        {
            let w = ev.new_vertex(None, None);
            ev.vertices[w].conjuncts.push(crate::eval::Conjunct {
                src: crate::eval::Src::Expr(&f.value),
                env: None,
                closed: false,
                group: 0,
            });
            return ev.value_of(w);
        }
    }
    let constant = match pkg {
        "math" => math::constant(name),
        "crypto/sha256" => digest::constant(name),
        "uuid" => uuid::constant(ev, name),
        "path" => path::constant(name),
        "net" => net::constant(name),
        "time" => time::constant(name),
        _ => None,
    };
    if let Some(v) = constant {
        return v;
    }
    let full = format!("{pkg}.{name}");
    if validator_arity(&full) == Some(1) {
        return Value::Validator(Rc::new((Rc::from(full), Vec::new())));
    }
    Value::Builtin(Rc::from(format!("{pkg}.{name}")))
}

/// An argument error.
pub(crate) fn arg_err(name: &str, msg: impl std::fmt::Display) -> Value {
    Value::err(ErrorCode::Eval, format!("error in call to {name}: {msg}"))
}

/// Argument helpers shared by the packages.
pub(crate) struct Args<'e, 'a> {
    pub(crate) ev: &'e mut Evaluator<'a>,
    pub(crate) name: String,
    pub(crate) vals: Vec<Value>,
}

impl Args<'_, '_> {
    pub(crate) fn get(&mut self, i: usize) -> Result<Value, Value> {
        let v = self.vals.get(i).cloned().unwrap_or(Value::Top);
        let v = self.ev.default_of(v);
        match v {
            Value::Bottom(_) => Err(v),
            // A struct or list that is not complete yet (a comprehension
            // over what is not known) is not known yet either.
            Value::Vertex(w) => match self.ev.vertices[w].pending.clone() {
                Some(e) => Err(Value::Bottom(e)),
                None => Ok(v),
            },
            v if v.is_concrete_scalar() => Ok(v),
            v => Err(Value::err(
                ErrorCode::Incomplete,
                format!("error in call to {}: non-concrete value {v}", self.name),
            )),
        }
    }

    /// Argument `i`, which must become a `want` (`name`): a value that
    /// never can is an error now, not an incomplete one.
    fn typed(&mut self, i: usize, want: Kind, name: &str) -> Result<Value, Value> {
        let v = self.vals.get(i).cloned().unwrap_or(Value::Top);
        let v = self.ev.default_of(v);
        if !v.is_bottom()
            && !v.is_concrete_scalar()
            && !matches!(v, Value::Vertex(_))
            && !v.scalar_kind().overlaps(want)
        {
            return Err(self.type_err(i, &v, name));
        }
        self.get(i)
    }

    pub(crate) fn string(&mut self, i: usize) -> Result<String, Value> {
        match self.typed(i, Kind::STRING, "string")? {
            Value::String(s) => Ok(s.to_string()),
            v => Err(self.type_err(i, &v, "string")),
        }
    }

    pub(crate) fn int(&mut self, i: usize) -> Result<BigInt, Value> {
        match self.typed(i, Kind::INT, "int")? {
            Value::Int(n) => Ok(n),
            v => Err(self.type_err(i, &v, "int")),
        }
    }

    /// The official wording of a wrongly typed argument `i`:
    /// `cannot use 1 (type int) as string in argument 1 to strings.ToUpper`.
    fn type_err(&mut self, i: usize, v: &Value, want: &str) -> Value {
        let d = self.ev.display(v);
        let kind = match v {
            Value::Vertex(w) if self.ev.vertices[*w].is_list => "list".to_string(),
            Value::Vertex(_) => "struct".to_string(),
            v => v.scalar_kind().to_string(),
        };
        let name = match self.name.rsplit_once('.') {
            Some((pkg, f)) if pkg.contains('/') => format!("{pkg:?}.{f}"),
            _ => self.name.clone(),
        };
        Value::err(
            ErrorCode::Eval,
            format!(
                "cannot use {d} (type {kind}) as {want} in argument {} to {name}",
                i + 1
            ),
        )
    }

    /// A bytes argument (a string is taken as its UTF-8 bytes).
    pub(crate) fn bytes(&mut self, i: usize) -> Result<Vec<u8>, Value> {
        match self.typed(i, Kind::STRING | Kind::BYTES, "(string|bytes)")? {
            Value::Bytes(b) => Ok(b.to_vec()),
            Value::String(s) => Ok(s.as_bytes().to_vec()),
            v => Err(self.type_err(i, &v, "(string|bytes)")),
        }
    }

    /// The (unevaluated) argument `i`, `_` if absent.
    pub(crate) fn raw(&self, i: usize) -> Value {
        self.vals.get(i).cloned().unwrap_or(Value::Top)
    }

    pub(crate) fn small(&mut self, i: usize) -> Result<i64, Value> {
        let n = self.int(i)?;
        i64::try_from(&n).map_err(|_| arg_err(&self.name, format!("int {n} out of range")))
    }

    pub(crate) fn number(&mut self, i: usize) -> Result<Value, Value> {
        match self.typed(i, Kind::NUMBER, "number")? {
            v @ (Value::Int(_) | Value::Float(_)) => Ok(v),
            v => Err(self.type_err(i, &v, "number")),
        }
    }

    /// The elements of a list argument.
    pub(crate) fn list(&mut self, i: usize) -> Result<Vec<Value>, Value> {
        match self.get(i)? {
            Value::Vertex(w) => {
                self.ev.eval_vertex(w);
                if !self.ev.vertices[w].is_list {
                    return Err(arg_err(
                        &self.name,
                        format!("cannot use struct as list in argument {}", i + 1),
                    ));
                }
                let arcs = self.ev.regular_arcs(w);
                Ok(arcs.into_iter().map(|(_, a)| self.ev.value_of(a)).collect())
            }
            v => Err(self.type_err(i, &v, "list")),
        }
    }

    /// The concrete (default-resolved) elements of a list argument.
    pub(crate) fn concrete_list(&mut self, i: usize) -> Result<Vec<Value>, Value> {
        self.concrete_list_of(i, None)
    }

    /// The concrete elements of a list argument whose elements must
    /// become `want` (kind and name): an element that never can is an
    /// error now, not an incomplete one.
    pub(crate) fn concrete_list_of(
        &mut self,
        i: usize,
        want: Option<(Kind, &str)>,
    ) -> Result<Vec<Value>, Value> {
        let items = self.list(i)?;
        let mut out = Vec::with_capacity(items.len());
        for (n, v) in items.into_iter().enumerate() {
            let v = self.ev.default_of(v);
            if let Some((kind, name)) = want
                && !v.is_bottom()
                && !matches!(v, Value::Vertex(_))
                && !v.scalar_kind().overlaps(kind)
            {
                let k = v.scalar_kind();
                return Err(arg_err(
                    &self.name,
                    format!(
                        "invalid list element {n} in argument {i} to call: cannot use value {v} ({k}) as {name}"
                    ),
                ));
            }
            match v {
                Value::Bottom(_) => return Err(v),
                Value::Vertex(_) => out.push(v),
                v if v.is_concrete_scalar() => out.push(v),
                v => {
                    return Err(Value::err(
                        ErrorCode::Incomplete,
                        format!("non-concrete value {v} in list argument to {}", self.name),
                    ));
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn strings(&mut self, i: usize) -> Result<Vec<String>, Value> {
        let items = self.concrete_list_of(i, Some((Kind::STRING, "string")))?;
        items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.to_string()),
                v => Err(arg_err(&self.name, format!("cannot use {v} as string"))),
            })
            .collect()
    }

    pub(crate) fn struct_vertex(&mut self, i: usize) -> Result<VId, Value> {
        match self.get(i)? {
            Value::Vertex(w) => {
                self.ev.eval_vertex(w);
                if self.ev.vertices[w].is_list {
                    return Err(arg_err(&self.name, "cannot use list as struct"));
                }
                Ok(w)
            }
            v => {
                let d = self.ev.display(&v);
                Err(arg_err(&self.name, format!("cannot use {d} as struct")))
            }
        }
    }
}

impl Evaluator<'_> {
    /// Makes a list value from elements.
    pub(crate) fn make_list(&mut self, items: Vec<Value>) -> Value {
        let w = self.new_vertex(None, None);
        for (i, v) in items.into_iter().enumerate() {
            let a = self.arc_or_new(w, Label::Index(i));
            self.add_value(a, v);
            self.vertices[a].allowed = true;
        }
        self.vertices[w].is_list = true;
        self.vertices[w].state = crate::eval::State::Done;
        Value::Vertex(w)
    }

    /// Makes a struct value from fields.
    pub(crate) fn make_struct(&mut self, fields: Vec<(String, Value)>) -> Value {
        let w = self.new_vertex(None, None);
        for (k, v) in fields {
            let a = self.arc_or_new(w, Label::field(&k));
            self.add_value(a, v);
            self.vertices[a].allowed = true;
        }
        self.vertices[w].is_struct = true;
        self.vertices[w].state = crate::eval::State::Done;
        Value::Vertex(w)
    }
}

/// The number of arguments of builtins that can act as validators (the
/// first argument being the validated value).
fn validator_arity(name: &str) -> Option<usize> {
    Some(match name {
        "matchN" => 3,
        "matchIf" => 4,
        "struct.MinFields"
        | "struct.MaxFields"
        | "list.MinItems"
        | "list.MaxItems"
        | "math.MultipleOf"
        | "strings.MinRunes"
        | "strings.MaxRunes"
        | "strings.HasPrefix"
        | "strings.HasSuffix"
        | "strings.Contains"
        | "strings.ContainsAny"
        | "list.Contains"
        | "regexp.Match" => 2,
        "encoding/yaml.Validate"
        | "encoding/yaml.ValidatePartial"
        | "time.Format"
        | "net.InCIDR" => 2,
        "list.UniqueItems"
        | "encoding/json.Valid"
        | "list.IsSorted"
        | "uuid.Valid"
        | "net.IP"
        | "net.IPv4"
        | "net.IPv6"
        | "net.IPCIDR"
        | "net.FQDN"
        | "net.URL"
        | "net.AbsURL"
        | "net.LoopbackIP"
        | "net.MulticastIP"
        | "net.InterfaceLocalMulticastIP"
        | "net.LinkLocalMulticastIP"
        | "net.LinkLocalUnicastIP"
        | "net.GlobalUnicastIP"
        | "net.UnspecifiedIP"
        | "time.Time"
        | "time.Duration" => 1,
        _ => return None,
    })
}

/// Whether the count `k` satisfies `n` of `matchN`: a number, bound,
/// validator or disjunction of them.
fn count_accepted(ev: &mut Evaluator<'_>, n: &Value, k: i64) -> bool {
    match n {
        Value::Validator(f) => {
            let mut args = vec![Value::int(k)];
            args.extend(f.1.iter().cloned());
            matches!(call(ev, &f.0, args), Value::Bool(true))
        }
        Value::Disjunction(d) => d.iter().any(|x| count_accepted(ev, &x.value, k)),
        n => !crate::eval::unify_scalar(n, &Value::int(k)).is_bottom(),
    }
}

/// Calls builtin `name` with evaluated arguments.
pub(crate) fn call(ev: &mut Evaluator<'_>, name: &str, vals: Vec<Value>) -> Value {
    if let Some(n) = validator_arity(name)
        && vals.len() + 1 == n
    {
        return Value::Validator(Rc::new((Rc::from(name), vals)));
    }
    let mut a = Args {
        ev,
        name: name.to_string(),
        vals,
    };
    let r = call_inner(&mut a, name);
    match r {
        Ok(v) | Err(v) => v,
    }
}

fn call_inner(a: &mut Args<'_, '_>, name: &str) -> Result<Value, Value> {
    match name {
        "len" => {
            let v = a.get(0)?;
            Ok(match v {
                Value::String(s) => Value::int(s.len() as i64),
                Value::Bytes(b) => Value::int(b.len() as i64),
                Value::Vertex(w) => {
                    let n = a.ev.regular_arcs(w).len();
                    Value::int(n as i64)
                }
                v => {
                    return Err(arg_err(
                        "len",
                        format!("invalid argument type {}", v.scalar_kind()),
                    ));
                }
            })
        }
        "close" => {
            let v = a.vals.first().cloned().unwrap_or(Value::Top);
            match v {
                Value::Vertex(w) => {
                    let n = a.ev.new_vertex(None, None);
                    let group = a.ev.new_own_group(crate::eval::GroupKind::Close);
                    a.ev.vertices[n].conjuncts.push(crate::eval::Conjunct {
                        src: crate::eval::Src::Value(Value::Vertex(w)),
                        env: None,
                        closed: false,
                        group,
                    });
                    Ok(a.ev.value_of(n))
                }
                v => Ok(v),
            }
        }
        "and" => {
            let items = a.list(0)?;
            let n = a.ev.new_vertex(None, None);
            for v in items {
                a.ev.add_value(n, v);
            }
            Ok(a.ev.value_of(n))
        }
        "or" => {
            let items = a.list(0)?;
            if items.is_empty() {
                // As `cue`: an empty disjunction of nothing yet, incomplete.
                return Ok(Value::err(
                    ErrorCode::Incomplete,
                    "empty list in call to or",
                ));
            }
            let mut ds: Vec<Disjunct> = Vec::new();
            for v in items {
                match v {
                    Value::Disjunction(d) => ds.extend(d.iter().cloned()),
                    Value::Bottom(_) => {}
                    v => ds.push(Disjunct {
                        value: v,
                        default: false,
                    }),
                }
            }
            Ok(match ds.len() {
                0 => Value::err(ErrorCode::Eval, "empty disjunction"),
                1 => ds.remove(0).value,
                _ => Value::Disjunction(Rc::new(ds)),
            })
        }
        "div" | "mod" | "quo" | "rem" => {
            let x = a.get(0)?;
            let y = a.get(1)?;
            Ok(crate::eval::int_div(name, &x, &y))
        }
        "matchN" => {
            let val = a.vals.first().cloned().unwrap_or(Value::Top);
            let n = a.vals.get(1).cloned().unwrap_or(Value::Top);
            let schemas = a.list(2)?;
            let val = a.ev.with_defaults(&val);
            let mut count = 0i64;
            // Schemas that the value may still satisfy (a required field
            // not yet there): a failing count that they could make up is
            // only incomplete.
            let mut undecided = 0i64;
            for s in schemas {
                let w = a.ev.unify_copy(&val, s);
                match a.ev.deep_error(w, 20) {
                    None if a.ev.missing_required(w, 20) => undecided += 1,
                    None => count += 1,
                    Some(e)
                        if e.as_error()
                            .is_some_and(|e| e.code == ErrorCode::Incomplete) =>
                    {
                        undecided += 1;
                    }
                    Some(_) => {}
                }
            }
            let n = a.ev.default_of(n);
            let mut accepts = |k: i64| count_accepted(a.ev, &n, k);
            let ok = accepts(count);
            if !ok && (count + 1..=count + undecided).any(&mut accepts) {
                return Ok(Value::err(
                    ErrorCode::Incomplete,
                    format!(
                        "invalid value (does not satisfy matchN): {count} matched, expected {n}"
                    ),
                ));
            }
            Ok(Value::Bool(ok))
        }
        "matchIf" => {
            let val = a.vals.first().cloned().unwrap_or(Value::Top);
            let mut test = |s: Value| {
                let w = a.ev.unify_copy(&val, s);
                match a.ev.deep_error(w, 20) {
                    None => true,
                    Some(e) => e
                        .as_error()
                        .is_some_and(|e| e.code == ErrorCode::Incomplete),
                }
            };
            let cond = a.vals.get(1).cloned().unwrap_or(Value::Top);
            let then = a.vals.get(2).cloned().unwrap_or(Value::Top);
            let els = a.vals.get(3).cloned().unwrap_or(Value::Top);
            Ok(Value::Bool(if test(cond) { test(then) } else { test(els) }))
        }
        "error" => {
            let msg = a.string(0).unwrap_or_else(|_| "error".into());
            Ok(Value::err(ErrorCode::User, msg))
        }
        _ => {
            let Some((pkg, f)) = name.rsplit_once('.') else {
                return Err(Value::err(
                    ErrorCode::Eval,
                    format!("unknown builtin {name}"),
                ));
            };
            match pkg {
                "strings" => strings::call(a, f),
                "list" => list::call(a, f),
                "math" => math::call(a, f),
                "struct" => structs::call(a, f),
                "strconv" => strconv::call(a, f),
                "regexp" => strings::call_regexp(a, f),
                "encoding/json" => json::call(a, f),
                "encoding/yaml" => yaml::call(a, f),
                "encoding/base64" => codec::call_base64(a, f),
                "encoding/hex" => codec::call_hex(a, f),
                "encoding/csv" => csv::call(a, f),
                "math/bits" => bits::call(a, f),
                "text/template" => template::call(a, f),
                "crypto/sha256" => digest::call(a, f),
                "uuid" => uuid::call(a, f),
                "path" => path::call(a, f),
                "net" => net::call(a, f),
                "time" => time::call(a, f),
                _ => Err(Value::err(
                    ErrorCode::Eval,
                    format!("unknown builtin {name}"),
                )),
            }
        }
    }
}

/// An error for an unknown function of a package.
pub(crate) fn unknown(a: &Args<'_, '_>) -> Value {
    Value::err(ErrorCode::Eval, format!("undefined builtin {}", a.name))
}

#[cfg(test)]
mod tests {
    use super::{check_regex, regex, regex_match};

    #[test]
    fn bounds_match_as_the_regexp_builtins_do() {
        for (pattern, text) in [
            ("^[a-z0-9.-]+$", "shop.example.com"),
            ("^/", "api"),
            (r"\p{Greek}", "λ"),
        ] {
            let full = regex(pattern).map(|r| r.is_match(text));
            // Twice: compiled, then from the cache.
            assert_eq!(regex_match(pattern, text), full);
            assert_eq!(regex_match(pattern, text), full);
        }
    }

    #[test]
    fn a_long_text_matches_as_a_short_one() {
        let long = format!("{}end", "x".repeat(super::PIKE_VM_TEXT));
        for (pattern, want) in [("end$", true), ("^x+end$", true), ("^y", false)] {
            assert_eq!(regex_match(pattern, &long), Ok(want), "{pattern}");
            assert_eq!(regex_match(pattern, "xend"), Ok(want), "{pattern}");
        }
        assert!(regex_match("a(b", &long).is_err());
    }

    #[test]
    fn an_invalid_pattern_reports_the_regexp_error() {
        let expected = regex("a(b").err();
        assert!(expected.is_some());
        assert_eq!(check_regex("a(b").err(), expected);
        assert_eq!(regex_match("a(b", "ab").err(), expected);
    }
}
