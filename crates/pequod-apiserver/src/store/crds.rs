//! CustomResourceDefinitions: checked when written, served as soon as they
//! are stored (the status conditions say so), withdrawn when deleted.

use serde_json::{Value, json};

use super::Store;
use crate::api::error::{ApiError, FieldCause};
use crate::api::meta::{self, now};
use crate::api::query::ListQuery;
use crate::registry::crd_resources;
use crate::storage::Storage;

fn condition(kind: &str, reason: &str, message: &str, since: &str) -> Value {
    json!({
        "type": kind,
        "status": "True",
        "lastTransitionTime": since,
        "reason": reason,
        "message": message,
    })
}

impl<S: Storage> Store<S> {
    /// Serves the CRDs already stored.
    pub(crate) async fn load_crds(&self) -> Result<(), ApiError> {
        let Some(res) =
            self.registry
                .get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        else {
            return Ok(());
        };
        let list = self.list(&res, None, &ListQuery::default()).await?;
        for crd in list["items"].as_array().into_iter().flatten() {
            self.crd_written(crd);
        }
        Ok(())
    }

    /// Checks a CRD being written and sets the status the real server's
    /// controllers would (names accepted, established, stored versions).
    pub(crate) fn prepare_crd(&self, crd: &mut Value, old: Option<&Value>) -> Result<(), ApiError> {
        let name = meta::name(crd).to_owned();
        let subject = crate::api::error::Subject {
            group: "apiextensions.k8s.io",
            resource: "customresourcedefinitions",
            kind: "CustomResourceDefinition",
        };
        let resources = crd_resources(crd).map_err(|e| ApiError::invalid(subject, &name, &e.0))?;
        let mut causes = Vec::new();
        let versions = crd["spec"]["versions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        // kube-apiserver hoists a schema shared by every version to
        // `spec.validation` before checking it, and names it so in errors.
        let shared = versions
            .windows(2)
            .all(|w| w[0].pointer("/schema") == w[1].pointer("/schema"));
        for (i, v) in versions.iter().enumerate() {
            if shared && i > 0 {
                break;
            }
            if let Some(schema) = v.pointer("/schema/openAPIV3Schema") {
                let at = if shared {
                    "spec.validation.openAPIV3Schema".to_owned()
                } else {
                    format!("spec.versions[{i}].schema.openAPIV3Schema")
                };
                for problem in crate::schema::check_structural_at(schema, &at) {
                    let (field, message) = problem
                        .split_once(": ")
                        .map(|(f, m)| (f.to_owned(), m.to_owned()))
                        .unwrap_or_else(|| (at.clone(), problem.clone()));
                    causes.push(FieldCause {
                        reason: if message.starts_with("Required") {
                            "FieldValueRequired"
                        } else if message.starts_with("Forbidden") {
                            "FieldValueForbidden"
                        } else {
                            "FieldValueInvalid"
                        },
                        field,
                        message,
                    });
                }
            } else {
                causes.push(FieldCause {
                    reason: "FieldValueRequired",
                    field: format!("spec.versions[{i}].schema.openAPIV3Schema"),
                    message: "Required value: schemas are required".into(),
                });
            }
        }
        if let Some(first) = resources.first()
            && self
                .registry
                .plural_taken(&first.group, &first.plural, &name)
        {
            causes.push(FieldCause {
                reason: "FieldValueInvalid",
                field: "spec.names.plural".into(),
                message: format!("Invalid value: \"{}\": is already in use", first.plural),
            });
        }
        if !causes.is_empty() {
            return Err(ApiError::invalid(subject, &name, &causes));
        }
        let since = old
            .and_then(|o| o.pointer("/status/conditions/0/lastTransitionTime"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(now);
        let mut stored: Vec<Value> = old
            .and_then(|o| o.pointer("/status/storedVersions"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for v in crd["spec"]["versions"].as_array().into_iter().flatten() {
            if v.get("storage").and_then(Value::as_bool) == Some(true)
                && let Some(n) = v.get("name")
                && !stored.contains(n)
            {
                stored.push(n.clone());
            }
        }
        let mut accepted = crd["spec"]["names"].clone();
        if accepted.get("singular").is_none() {
            accepted["singular"] = json!(
                crd.pointer("/spec/names/kind")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_lowercase()
            );
        }
        if accepted.get("listKind").is_none() {
            accepted["listKind"] = json!(format!(
                "{}List",
                crd.pointer("/spec/names/kind")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            ));
        }
        crd["spec"]["names"] = accepted.clone();
        let terminating = meta::is_deleting(crd);
        let mut conditions = vec![
            condition("NamesAccepted", "NoConflicts", "no conflicts found", &since),
            condition(
                "Established",
                "InitialNamesAccepted",
                "the initial names have been accepted",
                &since,
            ),
        ];
        if terminating {
            conditions.push(json!({
                "type": "Terminating", "status": "True", "lastTransitionTime": now(),
                "reason": "InstanceDeletionInProgress", "message": "CustomResource deletion is in progress",
            }));
        }
        crd["status"] = json!({
            "conditions": conditions,
            "acceptedNames": accepted,
            "storedVersions": stored,
        });
        Ok(())
    }

    /// Serves (or re-serves) a stored CRD.
    pub(crate) fn crd_written(&self, crd: &Value) {
        if let Ok(resources) = crd_resources(crd) {
            if let Some(first) = resources.first() {
                self.forget_schemas(&first.group, &first.plural);
            }
            self.registry.set_crd(meta::name(crd), resources);
        }
    }

    /// Stops serving a deleted CRD.
    pub(crate) fn crd_removed(&self, crd: &Value) {
        if let Ok(resources) = crd_resources(crd)
            && let Some(first) = resources.first()
        {
            self.forget_schemas(&first.group, &first.plural);
        }
        self.registry.remove_crd(meta::name(crd));
    }
}
