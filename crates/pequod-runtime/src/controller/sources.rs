//! Where reconcile requests come from: the main watch (through the cache,
//! modifiers, predicates and filters) and extra trigger streams.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Debug;
use std::hash::{Hash, Hasher};

use futures::stream::BoxStream;
use futures::{StreamExt, future};
use kube::api::Api;
use kube::runtime::reflector::ObjectRef;

use crate::cache::{Writer, reflect};
use kube::runtime::watcher;
use kube::runtime::{PredicateConfig, WatchStreamExt};
use kube::{Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::Informer;

/// A predicate: a hash of the property whose change should trigger a
/// reconcile (`None`: always pass).
pub(crate) type PredicateFn<K> = Box<dyn Fn(&K) -> Option<u64> + Send + Sync>;
/// A filter: whether an object is reconciled at all.
pub(crate) type FilterFn<K> = Box<dyn Fn(&K) -> bool + Send + Sync>;
/// A modifier applied to each object before it is cached.
pub(crate) type ModifyFn<K> = Box<dyn FnMut(&mut K) + Send>;

/// Combines predicates: passes when any one's property changed.
pub(crate) fn combine<K>(predicates: Vec<PredicateFn<K>>) -> impl Fn(&K) -> Option<u64> {
    move |obj: &K| {
        let mut hasher = DefaultHasher::new();
        let mut any = false;
        for (i, p) in predicates.iter().enumerate() {
            if let Some(h) = p(obj) {
                any = true;
                (i, h).hash(&mut hasher);
            }
        }
        any.then(|| hasher.finish())
    }
}

/// The main watch: objects are modified, cached in `writer`, then filtered;
/// yields the references to reconcile.
pub(crate) fn main_watch<K>(
    dyntype: K::DynamicType,
    api: Api<K>,
    config: watcher::Config,
    writer: Writer<K>,
    mut modifiers: Vec<ModifyFn<K>>,
    predicates: Vec<PredicateFn<K>>,
    filters: Vec<FilterFn<K>>,
) -> BoxStream<'static, ObjectRef<K>>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Send + Sync + Unpin,
{
    let watch = watcher(api, config)
        .default_backoff()
        .modify(move |obj: &mut K| {
            for m in &mut modifiers {
                m(obj);
            }
        });
    let applied = reflect(writer, watch).applied_objects();
    requests(applied.boxed(), dyntype, predicates, filters)
}

/// The requests from a shared informer: its changes, through predicates and
/// filters.
pub(crate) fn shared_watch<K>(
    dyntype: K::DynamicType,
    informer: &Informer<K>,
    predicates: Vec<PredicateFn<K>>,
    filters: Vec<FilterFn<K>>,
) -> BoxStream<'static, ObjectRef<K>>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Send + Sync + Unpin,
{
    let objects = informer
        .subscribe()
        .map(|obj| Ok::<K, watcher::Error>((*obj).clone()));
    requests(objects.boxed(), dyntype, predicates, filters)
}

/// Changed objects through predicates and filters, as the references to
/// reconcile.
fn requests<K>(
    objects: BoxStream<'static, Result<K, watcher::Error>>,
    dyntype: K::DynamicType,
    predicates: Vec<PredicateFn<K>>,
    filters: Vec<FilterFn<K>>,
) -> BoxStream<'static, ObjectRef<K>>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Send + Sync + Unpin,
{
    let objects = if predicates.is_empty() {
        objects
    } else {
        objects
            .predicate_filter(combine(predicates), PredicateConfig::default())
            .boxed()
    };
    objects
        .filter_map(move |result| {
            future::ready(match result {
                Ok(obj) if filters.iter().all(|f| f(&obj)) => {
                    Some(ObjectRef::from_obj_with(&obj, dyntype.clone()))
                }
                Ok(_) => None,
                Err(error) => {
                    tracing::warn!(%error, "watch failed; retrying with backoff");
                    None
                }
            })
        })
        .boxed()
}

/// The controlling owners of kind `K` of `child`.
pub(crate) fn controlling_owners<K, C>(child: &C, dyntype: &K::DynamicType) -> Vec<ObjectRef<K>>
where
    K: Resource,
    K::DynamicType: Eq + Hash + Clone,
    C: Resource,
{
    let namespace = child.namespace();
    child
        .owner_references()
        .iter()
        .filter(|owner| owner.controller == Some(true))
        .filter_map(|owner| ObjectRef::from_owner_ref(namespace.as_deref(), owner, dyntype.clone()))
        .collect()
}

/// Requests for the owners (by controller reference, of kind `K`) of the
/// objects of another watch.
pub(crate) fn owners_of<K, C>(
    api: Api<C>,
    config: watcher::Config,
    dyntype: K::DynamicType,
) -> BoxStream<'static, ObjectRef<K>>
where
    K: Resource + Send + 'static,
    K::DynamicType: Eq + Hash + Clone + Send + 'static,
    C: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    C::DynamicType: Default,
{
    watcher(api, config)
        .default_backoff()
        .touched_objects()
        .filter_map(|result| future::ready(result.ok()))
        .flat_map(move |child: C| {
            futures::stream::iter(controlling_owners::<K, C>(&child, &dyntype))
        })
        .boxed()
}

/// Removes `metadata.managedFields`, the largest part of most cached objects
/// and one no controller reads.
pub(crate) fn strip_managed_fields<K: Resource>(obj: &mut K) {
    obj.meta_mut().managed_fields = None;
}
