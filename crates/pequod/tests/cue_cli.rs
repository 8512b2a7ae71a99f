//! `pequod cue export`, `eval`, `def` and `vet` against the official CLI,
//! run side by side on the same files: the same bytes on stdout (and on
//! stderr where noted) and the same exit status.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::PathBuf;
use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../pequod-cue/testdata");

/// Inputs written for the CUE-text commands (layout, labels, strings,
/// schemas, vet cases).
const CLI_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/testdata/cue-cli");

fn cue_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(format!("{FIXTURES}/{dir}"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    files.sort();
    files
}

fn both(args: &[&str], file: &PathBuf) -> ((bool, Vec<u8>), (bool, Vec<u8>)) {
    let ours = Command::new(env!("CARGO_BIN_EXE_pequod"))
        .args(["cue", "export"])
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    let theirs = Command::new(pequod_testing::cue_oracle())
        .arg("export")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    (
        (ours.status.success(), ours.stdout),
        (theirs.status.success(), theirs.stdout),
    )
}

#[test]
fn concrete_exports_match_the_official_cli() {
    let files = cue_files("eval");
    assert!(!files.is_empty());
    for file in &files {
        let (ours, theirs) = both(&[], file);
        assert!(theirs.0, "the oracle fails on {}", file.display());
        assert_eq!(ours.0, theirs.0, "{}: exit status differs", file.display());
        assert!(
            ours.1 == theirs.1,
            "{}: output differs\n--- pequod\n{}\n--- cue\n{}",
            file.display(),
            String::from_utf8_lossy(&ours.1),
            String::from_utf8_lossy(&theirs.1)
        );
    }
}

#[test]
fn failing_exports_fail_in_both() {
    for file in cue_files("eval-err") {
        let (ours, theirs) = both(&[], &file);
        assert!(!theirs.0, "the oracle accepts {}", file.display());
        assert!(
            !ours.0,
            "pequod accepts {}: {}",
            file.display(),
            String::from_utf8_lossy(&ours.1)
        );
    }
}

/// `-e` (repeatable), `-o`, `-p`, `-l`, `--escape`, `--out text` and eval's
/// `-c`, `-a`, `-H`, `-O` and `-i`, `json:`-style qualifiers, misplaced
/// `@tag`s, empty YAML files, JSON Lines and JSON syntax
/// errors, and which files of a directory load: the same status, stdout
/// and stderr.
#[test]
fn flags_match() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/flags"));
    for args in [
        &["eval", "-H", "fields.cue"][..],
        &["eval", "-O", "fields.cue"],
        &["eval", "-a", "fields.cue"],
        &["eval", "-c", "fields.cue"],
        &["eval", "-c", "-a", "fields.cue"],
        &["eval", "-s", "nested.cue"],
        &["eval", "imports.cue"],
        &["eval", "-e", "s", "-e", "def", "imports.cue"],
        &["def", "imports-def.cue"],
        &["eval", "-s", "fields.cue"],
        &["eval", "-c", "incomplete.cue"],
        &["eval", "-e", "a", "-e", "d", "-e", "g", "fields.cue"],
        &["eval", "-e", "zz", "-e", "a", "fields.cue"],
        &["eval", "-e", "d", "-e", "d.zz", "-e", "a", "fields.cue"],
        &["eval", "-e", "_h", "fields.cue"],
        &["eval", "-e", "n.m", "fields.cue"],
        &["export", "--out", "cue", "-e", "n.m", "fields.cue"],
        &["export", "-e", "a", "-e", "zz", "fields.cue"],
        &["export", "-e", "d.zz", "fields.cue"],
        &["export", "-e", "a.b", "fields.cue"],
        &[
            "export",
            "-e",
            "a+c",
            "-e",
            "d.e.f",
            "--out",
            "yaml",
            "fields.cue",
        ],
        &["export", "-e", "strings.ToUpper(d.e.f)", "fields.cue"],
        &["export", "-e", "a+", "fields.cue"],
        &["export", "-e", "n*2", "data.json"],
        &["eval", "-e", "zz+1", "fields.cue"],
        &["export", "-e", "a", "-e", "d", "fields.cue"],
        &[
            "export",
            "-e",
            "a",
            "-e",
            "d.e.f",
            "-e",
            "d",
            "--out",
            "cue",
            "fields.cue",
        ],
        &[
            "export",
            "-e",
            "a",
            "-e",
            "d.e.f",
            "--out",
            "yaml",
            "fields.cue",
        ],
        &["export", "--escape", "html.cue"],
        &["export", "html.cue"],
        &["export", "--out", "cue", "-p", "blah", "pkg.cue"],
        &["eval", "-p", "blah", "pkg.cue"],
        &["eval", "-p", "other", "pkg.cue"],
        &["export", "-p", "other", "pkg.cue"],
        &["export", "--out", "cue", "-p", "after", "./sub"],
        &["export", "--out", "cue", "-l", "newpath:", "./sub"],
        &["export", "-l", "a:", "-l", "b:", "./sub"],
        &["eval", "-l", "a:", "-l", "b:", "./sub"],
        &["export", "-l", "kind", "data.json"],
        &[
            "export",
            "--out",
            "cue",
            "-l",
            r#""\(n)-\(b)""#,
            "-l",
            "top:",
            "data.json",
        ],
        &["export", "-l", "n", "data.json"],
        &["export", "-l", "strings.ToUpper(kind)", "data.json"],
        &["export", "-l", r#"*kind | "x""#, "data.json"],
        &["export", "-l", "n+1", "data.json"],
        &[
            "export",
            "--list",
            "-l",
            "strings.ToLower(kind)",
            "json/kinds.jsonl",
        ],
        &["export", "--list", "json/kinds.jsonl"],
        &[
            "eval",
            "--with-context",
            "-l",
            "path.Base(filename)",
            "-l",
            r#""\(index)-\(recordCount)""#,
            "json/kinds.jsonl",
        ],
        &["export", "-l", "zz", "data.json"],
        &["export", "--out", "cue", "-p", "blah", "data.json"],
        &["export", "-o", "x.foo", "pkg.cue"],
        &["export", "pkg.cue", "-out", "cue"],
        &["export", "-e", "name", "--out", "text", "pkg.cue"],
        &["export", "empty.yaml"],
        &["export", "data.json", "empty.yaml"],
        &["export"],
        &["eval", "pkg.cue", "sub/path.cue"],
        &["eval", "./anon"],
        &["export", "./tool"],
        &["eval", "-i", "errors.cue"],
        &["eval", "./json"],
        &["eval", "nonexisting", "."],
        &["eval", "strings"],
        &["eval", "tags.cue"],
        &["export", "./ifs"],
        &["export", "unused/unused.cue"],
        &["export", "unused/comment.cue"],
        &["eval", "./unused"],
        &["export", "badimports/named.cue"],
        &["eval", "badimports/redecl.cue"],
        &["eval", "./ifs", "-t", "C"],
        &["eval", "tags.cue", "-t", "env=prod"],
        &["eval", "tags.cue", "-t", "foo=bar"],
        &["eval", "tagged.cue", "-t", "x=hi"],
        &["export", "jsonl:", "json/stream.data"],
        &["export", "json:", "json/stream.data"],
        &["export", "cue:", "pkg.cue"],
        &["export", "cue+date:", "pkg.cue"],
        &["export", "cue+foo=bar:", "pkg.cue"],
        &["eval", "data:", "html.cue"],
        &["eval", "data:", "pkg.cue"],
        &["eval", "data:", "incomplete.cue"],
        &["eval", "data:", "errors.cue"],
        &["eval", "graph:", "pkg.cue"],
        &["export", ""],
        &["export", "disjunction.cue"],
        &["eval", "-c", "disjunction.cue"],
        &["export", "json/x1.json"],
        &["export", "json/x3.json"],
        &["export", "json/x5.jsonl"],
        &["export", "json/v.jsonl"],
        &["export", "json/two.json"],
        &["export", "json/x.toml"],
        &["eval", "json/x.toml"],
        &["export", "toml:", "empty.yaml"],
        &["export", "json/empty.jsonl"],
        &["eval", "json/empty.jsonl"],
        &["export", "json/trunc.json"],
    ] {
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!(ours, theirs, "{args:?}");
    }
}

/// Packages named by import path in the working directory's module or
/// kept in its `cue.mod/gen` and `pkg`, several printed in turn, and the
/// errors for paths no package, or a nested module, answers, and for a
/// module without a path.
#[test]
fn import_path_arguments_match() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/module"));
    for args in [
        &["export", "mod.com/x"][..],
        &["export", "mod.com/x:y"],
        &["export", "mod.com/x@v0:x"],
        &["export", "mod.com:root"],
        &["export", "mod.com/1x"],
        &["export", "mod.com/1x:x"],
        &["export", "mod.com/nested"],
        &["export", "./nested"],
        &["export", "mod.com/z"],
        &["export", "other.com/q"],
        &["export", "foo.bar"],
        &["export", "mod.test/bar:baz"],
        &["export", "foo.com/example"],
        &["export", "imp.cue"],
        &["export", "./x:x", "./x:y"],
        &["export", "./x:x", "./x:y", "--out", "cue"],
        &["eval", "./x:x", "./x:y"],
        &["export", ".:root", "mod.test/bar:baz"],
        &["export", "_hidden/h.cue"],
    ] {
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!(ours, theirs, "{args:?}");
    }
    for args in [
        &["eval", ":x"][..],
        &["export", ".:root"],
        &["export", ".:y"],
    ] {
        let (ours, theirs) = side_by_side(&dir.join("x"), args);
        assert_eq!(ours, theirs, "x: {args:?}");
    }
    let empty = PathBuf::from(format!("{CLI_FIXTURES}/empty-module"));
    let (ours, theirs) = side_by_side(&empty, &["export", "x.cue"]);
    assert_eq!(ours, theirs, "module: \"\"");
}

/// `-` reads a CUE file from standard input.
#[test]
fn stdin_is_a_cue_file() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/flags"));
    let run = |mut cmd: Command| {
        use std::io::Write as _;
        let mut child = cmd
            .current_dir(&dir)
            .args(["eval", "incomplete.cue", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"x: 2\n").unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), out.stdout, out.stderr)
    };
    let mut ours = Command::new(env!("CARGO_BIN_EXE_pequod"));
    ours.arg("cue");
    let ours = run(ours);
    assert_eq!(ours, run(Command::new(pequod_testing::cue_oracle())));
    assert_eq!(ours.1, b"x: 2\ny: 1\n");
}

/// `-o FILE` writes the file in the format its name says, and refuses to
/// overwrite it without `--force`.
#[test]
fn outfile_matches() {
    let fixtures = PathBuf::from(format!("{CLI_FIXTURES}/flags"));
    let work = std::env::temp_dir().join(format!("pequod-cue-outfile-{}", std::process::id()));
    for args in [
        &["export", "-o", "out.yaml", "pkg.cue"][..],
        &["export", "-o", "out.json", "pkg.cue"],
        &["export", "-o", "yaml:out.txt", "pkg.cue"],
        &["export", "-o", "out.cue", "fields.cue"],
        &["eval", "-o", "out.cue", "fields.cue"],
        &["export", "-o", "-", "pkg.cue"],
        &["export", "-o", "nodir/out.json", "pkg.cue"],
        &["export", "--out", "json", "-o", "out", "pkg.cue"],
    ] {
        let mut results = Vec::new();
        for (who, program) in [
            ("ours", PathBuf::from(env!("CARGO_BIN_EXE_pequod"))),
            ("theirs", pequod_testing::cue_oracle()),
        ] {
            let dir = work.join(who);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for f in ["pkg.cue", "fields.cue"] {
                std::fs::copy(fixtures.join(f), dir.join(f)).unwrap();
            }
            let run = |extra: &[&str]| {
                let mut cmd = Command::new(&program);
                if who == "ours" {
                    cmd.arg("cue");
                }
                let out = cmd
                    .current_dir(&dir)
                    .args(args)
                    .args(extra)
                    .output()
                    .unwrap();
                (
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                )
            };
            let first = run(&[]);
            let file = args
                .iter()
                .position(|a| *a == "-o")
                .and_then(|i| args.get(i + 1))
                .map(|f| f.rsplit(':').next().unwrap_or(f))
                .and_then(|f| std::fs::read_to_string(dir.join(f)).ok());
            let again = run(&[]);
            let forced = run(&["--force"]);
            results.push((first, file, again, forced));
        }
        assert_eq!(results[0], results[1], "{args:?}");
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// A module directory and a data file (`cue export DIR data.yaml`): every
/// fixture of every bundled module, both CLIs run from the module.
#[test]
fn module_with_data_files_matches() {
    let modules = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../modules"));
    let mut checked = 0;
    for module in std::fs::read_dir(&modules).unwrap().flatten() {
        let module = module.path();
        let Ok(fixtures) = std::fs::read_dir(module.join("testdata")) else {
            continue;
        };
        for fixture in fixtures.flatten().map(|e| e.path()) {
            if fixture.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let run = |program: PathBuf, args: &[&str]| {
                Command::new(program)
                    .current_dir(&module)
                    .args(args)
                    .args([".", "--out", "json"])
                    .arg(&fixture)
                    .output()
                    .unwrap()
            };
            let ours = run(env!("CARGO_BIN_EXE_pequod").into(), &["cue", "export"]);
            let theirs = run(pequod_testing::cue_oracle(), &["export"]);
            assert_eq!(
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&theirs.stdout),
                "{}: {}",
                fixture.display(),
                String::from_utf8_lossy(&ours.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} fixtures");
}

/// What a CLI run left: exit status, stdout, stderr.
type Run = (Option<i32>, String, String);

/// Runs `pequod cue ARGS` and `cue ARGS` in `dir`.
fn side_by_side(dir: &std::path::Path, args: &[&str]) -> (Run, Run) {
    let run = |mut cmd: Command| {
        let out = cmd.current_dir(dir).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut ours = Command::new(env!("CARGO_BIN_EXE_pequod"));
    ours.arg("cue");
    (run(ours), run(Command::new(pequod_testing::cue_oracle())))
}

/// The `.cue` files of a fixture directory, by name, with the directory.
fn names(dir: &str) -> (PathBuf, Vec<String>) {
    let dir = PathBuf::from(dir);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".cue"))
        .collect();
    files.sort();
    (dir, files)
}

/// Asserts the same status and stdout (and stderr if `stderr`) for
/// `verb FILE` over the files, less `skip`.
fn same_for_all(verb: &[&str], dirs: &[&str], skip: &[&str], stderr: bool) -> usize {
    let mut checked = 0;
    for dir in dirs {
        let (dir, files) = names(dir);
        for file in files.iter().filter(|f| !skip.contains(&f.as_str())) {
            let mut args = verb.to_vec();
            args.push(file);
            let (ours, theirs) = side_by_side(&dir, &args);
            let what = format!("{} {}/{file}", verb.join(" "), dir.display());
            assert_eq!(ours.0, theirs.0, "{what}: exit status ({})", ours.2);
            assert!(
                ours.1 == theirs.1,
                "{what}: stdout differs\n--- pequod\n{}\n--- cue\n{}",
                ours.1,
                theirs.1
            );
            if stderr {
                assert_eq!(ours.2, theirs.2, "{what}: stderr");
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn export_out_cue_matches() {
    let eval = format!("{FIXTURES}/eval");
    let mine = format!("{CLI_FIXTURES}/eval");
    // Left out: `schema.cue` and `layout.cue` are not concrete: both fail.
    // Doc comments are kept (`comments.cue`, `order.cue`).
    let n = same_for_all(
        &["export", "--out", "cue"],
        &[&eval, &mine],
        &["schema.cue", "layout.cue"],
        false,
    );
    assert!(n >= 15, "only {n} files");
}

#[test]
fn eval_matches() {
    let eval = format!("{FIXTURES}/eval");
    let mine = format!("{CLI_FIXTURES}/eval");
    // Left out: `scalar_defs.cue` (`cue eval` prints a scalar with
    // definitions as `{3, #foo: 4}`; we print the scalar).
    let n = same_for_all(&["eval"], &[&eval, &mine], &["scalar_defs.cue"], true);
    assert!(n >= 19, "only {n} files");
}

/// Conflicts and closedness errors fail with the same messages; an
/// incomplete value or a missing required field is printed, not an error.
#[test]
fn eval_of_erroneous_packages_matches() {
    let n = same_for_all(&["eval"], &[&format!("{FIXTURES}/eval-err")], &[], true);
    assert!(n >= 4, "only {n} files");
}

#[test]
fn eval_with_expression_and_json_out_match() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/eval"));
    for args in [
        &["eval", "-e", "#Def", "schema.cue"][..],
        &["eval", "-e", "obj", "schema.cue"],
        &["eval", "-e", "b", "schema.cue"],
        &["eval", "--out", "json", "concrete.cue"],
        &["export", "--out", "cue", "-e", "o", "concrete.cue"],
    ] {
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!(ours, theirs, "{args:?}");
    }
}

/// Failing exports list the same errors, in the same order, at the same
/// positions: sized types by name, fatal errors before (and without)
/// incomplete ones.
#[test]
fn export_errors_match() {
    let dir = format!("{CLI_FIXTURES}/export-err");
    let n = same_for_all(&["export"], &[&dir], &[], true);
    assert!(n >= 3, "only {n} files");
}

/// `eval -c` names what is not concrete as `cue` does.
#[test]
fn eval_concrete_errors_match() {
    let dir = format!("{CLI_FIXTURES}/eval-c");
    let n = same_for_all(&["eval", "-c"], &[&dir], &[], true);
    assert!(n >= 1, "only {n} files");
}

/// A field alias, like a `let`, is seen only in its own file.
#[test]
fn aliases_and_lets_are_file_scoped() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/file-scope"));
    let files = ["alias_1.cue", "alias_2.cue", "let_1.cue", "let_2.cue"];
    let (ours, theirs) = side_by_side(&dir, &[&["export"][..], &files].concat());
    assert_eq!(ours, theirs);
}

/// Files of no package do not see each other's fields.
#[test]
fn files_of_no_package_are_apart() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/anonymous"));
    for verb in ["eval", "export"] {
        let (ours, theirs) = side_by_side(&dir, &[verb, "x.cue", "y.cue"]);
        assert_eq!(ours, theirs, "{verb}");
    }
}

#[test]
fn def_matches() {
    let n = same_for_all(&["def"], &[&format!("{CLI_FIXTURES}/def")], &[], true);
    assert!(n >= 1);
}

#[test]
fn vet_matches() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/vet"));
    // Same status, stdout and stderr.
    for args in [
        &["vet", "ok.cue"][..],
        &["vet", "-c", "ok.cue"],
        &["vet", "conflict.cue"],
        &["vet", "incomplete.cue"],
        &["vet", "-c", "incomplete.cue"],
        &["vet", "-c=false", "incomplete.cue"],
        &["vet", "schema.cue", "good.yaml"],
        &["vet", "schema.cue", "good.json", "good.yaml"],
    ] {
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!(ours, theirs, "{args:?}");
    }
    // Same status and stdout; `cue` also names positions in the data file.
    for args in [
        &["vet", "schema.cue", "bad.yaml"][..],
        &["vet", "schema.cue", "partial.yaml"],
        &["vet", "schema.cue", "good.yaml", "bad.yaml"],
    ] {
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!((&ours.0, &ours.1), (&theirs.0, &theirs.1), "{args:?}");
        assert_eq!(ours.0, Some(1), "{args:?}");
    }
}

/// Import errors of CUE files named on the command line name no importer;
/// those of a package loaded by directory do.
#[test]
fn import_errors_of_named_files_match() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/importer"));
    for args in [
        &["eval", "root.cue"][..],
        &["export", "./root.cue"],
        &["eval", "."],
        &["eval", "./bad/root.cue"],
        &["eval", "./bad"],
        &["eval", "mod.com/1x"],
        &["eval", "./two"],
        &["eval", "./three"],
        &["export", "cue:", "noext"],
        &["export", "cue:", "./noext"],
        &["export", "noext"],
        &["export", "./noext"],
        &["export", "../flags/anon"],
        &["eval", "./syn"],
        &["eval", "syn/invalid.cue"],
        &["export", "./usesyn"],
        &["export", "./anon"],
        &["export", "anon/a.cue"],
    ] {
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!(ours, theirs, "{args:?}");
    }
}

/// `CUE_EXPERIMENT` is checked before any command: unknown experiments
/// and disabling stable ones fail, setting stable ones is fine.
#[test]
fn experiment_env_matches() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/flags"));
    for value in [
        "unknown,evalv3=0",
        "evalv3=x,unknown",
        "evalv3=1,formatv2,evalv3=0",
        "evalv3=0,evalv3=1,embed",
        "formatv2=0",
    ] {
        let run = |mut cmd: Command| {
            let out = cmd
                .current_dir(&dir)
                .env("CUE_EXPERIMENT", value)
                .args(["export", "pkg.cue"])
                .output()
                .unwrap();
            (out.status.code(), out.stdout, out.stderr)
        };
        let mut ours = Command::new(env!("CARGO_BIN_EXE_pequod"));
        ours.arg("cue");
        assert_eq!(
            run(ours),
            run(Command::new(pequod_testing::cue_oracle())),
            "{value}"
        );
    }
}

/// `@embed` in files marked `@extern(embed)`: files and globs of JSON,
/// YAML, text and bytes, declarations, and each error `cue` reports.
#[test]
fn embed_matches() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/embed"));
    for args in [
        &["export", "./ok"][..],
        &["export", "--out", "cue", "./ok"],
        &["eval", "./ok"],
        &["export", "./errs"],
        &["export", "./off"],
        // Files named on the command line are a package of no module.
        &["export", "ok/x.cue"],
    ] {
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!(ours, theirs, "{args:?}");
    }
    let outside = PathBuf::from(format!("{CLI_FIXTURES}/embed-nomodule"));
    let (ours, theirs) = side_by_side(&outside, &["export", "x.cue"]);
    assert_eq!(ours, theirs, "outside a module");
}

/// Dependencies replaced by local directories in
/// `cue.mod/local-module.cue` (one package imported by two paths is one
/// package), the errors for a replacement in `module.cue` or of another
/// module, and imports and arguments qualified `:_`.
#[test]
fn local_replacements_match() {
    for (fixture, args) in [
        ("replace", &["export", "."][..]),
        ("replace", &["export", "./under"]),
        ("replace", &["export", "./badq"]),
        ("replace", &["export", "./under:_"]),
        ("replace", &["export", "example.com/dep:_"]),
        ("replace-mismatch", &["export", "."]),
        ("replace-in-module", &["export", "."]),
    ] {
        let dir = PathBuf::from(format!("{CLI_FIXTURES}/{fixture}"));
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!(ours, theirs, "{fixture}: {args:?}");
    }
}

/// `./...` patterns (and the errors for those `cue` does not expand), `@if`
/// build tags when a directory's package is inferred, and the errors for
/// unused tags.
#[test]
fn package_patterns_and_build_tags_match() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/patterns"));
    for args in [
        &["eval", "./..."][..],
        &["eval", "-t", "something", "./..."],
        &["export", "./..."],
        &["eval", "./z/..."],
        &["eval", "-t", "something", "."],
        &["eval", "-t", "nosuch", "./x"],
        &["eval", "-t", "nosuch=1", "-t", "other", "./x"],
        &["eval", "-t", "other", "-t", "nosuch=1", "./x"],
        &["eval", "all"],
        &["eval", "..."],
        &["eval", ".../x"],
        &["eval", "mod.com/.../x"],
        &["eval", "mod.com/...:x"],
        &["eval", "example.com/..."],
        &["vet", "./..."],
        &["vet", "-c", "./..."],
        &["eval", "-t", "foo", "./..."],
        &["eval", "./np/..."],
        &["vet", "./onlyif/..."],
    ] {
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!(ours, theirs, "{args:?}");
    }
    for args in [&["eval"][..], &["eval", "-t", "something"]] {
        let (ours, theirs) = side_by_side(&dir.join("x"), args);
        assert_eq!(ours, theirs, "x: {args:?}");
    }
}

/// Import errors in imported packages, named along the chain of imports
/// and located at each; import cycles; an import naming no package
/// (`:_`, an invalid last element) reported before any other; the errors
/// of several packages.
#[test]
fn import_chains_match() {
    let dir = PathBuf::from(format!("{CLI_FIXTURES}/importchain"));
    for package in ["./p1", "./c1", "./c2", "./n1", "./n2"] {
        let (ours, theirs) = side_by_side(&dir, &["export", package]);
        assert_eq!(ours, theirs, "{package}");
    }
    // Several packages: the first error, or every one of a pattern's.
    for args in [
        &["export", "./p1", "./c1"][..],
        &["vet", "./p1", "./c1"],
        &["eval", "./..."],
        &["vet", "./..."],
    ] {
        let (ours, theirs) = side_by_side(&dir, args);
        assert_eq!(ours, theirs, "{args:?}");
    }
}
