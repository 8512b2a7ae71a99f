//! Printers of Service and Ingress.

use serde_json::{Value, json};

use super::Column;
use super::cells::*;
use super::format::format_labels;

pub(super) fn service(columns: &mut Vec<Column>) {
    columns.push(col(
        "Type",
        "string",
        "type determines how the Service is exposed.",
        0,
        |o, _| json!(text(o, "/spec/type").unwrap_or("ClusterIP")),
    ));
    columns.push(col(
        "Cluster-IP",
        "string",
        "clusterIP is the IP address of the service.",
        0,
        |o, _| or_none(string(o, "/spec/clusterIPs/0")),
    ));
    columns.push(col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.", 0, |o, _| {
        json!(service_external_ip(o))
    }));
    columns.push(col(
        "Port(s)",
        "string",
        "The list of ports that are exposed by this service.",
        0,
        |o, _| {
            let ports: Vec<String> = o
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    let port = int(p, "/port");
                    let protocol = text(p, "/protocol").unwrap_or("TCP");
                    match int(p, "/nodePort") {
                        0 => format!("{port}/{protocol}"),
                        node => format!("{port}:{node}/{protocol}"),
                    }
                })
                .collect();
            or_none(ports.join(","))
        },
    ));
    columns.push(age());
    columns.push(selector_column(
        "Route service traffic to pods with label keys and values matching this selector.",
        |o, _| {
            json!(format_labels(
                o.pointer("/spec/selector").and_then(Value::as_object)
            ))
        },
    ));
}

/// `loadBalancerStatusStringer` (wide): the set of ingress IPs (or hostnames), sorted.
fn load_balancer_addresses(o: &Value) -> Vec<String> {
    o.pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            text(i, "/ip")
                .filter(|s| !s.is_empty())
                .or_else(|| text(i, "/hostname").filter(|s| !s.is_empty()))
                .map(str::to_string)
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn service_external_ip(o: &Value) -> String {
    let external: Vec<String> = o
        .pointer("/spec/externalIPs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    match text(o, "/spec/type").unwrap_or("ClusterIP") {
        "ClusterIP" | "NodePort" if external.is_empty() => "<none>".into(),
        "ClusterIP" | "NodePort" => external.join(","),
        "LoadBalancer" => {
            let mut all = load_balancer_addresses(o);
            all.extend(external);
            if all.is_empty() {
                "<pending>".into()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => string(o, "/spec/externalName"),
        _ => "<unknown>".into(),
    }
}

pub(super) fn ingress(columns: &mut Vec<Column>) {
    columns.push(col(
        "Class",
        "string",
        "The name of the IngressClass resource that should be used for additional configuration",
        0,
        |o, _| or_none(string(o, "/spec/ingressClassName")),
    ));
    columns.push(col(
        "Hosts",
        "string",
        "Hosts that incoming requests are matched against before the ingress rule",
        0,
        |o, _| {
            // `formatHosts`: the first three non-empty hosts, counting every rule after them.
            let rules = o
                .pointer("/spec/rules")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut hosts = Vec::new();
            let mut more = false;
            for rule in &rules {
                if hosts.len() == 3 {
                    more = true;
                }
                match text(rule, "/host") {
                    Some(h) if !more && !h.is_empty() => hosts.push(h.to_string()),
                    _ => {}
                }
            }
            json!(match (hosts.is_empty(), more) {
                (true, _) => "*".to_string(),
                (false, true) => format!("{} + {} more...", hosts.join(","), rules.len() - 3),
                (false, false) => hosts.join(","),
            })
        },
    ));
    columns.push(col(
        "Address",
        "string",
        "Address is a list containing ingress points for the load-balancer",
        0,
        |o, _| json!(load_balancer_addresses(o).join(",")),
    ));
    columns.push(col(
        "Ports",
        "string",
        "Ports of TLS configurations that open",
        0,
        |o, _| {
            json!(if len(o, "/spec/tls") > 0 {
                "80, 443"
            } else {
                "80"
            })
        },
    ));
    columns.push(age());
}
