//! The schema module end to end, as the request handlers use it: a CRD's
//! schema checked and converted, a custom resource pruned, defaulted and
//! validated, and the OpenAPI documents `kubectl explain` walks.

use pequod_apiserver::schema::{
    SchemaSource, ServedKind, apply_defaults, builtin_schema, check_structural, crd_schema,
    default_builtin, openapi_v3_group_version, openapi_v3_index, prune, unknown_fields, validate,
};
use serde_json::{Value, json};

fn open_api_v3_schema() -> serde_json::Result<Value> {
    let crd: Value =
        serde_json::from_str(include_str!("../src/schema/testdata/webservice-crd.json"))?;
    Ok(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone())
}

#[test]
fn custom_resource_create_flow() {
    let schema_json = open_api_v3_schema().unwrap();
    assert!(check_structural(&schema_json).is_empty());
    let schema = crd_schema(&schema_json).unwrap();

    let mut object = json!({
        "apiVersion": "platform.pequod.dev/v1",
        "kind": "WebService",
        "metadata": {"name": "shop", "namespace": "team-a", "labels": {"app": "shop"}},
        "spec": {"image": "shop:1.0", "replcias": 3, "env": [{"name": "MODE"}]}
    });
    // fieldValidation=Strict reports, then the server prunes.
    assert_eq!(unknown_fields(&object, &schema), vec!["spec.replcias"]);
    assert_eq!(prune(&mut object, &schema), vec!["spec.replcias"]);
    apply_defaults(&mut object, &schema);
    assert!(validate(&object, &schema).is_empty());
    assert_eq!(
        object["spec"],
        json!({"image": "shop:1.0", "env": [{"name": "MODE", "value": ""}], "replicas": 2,
               "size": "small", "port": 8080, "probe": {"path": "/healthz", "periodSeconds": 10}})
    );
}

#[test]
fn custom_resource_errors_read_like_kube_apiserver() {
    let schema = crd_schema(&open_api_v3_schema().unwrap()).unwrap();
    let object = json!({
        "apiVersion": "platform.pequod.dev/v1", "kind": "WebService",
        "metadata": {"name": "shop"},
        "spec": {"replicas": "three", "size": "huge", "tags": ["a", "a"]},
        "status": {"conditions": [{"type": "Ready", "status": "Maybe"}]}
    });
    let errors: Vec<String> = validate(&object, &schema)
        .iter()
        .map(ToString::to_string)
        .collect();
    for expected in [
        r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
        r#"spec.size: Unsupported value: "huge": supported values: "small", "large""#,
        "spec.image: Required value",
        r#"spec.tags[1]: Duplicate value: "a""#,
        r#"status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown""#,
    ] {
        assert!(
            errors.contains(&expected.to_owned()),
            "missing {expected}\n{errors:#?}"
        );
    }
    assert_eq!(errors.len(), 5, "{errors:#?}");
}

#[test]
fn builtin_objects_are_defaulted_and_checked_for_unknown_fields() {
    let mut deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}]}}}
    });
    default_builtin("apps", "v1", "Deployment", &mut deployment);
    let schema = builtin_schema("apps", "v1", "Deployment").unwrap();
    assert!(unknown_fields(&deployment, &schema).is_empty());
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["imagePullPolicy"], "Always");
    assert_eq!(container["ports"][0]["protocol"], "TCP");
    assert_eq!(deployment["spec"]["replicas"], 1);
}

/// Walks the documents as kubectl explain does: index, group-version
/// document, the schema carrying the kind's GVK, then a field.
#[test]
fn kubectl_explain_can_find_fields() {
    let kinds = vec![
        ServedKind {
            group: "platform.pequod.dev".into(),
            version: "v1".into(),
            kind: "WebService".into(),
            plural: "webservices".into(),
            namespaced: true,
            schema: SchemaSource::Crd(open_api_v3_schema().unwrap()),
        },
        ServedKind {
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
            namespaced: true,
            schema: SchemaSource::Builtin,
        },
    ];
    let index = openapi_v3_index(&kinds);
    let url = index["paths"]["apis/platform.pequod.dev/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap();
    assert!(url.starts_with("/openapi/v3/apis/platform.pequod.dev/v1?hash="));
    let doc = openapi_v3_group_version("platform.pequod.dev", "v1", &kinds);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let (_, web) = schemas
        .iter()
        .find(|(_, s)| {
            s["x-kubernetes-group-version-kind"]
                .as_array()
                .is_some_and(|g| g.iter().any(|g| g["kind"] == "WebService"))
        })
        .unwrap();
    assert_eq!(
        web["properties"]["spec"]["properties"]["image"]["description"],
        "Container image."
    );
    let meta_ref = web["properties"]["metadata"]["allOf"][0]["$ref"]
        .as_str()
        .unwrap();
    let meta = &schemas[meta_ref.rsplit('/').next().unwrap()];
    assert!(meta["properties"]["labels"]["description"].is_string());
}
