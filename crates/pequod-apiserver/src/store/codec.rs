//! Objects in storage: JSON without `resourceVersion`, which is the
//! revision of the write and is filled in on the way out.

use serde_json::Value;

use super::set_type;
use crate::api::error::ApiError;
use crate::api::meta::metadata_mut;
use crate::registry::Resource;
use crate::storage::Stored;

/// The bytes stored for `obj`.
pub(crate) fn encode(obj: &Value) -> Result<Vec<u8>, ApiError> {
    let mut o = obj.clone();
    metadata_mut(&mut o).remove("resourceVersion");
    serde_json::to_vec(&o).map_err(|e| ApiError::internal(e.to_string()))
}

/// The object a stored value is, served as `res`.
pub(crate) fn decode(stored: &Stored, res: &Resource) -> Result<Value, ApiError> {
    let mut obj: Value = serde_json::from_slice(&stored.value)
        .map_err(|e| ApiError::internal(format!("corrupt object {}: {e}", stored.key)))?;
    metadata_mut(&mut obj).insert(
        "resourceVersion".into(),
        Value::String(stored.revision.to_string()),
    );
    set_type(&mut obj, res);
    Ok(obj)
}
