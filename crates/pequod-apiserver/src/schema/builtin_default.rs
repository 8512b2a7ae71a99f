//! The defaults kube-apiserver's built-in defaulters (and create strategies)
//! set that clients read back: replicas, strategies, pod spec and container
//! fields, Service ports and policies, and a few more.

use serde_json::{Map, Value, json};

type Obj = Map<String, Value>;

/// Applies kube-apiserver's defaults for the built-in kind
/// `group/version/kind` to `value`; other kinds are left alone.
pub fn default_builtin(group: &str, version: &str, kind: &str, value: &mut Value) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    match (group, version, kind) {
        ("", "v1", "Pod") => pod(obj),
        ("", "v1", "Service") => service(obj),
        ("", "v1", "Secret") => set(obj, "type", json!("Opaque")),
        ("", "v1", "Namespace") => namespace(obj),
        ("", "v1", "PersistentVolumeClaim") => pvc(obj),
        ("", "v1", "Endpoints") => {
            for subset in list(obj, "subsets") {
                each(subset, "ports", |p| set(p, "protocol", json!("TCP")));
            }
        }
        ("apps", "v1", "Deployment") => deployment(obj),
        ("apps", "v1", "StatefulSet") => stateful_set(obj),
        ("apps", "v1", "DaemonSet") => daemon_set(obj),
        ("apps", "v1", "ReplicaSet") => {
            if let Some(spec) = child(obj, "spec") {
                set(spec, "replicas", json!(1));
                template(spec);
            }
        }
        ("batch", "v1", "Job") => {
            if let Some(spec) = child(obj, "spec") {
                job_spec(spec);
            }
        }
        ("batch", "v1", "CronJob") => cron_job(obj),
        ("networking.k8s.io", "v1", "NetworkPolicy") => network_policy(obj),
        ("discovery.k8s.io", "v1", "EndpointSlice") => {
            each(obj, "ports", |p| set(p, "protocol", json!("TCP")));
        }
        ("rbac.authorization.k8s.io", "v1", "RoleBinding" | "ClusterRoleBinding") => {
            each(obj, "subjects", |s| {
                if matches!(
                    s.get("kind").and_then(Value::as_str),
                    Some("User" | "Group")
                ) {
                    set(s, "apiGroup", json!("rbac.authorization.k8s.io"));
                }
            });
        }
        ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration") => {
            each(obj, "webhooks", |w| webhook(w, false));
        }
        ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration") => {
            each(obj, "webhooks", |w| webhook(w, true));
        }
        _ => {}
    }
}

/// Sets `key` when it is absent or null.
fn set(obj: &mut Obj, key: &str, value: Value) {
    if obj.get(key).is_none_or(Value::is_null) {
        obj.insert(key.to_owned(), value);
    }
}

/// The object at `key`, if there is one.
fn child<'a>(obj: &'a mut Obj, key: &str) -> Option<&'a mut Obj> {
    obj.get_mut(key).and_then(Value::as_object_mut)
}

/// The object at `key`, created empty when absent.
fn ensure<'a>(obj: &'a mut Obj, key: &str) -> Option<&'a mut Obj> {
    set(obj, key, json!({}));
    child(obj, key)
}

/// The objects in the list at `key`.
fn list<'a>(obj: &'a mut Obj, key: &str) -> impl Iterator<Item = &'a mut Obj> {
    obj.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

fn each(obj: &mut Obj, key: &str, f: impl FnMut(&mut Obj)) {
    list(obj, key).for_each(f);
}

fn deployment(obj: &mut Obj) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    set(spec, "replicas", json!(1));
    if let Some(strategy) = ensure(spec, "strategy") {
        set(strategy, "type", json!("RollingUpdate"));
        if strategy.get("type") == Some(&json!("RollingUpdate"))
            && let Some(rolling) = ensure(strategy, "rollingUpdate")
        {
            set(rolling, "maxUnavailable", json!("25%"));
            set(rolling, "maxSurge", json!("25%"));
        }
    }
    set(spec, "revisionHistoryLimit", json!(10));
    set(spec, "progressDeadlineSeconds", json!(600));
    template(spec);
}

fn stateful_set(obj: &mut Obj) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    set(spec, "replicas", json!(1));
    set(spec, "podManagementPolicy", json!("OrderedReady"));
    if let Some(strategy) = ensure(spec, "updateStrategy") {
        set(strategy, "type", json!("RollingUpdate"));
        if strategy.get("type") == Some(&json!("RollingUpdate"))
            && let Some(rolling) = ensure(strategy, "rollingUpdate")
        {
            set(rolling, "partition", json!(0));
        }
    }
    set(spec, "revisionHistoryLimit", json!(10));
    set(
        spec,
        "persistentVolumeClaimRetentionPolicy",
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
    );
    each(spec, "volumeClaimTemplates", pvc);
    template(spec);
}

fn daemon_set(obj: &mut Obj) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    if let Some(strategy) = ensure(spec, "updateStrategy") {
        set(strategy, "type", json!("RollingUpdate"));
        if strategy.get("type") == Some(&json!("RollingUpdate"))
            && let Some(rolling) = ensure(strategy, "rollingUpdate")
        {
            set(rolling, "maxUnavailable", json!(1));
            set(rolling, "maxSurge", json!(0));
        }
    }
    set(spec, "revisionHistoryLimit", json!(10));
    template(spec);
}

fn job_spec(spec: &mut Obj) {
    if spec.get("completions").is_none() && spec.get("parallelism").is_none() {
        spec.insert("completions".to_owned(), json!(1));
    }
    set(spec, "parallelism", json!(1));
    let backoff = if spec.contains_key("backoffLimitPerIndex") {
        i64::from(i32::MAX)
    } else {
        6
    };
    set(spec, "backoffLimit", json!(backoff));
    set(spec, "completionMode", json!("NonIndexed"));
    set(spec, "suspend", json!(false));
    let replacement = if spec.contains_key("podFailurePolicy") {
        "Failed"
    } else {
        "TerminatingOrFailed"
    };
    set(spec, "podReplacementPolicy", json!(replacement));
    template(spec);
}

fn cron_job(obj: &mut Obj) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    set(spec, "concurrencyPolicy", json!("Allow"));
    set(spec, "suspend", json!(false));
    set(spec, "successfulJobsHistoryLimit", json!(3));
    set(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(job) = child(spec, "jobTemplate").and_then(|t| child(t, "spec")) {
        template(job);
    }
}

fn pvc(obj: &mut Obj) {
    if let Some(spec) = child(obj, "spec") {
        set(spec, "volumeMode", json!("Filesystem"));
    }
    if let Some(status) = ensure(obj, "status") {
        set(status, "phase", json!("Pending"));
    }
}

fn namespace(obj: &mut Obj) {
    let name = obj
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let (Some(name), Some(labels)) = (
        name,
        ensure(obj, "metadata").and_then(|m| ensure(m, "labels")),
    ) {
        labels.insert("kubernetes.io/metadata.name".to_owned(), json!(name));
    }
    if let Some(spec) = ensure(obj, "spec") {
        set(spec, "finalizers", json!(["kubernetes"]));
    }
    if let Some(status) = ensure(obj, "status") {
        set(status, "phase", json!("Active"));
    }
}

fn service(obj: &mut Obj) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    set(spec, "type", json!("ClusterIP"));
    set(spec, "sessionAffinity", json!("None"));
    if spec.get("sessionAffinity") == Some(&json!("ClientIP")) {
        set(
            spec,
            "sessionAffinityConfig",
            json!({"clientIP": {"timeoutSeconds": 10800}}),
        );
    }
    each(spec, "ports", |p| {
        set(p, "protocol", json!("TCP"));
        let unset = match p.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if unset && let Some(port) = p.get("port").cloned() {
            p.insert("targetPort".to_owned(), port);
        }
    });
    let ty = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if ty == "NodePort" || ty == "LoadBalancer" {
        set(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        set(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if ty != "ExternalName" {
        set(spec, "internalTrafficPolicy", json!("Cluster"));
        set(spec, "ipFamilyPolicy", json!("SingleStack"));
        set(spec, "ipFamilies", json!(["IPv4"]));
    }
}

fn network_policy(obj: &mut Obj) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    if spec.get("policyTypes").is_none_or(Value::is_null) {
        let mut types = vec![json!("Ingress")];
        if spec.get("egress").is_some_and(|e| !e.is_null()) {
            types.push(json!("Egress"));
        }
        spec.insert("policyTypes".to_owned(), Value::Array(types));
    }
    for key in ["ingress", "egress"] {
        for rule in list(spec, key) {
            each(rule, "ports", |p| set(p, "protocol", json!("TCP")));
        }
    }
}

fn webhook(w: &mut Obj, mutating: bool) {
    set(w, "failurePolicy", json!("Fail"));
    set(w, "matchPolicy", json!("Equivalent"));
    set(w, "namespaceSelector", json!({}));
    set(w, "objectSelector", json!({}));
    set(w, "timeoutSeconds", json!(10));
    if mutating {
        set(w, "reinvocationPolicy", json!("Never"));
    }
    each(w, "rules", |r| set(r, "scope", json!("*")));
    if let Some(service) = child(w, "clientConfig").and_then(|c| child(c, "service")) {
        set(service, "port", json!(443));
    }
}

/// Defaults `spec.template.spec` of a workload.
fn template(spec: &mut Obj) {
    if let Some(pod_spec) = child(spec, "template").and_then(|t| child(t, "spec")) {
        pod_spec_defaults(pod_spec);
    }
}

fn pod(obj: &mut Obj) {
    let Some(spec) = child(obj, "spec") else {
        return;
    };
    pod_spec_defaults(spec);
    set(spec, "enableServiceLinks", json!(true));
    // A container's requests default to its limits.
    for key in ["containers", "initContainers"] {
        for c in list(spec, key) {
            let Some(resources) = child(c, "resources") else {
                continue;
            };
            let Some(limits) = resources.get("limits").and_then(Value::as_object).cloned() else {
                continue;
            };
            if let Some(requests) = ensure(resources, "requests") {
                for (k, v) in limits {
                    requests.entry(k).or_insert(v);
                }
            }
        }
    }
}

fn pod_spec_defaults(spec: &mut Obj) {
    set(spec, "restartPolicy", json!("Always"));
    set(spec, "terminationGracePeriodSeconds", json!(30));
    set(spec, "dnsPolicy", json!("ClusterFirst"));
    set(spec, "securityContext", json!({}));
    set(spec, "schedulerName", json!("default-scheduler"));
    let host_network = spec.get("hostNetwork") == Some(&Value::Bool(true));
    for key in ["containers", "initContainers", "ephemeralContainers"] {
        each(spec, key, |c| container(c, host_network));
    }
    each(spec, "volumes", volume);
}

fn container(c: &mut Obj, host_network: bool) {
    set(c, "terminationMessagePath", json!("/dev/termination-log"));
    set(c, "terminationMessagePolicy", json!("File"));
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    let policy = image_pull_policy(image);
    set(c, "imagePullPolicy", json!(policy));
    set(c, "resources", json!({}));
    each(c, "ports", |p| {
        set(p, "protocol", json!("TCP"));
        if host_network && let Some(port) = p.get("containerPort").cloned() {
            set(p, "hostPort", port);
        }
    });
    each(c, "env", |e| {
        if let Some(field_ref) = child(e, "valueFrom").and_then(|v| child(v, "fieldRef")) {
            set(field_ref, "apiVersion", json!("v1"));
        }
    });
    for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = child(c, key) {
            probe(p);
        }
    }
}

/// `Always` for `:latest` or untagged images, else `IfNotPresent`.
fn image_pull_policy(image: &str) -> &'static str {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    match last.split_once(':') {
        Some((_, "latest")) => "Always",
        Some(_) => "IfNotPresent",
        None if digest => "IfNotPresent",
        None => "Always",
    }
}

fn probe(p: &mut Obj) {
    set(p, "timeoutSeconds", json!(1));
    set(p, "periodSeconds", json!(10));
    set(p, "successThreshold", json!(1));
    set(p, "failureThreshold", json!(3));
    if let Some(http) = child(p, "httpGet") {
        set(http, "path", json!("/"));
        set(http, "scheme", json!("HTTP"));
    }
}

fn volume(v: &mut Obj) {
    if v.keys().all(|k| k == "name") {
        v.insert("emptyDir".to_owned(), json!({}));
    }
    for key in ["configMap", "secret", "downwardAPI", "projected"] {
        if let Some(source) = child(v, key) {
            set(source, "defaultMode", json!(420));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_gets_kube_apiserver_defaults() {
        let mut d: Value = serde_json::from_str(include_str!("testdata/deployment.json")).unwrap();
        d["spec"].as_object_mut().unwrap().remove("replicas");
        d["spec"].as_object_mut().unwrap().remove("strategy");
        default_builtin("apps", "v1", "Deployment", &mut d);
        let spec = &d["spec"];
        assert_eq!(spec["replicas"], 1);
        assert_eq!(
            spec["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(spec["revisionHistoryLimit"], 10);
        assert_eq!(spec["progressDeadlineSeconds"], 600);
        let pod = &spec["template"]["spec"];
        assert_eq!(pod["restartPolicy"], "Always");
        assert_eq!(pod["dnsPolicy"], "ClusterFirst");
        assert_eq!(pod["schedulerName"], "default-scheduler");
        assert_eq!(pod["terminationGracePeriodSeconds"], 30);
        assert_eq!(pod["securityContext"], json!({}));
        let c = &pod["containers"][0];
        assert_eq!(c["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
        assert_eq!(c["terminationMessagePolicy"], "File");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(c["env"][1]["valueFrom"]["fieldRef"]["apiVersion"], "v1");
        assert_eq!(c["readinessProbe"]["httpGet"]["scheme"], "HTTP");
        assert_eq!(c["readinessProbe"]["periodSeconds"], 5);
        assert_eq!(c["readinessProbe"]["failureThreshold"], 3);
        assert_eq!(pod["volumes"][0]["configMap"]["defaultMode"], 420);
        // Pod-only defaults stay off templates.
        assert!(pod.get("enableServiceLinks").is_none());
    }

    #[test]
    fn image_pull_policy_follows_the_tag() {
        assert_eq!(image_pull_policy("nginx"), "Always");
        assert_eq!(image_pull_policy("nginx:latest"), "Always");
        assert_eq!(image_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(image_pull_policy("localhost:5000/app"), "Always");
        assert_eq!(image_pull_policy("localhost:5000/app:v1"), "IfNotPresent");
        assert_eq!(image_pull_policy("nginx@sha256:abcd"), "IfNotPresent");
    }

    #[test]
    fn service_defaults() {
        let mut s = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}]}});
        default_builtin("", "v1", "Service", &mut s);
        let spec = &s["spec"];
        assert_eq!(spec["type"], "ClusterIP");
        assert_eq!(spec["sessionAffinity"], "None");
        assert_eq!(
            spec["ports"][0],
            json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        assert_eq!(spec["ports"][1]["targetPort"], "dns");
        assert_eq!(spec["ipFamilyPolicy"], "SingleStack");
        assert_eq!(spec["internalTrafficPolicy"], "Cluster");
        assert!(spec.get("externalTrafficPolicy").is_none());
        let mut lb = json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}});
        default_builtin("", "v1", "Service", &mut lb);
        assert_eq!(lb["spec"]["externalTrafficPolicy"], "Cluster");
        assert_eq!(lb["spec"]["allocateLoadBalancerNodePorts"], true);
    }

    #[test]
    fn other_kinds() {
        let mut secret = json!({"metadata": {"name": "s"}});
        default_builtin("", "v1", "Secret", &mut secret);
        assert_eq!(secret["type"], "Opaque");
        let mut ns = json!({"metadata": {"name": "team-a"}});
        default_builtin("", "v1", "Namespace", &mut ns);
        assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(ns["status"]["phase"], "Active");
        assert_eq!(
            ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
            "team-a"
        );
        let mut sa = json!({"metadata": {"name": "sa"}});
        default_builtin("", "v1", "ServiceAccount", &mut sa);
        assert_eq!(sa, json!({"metadata": {"name": "sa"}}));
        let mut job = json!({"spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "c", "image": "busybox"}]}}}});
        default_builtin("batch", "v1", "Job", &mut job);
        assert_eq!(job["spec"]["completions"], 1);
        assert_eq!(job["spec"]["parallelism"], 1);
        assert_eq!(job["spec"]["backoffLimit"], 6);
        assert_eq!(job["spec"]["completionMode"], "NonIndexed");
        assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
        assert_eq!(
            job["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "Always"
        );
        let mut cj = json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {}}}}}});
        default_builtin("batch", "v1", "CronJob", &mut cj);
        assert_eq!(cj["spec"]["concurrencyPolicy"], "Allow");
        assert_eq!(cj["spec"]["successfulJobsHistoryLimit"], 3);
        assert_eq!(
            cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"],
            "ClusterFirst"
        );
        let mut sts =
            json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "d"}, "spec": {}}]}});
        default_builtin("apps", "v1", "StatefulSet", &mut sts);
        assert_eq!(
            sts["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
        assert_eq!(sts["spec"]["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            sts["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"],
            "Filesystem"
        );
        let mut ds = json!({"spec": {}});
        default_builtin("apps", "v1", "DaemonSet", &mut ds);
        assert_eq!(
            ds["spec"]["updateStrategy"]["rollingUpdate"],
            json!({"maxUnavailable": 1, "maxSurge": 0})
        );
        let mut pod = json!({"spec": {"containers": [{"name": "c", "image": "x:1",
            "resources": {"limits": {"cpu": "1"}}}], "volumes": [{"name": "tmp"}]}});
        default_builtin("", "v1", "Pod", &mut pod);
        assert_eq!(
            pod["spec"]["containers"][0]["resources"]["requests"],
            json!({"cpu": "1"})
        );
        assert_eq!(pod["spec"]["enableServiceLinks"], true);
        assert_eq!(pod["spec"]["volumes"][0]["emptyDir"], json!({}));
        let mut np = json!({"spec": {"egress": [{"ports": [{"port": 53}]}]}});
        default_builtin("networking.k8s.io", "v1", "NetworkPolicy", &mut np);
        assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        assert_eq!(np["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
    }
}
