//! Discovery: version, legacy and aggregated API lists, OpenAPI documents,
//! and a new CRD appearing in all of them.

use serde_json::Value;

use crate::raw::{self, get};
use crate::widget::Widgets;
use crate::{Ctx, TIMEOUT};
use pequod_testing::eventually;

const JSON: &str = "application/json";
const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// The entry named `name` of an `APIResourceList`.
fn resource<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {list}"))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The verbs of a discovery entry, sorted: clients treat them as a set, and
/// kube-apiserver lists a CRD's in another order than a built-in's.
fn verbs(entry: &Value) -> Vec<&str> {
    let mut verbs = strings(&entry["verbs"]);
    verbs.sort_unstable();
    verbs
}

const ALL_VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

async fn version(ctx: Ctx) {
    let version = get(&ctx.client, "/version", JSON).await;
    assert_eq!(version["major"], "1", "{version}");
    let minor = version["minor"].as_str().unwrap();
    assert!(minor.parse::<u32>().is_ok(), "{version}");
    let git = version["gitVersion"].as_str().unwrap();
    assert!(git.starts_with(&format!("v1.{minor}.")), "{version}");
    assert!(version["platform"].as_str().unwrap().contains('/'));
    // kube's own typed call reads the same document.
    let info = ctx.client.apiserver_version().await.unwrap();
    assert_eq!(info.git_version, git);
}

async fn core_group(ctx: Ctx) {
    let api = get(&ctx.client, "/api", JSON).await;
    assert_eq!(api["kind"], "APIVersions");
    assert_eq!(strings(&api["versions"]), ["v1"]);

    let v1 = get(&ctx.client, "/api/v1", JSON).await;
    assert_eq!(v1["kind"], "APIResourceList");
    assert_eq!(v1["groupVersion"], "v1");
    let configmaps = resource(&v1, "configmaps");
    assert_eq!(configmaps["kind"], "ConfigMap");
    assert_eq!(configmaps["namespaced"], true);
    assert_eq!(configmaps["singularName"], "configmap");
    assert_eq!(strings(&configmaps["shortNames"]), ["cm"]);
    assert_eq!(verbs(configmaps), ALL_VERBS);
    let namespaces = resource(&v1, "namespaces");
    assert_eq!(namespaces["namespaced"], false);
    assert_eq!(strings(&namespaces["shortNames"]), ["ns"]);
    // Namespaces are removed through the namespace controller, never in bulk.
    assert!(!verbs(namespaces).contains(&"deletecollection"));
    let status = resource(&v1, "namespaces/status");
    assert_eq!(verbs(status), ["get", "patch", "update"]);
    assert_eq!(resource(&v1, "secrets")["kind"], "Secret");
    assert_eq!(strings(&resource(&v1, "services")["shortNames"]), ["svc"]);
}

async fn apps_group(ctx: Ctx) {
    let groups = get(&ctx.client, "/apis", JSON).await;
    assert_eq!(groups["kind"], "APIGroupList");
    let apps = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "apps")
        .expect("apps group");
    assert_eq!(apps["preferredVersion"]["groupVersion"], "apps/v1");
    assert_eq!(apps["preferredVersion"]["version"], "v1");
    let group = get(&ctx.client, "/apis/apps", JSON).await;
    assert_eq!(group["kind"], "APIGroup");
    assert_eq!(group["name"], "apps");
    assert_eq!(&group["preferredVersion"], &apps["preferredVersion"]);

    let v1 = get(&ctx.client, "/apis/apps/v1", JSON).await;
    assert_eq!(v1["groupVersion"], "apps/v1");
    let deployments = resource(&v1, "deployments");
    assert_eq!(deployments["kind"], "Deployment");
    assert_eq!(deployments["namespaced"], true);
    assert_eq!(deployments["singularName"], "deployment");
    assert_eq!(strings(&deployments["shortNames"]), ["deploy"]);
    assert_eq!(strings(&deployments["categories"]), ["all"]);
    assert_eq!(verbs(deployments), ALL_VERBS);
    let scale = resource(&v1, "deployments/scale");
    assert_eq!(scale["group"], "autoscaling");
    assert_eq!(scale["version"], "v1");
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(verbs(scale), ["get", "patch", "update"]);
    assert_eq!(resource(&v1, "deployments/status")["kind"], "Deployment");
    assert_eq!(strings(&resource(&v1, "replicasets")["shortNames"]), ["rs"]);
}

async fn aggregated(ctx: Ctx) {
    let reply = raw::send(
        &ctx.client,
        hyper::Method::GET,
        "/apis",
        &[("accept", AGGREGATED)],
        None,
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some(AGGREGATED));
    let list = reply.body;
    assert_eq!(list["kind"], "APIGroupDiscoveryList");
    assert_eq!(list["apiVersion"], "apidiscovery.k8s.io/v2");
    let apps = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metadata"]["name"] == "apps")
        .expect("apps group");
    let v1 = &apps["versions"][0];
    assert_eq!(v1["version"], "v1");
    let deployments = v1["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "deployments")
        .expect("deployments");
    assert_eq!(deployments["scope"], "Namespaced");
    assert_eq!(deployments["singularResource"], "deployment");
    assert_eq!(deployments["responseKind"]["kind"], "Deployment");
    assert_eq!(strings(&deployments["shortNames"]), ["deploy"]);
    assert_eq!(verbs(deployments), ALL_VERBS);
    let subresources: Vec<&str> = deployments["subresources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["subresource"].as_str())
        .collect();
    assert!(subresources.contains(&"scale") && subresources.contains(&"status"));

    // The core group answers on /api the same way.
    let core = get(&ctx.client, "/api", AGGREGATED).await;
    assert_eq!(core["kind"], "APIGroupDiscoveryList");
    let resources = &core["items"][0]["versions"][0]["resources"];
    assert!(
        resources
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["resource"] == "configmaps" && r["scope"] == "Namespaced")
    );
}

async fn openapi(ctx: Ctx) {
    let v2 = get(&ctx.client, "/openapi/v2", JSON).await;
    assert_eq!(v2["swagger"], "2.0");
    let deployment = &v2["definitions"]["io.k8s.api.apps.v1.Deployment"];
    assert_eq!(
        deployment["x-kubernetes-group-version-kind"][0]["kind"], "Deployment",
        "{deployment}"
    );

    let v3 = get(&ctx.client, "/openapi/v3", JSON).await;
    let url = v3["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .expect("apis/apps/v1 in /openapi/v3");
    assert!(url.starts_with("/openapi/v3/apis/apps/v1"), "{url}");
    let apps = get(&ctx.client, url, JSON).await;
    assert!(apps["openapi"].as_str().unwrap().starts_with("3."));
    let schema = &apps["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
    assert!(schema["properties"]["spec"].is_object(), "{schema}");
}

async fn crd_appears(ctx: Ctx) {
    let widgets = Widgets::install(&ctx).await;
    let group = widgets.group.clone();

    let v1 = eventually("the CRD in /apis/<group>/v1", TIMEOUT, || {
        let client = ctx.client.clone();
        let path = format!("/apis/{group}/v1");
        async move {
            let reply = raw::send(&client, hyper::Method::GET, &path, &[], None).await;
            (reply.status == 200).then_some(reply.body)
        }
    })
    .await;
    let resource = resource(&v1, "widgets");
    assert_eq!(resource["kind"], "Widget");
    assert_eq!(resource["namespaced"], true);
    assert_eq!(resource["singularName"], "widget");
    assert_eq!(
        strings(&resource["shortNames"]),
        [crate::widget::short_name(&group)]
    );
    assert_eq!(
        strings(&resource["categories"]),
        [crate::widget::category(&group)]
    );
    assert_eq!(verbs(resource), ALL_VERBS);
    assert_eq!(self::resource(&v1, "widgets/scale")["kind"], "Scale");

    let groups = eventually("the CRD group in /apis", TIMEOUT, || {
        let client = ctx.client.clone();
        let group = group.clone();
        async move {
            let list = get(&client, "/apis", JSON).await;
            list["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["name"] == group.as_str())
                .cloned()
        }
    })
    .await;
    let versions: Vec<&Value> = groups["versions"].as_array().unwrap().iter().collect();
    let names: Vec<&str> = versions
        .iter()
        .filter_map(|v| v["version"].as_str())
        .collect();
    // Versions are ordered by Kubernetes version priority, the first preferred.
    assert_eq!(names, ["v2", "v1"]);
    assert_eq!(groups["preferredVersion"]["version"], "v2");

    eventually("the CRD in aggregated discovery", TIMEOUT, || {
        let client = ctx.client.clone();
        let group = group.clone();
        async move {
            let list = get(&client, "/apis", AGGREGATED).await;
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["metadata"]["name"] == group.as_str())
                .then_some(())
        }
    })
    .await;

    let key = format!("apis/{group}/v1");
    let url = eventually("the CRD in /openapi/v3", TIMEOUT, || {
        let client = ctx.client.clone();
        let key = key.clone();
        async move {
            let v3 = get(&client, "/openapi/v3", JSON).await;
            v3["paths"][&key]["serverRelativeURL"]
                .as_str()
                .map(str::to_owned)
        }
    })
    .await;
    let doc = get(&ctx.client, &url, JSON).await;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let reversed: String = group.split('.').rev().collect::<Vec<_>>().join(".");
    let widget = &schemas[&format!("{reversed}.v1.Widget")];
    assert_eq!(
        widget["properties"]["spec"]["properties"]["size"]["maximum"],
        10
    );

    widgets.uninstall().await;
}

async fn health(ctx: Ctx) {
    for path in ["/readyz", "/livez", "/healthz"] {
        let reply = raw::send(&ctx.client, hyper::Method::GET, path, &[], None).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.text, "ok", "{path}");
        assert!(
            reply
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/plain")),
            "{path}"
        );
    }
}

async fn unknown_paths(ctx: Ctx) {
    // An unknown resource of a served group version is a Status ...
    let reply = raw::send(
        &ctx.client,
        hyper::Method::GET,
        "/apis/apps/v1/namespaces/default/nothings",
        &[],
        None,
    )
    .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["kind"], "Status");
    assert_eq!(reply.body["reason"], "NotFound");
    assert_eq!(
        reply.body["message"],
        "the server could not find the requested resource"
    );
    // ... while an unknown group is not found at the HTTP level.
    let reply = raw::send(
        &ctx.client,
        hyper::Method::GET,
        "/apis/nothing.compat.pequod.io/v1",
        &[],
        None,
    )
    .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.text, "404 page not found\n");
}

backends!(
    health,
    unknown_paths,
    version,
    core_group,
    apps_group,
    aggregated,
    openapi,
    crd_appears
);
