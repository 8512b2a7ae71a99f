//! Which objects exist (by UID) and which objects each UID owns: what the
//! garbage collector's graph holds, kept in step with every write.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use serde_json::Value;

use crate::api::meta;
use crate::registry::Resource;

/// An object, by its storage coordinates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ObjRef {
    pub(crate) group: String,
    pub(crate) plural: String,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
}

impl ObjRef {
    pub(crate) fn of(res: &Resource, obj: &Value) -> Self {
        Self {
            group: res.group.clone(),
            plural: res.plural.clone(),
            namespace: meta::meta_str(obj, "namespace")
                .map(str::to_owned)
                .filter(|_| res.namespaced),
            name: meta::name(obj).to_owned(),
        }
    }
}

/// The owner UIDs an object names.
pub(crate) fn owner_uids(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter_map(|r| r.get("uid").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Default)]
struct Graph {
    uids: HashMap<String, ObjRef>,
    dependents: HashMap<String, BTreeSet<ObjRef>>,
    /// Cluster IPs of Services, so that allocation never hands one out twice.
    service_ips: HashSet<String>,
}

fn service_ip(res: &Resource, obj: &Value) -> Option<String> {
    (res.group.is_empty() && res.plural == "services")
        .then(|| {
            obj.pointer("/spec/clusterIP")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .flatten()
}

/// The UID → object and owner → dependents index.
#[derive(Debug, Default)]
pub(crate) struct OwnerIndex(Mutex<Graph>);

impl OwnerIndex {
    fn with<T>(&self, f: impl FnOnce(&mut Graph) -> T) -> T {
        match self.0.lock() {
            Ok(mut g) => f(&mut g),
            Err(p) => f(&mut p.into_inner()),
        }
    }

    /// Records a write: `old` replaced by `new` (either may be absent).
    pub(crate) fn update(&self, res: &Resource, old: Option<&Value>, new: Option<&Value>) {
        self.with(|g| {
            if let Some(ip) = old.and_then(|o| service_ip(res, o)) {
                g.service_ips.remove(&ip);
            }
            if let Some(ip) = new.and_then(|n| service_ip(res, n)) {
                g.service_ips.insert(ip);
            }
            if let Some(old) = old {
                let r = ObjRef::of(res, old);
                for owner in owner_uids(old) {
                    if let Some(set) = g.dependents.get_mut(&owner) {
                        set.remove(&r);
                        if set.is_empty() {
                            g.dependents.remove(&owner);
                        }
                    }
                }
                if new.is_none() {
                    g.uids.remove(meta::uid(old));
                }
            }
            if let Some(new) = new {
                let r = ObjRef::of(res, new);
                for owner in owner_uids(new) {
                    g.dependents.entry(owner).or_default().insert(r.clone());
                }
                g.uids.insert(meta::uid(new).to_owned(), r);
            }
        });
    }

    /// Whether an object with this UID exists.
    pub(crate) fn exists(&self, uid: &str) -> bool {
        self.with(|g| g.uids.contains_key(uid))
    }

    /// The object with this UID.
    pub(crate) fn find(&self, uid: &str) -> Option<ObjRef> {
        self.with(|g| g.uids.get(uid).cloned())
    }

    /// Whether a Service already has this cluster IP.
    pub(crate) fn service_ip_taken(&self, ip: &str) -> bool {
        self.with(|g| g.service_ips.contains(ip))
    }

    /// The objects naming `uid` as an owner.
    pub(crate) fn dependents(&self, uid: &str) -> Vec<ObjRef> {
        self.with(|g| {
            g.dependents
                .get(uid)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default()
        })
    }
}
