//! How kube-apiserver renders cell values: ages, JSONPath results, label maps.

use jiff::Timestamp;
use serde_json::{Map, Value};

/// `duration.HumanDuration`: the age format of `kubectl get` (`45s`,
/// `3m20s`, `5h2m`, `12d`, `2y30d`).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Parses an RFC 3339 timestamp as stored in objects.
pub(crate) fn parse_time(value: &str) -> Option<Timestamp> {
    value.parse().ok()
}

/// `translateTimestampSince`: the age of an RFC 3339 timestamp, `<unknown>`
/// when it is absent.
pub fn translate_timestamp_since(timestamp: Option<&str>, now: Timestamp) -> String {
    match timestamp.filter(|t| !t.is_empty()).map(parse_time) {
        None => "<unknown>".into(),
        Some(None) => "<invalid>".into(),
        Some(Some(t)) => human_duration(now.as_second() - t.as_second()),
    }
}

/// `cellForJSONValue` and the `string` column printing of the CRD table
/// convertor: the first JSONPath result converted to the column's type, or
/// null when it does not fit.
pub(crate) fn json_path_cell(type_: &str, value: Value, now: Timestamp) -> Value {
    match (type_, value) {
        (_, Value::Null) => Value::Null,
        ("string", Value::String(s)) => Value::String(s),
        ("string", v @ (Value::Object(_) | Value::Array(_))) => Value::String(go_json(&v)),
        ("string", Value::Number(n)) => Value::String(go_number(&n)),
        ("string", Value::Bool(b)) => Value::String(b.to_string()),
        ("integer", Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map_or(Value::Null, Value::from),
        ("number", Value::Number(n)) => n.as_f64().map_or(Value::Null, number_value),
        ("boolean", Value::Bool(b)) => Value::Bool(b),
        // An empty or "null" string is the zero time, which prints as unknown.
        ("date", Value::String(s)) if s.is_empty() || s == "null" => Value::from("<unknown>"),
        ("date", Value::String(s)) => Value::String(match parse_time(&s) {
            Some(t) => human_duration(now.as_second() - t.as_second()),
            None => "<invalid>".into(),
        }),
        _ => Value::Null,
    }
}

/// A float the way Go's encoder writes it: integral values without `.0`.
fn number_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        Value::from(f as i64)
    } else {
        Value::from(f)
    }
}

/// `json.Marshal` of a decoded value: Go writes map keys sorted.
fn go_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let fields: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", go_json_string(k), go_json(v)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(go_json).collect::<Vec<_>>().join(",")
        ),
        Value::String(s) => go_json_string(s),
        other => other.to_string(),
    }
}

/// A JSON string as Go's encoder writes it, which also escapes `<`, `>`, `&`
/// and the line and paragraph separators.
fn go_json_string(s: &str) -> String {
    Value::String(s.to_string())
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// `fmt.Sprint` of a decoded JSON number (int64 or float64).
fn go_number(n: &serde_json::Number) -> String {
    match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i.to_string(),
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
        _ => n.to_string(),
    }
}

/// `labels.FormatLabels`: `k=v` pairs sorted by key, `<none>` when empty.
pub(crate) fn format_labels(labels: Option<&Map<String, Value>>) -> String {
    let mut pairs: Vec<String> = labels
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        "<none>".into()
    } else {
        pairs.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apimachinery_cases() {
        // Cases from apimachinery's duration_test.go TestHumanDuration.
        let cases = [
            (1, "1s"),
            (70, "70s"),
            (190, "3m10s"),
            (70 * 60, "70m"),
            (47 * 60 * 60, "47h"),
            (49 * 60 * 60, "2d1h"),
            ((8 * 24 + 2) * 60 * 60, "8d"),
            (367 * 24 * 60 * 60, "367d"),
            ((365 * 2 + 10) * 24 * 60 * 60, "2y10d"),
            ((365 * 8 + 10) * 24 * 60 * 60, "8y"),
            (-1, "0s"),
            (-2, "<invalid>"),
            (5 * 3600 + 30 * 60, "5h30m"),
            (600, "10m"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn timestamps() {
        let now: Timestamp = "2024-01-01T00:05:00Z".parse().unwrap();
        assert_eq!(
            translate_timestamp_since(Some("2024-01-01T00:00:00Z"), now),
            "5m"
        );
        assert_eq!(translate_timestamp_since(None, now), "<unknown>");
    }

    #[test]
    fn json_path_cells_follow_column_type() {
        let now: Timestamp = "2024-01-01T01:00:00Z".parse().unwrap();
        assert_eq!(
            json_path_cell("integer", Value::from(3.7), now),
            Value::from(3)
        );
        assert_eq!(
            json_path_cell("integer", Value::from("3"), now),
            Value::Null
        );
        assert_eq!(
            json_path_cell("string", Value::from(3), now),
            Value::from("3")
        );
        assert_eq!(
            json_path_cell("string", serde_json::json!({"a": 1}), now),
            Value::from("{\"a\":1}")
        );
        assert_eq!(
            json_path_cell("boolean", Value::from(true), now),
            Value::from(true)
        );
        assert_eq!(
            json_path_cell("number", Value::from(2), now),
            Value::from(2)
        );
        assert_eq!(
            json_path_cell("date", Value::from("2024-01-01T00:00:00Z"), now),
            Value::from("60m")
        );
        assert_eq!(
            json_path_cell("date", Value::from("yesterday"), now),
            Value::from("<invalid>")
        );
        assert_eq!(
            json_path_cell("date", Value::from(""), now),
            Value::from("<unknown>")
        );
        // Maps print with sorted keys and HTML-escaped strings, as Go's json.Marshal does.
        let map = serde_json::json!({"b": 1, "a": [1, "<a&b>"]});
        assert_eq!(
            json_path_cell("string", map, now),
            Value::from(r#"{"a":[1,"\u003ca\u0026b\u003e"],"b":1}"#)
        );
    }
}
