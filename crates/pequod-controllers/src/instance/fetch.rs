//! Manifests a module asks for (`fetch`): every YAML document under a path
//! of a git repository at a revision (or of a local directory), or the
//! output of `kustomize build` of it.
//!
//! Git repositories are mirrored once under the cache directory and read
//! with `git ls-tree` / `git show` at the revision: nothing is checked out,
//! and a revision that is a commit is read from the mirror without asking
//! the remote again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::process::Command;

use super::render::FetchSpec;

/// How long one git or kustomize command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// Fetches the objects `spec` names, in a stable order (file name, then
/// document order).
pub async fn fetch(spec: &FetchSpec, cache_dir: &Path) -> Result<Vec<Value>, String> {
    if !matches!(spec.format.as_str(), "manifest" | "kustomize") {
        return Err(format!(
            "format {:?}: must be manifest or kustomize",
            spec.format
        ));
    }
    let path = spec.path.trim_start_matches("./");
    if path.split('/').any(|p| p == "..") {
        return Err(format!("path {:?} leaves the repository", spec.path));
    }
    let local = Path::new(&spec.repository);
    if local.is_absolute() {
        let dir = local.join(path);
        return match spec.format.as_str() {
            "kustomize" => kustomize(&dir).await,
            _ => read_dir(&dir),
        };
    }
    let mirror = mirror(&spec.repository, cache_dir).await?;
    let revision = spec.revision.as_deref().unwrap_or("HEAD");
    let commit = resolve(&mirror, &spec.repository, revision).await?;
    match spec.format.as_str() {
        "kustomize" => {
            // kustomize reads a directory: export the tree at the commit.
            let tree = cache_dir.join("trees").join(&commit);
            if !tree.is_dir() {
                export_tree(&mirror, &commit, &tree).await?;
            }
            kustomize(&tree.join(path)).await
        }
        _ => read_git(&mirror, &commit, path).await,
    }
}

/// The default cache directory: `$PEQUOD_CACHE_DIR/git`, else
/// `~/.cache/pequod/git`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PEQUOD_CACHE_DIR") {
        return PathBuf::from(dir).join("git");
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache/pequod/git")
}

/// Every `.yaml`, `.yml` and `.json` file under `dir`, recursively, sorted.
fn read_dir(dir: &Path) -> Result<Vec<Value>, String> {
    let mut files = Vec::new();
    collect(dir, &mut files).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    files.sort();
    let mut objects = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("reading {}: {e}", file.display()))?;
        objects.extend(documents(&text, &file.display().to_string())?);
    }
    Ok(objects)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if is_manifest(&path.to_string_lossy()) {
            files.push(path);
        }
    }
    Ok(())
}

fn is_manifest(name: &str) -> bool {
    let name = name.rsplit('/').next().unwrap_or(name);
    // kustomization.yaml configures kustomize; it is no object to apply.
    !name.starts_with("kustomization.")
        && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
}

/// The objects of a multi-document YAML (or JSON) text; empty documents
/// are skipped, `List` kinds are flattened.
fn documents(text: &str, origin: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (i, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value: Value = serde::Deserialize::deserialize(document)
            .map_err(|e| format!("{origin}: document {}: {e}", i + 1))?;
        match value {
            Value::Null => {}
            Value::Object(ref o) if o.get("kind").and_then(Value::as_str) == Some("List") => {
                out.extend(
                    o.get("items")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            Value::Object(ref o) if o.contains_key("apiVersion") && o.contains_key("kind") => {
                out.push(value);
            }
            _ => {
                return Err(format!(
                    "{origin}: document {} is not a Kubernetes object (apiVersion and kind)",
                    i + 1
                ));
            }
        }
    }
    Ok(out)
}

async fn run(command: &mut Command, what: &str) -> Result<String, String> {
    command.kill_on_drop(true);
    let output = tokio::time::timeout(COMMAND_TIMEOUT, command.output())
        .await
        .map_err(|_| format!("{what}: timed out after {}s", COMMAND_TIMEOUT.as_secs()))?
        .map_err(|e| format!("{what}: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!("{what}: {}", last.trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn git(mirror: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("--git-dir")
        .arg(mirror)
        .env("GIT_TERMINAL_PROMPT", "0");
    command
}

/// The bare mirror of `url` in the cache, cloned on first use.
async fn mirror(url: &str, cache_dir: &Path) -> Result<PathBuf, String> {
    let digest = Sha256::digest(url.as_bytes());
    let name: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let mirror = cache_dir.join(format!("{name}.git"));
    if mirror.join("HEAD").exists() {
        return Ok(mirror);
    }
    std::fs::create_dir_all(cache_dir)
        .map_err(|e| format!("creating {}: {e}", cache_dir.display()))?;
    // Cloned beside, then renamed: a half-made mirror is never used.
    let partial = cache_dir.join(format!("{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    run(
        Command::new("git")
            .args(["clone", "--mirror", "--quiet", url])
            .arg(&partial)
            .env("GIT_TERMINAL_PROMPT", "0"),
        &format!("git clone {url}"),
    )
    .await?;
    std::fs::rename(&partial, &mirror).map_err(|e| format!("keeping the mirror of {url}: {e}"))?;
    Ok(mirror)
}

/// The commit `revision` names, fetching from the remote when the mirror
/// does not know it (a new commit) or it is a branch or tag (it moves).
async fn resolve(mirror: &Path, url: &str, revision: &str) -> Result<String, String> {
    let is_commit = revision.len() >= 7 && revision.chars().all(|c| c.is_ascii_hexdigit());
    let lookup = |mirror: &Path| {
        let mut command = git(mirror);
        command.args([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{revision}^{{commit}}"),
        ]);
        command
    };
    if is_commit && let Ok(commit) = run(&mut lookup(mirror), "git rev-parse").await {
        return Ok(commit.trim().to_owned());
    }
    run(
        git(mirror).args(["fetch", "--quiet", "--prune", "origin", "+refs/*:refs/*"]),
        &format!("git fetch {url}"),
    )
    .await?;
    run(&mut lookup(mirror), "git rev-parse")
        .await
        .map(|c| c.trim().to_owned())
        .map_err(|_| format!("{url} has no revision {revision:?}"))
}

/// The manifests under `path` at `commit`, read from the mirror.
async fn read_git(mirror: &Path, commit: &str, path: &str) -> Result<Vec<Value>, String> {
    let prefix = if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("{}/", path.trim_end_matches('/'))
    };
    let listing = run(
        git(mirror)
            .args(["ls-tree", "-r", "--name-only", commit, "--"])
            .arg(if prefix.is_empty() { "." } else { &prefix }),
        "git ls-tree",
    )
    .await?;
    let mut files: Vec<&str> = listing.lines().filter(|f| is_manifest(f)).collect();
    files.sort_unstable();
    if files.is_empty() {
        return Err(format!("no manifest under {path:?} at {commit}"));
    }
    let mut objects = Vec::new();
    for file in files {
        let text = run(
            git(mirror).args(["show", &format!("{commit}:{file}")]),
            "git show",
        )
        .await?;
        objects.extend(documents(&text, file)?);
    }
    Ok(objects)
}

/// Writes the tree at `commit` into `dir` (for kustomize).
async fn export_tree(mirror: &Path, commit: &str, dir: &Path) -> Result<(), String> {
    let partial = dir.with_extension(format!("partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial)
        .map_err(|e| format!("creating {}: {e}", partial.display()))?;
    run(
        git(mirror)
            .arg("--work-tree")
            .arg(&partial)
            .args(["checkout", "--quiet", commit, "--", "."]),
        "git checkout",
    )
    .await?;
    std::fs::rename(&partial, dir).map_err(|e| format!("keeping {}: {e}", dir.display()))
}

/// `kustomize build DIR`, or `kubectl kustomize DIR` where kustomize is not
/// installed on its own.
async fn kustomize(dir: &Path) -> Result<Vec<Value>, String> {
    let what = format!("kustomize build {}", dir.display());
    let output = match run(Command::new("kustomize").arg("build").arg(dir), &what).await {
        Err(e) if e.contains("No such file") || e.contains("not found") => {
            run(Command::new("kubectl").arg("kustomize").arg(dir), &what).await?
        }
        other => other?,
    };
    documents(&output, &what)
}

#[cfg(test)]
mod tests;
