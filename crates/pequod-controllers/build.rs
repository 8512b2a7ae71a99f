//! Compiles the bundled platform modules (`modules/<name>/`, the `.cue`
//! files of each package and its `cue.mod/module.cue`) into the binary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Read at run time: `env!` would bake in the path of whichever checkout
    // first built this script, and a shared target dir reuses it.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    let root = Path::new(&manifest).join("../../modules");
    println!("cargo::rerun-if-changed={}", root.display());
    let mut table = String::from("&[\n");
    let mut transforms = String::from("&[\n");
    let mut modules: Vec<PathBuf> = match std::fs::read_dir(&root) {
        Ok(d) => d
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("cue.mod").is_dir())
            .collect(),
        Err(e) => {
            println!("cargo::error=reading {}: {e}", root.display());
            return;
        }
    };
    // A binary without its modules would fail only at run time.
    if modules.is_empty() {
        println!(
            "cargo::error=no module (a directory with cue.mod/) in {}",
            root.display()
        );
        return;
    }
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
        let transform = module.join("transform.yaml");
        println!("cargo::rerun-if-changed={}", transform.display());
        if let Ok(absolute) = transform.canonicalize() {
            let _ = writeln!(
                transforms,
                "    ({name:?}, include_str!({:?})),",
                absolute.display().to_string()
            );
        }
        files.sort();
        println!("cargo::rerun-if-changed={}", module.display());
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
    transforms.push(']');
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    for (file, body) in [
        ("bundled_modules.rs", table),
        ("bundled_transforms.rs", transforms),
    ] {
        let out = out_dir.join(file);
        if let Err(e) = std::fs::write(&out, body) {
            println!("cargo::error=writing {}: {e}", out.display());
        }
    }
}
