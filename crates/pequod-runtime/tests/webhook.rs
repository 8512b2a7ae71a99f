//! The admission webhook server, called by the real kube-apiserver.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::ByteString;
use k8s_openapi::api::admissionregistration::v1::{
    RuleWithOperations, ValidatingWebhook, ValidatingWebhookConfiguration, WebhookClientConfig,
};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{DeleteParams, ObjectMeta, PostParams};
use kube::{Api, Client};
use pequod_runtime::webhook::{Tls, WebhookServer, write_self_signed};
use pequod_testing::{TestCluster, unique_name};
use tokio::sync::oneshot;

fn config_map(name: &str, key: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([(key.to_owned(), "v".to_owned())])),
        ..ConfigMap::default()
    }
}

/// Registers `url` as a validating webhook for ConfigMap creates in `ns`.
async fn register(client: &Client, ns: &str, url: String, ca: &str) -> String {
    let name = unique_name("rt-webhook");
    let config = ValidatingWebhookConfiguration {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            ..ObjectMeta::default()
        },
        webhooks: Some(vec![ValidatingWebhook {
            name: "configmaps.runtime.pequod.io".to_owned(),
            admission_review_versions: vec!["v1".to_owned()],
            side_effects: "None".to_owned(),
            failure_policy: Some("Fail".to_owned()),
            timeout_seconds: Some(5),
            client_config: WebhookClientConfig {
                url: Some(url),
                ca_bundle: Some(ByteString(ca.as_bytes().to_vec())),
                service: None,
            },
            namespace_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    "kubernetes.io/metadata.name".to_owned(),
                    ns.to_owned(),
                )])),
                ..LabelSelector::default()
            }),
            rules: Some(vec![RuleWithOperations {
                api_groups: Some(vec![String::new()]),
                api_versions: Some(vec!["v1".to_owned()]),
                operations: Some(vec!["CREATE".to_owned()]),
                resources: Some(vec!["configmaps".to_owned()]),
                scope: Some("Namespaced".to_owned()),
            }]),
            ..ValidatingWebhook::default()
        }]),
    };
    Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .create(&PostParams::default(), &config)
        .await
        .unwrap();
    name
}

fn server() -> WebhookServer {
    WebhookServer::new().validate("/validate-configmap", |request| async move {
        let forbidden = request
            .object
            .as_ref()
            .and_then(|o| o.data.get("data"))
            .and_then(|d| d.get("forbidden"))
            .is_some();
        if forbidden {
            Err("the key \"forbidden\" is not allowed by policy".to_owned())
        } else {
            Ok(())
        }
    })
}

/// Creates `cm` until the new webhook configuration has propagated to the
/// API server's admission chain (it loads configurations asynchronously, so
/// the first creates may still pass unchecked: those objects are deleted
/// and the create tried again), and returns the first answer that came
/// through the webhook, or the last one after 30 s.
async fn create_eventually(api: &Api<ConfigMap>, cm: &ConfigMap) -> Result<ConfigMap, kube::Error> {
    let name = cm.metadata.name.clone().unwrap_or_default();
    let mut last = api.create(&PostParams::default(), cm).await;
    for _ in 0..300 {
        match &last {
            Err(kube::Error::Api(s)) if s.message.contains("not allowed by policy") => return last,
            Ok(_) => {
                // Slipped through before the webhook was active.
                let _ = api.delete(&name, &DeleteParams::default()).await;
            }
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        last = api.create(&PostParams::default(), cm).await;
    }
    last
}

async fn check_rejection(tls: &Arc<Tls>, ca: &str) {
    let cluster = TestCluster::kube_apiserver().unwrap();
    let client = cluster.client().await.unwrap();
    let ns = cluster
        .create_namespace(&client, "rt-webhook")
        .await
        .unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = server()
        .start("127.0.0.1:0".parse().unwrap(), tls, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    let url = format!("https://{}/validate-configmap", running.local_addr());
    let config = register(&client, &ns, url, ca).await;
    let api = Api::<ConfigMap>::namespaced(client.clone(), &ns);

    // The webhook sees every create; a bad object is rejected with its message.
    let rejected = create_eventually(&api, &config_map("bad", "forbidden")).await;
    match rejected {
        Err(kube::Error::Api(status)) => {
            assert!(
                status.message.contains("not allowed by policy"),
                "{status:?}"
            );
            assert!(status.message.contains("admission webhook"), "{status:?}");
        }
        other => panic!("not rejected: {other:?}"),
    }
    api.create(&PostParams::default(), &config_map("good", "fine"))
        .await
        .unwrap();

    Api::<ValidatingWebhookConfiguration>::all(client)
        .delete(&config, &DeleteParams::default())
        .await
        .unwrap();
    stop.send(()).unwrap();
    running.wait().await.unwrap();
}

#[tokio::test]
async fn generated_certificates_serve_the_api_server() {
    let tls = Tls::self_signed(&["127.0.0.1".to_owned()]).unwrap();
    let ca = tls.ca_bundle().unwrap().to_owned();
    check_rejection(&tls, &ca).await;
}

#[tokio::test]
async fn certificates_from_a_directory_are_reloaded_when_rotated() {
    let dir = std::env::temp_dir().join(unique_name("rt-webhook-certs"));
    std::fs::create_dir_all(&dir).unwrap();
    let first_ca = write_self_signed(&dir, &["127.0.0.1".to_owned()]).unwrap();
    let tls = Tls::from_dir(&dir).unwrap();
    assert!(tls.ca_bundle().is_none());
    assert!(!tls.reload().unwrap(), "nothing changed yet");
    // Rotate: a new pair from a new CA; the old CA no longer verifies it.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second_ca = write_self_signed(&dir, &["127.0.0.1".to_owned()]).unwrap();
    assert_ne!(first_ca, second_ca);
    assert!(tls.reload().unwrap(), "rotation noticed");
    check_rejection(&tls, &second_ca).await;
    std::fs::remove_dir_all(&dir).unwrap();
}
