//! The Transform controller: resolve the module, derive the kind's CRD from
//! its `#Spec`, apply it unless it would break existing instances, wait for
//! it to be established, and run the instance controller of the new kind.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::watcher;
use kube::{Api, Client, Resource, ResourceExt};
use pequod_api::{CueRefType, Transform, TransformPhase, TransformStatus};
use pequod_runtime::cache::Cache;
use pequod_runtime::controller::{Action, Controller};
use pequod_runtime::manager::Manager;
use pequod_runtime::metrics::{ApplyResult, Metrics};
use serde_json::json;
use tokio::sync::watch;

use super::cache::ModuleCache;
use super::compat::breaking_changes;
use super::crd::generated_crd;
use crate::instance::controller::{self as instances, InstanceKind};
use crate::instance::render::CompiledModule;
use crate::modules::Module;

/// Why a reconcile failed; it is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Talking to the API server failed.
    #[error("{0}")]
    Kube(#[from] kube::Error),
}

/// A running instance controller: its module's digest and the sender
/// whose drop (or signal) stops it.
struct Running {
    digest: String,
    _stop: watch::Sender<bool>,
}

struct Context {
    client: Client,
    recorder: Recorder,
    metrics: Metrics,
    cache: ModuleCache,
    shared: Cache,
    // Dropped with the context when the Transform controller stops (for
    // instance on losing the Lease): every instance controller stops too.
    running: Mutex<HashMap<GroupVersionKind, Running>>,
}

/// Adds the Transform controller to `manager`.
pub fn add_to(manager: &mut Manager) {
    let client = manager.client().clone();
    let context = Arc::new(Context {
        recorder: Recorder::new(
            client.clone(),
            Reporter {
                controller: "pequod".into(),
                instance: std::env::var("POD_NAME").ok(),
            },
        ),
        metrics: manager.metrics().clone(),
        cache: ModuleCache::from_env(),
        shared: manager.cache().clone(),
        running: Mutex::default(),
        client: client.clone(),
    });
    let controller = Controller::new(Api::<Transform>::all(client), watcher::Config::default())
        .name("transform");
    manager.add(controller, reconcile, context);
}

/// The outcome of one step, as conditions.
struct Conditions {
    module_resolved: (bool, &'static str, String),
    schema_valid: Option<(bool, &'static str, String)>,
    established: Option<(bool, &'static str, String)>,
}

async fn reconcile(transform: Arc<Transform>, ctx: Arc<Context>) -> Result<Action, Error> {
    if transform.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let name = transform.name_any();
    let spec = &transform.spec;
    let gvk = GroupVersionKind::gvk(&spec.group, &spec.version, &spec.kind);

    // 1. The module.
    let fetch_started = Instant::now();
    let module = match resolve(&ctx.client, &transform).await {
        Ok(m) => {
            ctx.metrics
                .pequod()
                .cue_fetched(ApplyResult::Success, fetch_started.elapsed().as_secs_f64());
            m
        }
        Err(message) => {
            ctx.metrics
                .pequod()
                .cue_fetched(ApplyResult::Failure, fetch_started.elapsed().as_secs_f64());
            publish(
                &ctx,
                &transform,
                EventType::Warning,
                "CueFetchFailed",
                &message,
            )
            .await;
            let conditions = Conditions {
                module_resolved: (false, "CueFetchFailed", message),
                schema_valid: None,
                established: None,
            };
            write_status(&ctx, &transform, None, None, conditions).await?;
            return Ok(Action::requeue(Duration::from_secs(30)));
        }
    };
    let digest = module.digest();
    let compiled = match ctx.cache.get_or_compile(&module, &ctx.metrics) {
        Ok(c) => c,
        Err(message) => {
            publish(
                &ctx,
                &transform,
                EventType::Warning,
                "CueRenderFailed",
                &message,
            )
            .await;
            let conditions = Conditions {
                module_resolved: (true, "Resolved", module.origin.clone()),
                schema_valid: Some((false, "CompileFailed", message)),
                established: None,
            };
            write_status(&ctx, &transform, None, Some(&digest), conditions).await?;
            return Ok(Action::await_change());
        }
    };
    let resolved = (true, "Resolved", format!("{} ({digest})", module.origin));

    // 2. The CRD, unless it would break existing instances.
    let crd = match spec_schema(&compiled)
        .and_then(|s| generated_crd(&transform, s).map_err(|e| e.to_string()))
    {
        Ok(crd) => crd,
        Err(message) => {
            let conditions = Conditions {
                module_resolved: resolved,
                schema_valid: Some((false, "InvalidSchema", message)),
                established: None,
            };
            write_status(&ctx, &transform, None, Some(&digest), conditions).await?;
            return Ok(Action::await_change());
        }
    };
    let crd_name = crd.metadata.name.clone().unwrap_or_default();
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    if let Some(existing) = crds.get_opt(&crd_name).await? {
        let breaks = breaking_changes("spec", &spec_of(&existing), &spec_of(&crd));
        if !breaks.is_empty() && has_instances(&ctx.client, &crd).await? {
            let message = format!(
                "refused: the new schema would break existing instances: {}",
                breaks
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            publish(
                &ctx,
                &transform,
                EventType::Warning,
                "SchemaChangeRefused",
                &message,
            )
            .await;
            let conditions = Conditions {
                module_resolved: resolved,
                schema_valid: Some((false, "BreakingChange", message)),
                established: None,
            };
            write_status(&ctx, &transform, Some(&crd_name), Some(&digest), conditions).await?;
            return Ok(Action::await_change());
        }
    }
    let applied = crds
        .patch(
            &crd_name,
            &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
            &Patch::Apply(&crd),
        )
        .await?;
    let established = applied
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| {
            c.iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        });
    if !established {
        let conditions = Conditions {
            module_resolved: resolved,
            schema_valid: Some((true, "Valid", "derived from #Spec".into())),
            established: Some((
                false,
                "Waiting",
                format!("{crd_name} is not established yet"),
            )),
        };
        write_status(&ctx, &transform, Some(&crd_name), Some(&digest), conditions).await?;
        return Ok(Action::requeue(Duration::from_millis(500)));
    }

    // 3. The instance controller of the kind, restarted when the module changes.
    let resource = ApiResource::from_gvk_with_plural(&gvk, &applied.spec.names.plural);
    start_instances(&ctx, &name, &gvk, resource, compiled, &digest);

    let conditions = Conditions {
        module_resolved: resolved,
        schema_valid: Some((true, "Valid", "derived from #Spec".into())),
        established: Some((true, "Established", format!("{crd_name} is established"))),
    };
    write_status(&ctx, &transform, Some(&crd_name), Some(&digest), conditions).await?;
    Ok(Action::await_change())
}

/// The module a Transform names.
pub(crate) async fn resolve(client: &Client, transform: &Transform) -> Result<Module, String> {
    let cue_ref = &transform.spec.cue_ref;
    match cue_ref.kind {
        CueRefType::Embedded => {
            let name = cue_ref
                .reference
                .as_deref()
                .ok_or("cueRef.ref names no bundled module")?;
            Module::bundled(name).map_err(|e| e.to_string())
        }
        CueRefType::Inline => {
            let source = cue_ref.inline.clone().ok_or("cueRef.inline is empty")?;
            Ok(Module {
                origin: format!("inline:{}", transform.name_any()),
                files: vec![("inline.cue".into(), source)],
            })
        }
        CueRefType::ConfigMap => {
            let reference = cue_ref
                .reference
                .as_deref()
                .ok_or("cueRef.ref names no ConfigMap")?;
            let (namespace, name) = reference
                .split_once('/')
                .ok_or_else(|| format!("cueRef.ref {reference:?} must be namespace/name"))?;
            let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
            let cm = api
                .get_opt(name)
                .await
                .map_err(|e| format!("reading ConfigMap {reference}: {e}"))?
                .ok_or_else(|| format!("ConfigMap {reference} not found"))?;
            if cm
                .labels()
                .get(pequod_api::CUE_MODULE_LABEL)
                .map(String::as_str)
                != Some("true")
            {
                return Err(format!(
                    "ConfigMap {reference} is not labelled {}=true",
                    pequod_api::CUE_MODULE_LABEL
                ));
            }
            let mut files: Vec<(String, String)> = cm
                .data
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| k.ends_with(".cue"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(format!("ConfigMap {reference} holds no .cue keys"));
            }
            Ok(Module {
                origin: format!("configmap:{reference}"),
                files,
            })
        }
    }
}

/// The `spec` schema from the module's `#Spec`.
fn spec_schema(compiled: &CompiledModule) -> Result<JSONSchemaProps, String> {
    let schema = compiled.spec_schema().map_err(|e| e.to_string())?;
    serde_json::from_value(schema).map_err(|e| format!("#Spec gives no valid OpenAPI schema: {e}"))
}

fn spec_of(crd: &CustomResourceDefinition) -> JSONSchemaProps {
    crd.spec
        .versions
        .first()
        .and_then(|v| v.schema.as_ref())
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .and_then(|s| s.properties.as_ref())
        .and_then(|p| p.get("spec"))
        .cloned()
        .unwrap_or_default()
}

async fn has_instances(client: &Client, crd: &CustomResourceDefinition) -> Result<bool, Error> {
    let Some(version) = crd.spec.versions.first() else {
        return Ok(false);
    };
    let gvk = GroupVersionKind::gvk(&crd.spec.group, &version.name, &crd.spec.names.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, &crd.spec.names.plural);
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
    match api.list_metadata(&ListParams::default().limit(1)).await {
        Ok(list) => Ok(!list.items.is_empty()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn start_instances(
    ctx: &Context,
    transform: &str,
    gvk: &GroupVersionKind,
    resource: ApiResource,
    module: Arc<CompiledModule>,
    digest: &str,
) {
    let Ok(mut running) = ctx.running.lock() else {
        return;
    };
    if running.get(gvk).is_some_and(|r| r.digest == digest) {
        return;
    }
    // Replacing the entry drops the old sender, which stops the old controller.
    let (stop, mut stopped) = watch::channel(false);
    running.insert(
        gvk.clone(),
        Running {
            digest: digest.to_owned(),
            _stop: stop,
        },
    );
    let kind = InstanceKind {
        transform: transform.to_owned(),
        resource,
        module,
    };
    let client = ctx.client.clone();
    let metrics = ctx.metrics.clone();
    let shared = ctx.shared.clone();
    let kind_name = gvk.kind.clone();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|v| *v).await;
        };
        if let Err(e) = instances::run(client, kind, metrics, shared, shutdown).await {
            tracing::warn!(kind = %kind_name, error = %e, "instance controller stopped");
        }
    });
}

async fn write_status(
    ctx: &Context,
    transform: &Transform,
    crd_name: Option<&str>,
    digest: Option<&str>,
    conditions: Conditions,
) -> Result<(), Error> {
    let generation = transform.metadata.generation;
    let previous = transform.status.clone().unwrap_or_default();
    let condition = |type_: &str, (ok, reason, message): (bool, &str, String)| {
        let status = if ok { "True" } else { "False" };
        let since = previous
            .conditions
            .iter()
            .find(|c| c.type_ == type_ && c.status == status)
            .map_or_else(
                || k8s_openapi::jiff::Timestamp::now().to_string(),
                |c| c.last_transition_time.0.to_string(),
            );
        json!({"type": type_, "status": status, "reason": reason, "message": message,
               "lastTransitionTime": since, "observedGeneration": generation})
    };
    let ready = conditions.module_resolved.0
        && conditions.schema_valid.as_ref().is_some_and(|c| c.0)
        && conditions.established.as_ref().is_some_and(|c| c.0);
    let mut list = vec![condition(
        "ModuleResolved",
        conditions.module_resolved.clone(),
    )];
    if let Some(c) = conditions.schema_valid.clone() {
        list.push(condition("SchemaValid", c));
    }
    if let Some(c) = conditions.established.clone() {
        list.push(condition("CRDEstablished", c));
    }
    let first_problem = [
        Some(conditions.module_resolved),
        conditions.schema_valid,
        conditions.established,
    ]
    .into_iter()
    .flatten()
    .find(|c| !c.0);
    list.push(match first_problem {
        None => condition("Ready", (true, "Ready", "instances are served".into())),
        Some((_, reason, message)) => condition("Ready", (false, reason, message)),
    });
    let phase = if ready {
        TransformPhase::Ready
    } else if first_problem_is_waiting(&list) {
        TransformPhase::Pending
    } else {
        TransformPhase::Failed
    };
    let status = json!({
        "phase": phase,
        "crdName": crd_name,
        "moduleDigest": digest,
        "observedGeneration": generation,
        "conditions": list,
    });
    let unchanged =
        serde_json::from_value::<TransformStatus>(status.clone()).is_ok_and(|s| s == previous);
    if unchanged {
        return Ok(());
    }
    let api: Api<Transform> = Api::all(ctx.client.clone());
    let patch = json!({"apiVersion": "pequod.io/v1alpha1", "kind": "Transform", "status": status});
    api.patch_status(
        &transform.name_any(),
        &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(())
}

fn first_problem_is_waiting(conditions: &[serde_json::Value]) -> bool {
    conditions.iter().any(|c| c["reason"] == "Waiting")
}

async fn publish(ctx: &Context, transform: &Transform, type_: EventType, reason: &str, note: &str) {
    let event = Event {
        type_,
        reason: reason.to_owned(),
        note: Some(note.to_owned()),
        action: "Reconcile".to_owned(),
        secondary: None,
    };
    if let Err(e) = ctx
        .recorder
        .publish(&event, &transform.object_ref(&()))
        .await
    {
        tracing::warn!(error = %e, reason, "recording an event failed");
    }
}
