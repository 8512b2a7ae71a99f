//! Stable digests of objects: of what Pequod sends (to skip unchanged
//! applies) and of what the server holds of it (to notice drift).

use serde_json::Value;
use sha2::{Digest, Sha256};

/// `sha256:<hex>` of `value` in canonical form (object keys sorted), so the
/// digest does not depend on key order.
pub fn digest(value: &Value) -> String {
    let mut hasher = Sha256::new();
    feed(&mut hasher, value);
    let bytes = hasher.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn feed(h: &mut Sha256, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            h.update(b"{");
            for k in keys {
                feed(h, &Value::String(k.clone()));
                h.update(b":");
                if let Some(v) = map.get(k) {
                    feed(h, v);
                }
                h.update(b",");
            }
            h.update(b"}");
        }
        Value::Array(items) => {
            h.update(b"[");
            for v in items {
                feed(h, v);
                h.update(b",");
            }
            h.update(b"]");
        }
        scalar => h.update(scalar.to_string().as_bytes()),
    }
}

/// The part of `live` that `desired` speaks about: the same keys, recursively.
/// Lists of the same length are projected element by element; otherwise the
/// live list is kept whole. Comparing projections of the live object over
/// time shows when someone else changed what Pequod set, without being
/// fooled by the server's normalisation (`1Gi` for `1024Mi`).
pub fn project(live: &Value, desired: &Value) -> Value {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => Value::Object(
            d.iter()
                .map(|(k, dv)| {
                    (
                        k.clone(),
                        l.get(k).map_or(Value::Null, |lv| project(lv, dv)),
                    )
                })
                .collect(),
        ),
        (Value::Array(l), Value::Array(d)) if l.len() == d.len() => {
            Value::Array(l.iter().zip(d).map(|(lv, dv)| project(lv, dv)).collect())
        }
        _ => live.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{digest, project};

    #[test]
    fn digest_ignores_key_order() {
        let a = json!({"a": 1, "b": {"c": [1, "x"], "d": null}});
        let b = json!({"b": {"d": null, "c": [1, "x"]}, "a": 1});
        assert_eq!(digest(&a), digest(&b));
        assert_ne!(
            digest(&a),
            digest(&json!({"a": 2, "b": {"c": [1, "x"], "d": null}}))
        );
        assert!(digest(&a).starts_with("sha256:") && digest(&a).len() == 71);
    }

    #[test]
    fn projection_keeps_what_desired_names() {
        let live = json!({"metadata": {"name": "x", "uid": "u"}, "data": {"a": "1", "b": "2"},
                          "spec": {"ports": [{"port": 80, "protocol": "TCP"}]}});
        let desired = json!({"metadata": {"name": "x"}, "data": {"a": "1"}, "spec": {"ports": [{"port": 80}]}});
        assert_eq!(
            project(&live, &desired),
            json!({"metadata": {"name": "x"}, "data": {"a": "1"}, "spec": {"ports": [{"port": 80}]}})
        );
        // A field someone removed shows as null, so the projection changes.
        let edited = json!({"metadata": {"name": "x"}, "data": {}});
        assert_eq!(
            project(&edited, &json!({"data": {"a": "1"}})),
            json!({"data": {"a": null}})
        );
    }
}
