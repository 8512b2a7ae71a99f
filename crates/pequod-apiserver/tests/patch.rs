//! Server-side apply and managedFields bookkeeping against a Deployment-like
//! schema, checked against kube-apiserver's behaviour.

// Test helpers outside `#[test]` functions panic on malformed fixtures too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use indexmap::IndexMap;
use pequod_apiserver::patch::{Apply, ApplyError, Operation, Update, apply, record_update};
use pequod_apiserver::schema::{ListType, MapType, Schema, Type};
use serde_json::{Value, json};

fn node(ty: Type) -> Arc<Schema> {
    Arc::new(Schema {
        ty,
        ..Schema::default()
    })
}

fn object(properties: &[(&str, Arc<Schema>)]) -> Arc<Schema> {
    node(Type::Object {
        properties: properties
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect::<IndexMap<_, _>>(),
        additional: None,
        required: Vec::new(),
        preserve_unknown: false,
        map_type: MapType::Granular,
    })
}

fn map_of(values: Arc<Schema>) -> Arc<Schema> {
    node(Type::Object {
        properties: IndexMap::new(),
        additional: Some(values),
        required: Vec::new(),
        preserve_unknown: false,
        map_type: MapType::Granular,
    })
}

fn list(items: Arc<Schema>, list_type: ListType) -> Arc<Schema> {
    node(Type::Array { items, list_type })
}

fn string() -> Arc<Schema> {
    node(Type::String { format: None })
}

fn int() -> Arc<Schema> {
    node(Type::Integer)
}

fn deployment() -> Arc<Schema> {
    let protocol = Arc::new(Schema {
        ty: Type::String { format: None },
        default: Some(json!("TCP")),
        ..Schema::default()
    });
    let port = object(&[
        ("containerPort", int()),
        ("protocol", protocol),
        ("name", string()),
    ]);
    let container = object(&[
        ("name", string()),
        ("image", string()),
        ("args", list(string(), ListType::Atomic)),
        (
            "ports",
            list(
                port,
                ListType::Map(vec!["containerPort".into(), "protocol".into()]),
            ),
        ),
    ]);
    let pod_spec = object(&[(
        "containers",
        list(container, ListType::Map(vec!["name".into()])),
    )]);
    let metadata = object(&[
        ("name", string()),
        ("namespace", string()),
        ("labels", map_of(string())),
        ("annotations", map_of(string())),
        ("finalizers", list(string(), ListType::Set)),
    ]);
    object(&[
        ("apiVersion", string()),
        ("kind", string()),
        ("metadata", metadata),
        (
            "spec",
            object(&[
                ("replicas", int()),
                ("template", object(&[("spec", pod_spec)])),
            ]),
        ),
        ("status", object(&[("readyReplicas", int())])),
    ])
}

const T1: &str = "2026-11-22T10:00:00Z";
const T2: &str = "2026-11-22T11:00:00Z";
const T3: &str = "2026-11-22T12:00:00Z";

fn request<'a>(
    schema: &'a Schema,
    live: Option<&'a Value>,
    config: &'a Value,
    manager: &'a str,
    now: &'a str,
) -> Apply<'a> {
    Apply {
        live,
        config,
        manager,
        force: false,
        schema,
        now,
        api_version: "apps/v1",
        subresource: None,
        reset_fields: &[&["status"]],
    }
}

fn update<'a>(
    schema: &'a Schema,
    old: Option<&'a Value>,
    manager: &'a str,
    now: &'a str,
) -> Update<'a> {
    Update {
        old,
        manager,
        schema,
        now,
        api_version: "apps/v1",
        subresource: None,
        reset_fields: &[&["status"]],
    }
}

fn deploy(spec: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec})
}

fn web(image: &str) -> Value {
    json!({"name": "web", "image": image})
}

fn containers(items: Value) -> Value {
    json!({"template": {"spec": {"containers": items}}})
}

fn entries(object: &Value) -> &Vec<Value> {
    object["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
}

fn entry<'a>(object: &'a Value, manager: &str) -> Option<&'a Value> {
    entries(object).iter().find(|e| e["manager"] == manager)
}

fn without_managed(object: &Value) -> Value {
    let mut out = object.clone();
    out["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    out
}

#[test]
fn apply_creates_the_object_and_records_exact_fields() {
    let schema = deployment();
    let mut config =
        deploy(json!({"replicas": 2, "template": {"spec": {"containers": [web("nginx:1")]}}}));
    config["metadata"]["labels"] = json!({"app": "web"});
    let out = apply(&request(&schema, None, &config, "pequod", T1)).unwrap();
    assert_eq!(without_managed(&out), config);
    assert_eq!(
        entries(&out),
        &vec![json!({
            "manager": "pequod",
            "operation": "Apply",
            "apiVersion": "apps/v1",
            "time": T1,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:replicas": {},
                    "f:template": {"f:spec": {"f:containers": {
                        "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}
                    }}}
                }
            }
        })]
    );
    let fields = serde_json::to_string(&entries(&out)[0]["fieldsV1"]).unwrap();
    assert_eq!(
        fields,
        r#"{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{}}}}}}}"#
    );
}

#[test]
fn reapplying_the_same_config_changes_nothing() {
    let schema = deployment();
    let config = deploy(json!({"replicas": 2}));
    let first = apply(&request(&schema, None, &config, "pequod", T1)).unwrap();
    let second = apply(&request(&schema, Some(&first), &config, "pequod", T2)).unwrap();
    assert_eq!(second, first);
    assert_eq!(entry(&second, "pequod").unwrap()["time"], T1);
}

#[test]
fn conflict_with_an_updater_then_force() {
    let schema = deployment();
    let mut live =
        deploy(json!({"replicas": 1, "template": {"spec": {"containers": [web("nginx:1")]}}}));
    record_update(
        &update(&schema, None, "kubectl-client-side-apply", T1),
        &mut live,
    );
    let config =
        deploy(json!({"replicas": 3, "template": {"spec": {"containers": [web("nginx:1")]}}}));
    let err = apply(&request(&schema, Some(&live), &config, "pequod", T2)).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#
    );
    let ApplyError::Conflicts(conflicts) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(conflicts[0].operation, Operation::Update);
    assert_eq!(conflicts[0].api_version, "apps/v1");
    assert_eq!(
        err.causes(),
        vec![json!({
            "reason": "FieldManagerConflict",
            "message": "conflict with \"kubectl-client-side-apply\" using apps/v1",
            "field": ".spec.replicas"
        })]
    );

    let forced = apply(&Apply {
        force: true,
        ..request(&schema, Some(&live), &config, "pequod", T2)
    })
    .unwrap();
    assert_eq!(forced["spec"]["replicas"], 3);
    let kubectl = entry(&forced, "kubectl-client-side-apply").unwrap();
    assert!(kubectl["fieldsV1"]["f:spec"].get("f:replicas").is_none());
    // The image stays shared: same value, no conflict, both own it.
    let web_key = "k:{\"name\":\"web\"}";
    for manager in ["pequod", "kubectl-client-side-apply"] {
        let owned = &entry(&forced, manager).unwrap()["fieldsV1"]["f:spec"]["f:template"]["f:spec"]
            ["f:containers"][web_key];
        assert!(owned.get("f:image").is_some(), "{manager}: {owned}");
    }
    assert!(
        entry(&forced, "pequod").unwrap()["fieldsV1"]["f:spec"]
            .get("f:replicas")
            .is_some()
    );
}

#[test]
fn several_conflicts_are_grouped_by_manager() {
    let schema = deployment();
    let mut live =
        deploy(json!({"replicas": 1, "template": {"spec": {"containers": [web("nginx:1")]}}}));
    record_update(&update(&schema, None, "kubectl", T1), &mut live);
    let other = deploy(containers(json!([{"name": "web", "args": ["a"]}])));
    let live = apply(&request(&schema, Some(&live), &other, "helm", T2)).unwrap();
    let config = deploy(json!({"replicas": 3, "template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:2", "args": ["b"]}
    ]}}}));
    let err = apply(&request(&schema, Some(&live), &config, "pequod", T3)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Apply failed with 3 conflicts: conflicts with \"helm\":\n\
         - .spec.template.spec.containers[name=\"web\"].args\n\
         conflicts with \"kubectl\" using apps/v1:\n\
         - .spec.replicas\n\
         - .spec.template.spec.containers[name=\"web\"].image"
    );
}

#[test]
fn same_value_from_two_appliers_is_shared() {
    let schema = deployment();
    let config = deploy(json!({"replicas": 2}));
    let first = apply(&request(&schema, None, &config, "a", T1)).unwrap();
    let second = apply(&request(&schema, Some(&first), &config, "b", T2)).unwrap();
    assert_eq!(without_managed(&second), without_managed(&first));
    for manager in ["a", "b"] {
        assert_eq!(
            entry(&second, manager).unwrap()["fieldsV1"],
            json!({"f:spec": {"f:replicas": {}}})
        );
    }
    // When b stops applying it, a still owns it and the value stays.
    let empty = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
    let third = apply(&request(&schema, Some(&second), &empty, "b", T3)).unwrap();
    assert_eq!(third["spec"]["replicas"], 2);
    assert!(entry(&third, "b").is_none());
}

#[test]
fn fields_no_longer_applied_are_removed() {
    let schema = deployment();
    let mut config = deploy(json!({"replicas": 2}));
    config["metadata"]["labels"] = json!({"a": "1", "b": "2"});
    let first = apply(&request(&schema, None, &config, "pequod", T1)).unwrap();
    config["metadata"]["labels"] = json!({"a": "1"});
    let second = apply(&request(&schema, Some(&first), &config, "pequod", T2)).unwrap();
    assert_eq!(second["metadata"]["labels"], json!({"a": "1"}));
    assert_eq!(second["spec"]["replicas"], 2);
    assert_eq!(entry(&second, "pequod").unwrap()["time"], T2);

    // Dropping the whole spec removes it: nobody else owns anything in it.
    let bare = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
    let third = apply(&request(&schema, Some(&second), &bare, "pequod", T3)).unwrap();
    assert!(third.get("spec").is_none(), "{third}");
}

#[test]
fn fields_owned_by_an_updater_survive_the_appliers_removal() {
    let schema = deployment();
    let config = deploy(json!({"replicas": 2}));
    let live = apply(&request(&schema, None, &config, "pequod", T1)).unwrap();
    // Same value written by an updater: it co-owns the field.
    let mut edited = live.clone();
    edited["metadata"]["labels"] = json!({"x": "y"});
    record_update(
        &update(&schema, Some(&live), "kubectl-edit", T2),
        &mut edited,
    );
    assert!(entry(&edited, "kubectl-edit").unwrap()["fieldsV1"]["f:spec"].is_null());
    let mut edited2 = edited.clone();
    edited2["spec"]["replicas"] = json!(4);
    record_update(
        &update(&schema, Some(&edited), "kubectl-edit", T2),
        &mut edited2,
    );
    let out = apply(&request(
        &schema,
        Some(&edited2),
        &deploy(json!({})),
        "pequod",
        T3,
    ))
    .unwrap();
    assert_eq!(out["spec"]["replicas"], 4);
    assert_eq!(out["metadata"]["labels"], json!({"x": "y"}));
}

#[test]
fn list_map_items_are_owned_by_their_appliers() {
    let schema = deployment();
    let a = deploy(containers(json!([{"name": "a", "image": "ia"}])));
    let b = deploy(containers(json!([{"name": "b", "image": "ib"}])));
    let live = apply(&request(&schema, None, &a, "ma", T1)).unwrap();
    let live = apply(&request(&schema, Some(&live), &b, "mb", T2)).unwrap();
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"],
        json!([{"name": "a", "image": "ia"}, {"name": "b", "image": "ib"}])
    );
    let a2 = deploy(containers(json!([{"name": "a", "image": "ia2"}])));
    let live = apply(&request(&schema, Some(&live), &a2, "ma", T3)).unwrap();
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"],
        json!([{"name": "a", "image": "ia2"}, {"name": "b", "image": "ib"}])
    );
    // ma drops its container: only mb's remains.
    let none = deploy(containers(json!([])));
    let live = apply(&request(&schema, Some(&live), &none, "ma", T3)).unwrap();
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"],
        json!([{"name": "b", "image": "ib"}])
    );
    // mb changing ma's old image would be a conflict only if ma still owned it.
    assert!(entry(&live, "ma").is_none());
}

#[test]
fn list_map_keys_use_schema_defaults() {
    let schema = deployment();
    let config = deploy(containers(
        json!([{"name": "web", "ports": [{"containerPort": 80}]}]),
    ));
    let out = apply(&request(&schema, None, &config, "pequod", T1)).unwrap();
    let ports = &entry(&out, "pequod").unwrap()["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
        ["k:{\"name\":\"web\"}"]["f:ports"];
    assert_eq!(
        ports,
        &json!({"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}})
    );
}

#[test]
fn set_lists_merge_item_by_item() {
    let schema = deployment();
    let with = |items: Value| json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "finalizers": items}});
    let live = apply(&request(&schema, None, &with(json!(["x"])), "ma", T1)).unwrap();
    let live = apply(&request(
        &schema,
        Some(&live),
        &with(json!(["y"])),
        "mb",
        T2,
    ))
    .unwrap();
    assert_eq!(live["metadata"]["finalizers"], json!(["x", "y"]));
    assert_eq!(
        entry(&live, "ma").unwrap()["fieldsV1"],
        json!({"f:metadata": {"f:finalizers": {"v:\"x\"": {}}}})
    );
    let live = apply(&request(&schema, Some(&live), &with(json!([])), "ma", T3)).unwrap();
    assert_eq!(live["metadata"]["finalizers"], json!(["y"]));
}

#[test]
fn atomic_lists_are_one_field() {
    let schema = deployment();
    let a = deploy(containers(json!([{"name": "web", "args": ["a", "b"]}])));
    let b = deploy(containers(json!([{"name": "web", "args": ["c"]}])));
    let live = apply(&request(&schema, None, &a, "ma", T1)).unwrap();
    let err = apply(&request(&schema, Some(&live), &b, "mb", T2)).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "ma": .spec.template.spec.containers[name="web"].args"#
    );
    let out = apply(&Apply {
        force: true,
        ..request(&schema, Some(&live), &b, "mb", T2)
    })
    .unwrap();
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["args"],
        json!(["c"])
    );
    let ma = &entry(&out, "ma").unwrap()["fieldsV1"];
    assert_eq!(
        ma,
        &json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:name": {}}}}}}})
    );
}

#[test]
fn an_update_takes_fields_from_an_applier() {
    let schema = deployment();
    let live = apply(&request(
        &schema,
        None,
        &deploy(json!({"replicas": 2})),
        "pequod",
        T1,
    ))
    .unwrap();
    let mut scaled = live.clone();
    scaled["spec"]["replicas"] = json!(5);
    record_update(
        &update(&schema, Some(&live), "kubectl-scale", T2),
        &mut scaled,
    );
    assert!(entry(&scaled, "pequod").is_none(), "{scaled}");
    let scale = entry(&scaled, "kubectl-scale").unwrap();
    assert_eq!(scale["operation"], "Update");
    assert_eq!(scale["time"], T2);
    assert_eq!(scale["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    let err = apply(&request(
        &schema,
        Some(&scaled),
        &deploy(json!({"replicas": 2})),
        "pequod",
        T3,
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas"#
    );
}

#[test]
fn updates_record_new_maps_and_skip_no_ops() {
    let schema = deployment();
    let mut created = deploy(json!({"replicas": 1}));
    created["metadata"]["labels"] = json!({"app": "web"});
    record_update(&update(&schema, None, "kubectl-create", T1), &mut created);
    assert_eq!(
        entry(&created, "kubectl-create").unwrap()["fieldsV1"],
        json!({"f:metadata": {"f:labels": {".": {}, "f:app": {}}}, "f:spec": {".": {}, "f:replicas": {}}})
    );
    let mut same = created.clone();
    same["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    same["metadata"]["resourceVersion"] = json!("7");
    record_update(&update(&schema, Some(&created), "other", T2), &mut same);
    assert_eq!(entries(&same), entries(&created));

    // An empty list clears managedFields.
    let mut reset = created.clone();
    reset["metadata"]["managedFields"] = json!([]);
    record_update(&update(&schema, Some(&created), "other", T2), &mut reset);
    assert!(reset["metadata"].get("managedFields").is_none(), "{reset}");
}

#[test]
fn reset_fields_and_subresources() {
    let schema = deployment();
    let mut config = deploy(json!({"replicas": 1}));
    config["status"] = json!({"readyReplicas": 1});
    let out = apply(&request(&schema, None, &config, "pequod", T1)).unwrap();
    assert_eq!(
        entry(&out, "pequod").unwrap()["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}}})
    );

    let status = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "status": {"readyReplicas": 2}});
    let req = Apply {
        subresource: Some("status"),
        reset_fields: &[&["spec"]],
        ..request(&schema, Some(&out), &status, "pequod", T2)
    };
    let out = apply(&req).unwrap();
    let all = entries(&out);
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["subresource"], "status");
    assert_eq!(
        all[1]["fieldsV1"],
        json!({"f:status": {"f:readyReplicas": {}}})
    );

    let mut mutated = out.clone();
    mutated["status"]["readyReplicas"] = json!(3);
    let controller = Update {
        subresource: Some("status"),
        reset_fields: &[&["spec"]],
        ..update(&schema, Some(&out), "controller", T3)
    };
    record_update(&controller, &mut mutated);
    let err = apply(&Apply {
        subresource: Some("status"),
        reset_fields: &[&["spec"]],
        ..request(&schema, Some(&mutated), &status, "pequod", T3)
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "controller" with subresource "status" using apps/v1: .status.readyReplicas"#
    );
}

#[test]
fn invalid_configurations_are_rejected() {
    let schema = deployment();
    let mut with_managed = deploy(json!({}));
    with_managed["metadata"]["managedFields"] = json!([]);
    let missing_key = deploy(containers(json!([{"image": "x"}])));
    let duplicate = deploy(containers(json!([{"name": "a"}, {"name": "a"}])));
    let wrong_version = json!({"apiVersion": "apps/v2", "kind": "Deployment"});
    for config in [
        with_managed,
        missing_key,
        duplicate,
        wrong_version,
        json!([]),
    ] {
        let err = apply(&request(&schema, None, &config, "pequod", T1)).unwrap_err();
        assert!(matches!(err, ApplyError::Invalid(_)), "{config}: {err:?}");
    }
}

#[test]
fn untyped_objects_track_every_key() {
    let schema = Schema::any();
    let config = json!({"apiVersion": "apps/v1", "kind": "Thing", "metadata": {"name": "t"},
        "data": {"a": "1", "list": [1, 2]}});
    let out = apply(&request(&schema, None, &config, "pequod", T1)).unwrap();
    assert_eq!(
        entry(&out, "pequod").unwrap()["fieldsV1"],
        json!({"f:data": {".": {}, "f:a": {}, "f:list": {}}})
    );
    let smaller = json!({"apiVersion": "apps/v1", "kind": "Thing", "metadata": {"name": "t"}, "data": {"a": "2"}});
    let out = apply(&request(&schema, Some(&out), &smaller, "pequod", T2)).unwrap();
    assert_eq!(out["data"], json!({"a": "2"}));
}

#[test]
fn untracked_objects_stay_untracked_until_applied() {
    let schema = deployment();
    let live = deploy(json!({"replicas": 1}));
    let mut updated = deploy(json!({"replicas": 2}));
    record_update(&update(&schema, Some(&live), "kubectl", T1), &mut updated);
    assert!(
        updated["metadata"].get("managedFields").is_none(),
        "{updated}"
    );

    let config = deploy(json!({"replicas": 3}));
    let err = apply(&request(&schema, Some(&updated), &config, "pequod", T2)).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas"#
    );
    let same = deploy(json!({"replicas": 2}));
    let out = apply(&request(&schema, Some(&updated), &same, "pequod", T2)).unwrap();
    let names: Vec<&str> = entries(&out)
        .iter()
        .map(|e| e["manager"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pequod", "before-first-apply"]);
}

#[test]
fn update_managers_are_capped() {
    let schema = deployment();
    let mut live = deploy(json!({}));
    record_update(&update(&schema, None, "creator", T1), &mut live);
    for i in 0..12 {
        let mut next = live.clone();
        next["metadata"]["labels"][format!("l{i}")] = json!("x");
        let now = format!("2026-11-22T11:{i:02}:00Z");
        let manager = format!("writer-{i:02}");
        record_update(&update(&schema, Some(&live), &manager, &now), &mut next);
        live = next;
    }
    // Each write beyond ten updaters folds the oldest into the bucket, which
    // takes the time of the last entry merged into it.
    let all = entries(&live);
    assert_eq!(all.len(), 10);
    let ancient = entry(&live, "ancient-changes").unwrap();
    assert_eq!(ancient["time"], "2026-11-22T11:02:00Z");
    assert!(entry(&live, "creator").is_none());
    assert!(entry(&live, "writer-02").is_none());
    assert!(entry(&live, "writer-03").is_some());
}

#[test]
fn subresource_writes_keep_the_stored_managed_fields() {
    let schema = deployment();
    let live = apply(&request(
        &schema,
        None,
        &deploy(json!({"replicas": 1})),
        "pequod",
        T1,
    ))
    .unwrap();
    let mut new = live.clone();
    new["metadata"]["managedFields"] = json!([{"manager": "forged", "operation": "Apply",
        "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}}]);
    new["status"] = json!({"readyReplicas": 1});
    let status = Update {
        subresource: Some("status"),
        reset_fields: &[&["spec"]],
        ..update(&schema, Some(&live), "controller", T2)
    };
    record_update(&status, &mut new);
    let names: Vec<&str> = entries(&new)
        .iter()
        .map(|e| e["manager"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pequod", "controller"]);
    assert_eq!(entry(&new, "controller").unwrap()["subresource"], "status");

    // On the main resource, managed fields sent by the client replace the stored ones.
    let mut main = live.clone();
    main["metadata"]["managedFields"] = json!([{"manager": "imported", "operation": "Update",
        "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]);
    record_update(&update(&schema, Some(&live), "kubectl", T2), &mut main);
    let names: Vec<&str> = entries(&main)
        .iter()
        .map(|e| e["manager"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["imported"]);
}

#[test]
fn dropping_a_field_inside_an_applied_item_keeps_the_item() {
    let schema = deployment();
    let full = deploy(containers(
        json!([{"name": "web", "image": "nginx:1", "args": ["-v"]}]),
    ));
    let live = apply(&request(&schema, None, &full, "pequod", T1)).unwrap();
    let smaller = deploy(containers(json!([{"name": "web", "image": "nginx:1"}])));
    let out = apply(&request(&schema, Some(&live), &smaller, "pequod", T2)).unwrap();
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "web", "image": "nginx:1"}])
    );
    assert_eq!(entry(&out, "pequod").unwrap()["time"], T2);
}
