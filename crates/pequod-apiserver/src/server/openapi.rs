//! `/openapi/v2` and `/openapi/v3`: the served kinds' schemas, for
//! `kubectl explain` and clients that read them.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use crate::registry::Registry;
use crate::schema::{SchemaSource, ServedKind};

fn served(registry: &Registry) -> Vec<ServedKind> {
    registry
        .all()
        .iter()
        .map(|r| ServedKind {
            group: r.group.clone(),
            version: r.version.clone(),
            kind: r.kind.clone(),
            plural: r.plural.clone(),
            namespaced: r.namespaced,
            schema: match &r.crd_schema {
                Some(s) => SchemaSource::Crd(s.clone()),
                None => SchemaSource::Builtin,
            },
        })
        .collect()
}

/// Documents already built, valid while the registry's generation holds
/// (building them walks every schema).
#[derive(Debug, Default)]
pub(crate) struct Cache(Mutex<HashMap<String, (u64, Value)>>);

impl Cache {
    fn get(
        &self,
        registry: &Registry,
        key: &str,
        build: impl FnOnce() -> Option<Value>,
    ) -> Option<Value> {
        let generation = registry.generation();
        let mut docs = match self.0.lock() {
            Ok(d) => d,
            Err(p) => p.into_inner(),
        };
        if let Some((g, doc)) = docs.get(key)
            && *g == generation
        {
            return Some(doc.clone());
        }
        let doc = build()?;
        docs.insert(key.to_owned(), (generation, doc.clone()));
        Some(doc)
    }

    /// The Swagger 2.0 document.
    pub(crate) fn v2(&self, registry: &Registry) -> Value {
        self.get(registry, "v2", || {
            Some(crate::schema::openapi_v2(&served(registry)))
        })
        .unwrap_or(Value::Null)
    }

    /// The OpenAPI v3 index of group-versions.
    pub(crate) fn v3_index(&self, registry: &Registry) -> Value {
        self.get(registry, "v3", || {
            Some(crate::schema::openapi_v3_index(&served(registry)))
        })
        .unwrap_or(Value::Null)
    }

    /// The OpenAPI v3 document of one group-version.
    pub(crate) fn v3(&self, registry: &Registry, group: &str, version: &str) -> Option<Value> {
        self.get(registry, &format!("v3/{group}/{version}"), || {
            let kinds = served(registry);
            kinds
                .iter()
                .any(|k| k.group == group && k.version == version)
                .then(|| crate::schema::openapi_v3_group_version(group, version, &kinds))
        })
    }
}
