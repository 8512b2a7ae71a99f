//! Compiles the bundled platform modules (`modules/<name>/`, the `.cue`
//! files of each package and its `cue.mod/module.cue`) into the binary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../modules");
    println!("cargo::rerun-if-changed={}", root.display());
    let mut table = String::from("&[\n");
    let mut modules: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("cue.mod").is_dir())
                .collect()
        })
        .unwrap_or_default();
    modules.sort();
    for module in modules {
        let Some(name) = module.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&module)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "cue"))
                    .collect()
            })
            .unwrap_or_default();
        files.push(module.join("cue.mod/module.cue"));
        files.sort();
        let _ = writeln!(table, "    ({name:?}, &[");
        for file in files {
            println!("cargo::rerun-if-changed={}", file.display());
            let relative = file
                .strip_prefix(&module)
                .unwrap_or(&file)
                .display()
                .to_string();
            let absolute = file.canonicalize().unwrap_or(file);
            let _ = writeln!(
                table,
                "        ({relative:?}, include_str!({:?})),",
                absolute.display().to_string()
            );
        }
        let _ = writeln!(table, "    ]),");
    }
    table.push(']');
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("bundled_modules.rs");
    if let Err(e) = std::fs::write(&out, table) {
        println!("cargo::error=writing {}: {e}", out.display());
    }
}
