//! The garbage collector and the namespace and CRD finalizers: what
//! kube-controller-manager and the apiextensions finalizer do for a real
//! server, done here in the background of the API server itself.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::owners::{ObjRef, owner_uids};
use super::{DeleteOptions, Store};
use crate::api::error::ApiError;
use crate::api::meta::{self, metadata_mut};
use crate::api::query::ListQuery;
use crate::registry::Resource;
use crate::storage::Storage;

const MANAGER: &str = "generic-garbage-collector";

/// A unit of background work.
#[derive(Debug, Clone)]
pub(crate) enum Work {
    /// The object with this UID is gone: its dependents lose it as an owner.
    OwnerGone(String),
    /// An object being deleted holds `orphan` or `foregroundDeletion`.
    Finalize(ObjRef),
    /// A namespace is terminating: empty it, then let it go.
    Namespace(String),
    /// A CRD is being deleted: delete its objects, then let it go.
    Crd(String),
}

impl<S: Storage> Store<S> {
    /// Keeps the owner index and the background work in step with a write.
    pub(crate) async fn after_write(
        &self,
        res: &Resource,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        self.owners.update(res, old, new);
        let send = |w: Work| {
            let _ = self.gc.send(w);
        };
        let is_crd =
            res.group == "apiextensions.k8s.io" && res.plural == "customresourcedefinitions";
        match (old, new) {
            (Some(gone), None) => {
                send(Work::OwnerGone(meta::uid(gone).to_owned()));
                // Owners waiting in foreground for this dependent look again.
                for owner in owner_uids(gone) {
                    if let Some(r) = self.owners.find(&owner) {
                        send(Work::Finalize(r));
                    }
                }
                if is_crd {
                    self.crd_removed(gone);
                }
            }
            (_, Some(obj)) => {
                if is_crd {
                    self.crd_written(obj);
                }
                if meta::is_deleting(obj) {
                    if res.group.is_empty() && res.plural == "namespaces" {
                        send(Work::Namespace(meta::name(obj).to_owned()));
                    } else if is_crd {
                        send(Work::Crd(meta::name(obj).to_owned()));
                    }
                    if meta::finalizers(obj)
                        .iter()
                        .any(|f| f == "orphan" || f == "foregroundDeletion")
                    {
                        send(Work::Finalize(ObjRef::of(res, obj)));
                    }
                }
                for owner in owner_uids(obj) {
                    if !self.owners.exists(&owner) {
                        send(Work::OwnerGone(owner));
                    }
                }
            }
            (None, None) => {}
        }
    }

    /// Runs background work until the store is dropped.
    pub(crate) async fn run_gc(self: std::sync::Arc<Self>, mut rx: mpsc::UnboundedReceiver<Work>) {
        while let Some(work) = rx.recv().await {
            match self.process(&work).await {
                Ok(true) => {}
                Ok(false) | Err(_) => {
                    // Not done yet (finalizers elsewhere, a conflict): retry later.
                    let tx = self.gc.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        let _ = tx.send(work);
                    });
                }
            }
        }
    }

    fn resource_of(&self, r: &ObjRef) -> Option<std::sync::Arc<Resource>> {
        self.registry
            .versions_of(&r.group, &r.plural)
            .into_iter()
            .next()
    }

    async fn fetch(
        &self,
        r: &ObjRef,
    ) -> Result<Option<(std::sync::Arc<Resource>, Value)>, ApiError> {
        let Some(res) = self.resource_of(r) else {
            return Ok(None);
        };
        match self.get(&res, r.namespace.as_deref(), &r.name).await {
            Ok(obj) => Ok(Some((res, obj))),
            Err(e) if e.code == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes ownerReferences to `owner` from `r`.
    async fn drop_owner(&self, r: &ObjRef, owner: &str) -> Result<(), ApiError> {
        let Some(res) = self.resource_of(r) else {
            return Ok(());
        };
        let opts = Self::internal_write(MANAGER);
        let result = self
            .modify(&res, r.namespace.as_deref(), &r.name, None, &opts, |live| {
                let mut new = live.clone();
                if let Some(refs) = new
                    .pointer_mut("/metadata/ownerReferences")
                    .and_then(Value::as_array_mut)
                {
                    refs.retain(|o| o.get("uid").and_then(Value::as_str) != Some(owner));
                    if refs.is_empty() {
                        metadata_mut(&mut new).remove("ownerReferences");
                    }
                }
                Ok((new, true))
            })
            .await;
        match result {
            Err(e) if e.code != 404 => Err(e),
            _ => Ok(()),
        }
    }

    async fn remove_finalizer(
        &self,
        res: &Resource,
        r: &ObjRef,
        finalizer: &str,
    ) -> Result<(), ApiError> {
        let opts = Self::internal_write(MANAGER);
        let result = self
            .modify(res, r.namespace.as_deref(), &r.name, None, &opts, |live| {
                let mut new = live.clone();
                let kept: Vec<String> = meta::finalizers(live)
                    .into_iter()
                    .filter(|f| f != finalizer)
                    .collect();
                meta::set_finalizers(&mut new, &kept);
                Ok((new, true))
            })
            .await;
        match result {
            Err(e) if e.code != 404 => Err(e),
            _ => Ok(()),
        }
    }

    /// Does one unit of work; `Ok(false)` when it must be tried again later.
    async fn process(&self, work: &Work) -> Result<bool, ApiError> {
        match work {
            Work::OwnerGone(uid) => {
                if self.owners.exists(uid) {
                    return Ok(true);
                }
                for dep in self.owners.dependents(uid) {
                    let Some((res, obj)) = self.fetch(&dep).await? else {
                        continue;
                    };
                    // The index may lag the object (another server changed it).
                    if !owner_uids(&obj).iter().any(|o| o == uid) {
                        continue;
                    }
                    let alive = owner_uids(&obj)
                        .iter()
                        .any(|o| o != uid && self.owners.exists(o));
                    if alive {
                        self.drop_owner(&dep, uid).await?;
                    } else if !meta::is_deleting(&obj) {
                        let opts = DeleteOptions {
                            propagation: Some("Background".into()),
                            ..DeleteOptions::default()
                        };
                        match self
                            .delete(&res, dep.namespace.as_deref(), &dep.name, &opts)
                            .await
                        {
                            Err(e) if e.code != 404 => return Err(e),
                            _ => {}
                        }
                    }
                }
                Ok(true)
            }
            Work::Finalize(r) => {
                let Some((res, obj)) = self.fetch(r).await? else {
                    return Ok(true);
                };
                if !meta::is_deleting(&obj) {
                    return Ok(true);
                }
                let uid = meta::uid(&obj).to_owned();
                let finalizers = meta::finalizers(&obj);
                if finalizers.iter().any(|f| f == "orphan") {
                    for dep in self.owners.dependents(&uid) {
                        self.drop_owner(&dep, &uid).await?;
                    }
                    self.remove_finalizer(&res, r, "orphan").await?;
                    return Ok(true);
                }
                if finalizers.iter().any(|f| f == "foregroundDeletion") {
                    let deps = self.owners.dependents(&uid);
                    for dep in &deps {
                        let Some((dres, dobj)) = self.fetch(dep).await? else {
                            continue;
                        };
                        if !meta::is_deleting(&dobj) {
                            let opts = DeleteOptions {
                                propagation: Some("Foreground".into()),
                                ..DeleteOptions::default()
                            };
                            match self
                                .delete(&dres, dep.namespace.as_deref(), &dep.name, &opts)
                                .await
                            {
                                Err(e) if e.code != 404 => return Err(e),
                                _ => {}
                            }
                        }
                    }
                    if self.owners.dependents(&uid).is_empty() {
                        self.remove_finalizer(&res, r, "foregroundDeletion").await?;
                        return Ok(true);
                    }
                    return Ok(false);
                }
                Ok(true)
            }
            Work::Namespace(name) => self.finalize_namespace(name).await,
            Work::Crd(name) => self.finalize_crd(name).await,
        }
    }

    async fn finalize_namespace(&self, name: &str) -> Result<bool, ApiError> {
        let Some(nsres) = self.registry.get("", "v1", "namespaces") else {
            return Ok(true);
        };
        let ns = match self.get(&nsres, None, name).await {
            Ok(ns) if meta::is_deleting(&ns) => ns,
            Ok(_) => return Ok(true),
            Err(e) if e.code == 404 => return Ok(true),
            Err(e) => return Err(e),
        };
        let mut remaining = 0usize;
        for res in self.registry.storage_resources() {
            if !res.namespaced {
                continue;
            }
            let list = self.list(&res, Some(name), &ListQuery::default()).await?;
            for item in list["items"].as_array().into_iter().flatten() {
                remaining += 1;
                if !meta::is_deleting(item) {
                    match self
                        .delete(
                            &res,
                            Some(name),
                            meta::name(item),
                            &DeleteOptions::default(),
                        )
                        .await
                    {
                        Err(e) if e.code != 404 => return Err(e),
                        _ => {}
                    }
                }
            }
        }
        if remaining > 0 {
            return Ok(false);
        }
        let opts = Self::internal_write("namespace-controller");
        let has_kubernetes = ns
            .pointer("/spec/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|f| f == "kubernetes"));
        if has_kubernetes {
            let result = self
                .modify(&nsres, None, name, Some("finalize"), &opts, |live| {
                    let mut new = live.clone();
                    let kept: Vec<Value> = live
                        .pointer("/spec/finalizers")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter(|f| *f != "kubernetes").cloned().collect())
                        .unwrap_or_default();
                    new["spec"] = json!({ "finalizers": kept });
                    Ok((new, true))
                })
                .await;
            if let Err(e) = result
                && e.code != 404
            {
                return Err(e);
            }
        }
        Ok(true)
    }

    async fn finalize_crd(&self, name: &str) -> Result<bool, ApiError> {
        let Some(crdres) =
            self.registry
                .get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        else {
            return Ok(true);
        };
        let crd = match self.get(&crdres, None, name).await {
            Ok(c) if meta::is_deleting(&c) => c,
            Ok(_) => return Ok(true),
            Err(e) if e.code == 404 => return Ok(true),
            Err(e) => return Err(e),
        };
        let group = crd
            .pointer("/spec/group")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let plural = crd
            .pointer("/spec/names/plural")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(res) = self.registry.versions_of(group, plural).into_iter().next() {
            let list = self.list(&res, None, &ListQuery::default()).await?;
            let items = list["items"].as_array().cloned().unwrap_or_default();
            if !items.is_empty() {
                for item in &items {
                    if !meta::is_deleting(item) {
                        let ns = meta::meta_str(item, "namespace").map(str::to_owned);
                        match self
                            .delete(
                                &res,
                                ns.as_deref(),
                                meta::name(item),
                                &DeleteOptions::default(),
                            )
                            .await
                        {
                            Err(e) if e.code != 404 => return Err(e),
                            _ => {}
                        }
                    }
                }
                return Ok(false);
            }
        }
        let r = ObjRef::of(&crdres, &crd);
        self.remove_finalizer(&crdres, &r, "customresourcecleanup.apiextensions.k8s.io")
            .await?;
        Ok(true)
    }

    /// Fills the owner index from storage and queues pending work.
    pub(crate) async fn load_owners(&self) -> Result<(), ApiError> {
        for res in self.registry.storage_resources() {
            let list = self.list(&res, None, &ListQuery::default()).await?;
            for item in list["items"].as_array().into_iter().flatten() {
                let mut obj = item.clone();
                super::set_type(&mut obj, &res);
                self.after_write(&res, None, Some(&obj)).await;
            }
        }
        Ok(())
    }
}
