//! `cue eval -s`: a struct of one field is printed on its parent's line
//! (`a: b: c: 1`), as the official CLI simplifies its output. Applied to
//! the printed CUE text, whose blocks the indentation delimits.

const INDENT: usize = 4;

/// `text` (CUE as `cue eval` prints it) with every regular field whose
/// value is a struct of one entry folded onto one line.
pub(super) fn simplify(text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut i = 0;
    while i < lines.len() {
        if !fold(&mut lines, i) {
            i += 1;
        }
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Folds the struct opened at line `at` into it when it has one entry;
/// whether it did.
fn fold(lines: &mut Vec<String>, at: usize) -> bool {
    let line = &lines[at];
    let depth = indent(line);
    let label = line.trim_start();
    if !label.ends_with(": {") || label.starts_with(['#', '/']) {
        return false;
    }
    let mut entries = 0;
    let mut close = None;
    for (j, inner) in lines.iter().enumerate().skip(at + 1) {
        if inner.trim().is_empty() {
            return false;
        }
        let d = indent(inner);
        if d <= depth {
            if d == depth && inner.trim_start() == "}" {
                close = Some(j);
            }
            break;
        }
        if d == depth + INDENT && !inner.trim_start().starts_with(['}', ']', ')']) {
            entries += 1;
        }
    }
    let Some(close) = close else {
        return false;
    };
    if entries != 1 || close == at + 1 {
        return false;
    }
    let first = lines[at + 1].trim_start().to_owned();
    let head = lines[at].trim_end_matches('{').to_owned();
    let mut folded = vec![format!("{head}{first}")];
    folded.extend(
        lines[at + 2..close]
            .iter()
            .map(|l| l.get(INDENT..).unwrap_or_default().to_owned()),
    );
    lines.splice(at..=close, folded);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_field_structs_fold() {
        let text = "a: {\n    b: {\n        c: 1\n    }\n}\nm: {\n    o: 1\n    p: {\n        q: 2\n    }\n}\n#D: {\n    a: int\n}\n";
        assert_eq!(
            simplify(text),
            "a: b: c: 1\nm: {\n    o: 1\n    p: q: 2\n}\n#D: {\n    a: int\n}\n"
        );
    }
}
