//! What the server serves: every resource (built-in or from a CRD) with its
//! group, versions, kind, scope, names and subresources.

mod builtin;
mod crd;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::Value;

pub use crd::{CrdError, crd_resources};

use crate::api::error::Subject;

/// How a resource's names are validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 subdomain (most kinds).
    Subdomain,
    /// RFC 1123 label (namespaces, services).
    Label,
    /// Any name that is a valid path segment (RBAC kinds, custom resources).
    PathSegment,
}

/// One served resource in one version.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// API group (`""` for core).
    pub group: String,
    /// Version served.
    pub version: String,
    /// Plural name, as in the URL.
    pub plural: String,
    /// Singular name.
    pub singular: String,
    /// Kind.
    pub kind: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// Short names (`deploy`).
    pub short_names: Vec<String>,
    /// Categories (`all`).
    pub categories: Vec<String>,
    /// Whether `/status` is served (and status is reset on main-resource writes).
    pub status: bool,
    /// The scale subresource: `specReplicasPath`, `statusReplicasPath`, `labelSelectorPath`.
    pub scale: Option<Scale>,
    /// Whether writes bump `metadata.generation` on spec changes.
    pub generation: bool,
    /// How names are checked.
    pub names: NameRule,
    /// The CRD version's `openAPIV3Schema`, for custom resources.
    pub crd_schema: Option<Value>,
    /// The CRD version's `additionalPrinterColumns`, for custom resources.
    pub printer_columns: Option<Value>,
    /// Paths a field selector may use besides metadata.name/namespace.
    pub selectable_fields: Vec<String>,
    /// Whether this version is the preferred (storage) one of its group.
    pub preferred: bool,
}

/// The scale subresource of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// JSON path of the desired replicas, e.g. `.spec.replicas`.
    pub spec_replicas: String,
    /// JSON path of the observed replicas, e.g. `.status.replicas`.
    pub status_replicas: String,
    /// JSON path of the label selector string, if any.
    pub label_selector: Option<String>,
}

impl Resource {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The resource as errors name it.
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            group: &self.group,
            resource: &self.plural,
            kind: &self.kind,
        }
    }

    /// Whether this is a custom resource.
    pub fn is_custom(&self) -> bool {
        self.crd_schema.is_some() || self.printer_columns.is_some()
    }
}

/// The set of served resources; CRDs add and remove entries at run time.
#[derive(Debug, Default)]
pub struct Registry {
    inner: RwLock<Inner>,
    generation: AtomicU64,
}

#[derive(Debug, Default)]
struct Inner {
    builtin: Vec<Arc<Resource>>,
    /// CRD name → its resources (one per served version).
    custom: BTreeMap<String, Vec<Arc<Resource>>>,
}

impl Registry {
    /// A registry serving the built-in kinds.
    pub fn new() -> Self {
        Self {
            inner: RwLock::new(Inner {
                builtin: builtin::resources().into_iter().map(Arc::new).collect(),
                custom: BTreeMap::new(),
            }),
            generation: AtomicU64::new(0),
        }
    }

    /// Changes whenever the set of served resources does.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn read<T>(&self, f: impl FnOnce(&Inner) -> T) -> T {
        match self.inner.read() {
            Ok(guard) => f(&guard),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    /// Every served resource, built-ins first.
    pub fn all(&self) -> Vec<Arc<Resource>> {
        self.read(|i| {
            i.builtin
                .iter()
                .chain(i.custom.values().flatten())
                .cloned()
                .collect()
        })
    }

    /// The resource `plural` of `group`/`version`.
    pub fn get(&self, group: &str, version: &str, plural: &str) -> Option<Arc<Resource>> {
        self.read(|i| {
            i.builtin
                .iter()
                .chain(i.custom.values().flatten())
                .find(|r| r.group == group && r.version == version && r.plural == plural)
                .cloned()
        })
    }

    /// The resource of `kind` in `group`/`version`.
    pub fn by_kind(&self, group: &str, version: &str, kind: &str) -> Option<Arc<Resource>> {
        self.read(|i| {
            i.builtin
                .iter()
                .chain(i.custom.values().flatten())
                .find(|r| r.group == group && r.version == version && r.kind == kind)
                .cloned()
        })
    }

    /// Every served version of `group`/`plural` (for storage-wide work such
    /// as garbage collection): the preferred version first.
    pub fn versions_of(&self, group: &str, plural: &str) -> Vec<Arc<Resource>> {
        let mut found: Vec<_> = self
            .all()
            .into_iter()
            .filter(|r| r.group == group && r.plural == plural)
            .collect();
        found.sort_by_key(|r| !r.preferred);
        found
    }

    /// One resource per stored group/plural (the preferred version).
    pub fn storage_resources(&self) -> Vec<Arc<Resource>> {
        let mut seen = std::collections::BTreeSet::new();
        let mut all = self.all();
        all.sort_by_key(|r| !r.preferred);
        all.into_iter()
            .filter(|r| seen.insert((r.group.clone(), r.plural.clone())))
            .collect()
    }

    /// Installs (or replaces) the resources of CRD `name`.
    pub fn set_crd(&self, name: &str, resources: Vec<Resource>) {
        let mut guard = match self.inner.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let resources: Vec<Arc<Resource>> = resources.into_iter().map(Arc::new).collect();
        if guard.custom.get(name) != Some(&resources) {
            guard.custom.insert(name.to_owned(), resources);
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Stops serving the resources of CRD `name`.
    pub fn remove_crd(&self, name: &str) {
        let mut guard = match self.inner.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if guard.custom.remove(name).is_some() {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Whether some served resource already uses `group`/`plural` outside CRD `crd`.
    pub fn plural_taken(&self, group: &str, plural: &str, crd: &str) -> bool {
        self.read(|i| {
            i.builtin
                .iter()
                .any(|r| r.group == group && r.plural == plural)
                || i.custom.iter().any(|(n, rs)| {
                    n != crd && rs.iter().any(|r| r.group == group && r.plural == plural)
                })
        })
    }
}
