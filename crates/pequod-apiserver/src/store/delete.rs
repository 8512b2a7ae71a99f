//! delete and deletecollection: preconditions, finalizers and the
//! propagation policies that hand dependents to the garbage collector.

use serde_json::{Value, json};

use super::codec::decode;
use super::{Store, key};
use crate::api::error::ApiError;
use crate::api::meta::{self, metadata_mut, name, now};
use crate::api::query::{ListQuery, WriteOptions};
use crate::registry::Resource;
use crate::storage::{Storage, StorageError};

/// `propagationPolicy` and preconditions of a delete.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `Orphan`, `Background` (default) or `Foreground`.
    pub propagation: Option<String>,
    /// `orphanDependents` (deprecated form of `Orphan`).
    pub orphan_dependents: Option<bool>,
    /// `preconditions.uid`.
    pub uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub resource_version: Option<String>,
    /// `dryRun=All`.
    pub dry_run: bool,
}

impl DeleteOptions {
    /// From a `DeleteOptions` body (may be empty) and the query's values.
    pub fn from_body(body: Option<&Value>, query_propagation: Option<&str>, dry_run: bool) -> Self {
        let b = body.cloned().unwrap_or(Value::Null);
        let s = |p: &str| b.pointer(p).and_then(Value::as_str).map(str::to_owned);
        Self {
            propagation: s("/propagationPolicy").or(query_propagation.map(str::to_owned)),
            orphan_dependents: b.get("orphanDependents").and_then(Value::as_bool),
            uid: s("/preconditions/uid"),
            resource_version: s("/preconditions/resourceVersion"),
            dry_run: dry_run
                || b.get("dryRun")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty()),
        }
    }

    fn finalizer(&self) -> Result<Option<&'static str>, ApiError> {
        match (self.propagation.as_deref(), self.orphan_dependents) {
            (Some("Orphan"), _) | (None, Some(true)) => Ok(Some("orphan")),
            (Some("Foreground"), _) => Ok(Some("foregroundDeletion")),
            (Some("Background") | None, _) => Ok(None),
            (Some(other), _) => Err(ApiError::bad_request(format!(
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
            ))),
        }
    }
}

/// A failed delete precondition: a Conflict naming the kind, as the real
/// server words it.
fn precondition_failed(res: &Resource, name: &str, why: &str) -> ApiError {
    let mut e = ApiError::conflict(res.subject(), name, why);
    e.message = format!(
        "Operation cannot be fulfilled on {} \"{name}\": {why}",
        res.kind
    );
    e
}

impl<S: Storage> Store<S> {
    /// Deletes an object: at once when nothing holds it, else marks it with
    /// a `deletionTimestamp` and leaves it to its finalizers.
    pub async fn delete(
        &self,
        res: &Resource,
        ns: Option<&str>,
        obj_name: &str,
        opts: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        let finalizer = opts.finalizer()?;
        let k = key(res, ns, obj_name);
        for _ in 0..8 {
            let stored = self
                .storage
                .get(&k)
                .await
                .map_err(|e| ApiError::from_storage(e, res.subject(), obj_name))?
                .ok_or_else(|| ApiError::not_found(res.subject(), obj_name))?;
            let live = decode(&stored, res)?;
            if let Some(uid) = &opts.uid
                && uid != meta::uid(&live)
            {
                return Err(precondition_failed(
                    res,
                    obj_name,
                    &format!(
                        "the UID in the precondition ({uid}) does not match the UID in record ({}). The object might have been deleted and then recreated",
                        meta::uid(&live)
                    ),
                ));
            }
            if let Some(rv) = &opts.resource_version
                && *rv != stored.revision.to_string()
            {
                return Err(precondition_failed(
                    res,
                    obj_name,
                    &format!(
                        "the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({}). The object might have been modified",
                        stored.revision
                    ),
                ));
            }
            let mut finalizers = meta::finalizers(&live);
            let is_namespace = res.group.is_empty() && res.plural == "namespaces";
            let is_crd =
                res.group == "apiextensions.k8s.io" && res.plural == "customresourcedefinitions";
            if let Some(f) = finalizer
                && !meta::is_deleting(&live)
                && !finalizers.iter().any(|x| x == f)
                && (!is_namespace || f != "orphan")
            {
                finalizers.push(f.to_owned());
            }
            if is_crd && !meta::is_deleting(&live) {
                finalizers.push("customresourcecleanup.apiextensions.k8s.io".to_owned());
            }
            let held = !finalizers.is_empty()
                || (is_namespace
                    && live
                        .pointer("/spec/finalizers")
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty()));
            if held {
                if meta::is_deleting(&live) {
                    return Ok(live);
                }
                let mut marked = live.clone();
                meta::set_finalizers(&mut marked, &finalizers);
                let m = metadata_mut(&mut marked);
                m.insert("deletionTimestamp".into(), json!(now()));
                m.insert("deletionGracePeriodSeconds".into(), json!(0));
                if is_namespace {
                    marked["status"]["phase"] = json!("Terminating");
                }
                if opts.dry_run {
                    return Ok(marked);
                }
                match self
                    .storage
                    .update(&k, super::codec::encode(&marked)?, Some(stored.revision))
                    .await
                {
                    Ok(written) => {
                        let object = decode(&written, res)?;
                        self.after_write(res, Some(&live), Some(&object)).await;
                        return Ok(object);
                    }
                    Err(StorageError::Conflict { .. }) => continue,
                    Err(e) => return Err(ApiError::from_storage(e, res.subject(), obj_name)),
                }
            }
            if opts.dry_run {
                return Ok(live);
            }
            match self.storage.delete(&k, Some(stored.revision)).await {
                Ok(gone) => {
                    let mut object = live.clone();
                    metadata_mut(&mut object)
                        .insert("resourceVersion".into(), json!(gone.revision.to_string()));
                    self.after_write(res, Some(&live), None).await;
                    return Ok(object);
                }
                Err(StorageError::Conflict { .. }) => continue,
                Err(e) => return Err(ApiError::from_storage(e, res.subject(), obj_name)),
            }
        }
        Err(ApiError::modified(res.subject(), obj_name))
    }

    /// Deletes every object a list with `q` returns.
    pub async fn delete_collection(
        &self,
        res: &Resource,
        ns: Option<&str>,
        q: &ListQuery,
        opts: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        let mut list = self.list(res, ns, q).await?;
        let mut items = Vec::new();
        if let Some(all) = list.get_mut("items").and_then(Value::as_array_mut) {
            for item in all.iter() {
                let item_ns = meta::meta_str(item, "namespace").map(str::to_owned);
                match self.delete(res, item_ns.as_deref(), name(item), opts).await {
                    Ok(obj) => items.push(obj),
                    Err(e) if e.code == 404 => {}
                    Err(e) => return Err(e),
                }
            }
        }
        list["items"] = Value::Array(items);
        Ok(list)
    }

    /// 404 when namespace `ns` does not exist, 403 while it is terminating.
    pub(crate) async fn check_namespace_open(
        &self,
        res: &Resource,
        ns: &str,
        obj_name: &str,
    ) -> Result<(), ApiError> {
        let Some(nsres) = self.registry.get("", "v1", "namespaces") else {
            return Ok(());
        };
        match self.get(&nsres, None, ns).await {
            Ok(n) if meta::is_deleting(&n) => Err(ApiError::forbidden(
                res.subject(),
                obj_name,
                &format!(
                    "unable to create new content in namespace {ns} because it is being terminated"
                ),
            )),
            Ok(_) => Ok(()),
            Err(e) if e.code == 404 => Err(ApiError::not_found(nsres.subject(), ns)),
            Err(e) => Err(e),
        }
    }

    /// Write options for the server's own writes (garbage collector,
    /// namespace and CRD cleanup).
    pub(crate) fn internal_write(manager: &str) -> WriteOptions {
        WriteOptions {
            field_manager: manager.to_owned(),
            field_manager_given: true,
            ..WriteOptions::default()
        }
    }
}
