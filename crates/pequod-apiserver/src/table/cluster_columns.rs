//! Printers of cluster plumbing: Node, PersistentVolume, Endpoints,
//! EndpointSlice, ControllerRevision, StorageClass, IngressClass,
//! PriorityClass and the admission webhook configurations. Descriptions are overlaid from `descriptions.json`.

use serde_json::{Value, json};

use super::Column;
use super::cells::{age, col, int, len, string, text};

/// `GetAccessModesAsString`: each mode present, once, in this order.
pub(super) fn access_modes(o: &Value, ptr: &str) -> String {
    let modes: Vec<&str> = o
        .pointer(ptr)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let short = [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ];
    let present: Vec<&str> = short
        .iter()
        .filter(|(mode, _)| modes.contains(mode))
        .map(|(_, s)| *s)
        .collect();
    present.join(",")
}

/// `spec.storageClassName`, or the beta annotation that preceded it.
pub(super) fn storage_class(o: &Value) -> String {
    text(o, "/spec/storageClassName")
        .or_else(|| {
            text(
                o,
                "/metadata/annotations/volume.beta.kubernetes.io~1storage-class",
            )
        })
        .unwrap_or_default()
        .to_string()
}

pub(super) fn node(columns: &mut Vec<Column>) {
    columns.push(col(
        "Status",
        "string",
        "The status of the node",
        0,
        |o, _| json!(node_status(o)),
    ));
    columns.push(col(
        "Roles",
        "string",
        "The roles of the node",
        0,
        |o, _| json!(node_roles(o)),
    ));
    columns.push(age());
    columns.push(col(
        "Version",
        "string",
        "Kubelet Version reported by the node.",
        0,
        |o, _| json!(string(o, "/status/nodeInfo/kubeletVersion")),
    ));
    columns.push(col(
        "Internal-IP",
        "string",
        "List of addresses reachable to the node.",
        1,
        |o, _| json!(node_address(o, "InternalIP")),
    ));
    columns.push(col(
        "External-IP",
        "string",
        "List of addresses reachable to the node.",
        1,
        |o, _| json!(node_address(o, "ExternalIP")),
    ));
    columns.push(col(
        "OS-Image",
        "string",
        "OS Image reported by the node.",
        1,
        |o, _| json!(unknown_if_empty(string(o, "/status/nodeInfo/osImage"))),
    ));
    columns.push(col(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node.",
        1,
        |o, _| {
            let kernel = unknown_if_empty(string(o, "/status/nodeInfo/kernelVersion"));
            json!(
                match text(o, "/status/nodeInfo/architecture").filter(|a| !a.is_empty()) {
                    Some(arch) => format!("{kernel} ({arch})"),
                    None => kernel,
                }
            )
        },
    ));
    columns.push(col(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node.",
        1,
        |o, _| {
            json!(unknown_if_empty(string(
                o,
                "/status/nodeInfo/containerRuntimeVersion"
            )))
        },
    ));
}

fn unknown_if_empty(s: String) -> String {
    if s.is_empty() { "<unknown>".into() } else { s }
}

/// `Ready`/`NotReady` from the Ready condition (`Unknown` without one), then
/// `SchedulingDisabled` for a cordoned node.
fn node_status(o: &Value) -> String {
    let ready = o
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .rfind(|c| text(c, "/type") == Some("Ready"))
        .map(|c| {
            if text(c, "/status") == Some("True") {
                "Ready"
            } else {
                "NotReady"
            }
        });
    let mut status = vec![ready.unwrap_or("Unknown")];
    if o.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled");
    }
    status.join(",")
}

/// `findNodeRoles`: `node-role.kubernetes.io/<role>` labels and the value of
/// `kubernetes.io/role`, sorted; `<none>` when there are none.
fn node_roles(o: &Value) -> String {
    let mut roles = std::collections::BTreeSet::new();
    for (key, value) in o
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(role) = key
            .strip_prefix("node-role.kubernetes.io/")
            .filter(|r| !r.is_empty())
        {
            roles.insert(role.to_string());
        } else if let Some(v) = value
            .as_str()
            .filter(|v| key == "kubernetes.io/role" && !v.is_empty())
        {
            roles.insert(v.to_string());
        }
    }
    if roles.is_empty() {
        "<none>".into()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    }
}

fn node_address(o: &Value, kind: &str) -> String {
    o.pointer("/status/addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|a| text(a, "/type") == Some(kind))
        .and_then(|a| text(a, "/address"))
        .unwrap_or("<none>")
        .to_string()
}

pub(super) fn persistent_volume(columns: &mut Vec<Column>) {
    columns.push(col(
        "Capacity",
        "string",
        "capacity is the description of the persistent volume's resources and capacity.",
        0,
        |o, _| json!(string(o, "/spec/capacity/storage")),
    ));
    columns.push(col(
        "Access Modes",
        "string",
        "accessModes contains all ways the volume can be mounted.",
        0,
        |o, _| json!(access_modes(o, "/spec/accessModes")),
    ));
    columns.push(col("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.", 0, |o, _| {
        json!(string(o, "/spec/persistentVolumeReclaimPolicy"))
    }));
    columns.push(col(
        "Status",
        "string",
        "phase indicates if a volume is available, bound to a claim, or released by a claim.",
        0,
        |o, _| {
            json!(if o
                .pointer("/metadata/deletionTimestamp")
                .is_some_and(|d| !d.is_null())
            {
                "Terminating".to_string()
            } else {
                string(o, "/status/phase")
            })
        },
    ));
    columns.push(col("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.", 0, |o, _| {
        json!(match o.pointer("/spec/claimRef") {
            Some(r) if r.is_object() => format!("{}/{}", string(r, "/namespace"), string(r, "/name")),
            _ => String::new(),
        })
    }));
    columns.push(col(
        "StorageClass",
        "string",
        "StorageClass of the pv",
        0,
        |o, _| json!(storage_class(o)),
    ));
    columns.push(col(
        "VolumeAttributesClass",
        "string",
        "VolumeAttributesClass of the pv",
        0,
        |o, _| json!(text(o, "/spec/volumeAttributesClassName").unwrap_or("<unset>")),
    ));
    columns.push(col(
        "Reason",
        "string",
        "reason is a brief CamelCase string that describes any failure.",
        0,
        |o, _| json!(string(o, "/status/reason")),
    ));
    columns.push(age());
    columns.push(col("VolumeMode", "string", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", 1, |o, _| {
        json!(text(o, "/spec/volumeMode").unwrap_or("<unset>"))
    }));
}

pub(super) fn endpoints(columns: &mut Vec<Column>) {
    columns.push(col(
        "Endpoints",
        "string",
        "The set of all endpoints is the union of all subsets.",
        0,
        |o, _| json!(format_endpoints(o)),
    ));
    columns.push(age());
}

/// `formatEndpoints`: up to three `ip:port` pairs (port by port), then
/// `+ N more...`; bare IPs for subsets without ports; `<none>` when empty.
fn format_endpoints(o: &Value) -> String {
    let subsets = o
        .pointer("/subsets")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if subsets.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let (mut list, mut more, mut count) = (Vec::new(), false, 0);
    for subset in &subsets {
        let addresses = subset
            .get("addresses")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let ports = subset
            .get("ports")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if ports.is_empty() {
            count += addresses.len();
            for address in &addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(string(address, "/ip"));
            }
            continue;
        }
        for port in &ports {
            count += addresses.len();
            for address in &addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                let ip = string(address, "/ip");
                // net.JoinHostPort brackets IPv6 addresses.
                let host = if ip.contains(':') {
                    format!("[{ip}]")
                } else {
                    ip
                };
                list.push(format!("{host}:{}", int(port, "/port")));
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

pub(super) fn storage_class_columns(columns: &mut Vec<Column>) {
    columns.push(col(
        "Provisioner",
        "string",
        "provisioner indicates the type of the provisioner.",
        0,
        |o, _| json!(string(o, "/provisioner")),
    ));
    columns.push(col("ReclaimPolicy", "string", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.", 0, |o, _| {
        json!(text(o, "/reclaimPolicy").unwrap_or("Delete"))
    }));
    columns.push(col(
        "VolumeBindingMode",
        "string",
        "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
        0,
        |o, _| json!(text(o, "/volumeBindingMode").unwrap_or("Immediate")),
    ));
    columns.push(col(
        "AllowVolumeExpansion",
        "string",
        "allowVolumeExpansion shows whether the storage class allow volume expand.",
        0,
        |o, _| {
            json!(
                o.get("allowVolumeExpansion")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            )
        },
    ));
    columns.push(age());
}

pub(super) fn ingress_class(columns: &mut Vec<Column>) {
    columns.push(col(
        "Controller",
        "string",
        "Controller that is responsible for handling this class",
        0,
        |o, _| json!(string(o, "/spec/controller")),
    ));
    columns.push(col(
        "Parameters",
        "string",
        "A reference to a resource with additional parameters",
        0,
        |o, _| {
            json!(match o.pointer("/spec/parameters") {
                Some(p) if p.is_object() => {
                    let kind = match text(p, "/apiGroup") {
                        Some(group) => format!("{}.{group}", string(p, "/kind")),
                        None => string(p, "/kind"),
                    };
                    format!("{kind}/{}", string(p, "/name"))
                }
                _ => "<none>".to_string(),
            })
        },
    ));
    columns.push(age());
}

pub(super) fn priority_class(columns: &mut Vec<Column>) {
    columns.push(col(
        "Value",
        "integer",
        "value represents the integer value of this priority class.",
        0,
        |o, _| json!(int(o, "/value")),
    ));
    columns.push(col("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the default priority.", 0, |o, _| {
        json!(o.get("globalDefault").and_then(Value::as_bool).unwrap_or(false))
    }));
    columns.push(age());
    columns.push(col(
        "PreemptionPolicy",
        "string",
        "preemptionPolicy is the Policy for preempting pods with lower priority.",
        0,
        |o, _| json!(string(o, "/preemptionPolicy")),
    ));
}

pub(super) fn webhook_configuration(columns: &mut Vec<Column>) {
    columns.push(col(
        "Webhooks",
        "integer",
        "Webhooks indicates the number of webhooks registered in this configuration",
        0,
        |o, _| json!(len(o, "/webhooks")),
    ));
    columns.push(age());
}

pub(super) fn endpoint_slice(columns: &mut Vec<Column>) {
    columns.push(col(
        "AddressType",
        "string",
        "addressType specifies the type of address carried by this EndpointSlice.",
        0,
        |o, _| json!(string(o, "/addressType")),
    ));
    columns.push(col(
        "Ports",
        "string",
        "ports specifies the list of network ports exposed by each endpoint in this slice.",
        0,
        |o, _| {
            let ports: Vec<String> = o
                .pointer("/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(
                    |p| match (p.get("port").and_then(Value::as_i64), text(p, "/name")) {
                        (Some(port), _) => port.to_string(),
                        (None, Some(name)) => name.to_string(),
                        (None, None) => "*".to_string(),
                    },
                )
                .collect();
            json!(list_with_more(ports))
        },
    ));
    columns.push(col(
        "Endpoints",
        "string",
        "endpoints is a list of unique endpoints in this slice.",
        0,
        |o, _| {
            let addresses: Vec<String> = o
                .pointer("/endpoints")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .flat_map(|e| {
                    e.get("addresses")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                })
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect();
            json!(list_with_more(addresses))
        },
    ));
    columns.push(age());
}

/// `listWithMoreString`: three items, then `+ N more...`; `<unset>` when empty.
fn list_with_more(items: Vec<String>) -> String {
    const MAX: usize = 3;
    match items.len() {
        0 => "<unset>".into(),
        n if n > MAX => format!("{} + {} more...", items[..MAX].join(","), n - MAX),
        _ => items.join(","),
    }
}

pub(super) fn controller_revision(columns: &mut Vec<Column>) {
    columns.push(col(
        "Controller",
        "string",
        "Controller of the object",
        0,
        |o, _| json!(controller_of(o)),
    ));
    columns.push(col(
        "Revision",
        "string",
        "Revision indicates the revision of the state represented by Data.",
        0,
        |o, _| json!(int(o, "/revision")),
    ));
    columns.push(age());
}

/// The controlling owner as `kind.group/name` in lower case, `<none>` without one.
fn controller_of(o: &Value) -> String {
    let owner = o
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true));
    let Some(owner) = owner else {
        return "<none>".into();
    };
    let group = string(owner, "/apiVersion")
        .rsplit_once('/')
        .map(|(g, _)| g.to_string())
        .unwrap_or_default();
    let kind = string(owner, "/kind");
    let group_kind = if group.is_empty() {
        kind
    } else {
        format!("{kind}.{group}")
    };
    format!("{}/{}", group_kind.to_lowercase(), string(owner, "/name"))
}
