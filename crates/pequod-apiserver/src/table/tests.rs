//! Expected tables are those kube-apiserver returns for the same objects
//! (shapes from apiextensions-apiserver's tableconvertor and the printers in
//! pkg/printers/internalversion).

use super::*;

fn now() -> Timestamp {
    "2024-05-01T12:00:00Z".parse().unwrap()
}

fn names(columns: &[Column]) -> Vec<(&str, i64)> {
    columns
        .iter()
        .map(|c| (c.name.as_str(), c.priority))
        .collect()
}

fn cells(columns: &[Column], obj: Value) -> Vec<Value> {
    let t = table_at(columns, &[obj], IncludeObject::None, json!({}), now());
    t["rows"][0]["cells"].as_array().unwrap().clone()
}

fn widget() -> Value {
    json!({
        "apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1", "namespace": "default", "creationTimestamp": "2024-05-01T11:55:00Z", "resourceVersion": "7"},
        "spec": {"replicas": 3, "size": 2.5, "enabled": true, "tags": ["a", "b"]},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}
    })
}

#[test]
fn crd_without_columns_gets_name_and_age() {
    let columns = crd_columns(&json!([]));
    let t = table_at(
        &columns,
        &[widget()],
        IncludeObject::Metadata,
        json!({"resourceVersion": "9"}),
        now(),
    );
    assert_eq!(
        t,
        json!({
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": "9"},
            "columnDefinitions": [
                {"name": "Name", "type": "string", "format": "name", "description": NAME_DESCRIPTION, "priority": 0},
                {"name": "Age", "type": "date", "format": "", "description": CREATION_TIMESTAMP_DESCRIPTION, "priority": 0}
            ],
            "rows": [{
                "cells": ["w1", "5m"],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": widget()["metadata"].clone()
                }
            }]
        })
    );
}

#[test]
fn crd_printer_columns_convert_by_type() {
    let columns = crd_columns(&json!([
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status", "priority": 1},
        {"name": "Size", "type": "number", "jsonPath": ".spec.size", "description": "how big"},
        {"name": "Enabled", "type": "boolean", "jsonPath": ".spec.enabled"},
        {"name": "Tags", "type": "string", "jsonPath": ".spec.tags"},
        {"name": "Missing", "type": "string", "jsonPath": ".status.nothing"},
        {"name": "Created", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
    ]));
    assert_eq!(
        names(&columns),
        vec![
            ("Name", 0),
            ("Replicas", 0),
            ("Ready", 1),
            ("Size", 0),
            ("Enabled", 0),
            ("Tags", 0),
            ("Missing", 0),
            ("Created", 0)
        ]
    );
    assert_eq!(
        columns[1].description,
        "Custom resource definition column (in JSONPath format): .spec.replicas"
    );
    assert_eq!(columns[3].description, "how big");
    assert_eq!(
        cells(&columns, widget()),
        vec![
            json!("w1"),
            json!(3),
            json!("True"),
            json!(2.5),
            json!(true),
            json!("[\"a\",\"b\"]"),
            Value::Null,
            json!("5m")
        ]
    );
}

#[test]
fn include_object_variants() {
    let columns = crd_columns(&json!([]));
    let none = table_at(&columns, &[widget()], IncludeObject::None, json!({}), now());
    assert_eq!(none["rows"][0]["object"], Value::Null);
    let full = table_at(
        &columns,
        &[widget()],
        IncludeObject::Object,
        json!({}),
        now(),
    );
    assert_eq!(full["rows"][0]["object"], widget());
    assert_eq!(
        IncludeObject::from_param(None).unwrap(),
        IncludeObject::Metadata
    );
    assert_eq!(
        IncludeObject::from_param(Some("None")).unwrap(),
        IncludeObject::None
    );
    assert_eq!(
        IncludeObject::from_param(Some("All"))
            .unwrap_err()
            .to_string(),
        "Unable to convert to Table as requested: includeObject: Invalid value: \"All\": must be 'Metadata', 'Object', 'None', or empty"
    );
    let mut t = table_at(
        &columns,
        &[],
        IncludeObject::Metadata,
        json!({"resourceVersion": "3"}),
        now(),
    );
    assert_eq!(t["rows"], json!([]));
    omit_headers(&mut t);
    assert_eq!(t["columnDefinitions"], Value::Null);
}

#[test]
fn default_table_convertor_kinds_print_created_at() {
    let columns = builtin_columns("rbac.authorization.k8s.io", "ClusterRole");
    assert_eq!(names(&columns), vec![("Name", 0), ("Created At", 0)]);
    assert_eq!(columns[1].type_, "date");
    let role = json!({"metadata": {"name": "admin", "creationTimestamp": "2024-05-01T11:00:00Z"}});
    assert_eq!(
        cells(&columns, role),
        vec![json!("admin"), json!("2024-05-01T11:00:00Z")]
    );
    assert_eq!(names(&builtin_columns("", "LimitRange"))[1].0, "Created At");
}

#[test]
fn crd_printer_orders_versions_by_priority() {
    let columns = builtin_columns("apiextensions.k8s.io", "CustomResourceDefinition");
    let crd = json!({
        "metadata": {"name": "things.example.com", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"kind": "Thing", "shortNames": ["th", "thg"]},
                 "versions": [
                     {"name": "v1alpha1", "served": false, "storage": false},
                     {"name": "v1beta1", "served": true, "storage": false},
                     {"name": "v2beta3", "served": true, "storage": false},
                     {"name": "v1", "served": true, "storage": true}
                 ]},
        "status": {"conditions": [{"type": "Established", "status": "True"}]}
    });
    assert_eq!(
        cells(&columns, crd),
        vec![
            json!("things.example.com"),
            json!("Namespaced"),
            json!("v1(storage),v2beta3,v1beta1"),
            json!("2024-05-01T11:00:00Z"),
            json!("example.com"),
            json!("Thing"),
            json!("th,thg"),
            json!(true)
        ]
    );
}

#[test]
fn unknown_kinds_print_name_and_age() {
    let columns = builtin_columns("example.com", "Thing");
    assert_eq!(names(&columns), vec![("Name", 0), ("Age", 0)]);
    assert_eq!(
        cells(&columns, json!({"metadata": {"name": "x"}})),
        vec![json!("x"), json!("<unknown>")]
    );
}

#[test]
fn namespace_configmap_secret_serviceaccount() {
    let ns = json!({"metadata": {"name": "prod", "creationTimestamp": "2024-05-01T10:00:00Z"}, "status": {"phase": "Active"}});
    assert_eq!(
        cells(&builtin_columns("", "Namespace"), ns),
        vec![json!("prod"), json!("Active"), json!("120m")]
    );
    let cm = json!({"metadata": {"name": "c", "creationTimestamp": "2024-04-29T12:00:00Z"}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
    assert_eq!(
        cells(&builtin_columns("", "ConfigMap"), cm),
        vec![json!("c"), json!(3), json!("2d")]
    );
    let secret = json!({"metadata": {"name": "s"}, "type": "Opaque", "data": {"k": "dg=="}});
    let columns = builtin_columns("", "Secret");
    assert_eq!(
        names(&columns),
        vec![("Name", 0), ("Type", 0), ("Data", 0), ("Age", 0)]
    );
    assert_eq!(
        cells(&columns, secret),
        vec![json!("s"), json!("Opaque"), json!(1), json!("<unknown>")]
    );
    // ServiceAccounts print only Name and Age (no Secrets column any more).
    assert_eq!(
        names(&builtin_columns("", "ServiceAccount")),
        vec![("Name", 0), ("Age", 0)]
    );
}

#[test]
fn service_columns_and_cells() {
    let columns = builtin_columns("", "Service");
    assert_eq!(
        names(&columns),
        vec![
            ("Name", 0),
            ("Type", 0),
            ("Cluster-IP", 0),
            ("External-IP", 0),
            ("Port(s)", 0),
            ("Age", 0),
            ("Selector", 1)
        ]
    );
    let svc = json!({
        "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "selector": {"b": "2", "a": "1"},
                  "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080}, {"port": 53, "protocol": "UDP"}]}
    });
    assert_eq!(
        cells(&columns, svc),
        vec![
            json!("web"),
            json!("NodePort"),
            json!("10.96.0.10"),
            json!("<none>"),
            json!("80:30080/TCP,53/UDP"),
            json!("<unknown>"),
            json!("a=1,b=2")
        ]
    );
    let lb = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1", "ports": [{"port": 443, "protocol": "TCP"}]}});
    assert_eq!(cells(&columns, lb.clone())[3], json!("<pending>"));
    let mut ready = lb;
    ready["status"] = json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}});
    assert_eq!(cells(&columns, ready)[3], json!("127.0.0.1"));
}

#[test]
fn pod_running_and_wide() {
    let columns = builtin_columns("", "Pod");
    assert_eq!(
        names(&columns),
        vec![
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1)
        ]
    );
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-0", "creationTimestamp": "2024-05-01T11:59:30Z"},
        "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
        "status": {"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}], "containerStatuses": [
            {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}},
            {"name": "b", "ready": false, "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"finishedAt": "2024-05-01T11:58:00Z"}}}
        ]}
    });
    assert_eq!(
        cells(&columns, pod),
        vec![
            json!("web-0"),
            json!("1/2"),
            json!("CrashLoopBackOff"),
            json!("2 (2m ago)"),
            json!("30s"),
            json!("10.0.0.5"),
            json!("<none>"),
            json!("<none>"),
            json!("<none>")
        ]
    );
}

#[test]
fn pod_init_and_completed_rows() {
    let columns = builtin_columns("", "Pod");
    let init = json!({
        "metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "c"}]},
        "status": {"phase": "Pending", "initContainerStatuses": [
            {"name": "i1", "state": {"terminated": {"exitCode": 0}}},
            {"name": "i2", "state": {"running": {}}}
        ]}
    });
    assert_eq!(cells(&columns, init)[2], json!("Init:1/2"));
    let done = json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Succeeded", "containerStatuses": [{"name": "c", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
    });
    let t = table_at(&columns, &[done], IncludeObject::None, json!({}), now());
    assert_eq!(t["rows"][0]["cells"][1], json!("0/1"));
    assert_eq!(t["rows"][0]["cells"][2], json!("Completed"));
    assert_eq!(
        t["rows"][0]["conditions"],
        json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}])
    );
}

#[test]
fn deployment_and_replica_set() {
    let columns = builtin_columns("apps", "Deployment");
    assert_eq!(
        names(&columns),
        vec![
            ("Name", 0),
            ("Ready", 0),
            ("Up-to-date", 0),
            ("Available", 0),
            ("Age", 0),
            ("Containers", 1),
            ("Images", 1),
            ("Selector", 1)
        ]
    );
    let deploy = json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}, {"name": "side", "image": "busybox"}]}}},
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
    });
    assert_eq!(
        cells(&columns, deploy.clone()),
        vec![
            json!("web"),
            json!("2/3"),
            json!(3),
            json!(2),
            json!("<unknown>"),
            json!("nginx,side"),
            json!("nginx:1.27,busybox"),
            json!("app=web")
        ]
    );
    let rs = builtin_columns("apps", "ReplicaSet");
    assert_eq!(
        cells(&rs, deploy),
        vec![
            json!("web"),
            json!(3),
            json!(0),
            json!(2),
            json!("<unknown>"),
            json!("nginx,side"),
            json!("nginx:1.27,busybox"),
            json!("app=web")
        ]
    );
}

#[test]
fn statefulset_and_daemonset() {
    let sts = json!({"metadata": {"name": "db"}, "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "pg", "image": "postgres"}]}}}, "status": {"readyReplicas": 2}});
    assert_eq!(
        cells(&builtin_columns("apps", "StatefulSet"), sts),
        vec![
            json!("db"),
            json!("2/2"),
            json!("<unknown>"),
            json!("pg"),
            json!("postgres")
        ]
    );
    let ds_columns = builtin_columns("apps", "DaemonSet");
    assert_eq!(
        ds_columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec![
            "Name",
            "Desired",
            "Current",
            "Ready",
            "Up-to-date",
            "Available",
            "Node Selector",
            "Age",
            "Containers",
            "Images",
            "Selector"
        ]
    );
    let ds = json!({"metadata": {"name": "agent"}, "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}, "containers": []}}},
                    "status": {"desiredNumberScheduled": 1, "currentNumberScheduled": 1, "numberReady": 1, "updatedNumberScheduled": 1, "numberAvailable": 1}});
    let got = cells(&ds_columns, ds);
    assert_eq!(
        got[1..7].to_vec(),
        vec![
            json!(1),
            json!(1),
            json!(1),
            json!(1),
            json!(1),
            json!("kubernetes.io/os=linux")
        ]
    );
}

#[test]
fn job_and_cronjob() {
    let columns = builtin_columns("batch", "Job");
    assert_eq!(
        names(&columns),
        vec![
            ("Name", 0),
            ("Status", 0),
            ("Completions", 0),
            ("Duration", 0),
            ("Age", 0),
            ("Containers", 1),
            ("Images", 1),
            ("Selector", 1)
        ]
    );
    let job = json!({
        "metadata": {"name": "migrate"},
        "spec": {"completions": 1, "template": {"spec": {"containers": [{"name": "m", "image": "tool"}]}}},
        "status": {"succeeded": 1, "startTime": "2024-05-01T11:00:00Z", "completionTime": "2024-05-01T11:00:42Z",
                   "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}
    });
    let got = cells(&columns, job);
    assert_eq!(
        got[1..4].to_vec(),
        vec![json!("Complete"), json!("1/1"), json!("42s")]
    );
    let running = json!({"metadata": {"name": "j"}, "spec": {"parallelism": 3}, "status": {}});
    assert_eq!(
        cells(&columns, running)[1..4].to_vec(),
        vec![json!("Running"), json!("0/1 of 3"), json!("")]
    );

    let cron = builtin_columns("batch", "CronJob");
    let cj = json!({"metadata": {"name": "nightly"}, "spec": {"schedule": "0 2 * * *", "suspend": false,
        "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "backup"}]}}}}}});
    assert_eq!(
        cells(&cron, cj),
        vec![
            json!("nightly"),
            json!("0 2 * * *"),
            json!("<none>"),
            json!("False"),
            json!(0),
            json!("<none>"),
            json!("<unknown>"),
            json!("b"),
            json!("backup"),
            json!("<none>")
        ]
    );
}

#[test]
fn pvc_ingress_networkpolicy() {
    let pvc = json!({"metadata": {"name": "data"}, "spec": {"volumeName": "pv-1", "storageClassName": "standard"},
        "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}});
    assert_eq!(
        cells(&builtin_columns("", "PersistentVolumeClaim"), pvc),
        vec![
            json!("data"),
            json!("Bound"),
            json!("pv-1"),
            json!("1Gi"),
            json!("RWO"),
            json!("standard"),
            json!("<unset>"),
            json!("<unknown>"),
            json!("<unset>")
        ]
    );
    let ing = json!({"metadata": {"name": "web"}, "spec": {"ingressClassName": "nginx", "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}], "tls": [{}]},
        "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}]}}});
    assert_eq!(
        cells(&builtin_columns("networking.k8s.io", "Ingress"), ing),
        vec![
            json!("web"),
            json!("nginx"),
            json!("a.example.com,b.example.com"),
            json!("lb.example.com"),
            json!("80, 443"),
            json!("<unknown>")
        ]
    );
    let np = json!({"metadata": {"name": "deny"}, "spec": {"podSelector": {}}});
    assert_eq!(
        cells(&builtin_columns("networking.k8s.io", "NetworkPolicy"), np)[1],
        json!("<none>")
    );
}

#[test]
fn rbac_lease_pdb_quota_hpa() {
    let rb = json!({"metadata": {"name": "admins"}, "roleRef": {"kind": "ClusterRole", "name": "admin"},
        "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "ci", "namespace": "build"}]});
    assert_eq!(
        cells(
            &builtin_columns("rbac.authorization.k8s.io", "RoleBinding"),
            rb
        ),
        vec![
            json!("admins"),
            json!("ClusterRole/admin"),
            json!("<unknown>"),
            json!("alice"),
            json!(""),
            json!("build/ci")
        ]
    );
    let lease = json!({"metadata": {"name": "leader"}, "spec": {"holderIdentity": "pod-a"}});
    assert_eq!(
        cells(&builtin_columns("coordination.k8s.io", "Lease"), lease)[1],
        json!("pod-a")
    );
    let pdb = json!({"metadata": {"name": "p"}, "spec": {"minAvailable": 1}, "status": {"disruptionsAllowed": 0}});
    assert_eq!(
        cells(&builtin_columns("policy", "PodDisruptionBudget"), pdb)[1..4].to_vec(),
        vec![json!("1"), json!("N/A"), json!(0)]
    );
    let quota = json!({"metadata": {"name": "q"}, "spec": {"hard": {"requests.cpu": "2", "limits.cpu": "4", "pods": "10"}},
        "status": {"hard": {"requests.cpu": "2", "limits.cpu": "4", "pods": "10"}, "used": {"requests.cpu": "500m", "pods": "3"}}});
    assert_eq!(
        cells(&builtin_columns("", "ResourceQuota"), quota)[1..3].to_vec(),
        vec![
            json!("pods: 3/10, requests.cpu: 500m/2"),
            json!("limits.cpu: 0/4")
        ]
    );
    let hpa = json!({"metadata": {"name": "h"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]},
        "status": {"currentReplicas": 2}});
    assert_eq!(
        cells(
            &builtin_columns("autoscaling", "HorizontalPodAutoscaler"),
            hpa
        )[1..6]
            .to_vec(),
        vec![
            json!("Deployment/web"),
            json!("cpu: <unknown>/80%"),
            json!("1"),
            json!(5),
            json!(2)
        ]
    );
}

#[test]
fn hpa_metrics_follow_status_by_index() {
    let columns = builtin_columns("autoscaling", "HorizontalPodAutoscaler");
    let hpa = json!({"metadata": {"name": "h"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5,
    "metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}}},
        {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}}
    ]},
    "status": {"currentMetrics": [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40}}},
        {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "512Mi"}}}
    ]}});
    let got = cells(&columns, hpa);
    assert_eq!(got[2], json!("cpu: 40%/80%, memory: 512Mi/1Gi + 1 more..."));
    assert_eq!(got[3], json!("<unset>"));
}

#[test]
fn unbound_claims_and_sorted_load_balancer_addresses() {
    let pvc = json!({"metadata": {"name": "data"}, "spec": {}, "status": {"phase": "Pending", "capacity": {"storage": "1Gi"}}});
    let got = cells(&builtin_columns("", "PersistentVolumeClaim"), pvc);
    assert_eq!(
        got[1..6].to_vec(),
        vec![json!("Pending"), json!(""), json!(""), json!(""), json!("")]
    );
    let svc = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "externalIPs": ["9.9.9.9"]},
        "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.2"}, {"hostname": "a.example.com"}, {"ip": "10.0.0.2"}]}}});
    let got = cells(&builtin_columns("", "Service"), svc);
    assert_eq!(got[2], json!("<none>"));
    assert_eq!(got[3], json!("10.0.0.2,a.example.com,9.9.9.9"));
    let job = json!({"metadata": {"name": "j"}, "status": {"conditions": [{"type": "Suspended", "status": "True"}, {"type": "FailureTarget", "status": "True"}]}});
    assert_eq!(
        cells(&builtin_columns("batch", "Job"), job)[1],
        json!("Suspended")
    );
}

#[test]
fn core_events() {
    let columns = builtin_columns("", "Event");
    assert_eq!(
        names(&columns),
        vec![
            ("Last Seen", 0),
            ("Type", 0),
            ("Reason", 0),
            ("Object", 0),
            ("Subobject", 1),
            ("Source", 1),
            ("Message", 0),
            ("First Seen", 1),
            ("Count", 1),
            ("Name", 1)
        ]
    );
    let ev = json!({"metadata": {"name": "web.1"}, "type": "Normal", "reason": "Scheduled", "message": " Assigned ",
        "involvedObject": {"kind": "Pod", "name": "web-0"}, "source": {"component": "default-scheduler"},
        "firstTimestamp": "2024-05-01T11:50:00Z", "lastTimestamp": "2024-05-01T11:59:00Z"});
    assert_eq!(
        cells(&columns, ev),
        vec![
            json!("60s"),
            json!("Normal"),
            json!("Scheduled"),
            json!("pod/web-0"),
            json!(""),
            json!("default-scheduler"),
            json!("Assigned"),
            json!("10m"),
            json!(1),
            json!("web.1")
        ]
    );
}

/// Columns whose cells depend on the time the table was printed.
fn clock_dependent(definition: &Value) -> bool {
    let name = definition["name"].as_str().unwrap_or_default();
    matches!(name, "Age" | "Last Seen" | "First Seen" | "Restarts")
        || (definition["type"] == "date" && name != "Created At")
}

/// `testdata/tables/<group>_<Kind>.json` are the tables kube-apiserver v1.37 returned
/// (`includeObject=Object`, managed fields stripped) for the objects in them:
/// column definitions and every cell that does not depend on the clock must
/// come out the same from those objects.
#[test]
fn matches_kube_apiserver_tables() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/table/testdata/tables");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let crds = read("apiextensions.k8s.io_CustomResourceDefinition.json");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let (group, kind) = file.trim_end_matches(".json").split_once('_').unwrap();
        let group = if group == "core" { "" } else { group };
        let real = read(&file);
        let columns = if group == "example.com" {
            let crd = crds["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| &r["object"])
                .find(|o| o["spec"]["names"]["kind"] == kind)
                .unwrap();
            crd_columns(&crd["spec"]["versions"][0]["additionalPrinterColumns"])
        } else {
            builtin_columns(group, kind)
        };
        let objects: Vec<Value> = real["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["object"].clone())
            .collect();
        let ours = table_at(
            &columns,
            &objects,
            IncludeObject::Object,
            real["metadata"].clone(),
            now(),
        );
        assert_eq!(
            ours["columnDefinitions"], real["columnDefinitions"],
            "{file}: columns"
        );
        let definitions = real["columnDefinitions"].as_array().unwrap();
        for (mine, theirs) in ours["rows"]
            .as_array()
            .unwrap()
            .iter()
            .zip(real["rows"].as_array().unwrap())
        {
            assert_eq!(mine["object"], theirs["object"], "{file}");
            assert_eq!(mine.get("conditions"), theirs.get("conditions"), "{file}");
            for (i, definition) in definitions.iter().enumerate() {
                if !clock_dependent(definition) {
                    assert_eq!(
                        mine["cells"][i], theirs["cells"][i],
                        "{file}: {} of {}",
                        definition["name"], theirs["object"]["metadata"]["name"]
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 28, "only {checked} fixtures");
}
