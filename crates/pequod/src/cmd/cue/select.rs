//! `-e PATH`: the node a field path names, or the error the official CLI
//! reports for it, positioned in `--expression`.

use pequod_cue::value::Kind;
use pequod_cue::{Instance, Node};

/// What an expression selects.
pub(super) enum Selection {
    /// The node at the path.
    Node(Node),
    /// A field missing from a struct (its name, and its column in the
    /// expression): `cue export` fails, `cue eval` prints `_|_`.
    Undefined(String, usize),
}

/// The official CLI's words for a missing field, with its position unless
/// `cue eval` prints it in place.
pub(super) fn undefined(field: &str, column: Option<usize>) -> String {
    match column {
        Some(c) => format!("undefined field: {field}:\n    --expression:1:{c}"),
        None => format!("undefined field: {field}"),
    }
}

/// The node `path` (dot-separated field names) names from the root; the
/// error is the text the official CLI prints.
pub(super) fn select(instance: &mut Instance<'_>, path: &str) -> Result<Selection, String> {
    let mut node = instance.root();
    let mut offset = 0;
    for (i, part) in path.split('.').enumerate() {
        let column = offset + 1;
        offset += part.len() + 1;
        if i > 0 {
            let kind = instance.kind(node);
            if !kind.overlaps(Kind::STRUCT) && !kind.overlaps(Kind::LIST) {
                let operand = &path[..column - 2];
                return Err(format!(
                    "invalid operand {operand} (found {kind}, want list or struct):\n    --expression:1:1"
                ));
            }
        }
        match instance.lookup_in(node, part) {
            Some(child) => node = child,
            None if i == 0 => {
                return Err(format!(
                    "reference {part:?} not found:\n    --expression:1:{column}"
                ));
            }
            None => {
                return Ok(Selection::Undefined(part.to_owned(), column));
            }
        }
    }
    Ok(Selection::Node(node))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    fn selected(path: &str) -> String {
        let compiled =
            pequod_cue::Compiled::from_sources(&[("a.cue", "a: 1\nd: e: f: \"x\"\n")]).unwrap();
        let mut instance = compiled.eval();
        match select(&mut instance, path) {
            Ok(Selection::Node(n)) => instance.to_json(n, false).unwrap(),
            Ok(Selection::Undefined(f, c)) => undefined(&f, Some(c)),
            Err(m) => m,
        }
    }

    #[test]
    fn paths_select_or_fail_as_cue_does() {
        assert_eq!(selected("d.e"), r#"{"f":"x"}"#);
        assert_eq!(
            selected("zz.y"),
            "reference \"zz\" not found:\n    --expression:1:1"
        );
        assert_eq!(
            selected("d.e.zz"),
            "undefined field: zz:\n    --expression:1:5"
        );
        assert_eq!(
            selected("a.b"),
            "invalid operand a (found int, want list or struct):\n    --expression:1:1"
        );
    }
}
