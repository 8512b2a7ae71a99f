//! Finalizer helpers: clean up before an object goes away.
//!
//! [`finalize`] adds the finalizer to live objects, runs the apply branch
//! while the object lives and the cleanup branch once it is being deleted,
//! and removes the finalizer when cleanup succeeds; [`add`] and [`remove`]
//! are the two steps on their own, for reconcilers that drive them. Each
//! change of the list is conditional on the object's resourceVersion, so two
//! writers never clobber each other.

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use kube::api::{Api, Patch, PatchParams};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;

use crate::controller::Action;

/// Which branch of [`finalize`] to run.
#[derive(Debug)]
pub enum Step<K> {
    /// The object lives (and carries the finalizer): reconcile it.
    Apply(Arc<K>),
    /// The object is being deleted: clean up what it owns outside the cluster.
    Cleanup(Arc<K>),
}

/// What [`finalize`] can fail with.
#[derive(Debug, thiserror::Error)]
pub enum FinalizerError<E: std::error::Error + 'static> {
    /// The apply branch failed.
    #[error("apply failed: {0}")]
    Apply(#[source] E),
    /// The cleanup branch failed; the finalizer stays.
    #[error("cleanup failed: {0}")]
    Cleanup(#[source] E),
    /// Adding or removing the finalizer failed.
    #[error("patching the finalizer failed: {0}")]
    Patch(#[source] kube::Error),
    /// The object has no name.
    #[error("object has no name")]
    Unnamed,
}

/// Runs `step` for `obj` under the finalizer `name`, keeping the finalizer
/// list in step with the object's life.
pub async fn finalize<K, F, Fut, E>(
    api: &Api<K>,
    name: &str,
    obj: Arc<K>,
    step: F,
) -> Result<Action, FinalizerError<E>>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    F: FnOnce(Step<K>) -> Fut,
    Fut: Future<Output = Result<Action, E>>,
    E: std::error::Error + 'static,
{
    let index = obj.finalizers().iter().position(|f| f == name);
    let deleting = obj.meta().deletion_timestamp.is_some();
    let object = obj.meta().name.clone().ok_or(FinalizerError::Unnamed)?;
    match (deleting, index) {
        (false, Some(_)) => step(Step::Apply(obj)).await.map_err(FinalizerError::Apply),
        (true, Some(i)) => {
            let action = step(Step::Cleanup(obj.clone()))
                .await
                .map_err(FinalizerError::Cleanup)?;
            let mut finalizers = obj.finalizers().to_vec();
            finalizers.remove(i);
            set_finalizers(api, &obj, &object, finalizers).await?;
            Ok(action)
        }
        // Deleted and not ours (any more): nothing to do.
        (true, None) => Ok(Action::await_change()),
        (false, None) => {
            let mut finalizers = obj.finalizers().to_vec();
            finalizers.push(name.to_owned());
            set_finalizers(api, &obj, &object, finalizers).await?;
            // The patch is a change: the object comes back with the finalizer.
            Ok(Action::await_change())
        }
    }
}

/// Replaces the finalizer list, on condition that the object is still the
/// version read (a conflict fails the patch and the reconcile retries).
async fn set_finalizers<K, E>(
    api: &Api<K>,
    obj: &K,
    name: &str,
    finalizers: Vec<String>,
) -> Result<(), FinalizerError<E>>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    E: std::error::Error + 'static,
{
    replace(api, obj, name, finalizers)
        .await
        .map_err(FinalizerError::Patch)
}

/// Adds `finalizer` to `obj` (if missing) on condition that it is still the
/// version read.
pub async fn add<K>(api: &Api<K>, obj: &K, finalizer: &str) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    if obj.finalizers().iter().any(|f| f == finalizer) {
        return Ok(());
    }
    let mut finalizers = obj.finalizers().to_vec();
    finalizers.push(finalizer.to_owned());
    replace(api, obj, &obj.name_any(), finalizers).await
}

/// Removes `finalizer` from `obj` (if there) on condition that it is still
/// the version read.
pub async fn remove<K>(api: &Api<K>, obj: &K, finalizer: &str) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    if !obj.finalizers().iter().any(|f| f == finalizer) {
        return Ok(());
    }
    let finalizers = obj
        .finalizers()
        .iter()
        .filter(|f| *f != finalizer)
        .cloned()
        .collect();
    replace(api, obj, &obj.name_any(), finalizers).await
}

async fn replace<K>(
    api: &Api<K>,
    obj: &K,
    name: &str,
    finalizers: Vec<String>,
) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let patch = serde_json::json!({
        "metadata": {
            "resourceVersion": obj.resource_version(),
            "finalizers": finalizers,
        }
    });
    api.patch(name, &PatchParams::default(), &Patch::Merge(patch))
        .await?;
    Ok(())
}
