//! Removing one object of the inventory: deleted with a uid precondition,
//! or orphaned (left in place without Pequod's labels).

use kube::Api;
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, Preconditions};
use pequod_api::ObjectRef;
use serde_json::{Value, json};

use crate::applyset::{self, DELETION_POLICY_ANNOTATION, PART_OF_LABEL};
use crate::executor::{Engine, GraphContext, api_error_message};
use crate::outcome::EngineEvent;

/// Where an inventory object stands after [`remove`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Removal {
    /// It is gone, or no longer Pequod's to touch: drop it from the inventory.
    Done(Option<EngineEvent>),
    /// Deletion is under way (finalizers); look again later.
    InProgress,
}

/// Prunes an object that left the graph; `Ok` when it may leave the inventory.
pub(crate) async fn prune(
    engine: &Engine,
    ctx: &GraphContext,
    object: &ObjectRef,
) -> Result<Option<EngineEvent>, String> {
    match remove(engine, ctx, object, false).await? {
        Removal::Done(event) => Ok(event),
        // Accepted by the server: the object is on its way out.
        Removal::InProgress => Ok(Some(EngineEvent::normal(
            "Pruned",
            format!("deleting {} (no longer in the graph)", describe(object)),
        ))),
    }
}

/// Deletes (or orphans) `object` if it is still the one Pequod applied.
/// `orphan` forces orphaning whatever the object's annotation says.
pub(crate) async fn remove(
    engine: &Engine,
    ctx: &GraphContext,
    object: &ObjectRef,
    orphan: bool,
) -> Result<Removal, String> {
    let (group, version) = object
        .api_version
        .split_once('/')
        .unwrap_or(("", &object.api_version));
    let gvk = kube::api::GroupVersionKind::gvk(group, version, &object.kind);
    let resolved = match engine.resolver.resolve(&engine.client, &gvk).await {
        Ok(resolved) => resolved,
        // The kind is not served any more (its CRD went): so is the object.
        Err(kube::Error::Discovery(_)) => return Ok(Removal::Done(None)),
        Err(kube::Error::Api(s)) if s.code == 404 => return Ok(Removal::Done(None)),
        // Anything else may pass: keep the object in the inventory.
        Err(e) => {
            return Err(format!(
                "resolving {}: {}",
                describe(object),
                api_error_message(&e)
            ));
        }
    };
    let api: Api<DynamicObject> = match &object.namespace {
        Some(ns) => Api::namespaced_with(engine.client.clone(), ns, &resolved.resource),
        None => Api::all_with(engine.client.clone(), &resolved.resource),
    };
    let live = match api.get_opt(&object.name).await {
        Ok(Some(live)) => serde_json::to_value(live).unwrap_or(Value::Null),
        Ok(None) => return Ok(Removal::Done(None)),
        Err(e) => {
            return Err(format!(
                "reading {}: {}",
                describe(object),
                api_error_message(&e)
            ));
        }
    };
    let live_uid = live.pointer("/metadata/uid").and_then(Value::as_str);
    let replaced = object.uid.is_some() && live_uid != object.uid.as_deref();
    if replaced || applyset::part_of(&live) != Some(ctx.applyset_id.as_str()) {
        // A different object now carries the name, or it left the set:
        // nothing outside the inventory is ever deleted.
        return Ok(Removal::Done(None));
    }
    if live.pointer("/metadata/deletionTimestamp").is_some() {
        return Ok(Removal::InProgress);
    }
    let annotated_orphan = live
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(DELETION_POLICY_ANNOTATION))
        .and_then(Value::as_str)
        == Some("Orphan");
    if orphan || annotated_orphan {
        let strip = json!({"metadata": {
            "labels": {PART_OF_LABEL: null, pequod_api::TRANSFORM_LABEL: null},
            "annotations": {DELETION_POLICY_ANNOTATION: null},
        }});
        api.patch(&object.name, &PatchParams::default(), &Patch::Merge(&strip))
            .await
            .map_err(|e| format!("orphaning {}: {}", describe(object), api_error_message(&e)))?;
        return Ok(Removal::Done(Some(EngineEvent::normal(
            "Orphaned",
            format!("left {} in place without Pequod's labels", describe(object)),
        ))));
    }
    let params = DeleteParams {
        preconditions: live_uid.map(|uid| Preconditions {
            uid: Some(uid.to_owned()),
            resource_version: None,
        }),
        ..DeleteParams::background()
    };
    match api.delete(&object.name, &params).await {
        Ok(_) => Ok(Removal::InProgress),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(Removal::Done(None)),
        // 409: the uid precondition failed, so this is not our object.
        Err(kube::Error::Api(s)) if s.code == 409 => Ok(Removal::Done(None)),
        Err(e) => Err(format!(
            "deleting {}: {}",
            describe(object),
            api_error_message(&e)
        )),
    }
}

pub(crate) fn describe(o: &ObjectRef) -> String {
    match &o.namespace {
        Some(ns) => format!("{} {ns}/{}", o.kind, o.name),
        None => format!("{} {}", o.kind, o.name),
    }
}
