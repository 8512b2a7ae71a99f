//! `cargo xtask hot-functions`: regenerates the link order of the functions
//! a `pequod cue` command runs (`crates/pequod/link/hot-functions.txt`).
//!
//! A cold CLI run pays a page fault for every 64 KiB of code it touches
//! first; spread over 26 MB of text, the few hundred functions an export
//! runs cost more faults than the export itself. Linked next to each other
//! they fit in a few dozen pages. The list is what callgrind saw the release
//! binary execute on the bundled modules, kept to the names the binary
//! defines. Names carry hashes that change with the compiler and the crates'
//! versions: a stale list only orders fewer functions, so rerun this after a
//! toolchain or dependency upgrade (the coverage it prints says how stale the
//! committed list was).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shell;

/// Where the build script reads the order from.
const ORDER_FILE: &str = "crates/pequod/link/hot-functions.txt";

/// Builds the release binary, records the functions it runs, writes the order.
pub(crate) fn run() -> Result<(), String> {
    let root = shell::root();
    if !shell::has("valgrind", &["--version"]) {
        return Err("valgrind is needed to record the functions a command runs \
                    (apt-get install valgrind)"
            .into());
    }
    shell::run(
        "cargo build --release -p pequod",
        Command::new(env!("CARGO"))
            .args(["build", "--release", "-p", "pequod"])
            .current_dir(&root),
    )?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let binary = target.join("release/pequod");
    let defined = text_symbols(&binary)?;
    let previous = std::fs::read_to_string(root.join(ORDER_FILE)).unwrap_or_default();
    let previous: Vec<&str> = previous.lines().collect();
    let still = previous.iter().filter(|s| defined.contains(**s)).count();
    eprintln!(
        "xtask: the committed order names {} functions, {still} of them in this binary",
        previous.len()
    );

    let scratch = std::env::temp_dir().join(format!("pequod-hot-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    for (n, (dir, args)) in workloads(&root)?.into_iter().enumerate() {
        let out = scratch.join(format!("callgrind.{n}"));
        shell::step(&format!(
            "callgrind: pequod {} (in {})",
            args.join(" "),
            dir.display()
        ));
        // The command's own exit status does not matter: error paths are
        // part of what a user runs.
        Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg("--demangle=no")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(&binary)
            .args(&args)
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("valgrind: {e}"))?;
        let profile =
            std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        for name in executed(&profile) {
            if defined.contains(name) && seen.insert(name.to_owned()) {
                order.push(name.to_owned());
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let mut text = order.join("\n");
    text.push('\n');
    std::fs::write(root.join(ORDER_FILE), text).map_err(|e| format!("{ORDER_FILE}: {e}"))?;
    eprintln!(
        "xtask: wrote {ORDER_FILE}: {} functions; rebuild with `cargo build --release -p pequod`",
        order.len()
    );
    Ok(())
}

/// The commands recorded: export (JSON and YAML), eval and vet of every
/// bundled module with each of its test inputs.
fn workloads(root: &Path) -> Result<Vec<(PathBuf, Vec<String>)>, String> {
    let modules = root.join("modules");
    let mut runs = Vec::new();
    let entries = std::fs::read_dir(&modules).map_err(|e| format!("{}: {e}", modules.display()))?;
    let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.join("cue.mod").is_dir()) {
        let mut inputs: Vec<String> = std::fs::read_dir(dir.join("testdata"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name.ends_with(".yaml"))
            .map(|name| format!("testdata/{name}"))
            .collect();
        inputs.sort();
        let args =
            |rest: &[&str]| -> Vec<String> { rest.iter().map(|s| (*s).to_owned()).collect() };
        runs.push((dir.clone(), args(&["cue", "eval", "."])));
        for input in &inputs {
            for out in ["json", "yaml"] {
                runs.push((
                    dir.clone(),
                    args(&["cue", "export", ".", input, "--out", out]),
                ));
            }
            runs.push((dir.clone(), args(&["cue", "vet", ".", input])));
        }
    }
    Ok(runs)
}

/// The function names `binary` defines in its text section.
fn text_symbols(binary: &Path) -> Result<HashSet<String>, String> {
    let output = Command::new("nm")
        .arg("--defined-only")
        .arg(binary)
        .output()
        .map_err(|e| format!("nm: {e}"))?;
    if !output.status.success() {
        return Err(format!("nm {} failed", binary.display()));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (_, kind, name) = (fields.next()?, fields.next()?, fields.next()?);
            matches!(kind, "t" | "T").then(|| name.to_owned())
        })
        .collect())
}

/// The functions a callgrind profile names, in the order it first names
/// them. Callgrind writes a name once, `fn=(id) name`, and `fn=(id)` after.
fn executed(profile: &str) -> Vec<&str> {
    profile
        .lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix("fn=(")
                .or_else(|| line.strip_prefix("cfn=("))?;
            let (_, name) = rest.split_once(") ")?;
            Some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::executed;

    #[test]
    fn names_are_taken_where_callgrind_defines_them() {
        let profile = "ob=(1) /bin/pequod\nfn=(1) _ZN4main\n0 3\ncfn=(2) _ZN3lex\ncalls=1 0\nfn=(2)\nfn=(1)\n";
        assert_eq!(executed(profile), ["_ZN4main", "_ZN3lex"]);
    }
}
