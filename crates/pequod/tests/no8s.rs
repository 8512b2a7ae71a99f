#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]
//! Issue 7 as a user meets it: the `examples/no8s` walk-through on
//! `pequod up` (kubectl, `pequod history`), and two `pequod up` servers on
//! one PostgreSQL electing one leader, which hands over when killed.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{DataDir, Up, WEBSERVICE, eventually};

const NO8S: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/no8s");

fn pequod_history(up: &Up, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pequod"))
        .arg("history")
        .args(args)
        .arg("--kubeconfig")
        .arg(&up.kubeconfig)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pequod history {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The README's walk-through: publish the DatabaseCluster kind, create one,
/// watch it become Ready, read its status and history, delete it.
#[test]
fn no8s_walkthrough() {
    let dir = DataDir::new("up-no8s");
    let state = dir.0.join("no8s-state");
    let up = Up::start_with(
        &dir,
        "127.0.0.1:0",
        &[],
        &[("NO8S_STATE_DIR", state.to_str().unwrap())],
    );
    let k = up.kubectl();
    k.ok(&["apply", "-f", &format!("{NO8S}/reconciler.yaml")], None);
    k.ok(
        &[
            "wait",
            "--for=jsonpath={.status.phase}=Ready",
            "actionreconciler/databaseclusters",
            "--timeout=60s",
        ],
        None,
    );
    let out = k.eventually_ok(
        &["apply", "-f", &format!("{NO8S}/databasecluster.yaml")],
        None,
    );
    assert_eq!(
        out.trim(),
        "databasecluster.infra.example.com/production-pg created"
    );
    k.ok(
        &[
            "wait",
            "--for=condition=Ready",
            "databasecluster/production-pg",
            "--timeout=60s",
        ],
        None,
    );
    let object = k.json(&["get", "dbc", "production-pg"]);
    assert_eq!(object["status"]["phase"], "Ready");
    assert_eq!(
        object["status"]["outputs"]["endpoint"],
        "production-pg.default.db.example.internal:5432"
    );
    let table = k.ok(&["get", "databaseclusters"], None);
    assert!(
        table.contains("production-pg.default.db.example.internal:5432"),
        "{table}"
    );
    assert!(state.join("default_production-pg.json").exists());

    let records = k.ok(
        &[
            "get",
            "reconciliations",
            "-l",
            "pequod.io/resource-name=production-pg",
        ],
        None,
    );
    assert!(
        records.contains("create") && records.contains("Succeeded"),
        "{records}"
    );
    let history = pequod_history(&up, &["databasecluster/production-pg", "-n", "default"]);
    let lines: Vec<&str> = history.lines().collect();
    assert!(lines[0].starts_with("STARTED"), "{history}");
    assert!(
        lines[1].contains("create") && lines[1].contains("apply") && lines[1].contains("Succeeded"),
        "{history}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&pequod_history(&up, &["dbc/production-pg", "-o", "json"])).unwrap();
    assert_eq!(json[0]["spec"]["resource"]["name"], "production-pg");

    k.ok(
        &["delete", "-f", &format!("{NO8S}/databasecluster.yaml")],
        None,
    );
    assert!(k.gone(&["databasecluster", "production-pg"]));
    assert!(
        !state.join("default_production-pg.json").exists(),
        "the destroy action removed the state"
    );
    up.terminate();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether the process serving metrics on `port` holds the Lease.
fn leading(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut body = String::new();
    let _ = stream.read_to_string(&mut body);
    body.lines().any(|l| {
        l.starts_with("leader_election_master_status{")
            && l.contains("pequod-leader")
            && l.ends_with(" 1")
    })
}

/// Two servers on one PostgreSQL serve one API; one of them runs the
/// controllers; killing it hands them to the other within the Lease time.
#[test]
fn two_servers_on_one_postgres_elect_one_leader() {
    let postgres = pequod_testing::postgres::PostgresServer::start().unwrap();
    let url = postgres.url();
    let ports = [free_port(), free_port()];
    let dirs = [DataDir::new("up-ha-a"), DataDir::new("up-ha-b")];
    let metrics = |i: usize| format!("127.0.0.1:{}", ports[i]);
    let mut servers: Vec<Option<Up>> = (0..2)
        .map(|i| {
            Some(Up::start(
                &dirs[i],
                &[
                    "--database-url",
                    &url,
                    "--metrics-bind-address",
                    &metrics(i),
                ],
            ))
        })
        .collect();
    let kubectl = |i: usize, servers: &Vec<Option<Up>>| servers[i].as_ref().unwrap().kubectl();

    // One API: what one server takes, the other serves.
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: default\ndata:\n  k: v\n";
    kubectl(0, &servers).ok(&["apply", "-f", "-"], Some(cm));
    let got = kubectl(1, &servers).eventually_ok(
        &["get", "configmap", "shared", "-o", "jsonpath={.data.k}"],
        None,
    );
    assert_eq!(got, "v");

    // Exactly one leads, and its controllers serve both.
    eventually(Duration::from_secs(30), "a leader", || {
        leading(ports[0]) || leading(ports[1])
    });
    let leader = usize::from(leading(ports[1]));
    let standby = 1 - leader;
    assert!(!leading(ports[standby]), "both servers lead");
    let holder = kubectl(standby, &servers).ok(
        &[
            "get",
            "lease",
            "pequod-leader",
            "-n",
            "pequod-system",
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
        None,
    );
    assert!(!holder.is_empty());
    kubectl(standby, &servers).eventually_ok(&["apply", "-f", WEBSERVICE], None);
    kubectl(standby, &servers).ok(
        &[
            "wait",
            "--for=condition=Ready",
            "webservice/shop",
            "--timeout=60s",
        ],
        None,
    );

    // SIGKILL: no release; the standby takes over once the Lease expires.
    let killed = Instant::now();
    servers[leader].take().unwrap().kill();
    eventually(Duration::from_secs(40), "the standby to take over", || {
        leading(ports[standby])
    });
    let handover = killed.elapsed();
    assert!(
        handover < Duration::from_secs(30),
        "handover took {handover:?}"
    );
    let webservice = std::fs::read_to_string(WEBSERVICE)
        .unwrap()
        .replace("name: shop", "name: after-handover");
    let k = kubectl(standby, &servers);
    k.ok(&["apply", "-f", "-"], Some(&webservice));
    k.ok(
        &[
            "wait",
            "--for=condition=Ready",
            "webservice/after-handover",
            "--timeout=60s",
        ],
        None,
    );
    eprintln!("leader handover after SIGKILL: {handover:?}");
    servers[standby].take().unwrap().terminate();
}
