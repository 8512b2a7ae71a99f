//! RFC 6902 JSON patch and RFC 7386 JSON merge patch.

use serde_json::Value;

use super::PatchError;

/// kube-apiserver's cap on the operations of one JSON patch.
const MAX_OPERATIONS: usize = 10_000;

/// Applies an RFC 6902 JSON patch; a failing `test` operation is an error.
pub fn json_patch(target: &Value, patch: &Value) -> Result<Value, PatchError> {
    if let Some(count) = patch.as_array().map(Vec::len)
        && count > MAX_OPERATIONS
    {
        return Err(PatchError::TooLarge(format!(
            "The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, got {count}"
        )));
    }
    let operations: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| PatchError::Invalid(format!("invalid JSON patch: {e}")))?;
    let mut out = target.clone();
    // Operation by operation: kube-apiserver's JSON patch treats a missing
    // path as `null`, so `test` of `null` on an absent field passes there.
    for operation in operations.0 {
        if let json_patch::PatchOperation::Test(test) = &operation
            && test.value.is_null()
            && out.pointer(test.path.as_str()).is_none_or(Value::is_null)
        {
            continue;
        }
        json_patch::patch(&mut out, &[operation]).map_err(|e| match e.kind {
            json_patch::PatchErrorKind::TestFailed => PatchError::TestFailed(e.to_string()),
            _ => PatchError::Unprocessable(e.to_string()),
        })?;
    }
    Ok(out)
}

/// Applies an RFC 7386 JSON merge patch: objects merge key by key, `null`
/// deletes, anything else (lists included) replaces.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let mut out = target.clone();
    json_patch::merge(&mut out, patch);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_patch_applies_operations() {
        let target = json!({"spec": {"replicas": 1, "args": ["a"]}});
        let patch = json!([
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "add", "path": "/spec/args/-", "value": "b"},
            {"op": "test", "path": "/spec/replicas", "value": 3}
        ]);
        let out = json_patch(&target, &patch).unwrap();
        assert_eq!(out, json!({"spec": {"replicas": 3, "args": ["a", "b"]}}));
    }

    #[test]
    fn json_patch_test_of_null_passes_on_a_missing_path() {
        let target = json!({"metadata": {"name": "a"}});
        let patch = json!([
            {"op": "test", "path": "/metadata/finalizers", "value": null},
            {"op": "add", "path": "/metadata/finalizers", "value": ["x"]}
        ]);
        let out = json_patch(&target, &patch).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["x"]));
        let present = json!([{"op": "test", "path": "/metadata/finalizers", "value": null}]);
        assert!(json_patch(&out, &present).is_err());
    }

    #[test]
    fn json_patch_test_failure_is_an_error() {
        let target = json!({"spec": {"replicas": 1}});
        let patch = json!([
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "test", "path": "/spec/replicas", "value": 5}
        ]);
        let err = json_patch(&target, &patch).unwrap_err();
        assert!(matches!(err, PatchError::TestFailed(_)), "{err:?}");
    }

    #[test]
    fn json_patch_rejects_bad_documents_and_paths() {
        let target = json!({});
        assert!(matches!(
            json_patch(&target, &json!({"op": "add"})),
            Err(PatchError::Invalid(_))
        ));
        let missing = json!([{"op": "remove", "path": "/nope"}]);
        assert!(matches!(
            json_patch(&target, &missing),
            Err(PatchError::Unprocessable(_))
        ));
    }

    #[test]
    fn json_patch_caps_its_operations() {
        let op = json!({"op": "test", "path": "", "value": {}});
        let patch = Value::Array(vec![op; MAX_OPERATIONS + 1]);
        let err = json_patch(&json!({}), &patch).unwrap_err();
        assert_eq!(err.code(), 413);
    }

    #[test]
    fn merge_patch_null_deletes_and_lists_replace() {
        let target =
            json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"args": ["x", "y"]}});
        let patch = json!({"metadata": {"labels": {"a": null, "c": "3"}}, "spec": {"args": ["z"]}});
        assert_eq!(
            merge_patch(&target, &patch),
            json!({"metadata": {"labels": {"b": "2", "c": "3"}}, "spec": {"args": ["z"]}})
        );
        assert_eq!(merge_patch(&target, &json!(null)), json!(null));
    }
}
