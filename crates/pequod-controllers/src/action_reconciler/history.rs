//! Reconciliation records: one per attempt, owned by the object, the oldest
//! pruned beyond the ActionReconciler's `historyLimit`.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, DynamicObject, ListParams, PostParams};
use kube::{Api, Client, ResourceExt};
use pequod_api::{
    Operation, ReconcileResult, Reconciliation, ReconciliationSpec, ResourceRef, Trigger,
};

/// One finished attempt, to be recorded.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// What started it.
    pub trigger: Trigger,
    /// Which action ran.
    pub operation: Operation,
    /// When it started.
    pub started: Timestamp,
    /// When it ended.
    pub ended: Timestamp,
    /// How it ended.
    pub result: ReconcileResult,
    /// One line.
    pub message: String,
    /// What the action printed (its tail).
    pub output: String,
}

/// The labels that tie a record to its object: kind and uid always, the name
/// when it is a valid label value.
pub fn labels(kind: &str, name: &str, uid: &str) -> std::collections::BTreeMap<String, String> {
    let mut labels = std::collections::BTreeMap::from([
        (pequod_api::RESOURCE_KIND_LABEL.to_owned(), kind.to_owned()),
        (pequod_api::RESOURCE_UID_LABEL.to_owned(), uid.to_owned()),
    ]);
    if name.len() <= 63 {
        labels.insert(pequod_api::RESOURCE_NAME_LABEL.to_owned(), name.to_owned());
    }
    labels
}

/// Records `attempt` on `object` in `namespace`, then deletes the oldest
/// records of the object beyond `limit`.
pub async fn record(
    client: &Client,
    namespace: &str,
    object: &DynamicObject,
    attempt: &Attempt,
    limit: usize,
) -> Result<(), kube::Error> {
    let api: Api<Reconciliation> = Api::namespaced(client.clone(), namespace);
    let types = object.types.clone().unwrap_or_default();
    let name = object.name_any();
    let uid = object.uid().unwrap_or_default();
    let prefix: String = name.chars().take(52).collect();
    let record = Reconciliation {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}-", prefix.trim_end_matches(['-', '.']))),
            namespace: Some(namespace.to_owned()),
            labels: Some(labels(&types.kind, &name, &uid)),
            owner_references: Some(vec![OwnerReference {
                api_version: types.api_version.clone(),
                kind: types.kind.clone(),
                name: name.clone(),
                uid: uid.clone(),
                controller: Some(false),
                block_owner_deletion: None,
            }]),
            ..ObjectMeta::default()
        },
        spec: ReconciliationSpec {
            resource: ResourceRef {
                api_version: types.api_version,
                kind: types.kind,
                name,
                namespace: object.namespace(),
                uid: uid.clone(),
            },
            trigger: attempt.trigger,
            operation: attempt.operation,
            generation: object.metadata.generation,
            start_time: Time(attempt.started),
            completion_time: Time(attempt.ended),
            duration: format_duration(attempt.ended.duration_since(attempt.started)),
            result: attempt.result,
            message: attempt.message.clone(),
            output: attempt.output.clone(),
        },
    };
    api.create(&PostParams::default(), &record).await?;
    prune(&api, &uid, limit).await
}

/// Deletes the oldest records of the object with `uid` beyond `limit`.
async fn prune(api: &Api<Reconciliation>, uid: &str, limit: usize) -> Result<(), kube::Error> {
    let selector = format!("{}={uid}", pequod_api::RESOURCE_UID_LABEL);
    let mut records = api
        .list(&ListParams::default().labels(&selector))
        .await?
        .items;
    if records.len() <= limit {
        return Ok(());
    }
    records.sort_by(|a, b| {
        (&a.spec.start_time.0, a.metadata.creation_timestamp.as_ref())
            .cmp(&(&b.spec.start_time.0, b.metadata.creation_timestamp.as_ref()))
    });
    let excess = records.len() - limit;
    for old in records.into_iter().take(excess) {
        match api.delete(&old.name_any(), &DeleteParams::default()).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `850ms`, `12.3s`, `4m12s`.
pub fn format_duration(d: k8s_openapi::jiff::SignedDuration) -> String {
    let d = Duration::try_from(d).unwrap_or_default();
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if d.as_secs() < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        let s = d.as_secs();
        if s < 3600 {
            format!("{}m{}s", s / 60, s % 60)
        } else {
            format!("{}h{}m", s / 3600, (s % 3600) / 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::jiff::SignedDuration;

    use super::{format_duration, labels};

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(SignedDuration::from_millis(850)), "850ms");
        assert_eq!(
            format_duration(SignedDuration::from_millis(12_340)),
            "12.3s"
        );
        assert_eq!(format_duration(SignedDuration::from_secs(252)), "4m12s");
        assert_eq!(format_duration(SignedDuration::from_secs(7260)), "2h1m");
        assert_eq!(format_duration(SignedDuration::from_secs(-3)), "0ms");
    }

    #[test]
    fn long_names_are_not_labels() {
        assert!(labels("DatabaseCluster", "pg", "u").contains_key("pequod.io/resource-name"));
        let long = "x".repeat(64);
        assert!(!labels("DatabaseCluster", &long, "u").contains_key("pequod.io/resource-name"));
    }
}
