//! The official CLI's own test scripts (`cmd/cue/cmd/testdata/script` of
//! the CUE v0.17.1 corpus) that run `cue export` or `cue eval` (and no
//! command but `def` and `vet` beside them), replayed with `pequod cue` in
//! place of `cue`: each script's files are written to a temporary directory
//! and its commands interpreted as `testscript` does (`exec`, `! exec`,
//! `cmp`, `stdout|stderr REGEX`, `exists`, `stdin`, `env`, `cd`, `mkdir`,
//! `rm`, `cp`; `$WORK` and `${/}` expanded). A script counts when every
//! command passes. The test prints a summary line and fails when the count
//! drops below the committed baseline (`testdata/cue-scripts-baseline.txt`,
//! ratcheted up as the CLI improves).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a test fails by panicking and prints its summary"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BASELINE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/testdata/cue-scripts-baseline.txt"
);

fn corpus() -> PathBuf {
    let dir = std::env::var("PEQUOD_CUE_CONFORMANCE_DIR").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cue-v0.17.1"),
        PathBuf::from,
    );
    dir.join("cmd/cue/cmd/testdata/script")
}

/// Why a script is not replayed: it uses a command or feature outside
/// `cue export`, `eval`, `def` and `vet` (the commands `pequod cue` has).
fn unsupported(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let command = words.iter().find(|w| !w.starts_with(['!', '?'])).copied();
    match command {
        Some("exec") => !matches!(
            (
                words
                    .iter()
                    .position(|w| *w == "exec")
                    .and_then(|i| words.get(i + 1)),
                words
                    .iter()
                    .position(|w| *w == "exec")
                    .and_then(|i| words.get(i + 2))
            ),
            (Some(&"cue"), Some(&("export" | "eval" | "def" | "vet")))
        ),
        Some(
            "cmp" | "stdout" | "stderr" | "env" | "cd" | "exists" | "stdin" | "mkdir" | "rm" | "cp",
        ) => false,
        _ => true,
    }
}

struct Run {
    stdout: String,
    stderr: String,
}

/// Replays one script; `Err` says which command failed.
fn replay(script: &Path, bin: &Path) -> Result<(), String> {
    let archive = pequod_cue::txtar::parse(&std::fs::read_to_string(script).unwrap());
    let dir = std::env::temp_dir().join(format!(
        "pequod-cue-script-{}-{}",
        std::process::id(),
        script.file_stem().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for file in &archive.files {
        let path = dir.join(&file.name);
        if file.name.ends_with('/') {
            // An entry naming a directory: an empty one.
            let _ = std::fs::create_dir_all(&path);
            continue;
        }
        let written = std::fs::create_dir_all(path.parent().unwrap())
            .and_then(|()| std::fs::write(&path, &file.data));
        if let Err(e) = written {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("writing {}: {e}", file.name));
        }
    }
    let result = interpret(&archive, &dir, bin);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn interpret(archive: &pequod_cue::txtar::Archive, root: &Path, bin: &Path) -> Result<(), String> {
    let mut cwd = root.to_path_buf();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let mut last: Option<Run> = None;
    let mut stdin: Option<String> = None;
    for raw in archive.comment.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (negated, rest) = match line.strip_prefix('!') {
            Some(r) => (true, r.trim_start()),
            None => (false, line),
        };
        let work = root.display().to_string();
        let words: Vec<String> = split_words(rest)
            .into_iter()
            .map(|w| {
                w.replace("${WORK}", &work)
                    .replace("$WORK", &work)
                    .replace("${/}", "/")
            })
            .collect();
        match words.first().map(String::as_str) {
            Some("exec") => {
                let args = &words[2..];
                let mut child = Command::new(bin)
                    .arg("cue")
                    .args(args)
                    .current_dir(&cwd)
                    .envs(&env)
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("{line}: {e}"))?;
                // The `stdin` command's text goes to this exec only.
                let input = stdin.take().unwrap_or_default();
                if let Some(mut pipe) = child.stdin.take() {
                    use std::io::Write as _;
                    let _ = pipe.write_all(input.as_bytes());
                }
                let out = child
                    .wait_with_output()
                    .map_err(|e| format!("{line}: {e}"))?;
                if out.status.success() == negated {
                    return Err(format!(
                        "{line}: exit {:?}, stderr: {}",
                        out.status.code(),
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                last = Some(Run {
                    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                });
            }
            Some("cmp") => {
                let (Some(first), Some(second)) = (words.get(1), words.get(2)) else {
                    return Err(format!("{line}: cmp needs two files"));
                };
                let got = match (first.as_str(), last.as_ref()) {
                    ("stdout", Some(run)) => run.stdout.clone(),
                    ("stderr", Some(run)) => run.stderr.clone(),
                    ("stdout" | "stderr", None) => return Err("cmp before exec".into()),
                    (file, _) => read(&cwd, file)?,
                };
                let want = read(&cwd, second)?;
                if (got == want) == negated {
                    return Err(format!("{line}: got\n{got}\nwant\n{want}"));
                }
            }
            Some("stdin") => {
                let file = words.get(1).ok_or("stdin without file")?;
                stdin = Some(match (file.as_str(), last.as_ref()) {
                    ("stdout", Some(run)) => run.stdout.clone(),
                    ("stderr", Some(run)) => run.stderr.clone(),
                    (file, _) => read(&cwd, file)?,
                });
            }
            Some("mkdir") => {
                for dir in &words[1..] {
                    std::fs::create_dir_all(cwd.join(dir)).map_err(|e| format!("{line}: {e}"))?;
                }
            }
            Some("rm") => {
                for path in &words[1..] {
                    let path = cwd.join(path);
                    let removed = if path.is_dir() {
                        std::fs::remove_dir_all(&path)
                    } else {
                        std::fs::remove_file(&path)
                    };
                    removed.map_err(|e| format!("{line}: {e}"))?;
                }
            }
            Some("cp") => {
                let (Some(to), [_, from @ .., _]) = (words.last(), words.as_slice()) else {
                    return Err(format!("{line}: cp needs a source and a target"));
                };
                for file in from {
                    let text = match (file.as_str(), last.as_ref()) {
                        ("stdout", Some(run)) => run.stdout.clone(),
                        ("stderr", Some(run)) => run.stderr.clone(),
                        (file, _) => read(&cwd, file)?,
                    };
                    let mut target = cwd.join(to);
                    if target.is_dir() {
                        target = target.join(Path::new(file).file_name().unwrap_or_default());
                    }
                    std::fs::write(&target, text).map_err(|e| format!("{line}: {e}"))?;
                }
            }
            Some("exists") => {
                for file in &words[1..] {
                    if cwd.join(file).exists() == negated {
                        return Err(format!("{line}: {file} exists: {}", !negated));
                    }
                }
            }
            Some(stream @ ("stdout" | "stderr")) => {
                let run = last.as_ref().ok_or("match before exec")?;
                let text = if stream == "stdout" {
                    &run.stdout
                } else {
                    &run.stderr
                };
                let pattern = words.get(1).ok_or("match without pattern")?;
                let re = regex::Regex::new(&format!("(?m){pattern}"))
                    .map_err(|e| format!("{line}: {e}"))?;
                if re.is_match(text) == negated {
                    return Err(format!("{line}: {stream} was\n{text}"));
                }
            }
            Some("env") => {
                for assignment in &words[1..] {
                    if let Some((k, v)) = assignment.split_once('=') {
                        env.insert(
                            k.to_owned(),
                            v.replace("$WORK", &root.display().to_string()),
                        );
                    }
                }
            }
            Some("cd") => {
                cwd = cwd.join(words.get(1).ok_or("cd without directory")?);
            }
            _ => return Err(format!("{line}: not interpreted")),
        }
    }
    Ok(())
}

/// A file of the script's working tree, as a relative path names it from
/// `cwd`.
fn read(cwd: &Path, file: &str) -> Result<String, String> {
    std::fs::read_to_string(cwd.join(file)).map_err(|e| format!("reading {file}: {e}"))
}

/// Splits a script line into words, honouring single quotes.
fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut any = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if quoted && chars.peek() == Some(&'\'') => {
                chars.next();
                current.push('\'');
            }
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                    any = false;
                }
            }
            c => current.push(c),
        }
    }
    if any || !current.is_empty() {
        words.push(current);
    }
    words
}

#[test]
fn official_cli_scripts() {
    let dir = corpus();
    assert!(dir.is_dir(), "corpus not found at {}", dir.display());
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_pequod"));
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txtar"))
        .collect();
    scripts.sort();
    let (mut applicable, mut passed) = (0usize, 0usize);
    let mut failures = Vec::new();
    for script in &scripts {
        let archive = pequod_cue::txtar::parse(&std::fs::read_to_string(script).unwrap());
        let lines: Vec<&str> = archive
            .comment
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let runs_cue = lines
            .iter()
            .any(|l| l.contains("exec cue export") || l.contains("exec cue eval"));
        // Conditions ([windows], [!long]) and other commands put a script
        // out of this runner's reach.
        if !runs_cue || lines.iter().any(|l| l.starts_with('[') || unsupported(l)) {
            continue;
        }
        applicable += 1;
        match replay(script, &bin) {
            Ok(()) => passed += 1,
            Err(why) => failures.push(format!(
                "{}: {}",
                script.file_name().unwrap().to_string_lossy(),
                why
            )),
        }
    }
    println!("cue-conformance: script {passed}/{applicable}");
    if let Some(verbose) = std::env::var_os("PEQUOD_CUE_SCRIPTS_VERBOSE") {
        // `PEQUOD_CUE_SCRIPTS_VERBOSE=full` prints each failure whole.
        let full = verbose == "full";
        for f in &failures {
            if full {
                println!("  {f}");
            } else {
                println!("  {}", f.lines().next().unwrap_or_default());
            }
        }
    }
    let baseline: usize = std::fs::read_to_string(BASELINE)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        passed >= baseline,
        "script conformance dropped: {passed} < baseline {baseline}"
    );
}
