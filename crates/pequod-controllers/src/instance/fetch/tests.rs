#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use super::fetch;
use crate::instance::render::FetchSpec;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "pequod-fetch-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn spec(repository: &Path, revision: Option<&str>, path: &str, format: &str) -> FetchSpec {
    FetchSpec {
        repository: repository.display().to_string(),
        revision: revision.map(str::to_owned),
        path: path.to_owned(),
        format: format.to_owned(),
    }
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n";
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n";

#[tokio::test]
async fn local_directories_give_every_document_in_file_order() {
    let dir = TempDir::new("local");
    write(&dir.0, "deploy/b.yaml", &format!("---\n{SERVICE}---\n"));
    write(
        &dir.0,
        "deploy/a.yaml",
        &format!("{DEPLOYMENT}---\n# nothing\n"),
    );
    write(
        &dir.0,
        "deploy/nested/list.yml",
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n",
    );
    write(&dir.0, "deploy/kustomization.yaml", "resources: [a.yaml]\n");
    write(&dir.0, "deploy/README.md", "not a manifest");
    let objects = fetch(&spec(&dir.0, None, "./deploy", "manifest"), &dir.0)
        .await
        .unwrap();
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Deployment", "Service", "ConfigMap"]);

    write(&dir.0, "bad/x.yaml", "just: text\n");
    let err = fetch(&spec(&dir.0, None, "bad", "manifest"), &dir.0)
        .await
        .unwrap_err();
    assert!(err.contains("not a Kubernetes object"), "{err}");
    let err = fetch(&spec(&dir.0, None, "../etc", "manifest"), &dir.0)
        .await
        .unwrap_err();
    assert!(err.contains("leaves the repository"), "{err}");
}

#[tokio::test]
async fn kustomize_builds_the_directory() {
    let dir = TempDir::new("kustomize");
    write(&dir.0, "k/app.yaml", DEPLOYMENT);
    write(
        &dir.0,
        "k/kustomization.yaml",
        "resources: [app.yaml]\nnamePrefix: preview-\n",
    );
    let objects = fetch(&spec(&dir.0, None, "k", "kustomize"), &dir.0)
        .await
        .unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["metadata"]["name"], "preview-app");
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn git_repositories_are_read_at_the_commit() {
    let dir = TempDir::new("git");
    let repo = dir.0.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "--quiet", "--initial-branch=main"]);
    write(&repo, "deploy/app.yaml", DEPLOYMENT);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "one"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);
    let url = format!("file://{}", repo.display());
    let cache = dir.0.join("cache");
    let at = |revision: &str| FetchSpec {
        repository: url.clone(),
        revision: Some(revision.to_owned()),
        path: "deploy".to_owned(),
        format: "manifest".to_owned(),
    };
    let objects = fetch(&at(&first), &cache).await.unwrap();
    assert_eq!(objects.len(), 1);

    // A new commit is fetched into the mirror when asked for.
    write(&repo, "deploy/svc.yaml", SERVICE);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "two"]);
    let second = git(&repo, &["rev-parse", "HEAD"]);
    assert_eq!(fetch(&at(&second), &cache).await.unwrap().len(), 2);
    // The old commit still reads as it was; so does a branch.
    assert_eq!(fetch(&at(&first), &cache).await.unwrap().len(), 1);
    assert_eq!(fetch(&at("main"), &cache).await.unwrap().len(), 2);
    let err = fetch(&at("0123456789abcdef"), &cache).await.unwrap_err();
    assert!(err.contains("has no revision"), "{err}");
    let kustomized = FetchSpec {
        format: "kustomize".to_owned(),
        ..at(&second)
    };
    write(
        &repo,
        "deploy/kustomization.yaml",
        "resources: [app.yaml]\n",
    );
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "three"]);
    let third = git(&repo, &["rev-parse", "HEAD"]);
    let objects = fetch(
        &FetchSpec {
            revision: Some(third),
            ..kustomized
        },
        &cache,
    )
    .await
    .unwrap();
    assert_eq!(objects.len(), 1, "kustomize builds only what it lists");
}
