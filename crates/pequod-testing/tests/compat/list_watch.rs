//! Reads: selectors, pagination, watches (order, bookmarks, timeouts, old
//! resourceVersions) and server-side printing as a Table.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{
    DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::{Api, ResourceExt};
use serde_json::json;

use crate::crud::{configmap, deployment};
use crate::raw::{self, TABLE};
use crate::widget::Widgets;
use crate::{Ctx, TIMEOUT, api_error};

/// The ConfigMap the controller manager puts in every namespace.
const ROOT_CA: &str = "kube-root-ca.crt";

/// Creates ConfigMaps named `name` with `labels` in `namespace`.
async fn labelled(api: &Api<ConfigMap>, items: &[(&str, serde_json::Value)]) {
    for (name, labels) in items {
        let mut cm = configmap(name, json!({}));
        cm.metadata.labels = serde_json::from_value(labels.clone()).unwrap();
        api.create(&PostParams::default(), &cm).await.unwrap();
    }
}

async fn names(api: &Api<ConfigMap>, params: &ListParams) -> Vec<String> {
    let mut names: Vec<String> = api
        .list(params)
        .await
        .unwrap()
        .iter()
        .map(ResourceExt::name_any)
        .filter(|n| n != ROOT_CA)
        .collect();
    names.sort();
    names
}

async fn label_selectors(ctx: Ctx) {
    let ns = ctx.namespace("lw-labels").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    labelled(
        &api,
        &[
            ("a", json!({"env": "prod", "tier": "web"})),
            ("b", json!({"env": "dev", "tier": "web"})),
            ("c", json!({"env": "staging"})),
            ("d", json!({})),
        ],
    )
    .await;
    let cases: [(&str, &[&str]); 8] = [
        ("env=prod", &["a"]),
        ("env==prod", &["a"]),
        // Objects without the label match `!=` and `notin`.
        ("env!=prod", &["b", "c", "d"]),
        ("env in (prod,dev)", &["a", "b"]),
        ("env notin (prod,dev)", &["c", "d"]),
        ("tier", &["a", "b"]),
        ("!tier", &["c", "d"]),
        ("env in (prod,dev),tier=web,!missing", &["a", "b"]),
    ];
    for (selector, expected) in cases {
        assert_eq!(
            names(&api, &ListParams::default().labels(selector)).await,
            expected,
            "{selector}"
        );
    }
    let status = api_error(api.list(&ListParams::default().labels("env===x")).await);
    assert_eq!(status.code, 400, "{status:?}");
}

async fn field_selectors(ctx: Ctx) {
    let ns = ctx.namespace("lw-fields").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    labelled(&api, &[("a", json!({})), ("b", json!({"x": "y"}))]).await;
    assert_eq!(
        names(&api, &ListParams::default().fields("metadata.name=b")).await,
        ["b"]
    );
    assert_eq!(
        names(&api, &ListParams::default().fields("metadata.name!=b")).await,
        ["a"]
    );
    // Label and field selectors combine.
    assert_eq!(
        names(
            &api,
            &ListParams::default()
                .fields("metadata.name!=a")
                .labels("x=y")
        )
        .await,
        ["b"]
    );
    let all: Api<ConfigMap> = Api::all(ctx.client.clone());
    let in_ns = names(
        &all,
        &ListParams::default().fields(&format!("metadata.namespace={ns}")),
    )
    .await;
    assert_eq!(in_ns, ["a", "b"]);

    let status = api_error(api.list(&ListParams::default().fields("data.k=1")).await);
    assert_eq!(status.code, 400);
    assert_eq!(status.reason, "BadRequest");
    assert_eq!(
        status.message,
        r#""data.k" is not a known field selector: only "metadata.name", "metadata.namespace""#
    );
}

async fn pagination(ctx: Ctx) {
    let ns = ctx.namespace("lw-pages").await;
    // Secrets, since no controller adds any to a new namespace (the
    // controller manager adds a ConfigMap), so the set holds still.
    let api: Api<Secret> = Api::namespaced(ctx.client.clone(), &ns);
    let secret = |name: &str| -> Secret {
        serde_json::from_value(json!({"metadata": {"name": name}})).unwrap()
    };
    for i in 0..6 {
        api.create(&PostParams::default(), &secret(&format!("s-{i}")))
            .await
            .unwrap();
    }
    let expected: Vec<String> = (0..6).map(|i| format!("s-{i}")).collect();

    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.metadata.remaining_item_count, Some(4));
    let snapshot = first.metadata.resource_version.clone().unwrap();
    let mut token = first.metadata.continue_.clone().expect("a continue token");
    let mut seen: Vec<String> = first.iter().map(ResourceExt::name_any).collect();

    // Writes between pages do not show: every page reads the first one's snapshot.
    api.create(&PostParams::default(), &secret("s-late"))
        .await
        .unwrap();
    api.delete("s-5", &DeleteParams::default()).await.unwrap();

    let mut pages = 1;
    loop {
        let page = api
            .list(&ListParams::default().limit(2).continue_token(&token))
            .await
            .unwrap();
        pages += 1;
        assert_eq!(
            page.metadata.resource_version.as_deref(),
            Some(snapshot.as_str())
        );
        seen.extend(page.iter().map(ResourceExt::name_any));
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            Some(next) => {
                assert_eq!(page.metadata.remaining_item_count, Some(6 - 2 * pages));
                token = next;
            }
            None => {
                assert_eq!(page.metadata.remaining_item_count, None);
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    // Pages come in name order.
    assert_eq!(seen, expected);

    // A fresh list sees the writes.
    let now: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .iter()
        .map(ResourceExt::name_any)
        .collect();
    assert!(now.contains(&"s-late".to_owned()) && !now.contains(&"s-5".to_owned()));

    // A malformed continue token is refused.
    let status = api_error(
        api.list(&ListParams::default().limit(2).continue_token("not-a-token"))
            .await,
    );
    assert_eq!(status.code, 400, "{status:?}");
}

async fn watch_event_order(ctx: Ctx) {
    let ns = ctx.namespace("lw-watch").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let start = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut events = api
        .watch(
            &WatchParams::default().fields("metadata.name=w").timeout(30),
            &start,
        )
        .await
        .unwrap()
        .boxed();

    let created = api
        .create(&PostParams::default(), &configmap("w", json!({"n": "1"})))
        .await
        .unwrap();
    let modified = api
        .patch(
            "w",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"n": "2"}})),
        )
        .await
        .unwrap();
    api.delete("w", &DeleteParams::default()).await.unwrap();

    let mut seen = Vec::new();
    tokio::time::timeout(TIMEOUT, async {
        while seen.len() < 3 {
            match events.try_next().await.unwrap().expect("watch ended early") {
                WatchEvent::Added(o) => seen.push(("ADDED", o)),
                WatchEvent::Modified(o) => seen.push(("MODIFIED", o)),
                WatchEvent::Deleted(o) => seen.push(("DELETED", o)),
                WatchEvent::Bookmark(_) => {}
                WatchEvent::Error(e) => panic!("watch error {e:?}"),
            }
        }
    })
    .await
    .expect("three events");
    let kinds: Vec<&str> = seen.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, ["ADDED", "MODIFIED", "DELETED"]);
    assert_eq!(seen[0].1.resource_version(), created.resource_version());
    assert_eq!(seen[1].1.resource_version(), modified.resource_version());
    assert_eq!(seen[1].1.data.as_ref().unwrap()["n"], "2");
    // DELETED carries the last state, at the version of the deletion.
    assert_eq!(seen[2].1.data.as_ref().unwrap()["n"], "2");
    let rv = |i: usize| {
        seen[i]
            .1
            .resource_version()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(rv(0) < rv(1) && rv(1) < rv(2));

    // A watch from the creation's version replays only what came after it.
    let mut replay = api
        .watch(
            &WatchParams::default().fields("metadata.name=w").timeout(2),
            &created.resource_version().unwrap(),
        )
        .await
        .unwrap()
        .boxed();
    let mut replayed = Vec::new();
    while let Some(event) = replay.try_next().await.unwrap() {
        match event {
            WatchEvent::Modified(_) => replayed.push("MODIFIED"),
            WatchEvent::Deleted(_) => replayed.push("DELETED"),
            WatchEvent::Added(_) => replayed.push("ADDED"),
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(e) => panic!("watch error {e:?}"),
        }
    }
    assert_eq!(replayed, ["MODIFIED", "DELETED"]);
}

async fn watch_bookmarks(ctx: Ctx) {
    let ns = ctx.namespace("lw-bookmark").await;
    let other = ctx.namespace("lw-bookmark-other").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let start = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    // The server bookmarks a watch that asked for it shortly before its
    // timeout (kube-apiserver: 2 s before), at the newest version it has seen.
    let mut events = api
        .watch(&WatchParams::default().timeout(8), &start)
        .await
        .unwrap()
        .boxed();
    Api::<ConfigMap>::namespaced(ctx.client.clone(), &other)
        .create(&PostParams::default(), &configmap("elsewhere", json!({})))
        .await
        .unwrap();
    let mut bookmarks = Vec::new();
    while let Some(event) = events.try_next().await.unwrap() {
        match event {
            WatchEvent::Bookmark(b) => bookmarks.push(b),
            WatchEvent::Added(o) if o.name_any() == ROOT_CA => {}
            other => panic!("unexpected event {other:?}"),
        }
    }
    let bookmark = bookmarks.last().expect("a bookmark before the timeout");
    assert_eq!(bookmark.types.kind, "ConfigMap");
    assert_eq!(bookmark.types.api_version, "v1");
    let version: u64 = bookmark.metadata.resource_version.parse().unwrap();
    assert!(version >= start.parse().unwrap());
}

async fn watch_timeout(ctx: Ctx) {
    let ns = ctx.namespace("lw-timeout").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let began = Instant::now();
    let events = api
        .watch(&WatchParams::default().timeout(1).disable_bookmarks(), "0")
        .await
        .unwrap();
    // The server ends the stream cleanly once timeoutSeconds have passed.
    let collected: Vec<_> = tokio::time::timeout(TIMEOUT, events.collect::<Vec<_>>())
        .await
        .expect("the watch ended");
    let took = began.elapsed();
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // resourceVersion=0 starts with the current state as ADDED events.
    for event in collected {
        assert!(matches!(event.unwrap(), WatchEvent::Added(_)));
    }
}

/// The real kube-apiserver compacts etcd every 5 minutes, so a young test
/// cluster still holds `resourceVersion=1`: a watch from it replays every
/// later event as ADDED. Once compacted, the same watch ends with an ERROR
/// event carrying 410 Gone (reason Expired). Either is Kubernetes
/// behaviour; this checks whichever the server gives is well formed.
async fn watch_too_old(ctx: Ctx) {
    let ns = ctx.namespace("lw-old").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    api.create(&PostParams::default(), &configmap("old", json!({})))
        .await
        .unwrap();
    let mut events = api
        .watch(
            &WatchParams::default()
                .fields("metadata.name=old")
                .timeout(5),
            "1",
        )
        .await
        .unwrap()
        .boxed();
    let first = tokio::time::timeout(TIMEOUT, events.try_next())
        .await
        .expect("an event")
        .unwrap()
        .expect("the watch ended without an event");
    match first {
        WatchEvent::Added(o) => assert_eq!(o.name_any(), "old"),
        WatchEvent::Error(e) => {
            assert_eq!(e.code, 410, "{e:?}");
            assert_eq!(e.reason, "Expired", "{e:?}");
        }
        other => panic!("unexpected first event {other:?}"),
    }
}

async fn table_for_deployment(ctx: Ctx) {
    let ns = ctx.namespace("lw-table").await;
    let api: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ns);
    api.create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    let table = raw::get(
        &ctx.client,
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        TABLE,
    )
    .await;
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["apiVersion"], "meta.k8s.io/v1");
    let columns: Vec<(&str, i64)> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["priority"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        columns,
        [
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
    let row = &table["rows"][0];
    let cells = row["cells"].as_array().unwrap();
    assert_eq!(cells[0], "web");
    // Ready, Up-to-date and Available come from the Deployment controller.
    assert_eq!(cells[5], "web");
    assert_eq!(cells[6], "nginx:1.27");
    assert_eq!(cells[7], "app=web");
    // Rows carry the object's metadata unless asked for more.
    assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(row["object"]["metadata"]["name"], "web");

    // A single object prints as a one-row table.
    let one = raw::get(
        &ctx.client,
        &format!("/apis/apps/v1/namespaces/{ns}/deployments/web"),
        TABLE,
    )
    .await;
    assert_eq!(one["rows"].as_array().unwrap().len(), 1);
}

async fn table_for_custom_resource(ctx: Ctx) {
    let ns = ctx.namespace("lw-crtable").await;
    let widgets = Widgets::install(&ctx).await;
    widgets
        .api(&ns)
        .create(
            &PostParams::default(),
            &widgets.object("w", json!({"size": 2})),
        )
        .await
        .unwrap();
    let table = raw::get(
        &ctx.client,
        &format!("/apis/{}/v1/namespaces/{ns}/widgets", widgets.group),
        TABLE,
    )
    .await;
    let columns: Vec<(&str, &str)> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        columns,
        [
            ("Name", "string"),
            ("Color", "string"),
            ("Size", "integer"),
            ("Age", "date")
        ]
    );
    let cells = table["rows"][0]["cells"].as_array().unwrap();
    assert_eq!(cells[0], "w");
    // The defaulted colour is printed.
    assert_eq!(cells[1], "blue");
    assert_eq!(cells[2], 2);
    assert!(cells[3].as_str().unwrap().ends_with('s'), "{}", cells[3]);
    widgets.uninstall().await;
}

async fn watch_selector_transitions(ctx: Ctx) {
    let ns = ctx.namespace("lw-transitions").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let start = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut events = api
        .watch(
            &WatchParams::default().labels("watched=yes").timeout(30),
            &start,
        )
        .await
        .unwrap()
        .boxed();
    let label = |value: &str| Patch::Merge(json!({"metadata": {"labels": {"watched": value}}}));
    let mut cm = configmap("moving", json!({}));
    cm.metadata.labels = Some([("watched".to_owned(), "yes".to_owned())].into());
    api.create(&PostParams::default(), &cm).await.unwrap();
    let left = api
        .patch("moving", &PatchParams::default(), &label("no"))
        .await
        .unwrap();
    // Invisible to this watch: it matches neither before nor after.
    api.patch(
        "moving",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "v"}})),
    )
    .await
    .unwrap();
    api.patch("moving", &PatchParams::default(), &label("yes"))
        .await
        .unwrap();

    let mut seen = Vec::new();
    tokio::time::timeout(TIMEOUT, async {
        while seen.len() < 3 {
            match events.try_next().await.unwrap().expect("watch ended early") {
                WatchEvent::Added(o) => seen.push(("ADDED", o)),
                WatchEvent::Modified(o) => seen.push(("MODIFIED", o)),
                WatchEvent::Deleted(o) => seen.push(("DELETED", o)),
                WatchEvent::Bookmark(_) => {}
                WatchEvent::Error(e) => panic!("watch error {e:?}"),
            }
        }
    })
    .await
    .expect("three events");
    let kinds: Vec<&str> = seen.iter().map(|(k, _)| *k).collect();
    // Leaving the selection reads as DELETED, entering it as ADDED. The
    // DELETED event carries the object as it was (still matching), at the
    // version of the change that made it leave.
    assert_eq!(kinds, ["ADDED", "DELETED", "ADDED"]);
    assert_eq!(seen[1].1.labels()["watched"], "yes");
    assert_eq!(seen[1].1.resource_version(), left.resource_version());
    assert_eq!(seen[2].1.labels()["watched"], "yes");
    assert_eq!(seen[2].1.data.as_ref().unwrap()["k"], "v");
}

async fn watch_initial_events(ctx: Ctx) {
    let ns = ctx.namespace("lw-initial").await;
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    labelled(&api, &[("a", json!({})), ("b", json!({}))]).await;
    let b = api.get("b").await.unwrap();
    // A streaming list (what kube-rs' watcher uses with streaming_lists):
    // the current state as ADDED events, then a bookmark marking its end.
    let mut events = api
        .watch(&WatchParams::streaming_lists().timeout(30), "")
        .await
        .unwrap()
        .boxed();
    let mut initial = Vec::new();
    let end = tokio::time::timeout(TIMEOUT, async {
        loop {
            match events.try_next().await.unwrap().expect("watch ended early") {
                WatchEvent::Added(o) => initial.push(o.name_any()),
                WatchEvent::Bookmark(b) => break b,
                other => panic!("unexpected event {other:?}"),
            }
        }
    })
    .await
    .expect("the initial events");
    initial.retain(|n| n != ROOT_CA);
    initial.sort();
    assert_eq!(initial, ["a", "b"]);
    assert_eq!(
        end.metadata
            .annotations
            .get("k8s.io/initial-events-end")
            .map(String::as_str),
        Some("true")
    );
    let at: u64 = end.metadata.resource_version.parse().unwrap();
    assert!(at >= b.resource_version().unwrap().parse().unwrap());

    // Then the watch goes on with changes.
    api.create(&PostParams::default(), &configmap("c", json!({})))
        .await
        .unwrap();
    let next = tokio::time::timeout(TIMEOUT, async {
        loop {
            match events.try_next().await.unwrap().expect("watch ended early") {
                WatchEvent::Bookmark(_) => {}
                WatchEvent::Added(o) if o.name_any() == ROOT_CA => {}
                other => break other,
            }
        }
    })
    .await
    .expect("the change");
    match next {
        WatchEvent::Added(o) => assert_eq!(o.name_any(), "c"),
        other => panic!("unexpected event {other:?}"),
    }
}

backends!(
    watch_initial_events,
    watch_selector_transitions,
    label_selectors,
    field_selectors,
    pagination,
    watch_event_order,
    watch_bookmarks,
    watch_timeout,
    watch_too_old,
    table_for_deployment,
    table_for_custom_resource
);
