//! Secret values actions need (tokens), read when the action runs so a
//! rotated Secret takes effect at the next attempt.

use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};
use pequod_api::SecretKeyRef;

use super::ActionError;

/// Reads Secret keys for actions.
#[derive(Clone)]
pub struct Secrets {
    client: Client,
    default_namespace: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("default_namespace", &self.default_namespace)
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// Reads through `client`; references without a namespace look in
    /// `default_namespace` (the reconciled object's).
    pub fn new(client: Client, default_namespace: impl Into<String>) -> Self {
        Self {
            client,
            default_namespace: default_namespace.into(),
        }
    }

    /// The value of the key `reference` names, trimmed of a trailing newline
    /// (tokens are often written with `echo`).
    pub async fn get(&self, reference: &SecretKeyRef) -> Result<String, ActionError> {
        let namespace = reference
            .namespace
            .as_deref()
            .unwrap_or(&self.default_namespace);
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let where_ = format!("Secret {namespace}/{}", reference.name);
        let secret = api
            .get_opt(&reference.name)
            .await
            .map_err(|e| ActionError::Config(format!("reading {where_}: {e}")))?
            .ok_or_else(|| ActionError::Config(format!("{where_} not found")))?;
        let bytes = secret
            .data
            .as_ref()
            .and_then(|d| d.get(&reference.key))
            .ok_or_else(|| {
                ActionError::Config(format!("{where_} has no key {:?}", reference.key))
            })?;
        let value = String::from_utf8(bytes.0.clone()).map_err(|_| {
            ActionError::Config(format!("{where_} key {:?} is not UTF-8", reference.key))
        })?;
        Ok(value.trim_end_matches(['\n', '\r']).to_owned())
    }
}
