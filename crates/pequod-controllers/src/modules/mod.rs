//! Platform modules: their sources, wherever they come from (bundled in the
//! binary, a directory, a ConfigMap, a Transform's inline text), with a
//! digest that changes whenever any file does.

use std::path::Path;

use sha2::{Digest, Sha256};

/// The modules compiled into the binary: name, then (path, source) pairs.
static BUNDLED: &[(&str, &[(&str, &str)])] =
    include!(concat!(env!("OUT_DIR"), "/bundled_modules.rs"));

/// The Transform manifest each bundled module ships (`transform.yaml`):
/// module name, then YAML.
static BUNDLED_TRANSFORMS: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/bundled_transforms.rs"));

/// The Transforms that publish the bundled modules, as shipped with them
/// (what `pequod up` installs): module name and manifest YAML.
pub fn bundled_transforms() -> &'static [(&'static str, &'static str)] {
    BUNDLED_TRANSFORMS
}

/// A module's files, by path relative to its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Where it came from, for messages (`bundled:webservice`, a path, …).
    pub origin: String,
    /// `(relative path, source)`, sorted by path.
    pub files: Vec<(String, String)>,
}

/// A module that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// No bundled module has that name.
    #[error("no bundled module {name:?} (bundled: {})", bundled_names().join(", "))]
    UnknownBundled {
        /// The name asked for.
        name: String,
    },
    /// Reading a directory failed.
    #[error("reading module {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The directory holds no `.cue` file.
    #[error("{0} holds no .cue files")]
    Empty(String),
}

/// The names of the bundled modules.
pub fn bundled_names() -> Vec<&'static str> {
    BUNDLED.iter().map(|(name, _)| *name).collect()
}

impl Module {
    /// The bundled module `name`.
    pub fn bundled(name: &str) -> Result<Self, ModuleError> {
        let (_, files) = BUNDLED.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            ModuleError::UnknownBundled {
                name: name.to_owned(),
            }
        })?;
        Ok(Self {
            origin: format!("bundled:{name}"),
            files: files
                .iter()
                .map(|(p, s)| ((*p).to_owned(), (*s).to_owned()))
                .collect(),
        })
    }

    /// The package at the root of `dir`: its `.cue` files and
    /// `cue.mod/module.cue` when present.
    pub fn from_dir(dir: &Path) -> Result<Self, ModuleError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| ModuleError::Io { path, source }
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            if path.extension().is_some_and(|e| e == "cue") && path.is_file() {
                let source = std::fs::read_to_string(&path).map_err(io(&path))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push((name, source));
            }
        }
        if files.is_empty() {
            return Err(ModuleError::Empty(dir.display().to_string()));
        }
        let manifest = dir.join("cue.mod/module.cue");
        if manifest.is_file() {
            files.push((
                "cue.mod/module.cue".to_owned(),
                std::fs::read_to_string(&manifest).map_err(io(&manifest))?,
            ));
        }
        files.sort();
        Ok(Self {
            origin: dir.display().to_string(),
            files,
        })
    }

    /// The package's own files (not `cue.mod/`), for the evaluator.
    pub fn package_files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files
            .iter()
            .filter(|(p, _)| !p.starts_with("cue.mod/"))
            .map(|(p, s)| (p.as_str(), s.as_str()))
    }

    /// `sha256:<hex>` over every path and source, in order.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, source) in &self.files {
            hasher.update((path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update((source.len() as u64).to_le_bytes());
            hasher.update(source.as_bytes());
        }
        let hex: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("sha256:{hex}")
    }
}

#[cfg(test)]
mod tests {
    use super::{Module, ModuleError, bundled_names};

    #[test]
    fn bundled_webservice_matches_its_directory() {
        assert!(bundled_names().contains(&"webservice"));
        let bundled = Module::bundled("webservice").unwrap();
        let dir = Module::from_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../modules/webservice"),
        )
        .unwrap();
        assert_eq!(bundled.files, dir.files);
        assert_eq!(bundled.digest(), dir.digest());
        assert!(bundled.files.iter().any(|(p, _)| p == "cue.mod/module.cue"));
        assert!(
            bundled
                .package_files()
                .all(|(p, _)| p.ends_with(".cue") && !p.starts_with("cue.mod"))
        );
    }

    #[test]
    fn digest_follows_every_byte() {
        let mut m = Module::bundled("webservice").unwrap();
        let before = m.digest();
        m.files[0].1.push(' ');
        assert_ne!(before, m.digest());
        assert!(matches!(
            Module::bundled("nope"),
            Err(ModuleError::UnknownBundled { .. })
        ));
        assert!(matches!(
            Module::from_dir(std::path::Path::new("/nonexistent")),
            Err(ModuleError::Io { .. })
        ));
    }
}
