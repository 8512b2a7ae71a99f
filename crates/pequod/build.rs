//! Records the git commit the binary is built from (`PEQUOD_GIT_COMMIT`
//! overrides it, for builds outside a checkout such as container images).

use std::path::Path;
use std::process::Command;

fn main() {
    // A position-independent executable has its 1.8 MB of pointer tables
    // (vtables, string tables) relocated at every start: ~460 copy-on-write
    // page faults, most of a `pequod cue export`'s time. Linked at a fixed
    // address they are read-only data, paged in only where touched.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    link_hot_functions_together(Path::new(&manifest));
    link_unwinder_statically();
    println!("cargo::rerun-if-env-changed=PEQUOD_GIT_COMMIT");
    // At run time, not `env!`: a shared target dir reuses this script across checkouts.
    let root = Path::new(&manifest).join("../..");
    let git_dir = root.join(".git");
    // Rebuild when HEAD moves: HEAD itself names the branch, the branch ref
    // (loose or packed) names the commit.
    for path in ["HEAD", "packed-refs"] {
        println!("cargo::rerun-if-changed={}", git_dir.join(path).display());
    }
    if let Ok(head) = std::fs::read_to_string(git_dir.join("HEAD"))
        && let Some(reference) = head.trim().strip_prefix("ref: ")
    {
        println!(
            "cargo::rerun-if-changed={}",
            git_dir.join(reference).display()
        );
    }

    let commit = std::env::var("PEQUOD_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| git_commit(&root).unwrap_or_else(|| "unknown".to_owned()));
    println!("cargo::rustc-env=PEQUOD_GIT_COMMIT={commit}");
}

/// Places the functions a `pequod cue` command runs next to each other
/// (`link/hot-functions.txt`, written by `cargo xtask hot-functions`): a cold
/// export then faults in a few dozen pages of code instead of hundreds,
/// which took 40% of its time. The option is lld's, the linker Rust uses on
/// x86-64 Linux; builds that choose another linker skip it.
fn link_hot_functions_together(manifest: &Path) {
    let order = manifest.join("link/hot-functions.txt");
    println!("cargo::rerun-if-changed={}", order.display());
    if default_linker() && order.is_file() {
        println!(
            "cargo::rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        // Names the current build does not define (the list is a profile of
        // an earlier one) are skipped.
        println!("cargo::rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether the binary is linked the way Rust links on x86-64 Linux by
/// default (`cc` driving lld), with no linker or link flags chosen.
fn default_linker() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    var("TARGET") == "x86_64-unknown-linux-gnu"
        && !var("CARGO_ENCODED_RUSTFLAGS").contains("link")
        && std::env::var_os("RUSTC_LINKER").is_none()
}

/// Links GCC's unwinder (`libgcc_eh.a`) into the binary instead of loading
/// `libgcc_s.so.1`, as `-static-libgcc` does for C programs. Loading one more
/// shared library costs a cold start ~100 µs (open, map, relocate, and a
/// constructor that probes the CPU, which traps in a VM): 4% of a
/// `pequod cue export`. Rust's `unwind` crate asks for `-lgcc_s`, so the
/// archive is offered under that name, in a directory searched before the
/// system's.
fn link_unwinder_statically() {
    if !default_linker() {
        return;
    }
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let Some(archive) = Command::new("cc")
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|p| Path::new(p).is_absolute() && Path::new(p).is_file())
    else {
        // No static unwinder on this system: keep the shared one.
        return;
    };
    let dir = Path::new(&out_dir).join("static-unwinder");
    if std::fs::create_dir_all(&dir).is_ok()
        && std::fs::copy(&archive, dir.join("libgcc_s.a")).is_ok()
    {
        println!("cargo::rustc-link-search=native={}", dir.display());
    }
}

fn git_commit(root: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    })
}
