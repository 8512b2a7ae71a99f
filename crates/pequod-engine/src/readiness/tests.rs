use serde_json::{Value, json};

use super::{Readiness, ReadinessRules, ReadinessStatus, evaluate, evaluate_with};

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "generation": 2},
        "spec": {"replicas": 2, "progressDeadlineSeconds": 600},
        "status": {
            "observedGeneration": 2,
            "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2,
            "conditions": [
                {"type": "Available", "status": "True"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}
            ]
        }
    })
}

#[test]
fn a_rolled_out_deployment_is_ready() {
    assert!(evaluate(&deployment()).is_ready());
}

#[test]
fn malformed_objects_are_in_progress_with_the_field_named() {
    let cases = [
        (json!(null), "not a JSON object"),
        (json!([1, 2]), "not a JSON object"),
        (json!({"apiVersion": "v1"}), "no kind"),
        (json!({"apiVersion": "v1", "kind": 3}), "kind is an integer"),
        (
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "status": "broken"}),
            "status is a string, expected an object",
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "status": {"replicas": "2"}}),
            "status.replicas is a string, expected an integer",
        ),
        (
            json!({"apiVersion": "x.io/v1", "kind": "Thing", "status": {"conditions": [{"status": "True"}]}}),
            "status.conditions[0] has no type",
        ),
        (
            json!({"apiVersion": "x.io/v1", "kind": "Thing", "status": {"conditions": {"type": "Ready"}}}),
            "status.conditions is an object, expected an array",
        ),
        (
            json!({"apiVersion": "v1", "kind": "Pod", "status": {"phase": "Running",
                "containerStatuses": [{"name": "a", "state": {"waiting": 7}}]}}),
            "status.containerStatuses[0]: state.waiting is an integer, expected an object",
        ),
    ];
    for (object, fragment) in cases {
        let verdict = evaluate(&object);
        assert_eq!(verdict.status, ReadinessStatus::InProgress, "{object}");
        assert_eq!(verdict.reason, "MalformedObject", "{object}");
        assert!(
            verdict.message.contains(fragment),
            "{:?} lacks {fragment:?}",
            verdict.message
        );
    }
}

#[test]
fn an_override_replaces_the_built_in_rules_but_not_termination() {
    let mut object = deployment();
    object["status"]["readyReplicas"] = json!(0);
    assert!(!evaluate(&object).is_ready());
    let always = |_: &Value| Readiness::ready("ReadyWhen", "all readyWhen expressions hold");
    assert!(evaluate_with(&object, Some(&always)).is_ready());

    object["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
    let verdict = evaluate_with(&object, Some(&always));
    assert_eq!(verdict.reason, "Terminating");
}

#[test]
fn rules_can_require_a_ready_condition_and_name_terminal_reasons() {
    // A custom resource waits for its controller's Ready condition by default;
    // plain kstatus rules call it current, and a listed kind waits again.
    let bare = json!({"apiVersion": "platform.pequod.io/v1alpha1", "kind": "WebService", "metadata": {"name": "x"}});
    assert_eq!(evaluate(&bare).reason, "NoReadyCondition");
    assert!(ReadinessRules::empty().evaluate(&bare).is_ready());
    let rules = ReadinessRules::empty().require_ready_condition("platform.pequod.io", "WebService");
    assert_eq!(rules.evaluate(&bare).reason, "NoReadyCondition");
    // Kubernetes' own kinds without a rule of their own are ready once they exist.
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"}});
    assert!(evaluate(&role).is_ready());

    let broken = json!({"apiVersion": "db.example.com/v1", "kind": "Cluster", "status": {
        "conditions": [{"type": "Ready", "status": "False", "reason": "QuotaExceeded", "message": "no room"}]}});
    assert_eq!(evaluate(&broken).status, ReadinessStatus::InProgress);
    let rules = ReadinessRules::empty().terminal_reason("QuotaExceeded");
    assert_eq!(
        rules.evaluate(&broken),
        Readiness::failed("QuotaExceeded", "no room")
    );
}

#[test]
fn dispatch_is_group_aware() {
    // A custom kind named Deployment follows the generic rule, not the apps one.
    let custom =
        json!({"apiVersion": "example.com/v1", "kind": "Deployment", "spec": {"replicas": 3}});
    assert_eq!(evaluate(&custom).reason, "NoReadyCondition");
    let legacy =
        json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment", "spec": {"replicas": 3}});
    assert_eq!(evaluate(&legacy).reason, "LessReplicas");
}

#[test]
fn readiness_serializes_for_status_fields() {
    let verdict = Readiness::failed("JobFailed", "boom");
    let text = serde_json::to_string(&verdict).unwrap();
    assert_eq!(
        text,
        r#"{"status":"Failed","reason":"JobFailed","message":"boom"}"#
    );
    assert_eq!(ReadinessStatus::InProgress.to_string(), "InProgress");
}
