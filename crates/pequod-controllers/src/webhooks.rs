//! Pequod's validating admission webhooks: a Transform whose module does not
//! compile (or whose kind is not a valid Kubernetes kind), and an instance
//! its module's policy rejects, are refused at `kubectl apply` time with the
//! module's message.
//!
//! [`server`] builds the handlers on `pequod-runtime`'s webhook server;
//! [`keep_registered`] keeps the `ValidatingWebhookConfiguration` that
//! routes Transforms and every published kind to them in step with the
//! Transforms in the cluster.

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::admission::{AdmissionRequest, Operation};
use kube::runtime::watcher;
use kube::{Client, ResourceExt};
use pequod_api::Transform;
use pequod_runtime::metrics::Metrics;
use pequod_runtime::webhook::WebhookServer;
use serde_json::{Value, json};

use crate::instance::render::RenderInput;
use crate::transform::ModuleCache;
use crate::transform::controller::resolve;
use crate::transform::crd::{generated_crd, pluralize};

/// Where Transforms are validated.
pub const TRANSFORM_PATH: &str = "/validate-pequod-io-v1alpha1-transform";
/// Where instances of published kinds are validated.
pub const INSTANCE_PATH: &str = "/validate-pequod-io-instance";
/// The `ValidatingWebhookConfiguration` Pequod keeps.
pub const CONFIGURATION_NAME: &str = "pequod-validating-webhook-configuration";

struct Validator {
    client: Client,
    cache: ModuleCache,
    metrics: Metrics,
}

/// The webhook handlers, ready to start.
pub fn server(client: Client, metrics: Metrics) -> WebhookServer {
    let validator = Arc::new(Validator {
        client,
        cache: ModuleCache::from_env(),
        metrics,
    });
    let transforms = Arc::clone(&validator);
    let instances = validator;
    WebhookServer::new()
        .validate(TRANSFORM_PATH, move |request| {
            let v = Arc::clone(&transforms);
            async move { v.transform(request).await }
        })
        .validate(INSTANCE_PATH, move |request| {
            let v = Arc::clone(&instances);
            async move { v.instance(request).await }
        })
}

fn written(request: &AdmissionRequest<DynamicObject>) -> Option<Value> {
    if matches!(request.operation, Operation::Delete | Operation::Connect) {
        return None;
    }
    request
        .object
        .as_ref()
        .and_then(|o| serde_json::to_value(o).ok())
}

impl Validator {
    async fn transform(&self, request: AdmissionRequest<DynamicObject>) -> Result<(), String> {
        let Some(object) = written(&request) else {
            return Ok(());
        };
        let transform: Transform =
            serde_json::from_value(object).map_err(|e| format!("not a valid Transform: {e}"))?;
        let name = transform.name_any();
        generated_crd(&transform, JSONSchemaProps::default())
            .map_err(|e| format!("Transform {name}: {e}"))?;
        let module = resolve(&self.client, &transform)
            .await
            .map_err(|e| format!("Transform {name}: {e}"))?;
        let compiled = self
            .cache
            .get_or_compile(&module, &self.metrics)
            .map_err(|e| format!("Transform {name}: {e}"))?;
        compiled
            .spec_schema()
            .map_err(|e| format!("Transform {name}: {e}"))?;
        Ok(())
    }

    async fn instance(&self, request: AdmissionRequest<DynamicObject>) -> Result<(), String> {
        let Some(object) = written(&request) else {
            return Ok(());
        };
        let kind = &request.kind;
        let transforms = Api::<Transform>::all(self.client.clone())
            .list(&ListParams::default())
            .await
            .map_err(|e| format!("listing Transforms: {e}"))?;
        let Some(transform) = transforms.items.into_iter().find(|t| {
            t.spec.group == kind.group && t.spec.version == kind.version && t.spec.kind == kind.kind
        }) else {
            // Not a published kind (any more): nothing of Pequod's to check.
            return Ok(());
        };
        let module = resolve(&self.client, &transform).await?;
        let compiled = self.cache.get_or_compile(&module, &self.metrics)?;
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let rendered = compiled
            .render(&RenderInput {
                instance: object,
                ..RenderInput::default()
            })
            .map_err(|e| e.to_string())?;
        if rendered.violations.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} {name} violates the policy of module {}: {}",
                kind.kind,
                module.origin,
                rendered.violations.join("; ")
            ))
        }
    }
}

/// How the API server reaches the webhook server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A URL (`https://host:port`), for webhooks outside the cluster.
    Url(String),
    /// A Service in the cluster, on port 443.
    Service {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
}

impl Endpoint {
    fn client_config(&self, path: &str, ca_bundle: Option<&str>) -> Value {
        let mut config = match self {
            Endpoint::Url(base) => {
                json!({ "url": format!("{}{path}", base.trim_end_matches('/')) })
            }
            Endpoint::Service { namespace, name } => {
                json!({ "service": { "namespace": namespace, "name": name, "path": path, "port": 443 } })
            }
        };
        if let Some(ca) = ca_bundle {
            use base64::Engine as _;
            config["caBundle"] = json!(base64::engine::general_purpose::STANDARD.encode(ca));
        }
        config
    }
}

fn webhook(name: &str, client_config: Value, rules: Vec<Value>) -> Value {
    json!({
        "name": name,
        "clientConfig": client_config,
        "rules": rules,
        "failurePolicy": "Fail",
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "timeoutSeconds": 10,
    })
}

fn rule(group: &str, version: &str, resource: &str) -> Value {
    json!({
        "apiGroups": [group],
        "apiVersions": [version],
        "resources": [resource],
        "operations": ["CREATE", "UPDATE"],
        "scope": "*",
    })
}

/// The configuration routing Transforms and the kinds `transforms` publish
/// to the webhook server at `endpoint`.
pub fn configuration(
    endpoint: &Endpoint,
    ca_bundle: Option<&str>,
    transforms: &[Transform],
) -> Value {
    let mut instance_rules: Vec<Value> = transforms
        .iter()
        .map(|t| {
            let plural = t
                .spec
                .plural
                .clone()
                .unwrap_or_else(|| pluralize(&t.spec.kind.to_ascii_lowercase()));
            rule(&t.spec.group, &t.spec.version, &plural)
        })
        .collect();
    instance_rules.sort_by_key(Value::to_string);
    instance_rules.dedup();
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": { "name": CONFIGURATION_NAME, "labels": { "app.kubernetes.io/name": "pequod" } },
        "webhooks": [
            webhook(
                "transforms.pequod.io",
                endpoint.client_config(TRANSFORM_PATH, ca_bundle),
                vec![rule(pequod_api::GROUP, "v1alpha1", "transforms")],
            ),
            webhook(
                "instances.pequod.io",
                endpoint.client_config(INSTANCE_PATH, ca_bundle),
                instance_rules,
            ),
        ],
    })
}

/// Applies the configuration for the Transforms in the cluster now.
pub async fn register(
    client: &Client,
    endpoint: &Endpoint,
    ca_bundle: Option<&str>,
) -> Result<(), kube::Error> {
    let transforms = Api::<Transform>::all(client.clone())
        .list(&ListParams::default())
        .await?
        .items;
    let config = configuration(endpoint, ca_bundle, &transforms);
    Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .patch(
            CONFIGURATION_NAME,
            &PatchParams::apply(pequod_api::FIELD_MANAGER).force(),
            &Patch::Apply(&config),
        )
        .await?;
    Ok(())
}

/// Re-applies the configuration whenever a Transform changes, until the
/// task is aborted.
pub fn keep_registered(
    client: Client,
    endpoint: Endpoint,
    ca_bundle: Option<String>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let api = Api::<Transform>::all(client.clone());
        let mut events = std::pin::pin!(watcher(api, watcher::Config::default()));
        while let Some(event) = events.next().await {
            if matches!(
                event,
                Ok(watcher::Event::Init | watcher::Event::InitApply(_)) | Err(_)
            ) {
                continue;
            }
            if let Err(error) = register(&client, &endpoint, ca_bundle.as_deref()).await {
                tracing::warn!(%error, "updating the webhook configuration failed");
            }
        }
    })
}
