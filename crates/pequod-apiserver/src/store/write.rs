//! create, update, patch and server-side apply, on the main resource and
//! the status and scale subresources.

use serde_json::{Value, json};

use super::codec::{decode, encode};
use super::{Store, key, set_type};
use crate::api::error::ApiError;
use crate::api::meta::{self, comparable, is_deleting, metadata_mut, name, now, spec_part};
use crate::api::query::WriteOptions;
use crate::patch;
use crate::registry::Resource;
use crate::storage::{Storage, StorageError};

/// The result of a write: the object as stored and the warnings to return.
#[derive(Debug, Clone)]
pub struct Written {
    /// The object after the write.
    pub object: Value,
    /// `Warning` headers.
    pub warnings: Vec<String>,
    /// Whether the write created the object (201 rather than 200).
    pub created: bool,
}

/// The patch formats kube-apiserver accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    /// `application/json-patch+json`.
    Json,
    /// `application/merge-patch+json`.
    Merge,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml`: server-side apply.
    Apply,
}

impl PatchKind {
    /// The kind a `Content-Type` names.
    pub fn from_content_type(ct: &str) -> Option<Self> {
        Some(match ct.split(';').next().unwrap_or_default().trim() {
            "application/json-patch+json" => Self::Json,
            "application/merge-patch+json" => Self::Merge,
            "application/strategic-merge-patch+json" => Self::Strategic,
            "application/apply-patch+yaml" | "application/apply-patch+json" => Self::Apply,
            _ => return None,
        })
    }
}

const RETRIES: usize = 8;

/// Fields that a write to the main resource or to `/status` must not change
/// (the "reset fields" of kube-apiserver's strategies).
pub(crate) fn reset_paths(res: &Resource, sub: Option<&str>) -> Vec<Vec<&'static str>> {
    match sub {
        Some("status") => vec![vec!["spec"]],
        _ if res.status => vec![vec!["status"]],
        _ => Vec::new(),
    }
}

fn borrowed<'a>(paths: &'a [Vec<&'static str>]) -> Vec<&'a [&'static str]> {
    paths.iter().map(Vec::as_slice).collect()
}

impl<S: Storage> Store<S> {
    fn now_and_api(&self, res: &Resource) -> (String, String) {
        (now(), res.api_version())
    }

    /// Creates an object (`POST`).
    pub async fn create(
        &self,
        res: &Resource,
        ns: Option<&str>,
        mut obj: Value,
        opts: &WriteOptions,
    ) -> Result<Written, ApiError> {
        crate::store::admit::check_type(res, &obj)?;
        if res.namespaced {
            let ns =
                ns.ok_or_else(|| ApiError::bad_request("the namespace of the object must be set"))?;
            match meta::meta_str(&obj, "namespace") {
                Some(body_ns) if !body_ns.is_empty() && body_ns != ns => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => {}
            }
            metadata_mut(&mut obj).insert("namespace".into(), json!(ns));
            self.check_namespace_open(res, ns, name(&obj)).await?;
        } else {
            metadata_mut(&mut obj).remove("namespace");
        }
        if name(&obj).is_empty()
            && let Some(prefix) = meta::meta_str(&obj, "generateName").map(str::to_owned)
            && !prefix.is_empty()
        {
            metadata_mut(&mut obj).insert(
                "name".into(),
                json!(format!("{prefix}{}", meta::name_suffix())),
            );
        }
        if res.status
            && let Some(m) = obj.as_object_mut()
        {
            m.remove("status");
        }
        let warnings = self.admit(res, &mut obj, opts)?;
        let (now, api_version) = self.now_and_api(res);
        self.prepare_create(res, &mut obj, &now)?;
        let schema = self.schema(res);
        let reset = reset_paths(res, None);
        patch::record_update(
            &patch::Update {
                old: None,
                manager: &opts.field_manager,
                schema: &schema,
                now: &now,
                api_version: &api_version,
                subresource: None,
                reset_fields: &borrowed(&reset),
            },
            &mut obj,
        );
        self.insert(res, ns, obj, warnings, opts).await
    }

    /// New-object metadata and kind-specific initial state.
    fn prepare_create(&self, res: &Resource, obj: &mut Value, now: &str) -> Result<(), ApiError> {
        let meta = metadata_mut(obj);
        meta.insert("uid".into(), json!(meta::new_uid()));
        meta.insert("creationTimestamp".into(), json!(now));
        for f in [
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ] {
            meta.remove(f);
        }
        if res.generation {
            meta.insert("generation".into(), json!(1));
        } else {
            meta.remove("generation");
        }
        set_type(obj, res);
        self.kind_specific(res, obj, None, now)
    }

    /// Stores a prepared new object.
    async fn insert(
        &self,
        res: &Resource,
        ns: Option<&str>,
        obj: Value,
        warnings: Vec<String>,
        opts: &WriteOptions,
    ) -> Result<Written, ApiError> {
        if opts.dry_run {
            return Ok(Written {
                object: obj,
                warnings,
                created: true,
            });
        }
        let n = name(&obj).to_owned();
        let stored = self
            .storage
            .create(&key(res, ns, &n), encode(&obj)?)
            .await
            .map_err(|e| ApiError::from_storage(e, res.subject(), &n))?;
        let object = decode(&stored, res)?;
        self.after_write(res, None, Some(&object)).await;
        Ok(Written {
            object,
            warnings,
            created: true,
        })
    }

    /// Replaces an object (`PUT`), honouring a `resourceVersion` in the body.
    pub async fn update(
        &self,
        res: &Resource,
        ns: Option<&str>,
        name_in_path: &str,
        body: Value,
        sub: Option<&str>,
        opts: &WriteOptions,
    ) -> Result<Written, ApiError> {
        crate::store::admit::check_type(res, &body)?;
        let body_name = name(&body);
        if !body_name.is_empty() && body_name != name_in_path {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name_in_path})"
            )));
        }
        self.modify(res, ns, name_in_path, sub, opts, |live| {
            let mut new = body.clone();
            let rv = meta::meta_str(&new, "resourceVersion").unwrap_or_default();
            if !rv.is_empty() && Some(rv) != meta::meta_str(live, "resourceVersion") {
                return Err(ApiError::modified(res.subject(), name_in_path));
            }
            metadata_mut(&mut new).insert(
                "resourceVersion".into(),
                live["metadata"]["resourceVersion"].clone(),
            );
            Ok((new, true))
        })
        .await
    }

    /// Patches an object; an apply patch creates it when missing.
    #[allow(
        clippy::too_many_arguments,
        reason = "one call per request, mirrors the REST verb"
    )]
    pub async fn patch(
        &self,
        res: &Resource,
        ns: Option<&str>,
        obj_name: &str,
        kind: PatchKind,
        body: &Value,
        sub: Option<&str>,
        opts: &WriteOptions,
    ) -> Result<Written, ApiError> {
        if kind == PatchKind::Strategic && res.is_custom() {
            return Err(ApiError::unsupported_media_type(
                "application/strategic-merge-patch+json (custom resources accept application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml)",
            ));
        }
        if kind == PatchKind::Apply {
            return self.apply(res, ns, obj_name, body, sub, opts).await;
        }
        let schema = self.schema(res);
        let strict_on_patch = |e: ApiError| {
            if e.code == 400 && e.message.starts_with("strict decoding error") {
                let cause = crate::api::error::FieldCause {
                    reason: "FieldValueInvalid",
                    field: "patch".into(),
                    message: format!("Invalid value: {:?}: {}", body.to_string(), e.message),
                };
                ApiError::invalid(res.subject(), obj_name, &[cause])
            } else {
                e
            }
        };
        self.modify(res, ns, obj_name, sub, opts, |live| {
            let patched = match kind {
                PatchKind::Json => patch::json_patch(live, body),
                PatchKind::Merge => Ok(patch::merge_patch(live, body)),
                PatchKind::Strategic => patch::strategic_merge_patch(live, body, &schema),
                PatchKind::Apply => Ok(live.clone()),
            }
            .map_err(|e| ApiError {
                code: e.code(),
                reason: match e.code() {
                    400 => "BadRequest",
                    413 => "RequestEntityTooLarge",
                    _ => "Invalid",
                },
                message: e.to_string(),
                details: None,
            })?;
            if name(&patched) != obj_name {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({}) does not match the name on the URL ({obj_name})",
                    name(&patched)
                )));
            }
            Ok((patched, true))
        })
        .await
        .map_err(strict_on_patch)
    }

    async fn apply(
        &self,
        res: &Resource,
        ns: Option<&str>,
        obj_name: &str,
        config: &Value,
        sub: Option<&str>,
        opts: &WriteOptions,
    ) -> Result<Written, ApiError> {
        if !opts.field_manager_given {
            return Err(ApiError {
                code: 422,
                reason: "Invalid",
                message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch".into(),
                details: None,
            });
        }
        if config.get("apiVersion").is_none() || config.get("kind").is_none() {
            return Err(ApiError::bad_request(
                "apiVersion and kind must be set in an apply configuration",
            ));
        }
        crate::store::admit::check_type(res, config)?;
        let config_name = name(config);
        if !config_name.is_empty() && config_name != obj_name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({config_name}) does not match the name on the URL ({obj_name})"
            )));
        }
        let schema = self.schema(res);
        let (now, api_version) = self.now_and_api(res);
        let reset = reset_paths(res, sub);
        let reset_fields = borrowed(&reset);
        let run = |live: Option<&Value>| -> Result<Value, ApiError> {
            patch::apply(&patch::Apply {
                reset_fields: &reset_fields,
                live,
                config,
                manager: &opts.field_manager,
                force: opts.force,
                schema: &schema,
                now: &now,
                api_version: &api_version,
                subresource: sub,
            })
            .map_err(|e| match &e {
                patch::ApplyError::Conflicts(_) => {
                    let mut err = ApiError::conflict(res.subject(), obj_name, "");
                    err.message = e.to_string();
                    if let Some(d) = err.details.as_mut() {
                        d["causes"] = Value::Array(e.causes());
                    }
                    err
                }
                patch::ApplyError::Invalid(m) => ApiError::bad_request(m.clone()),
            })
        };
        let live = self
            .storage
            .get(&key(res, ns, obj_name))
            .await
            .map_err(|e| ApiError::from_storage(e, res.subject(), obj_name))?;
        if live.is_none() {
            if sub.is_some() {
                return Err(ApiError::not_found(res.subject(), obj_name));
            }
            let mut obj = run(None)?;
            if res.status
                && let Some(m) = obj.as_object_mut()
            {
                m.remove("status");
            }
            if res.namespaced {
                let ns = ns.unwrap_or_default();
                metadata_mut(&mut obj).insert("namespace".into(), json!(ns));
                self.check_namespace_open(res, ns, obj_name).await?;
            }
            metadata_mut(&mut obj).insert("name".into(), json!(obj_name));
            let warnings = self.admit(res, &mut obj, opts)?;
            self.prepare_create(res, &mut obj, &now)?;
            return match self.insert(res, ns, obj, warnings, opts).await {
                // Lost a race with another creator: apply onto what it made.
                Err(e) if e.reason == "AlreadyExists" => {
                    Box::pin(self.apply(res, ns, obj_name, config, sub, opts)).await
                }
                other => other,
            };
        }
        self.modify(res, ns, obj_name, sub, opts, |live| {
            Ok((run(Some(live))?, false))
        })
        .await
    }

    /// Read-modify-write with optimistic concurrency, retried when another
    /// writer got in between; `f` returns the new object and whether this
    /// write's managedFields entry is an `Update` to be recorded here.
    pub(crate) async fn modify(
        &self,
        res: &Resource,
        ns: Option<&str>,
        obj_name: &str,
        sub: Option<&str>,
        opts: &WriteOptions,
        f: impl Fn(&Value) -> Result<(Value, bool), ApiError>,
    ) -> Result<Written, ApiError> {
        let k = key(res, ns, obj_name);
        for _ in 0..RETRIES {
            let stored = self
                .storage
                .get(&k)
                .await
                .map_err(|e| ApiError::from_storage(e, res.subject(), obj_name))?
                .ok_or_else(|| ApiError::not_found(res.subject(), obj_name))?;
            let live = decode(&stored, res)?;
            let (mut new, record) = f(&live)?;
            let warnings = self.prepare_update(res, &live, &mut new, sub, opts, record)?;
            if comparable(&new) == comparable(&live) {
                return Ok(Written {
                    object: live,
                    warnings,
                    created: false,
                });
            }
            if opts.dry_run {
                return Ok(Written {
                    object: new,
                    warnings,
                    created: false,
                });
            }
            let finished = is_deleting(&new)
                && meta::finalizers(&new).is_empty()
                && !(res.group.is_empty()
                    && res.plural == "namespaces"
                    && namespace_finalizers(&new));
            let result = if finished {
                self.storage.delete(&k, Some(stored.revision)).await
            } else {
                self.storage
                    .update(&k, encode(&new)?, Some(stored.revision))
                    .await
            };
            match result {
                Ok(written) => {
                    let mut object = if finished {
                        new
                    } else {
                        decode(&written, res)?
                    };
                    if finished {
                        metadata_mut(&mut object).insert(
                            "resourceVersion".into(),
                            json!(written.revision.to_string()),
                        );
                        self.after_write(res, Some(&live), None).await;
                    } else {
                        self.after_write(res, Some(&live), Some(&object)).await;
                    }
                    return Ok(Written {
                        object,
                        warnings,
                        created: false,
                    });
                }
                Err(StorageError::Conflict { .. }) => continue,
                Err(StorageError::NotFound(_)) => {
                    return Err(ApiError::not_found(res.subject(), obj_name));
                }
                Err(e) => return Err(ApiError::from_storage(e, res.subject(), obj_name)),
            }
        }
        Err(ApiError::modified(res.subject(), obj_name))
    }

    /// The update rules: immutable metadata, status vs main resource,
    /// generation, finalizers during deletion, admission, managed fields.
    fn prepare_update(
        &self,
        res: &Resource,
        old: &Value,
        new: &mut Value,
        sub: Option<&str>,
        opts: &WriteOptions,
        record: bool,
    ) -> Result<Vec<String>, ApiError> {
        let obj_name = name(old).to_owned();
        let new_uid = meta::uid(new);
        if !new_uid.is_empty() && new_uid != meta::uid(old) {
            return Err(ApiError::conflict(
                res.subject(),
                &obj_name,
                &format!(
                    "Precondition failed: UID in precondition: {}, UID in object meta: {new_uid}",
                    meta::uid(old)
                ),
            ));
        }
        match sub {
            Some("status") => {
                let status = new.get("status").cloned();
                let managed = new.pointer("/metadata/managedFields").cloned();
                *new = old.clone();
                match status {
                    Some(s) => new["status"] = s,
                    None => {
                        if let Some(m) = new.as_object_mut() {
                            m.remove("status");
                        }
                    }
                }
                if let Some(mf) = managed {
                    metadata_mut(new).insert("managedFields".into(), mf);
                }
            }
            _ if res.status => match old.get("status") {
                Some(s) => new["status"] = s.clone(),
                None => {
                    if let Some(m) = new.as_object_mut() {
                        m.remove("status");
                    }
                }
            },
            _ => {}
        }
        let old_meta = old.get("metadata").cloned().unwrap_or_else(|| json!({}));
        {
            let meta = metadata_mut(new);
            for f in [
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "namespace",
                "name",
                "generation",
            ] {
                match old_meta.get(f) {
                    Some(v) => meta.insert(f.into(), v.clone()),
                    None => meta.remove(f),
                };
            }
            meta.remove("selfLink");
        }
        if is_deleting(old) {
            let before = meta::finalizers(old);
            if let Some(added) = meta::finalizers(new)
                .into_iter()
                .find(|f| !before.contains(f))
            {
                return Err(ApiError::invalid(
                    res.subject(),
                    &obj_name,
                    &[crate::api::error::FieldCause {
                        reason: "FieldValueForbidden",
                        field: "metadata.finalizers".into(),
                        message: format!(
                            "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{added}\"}}"
                        ),
                    }],
                ));
            }
        }
        let warnings = self.admit(res, new, opts)?;
        let (now, api_version) = self.now_and_api(res);
        if res.generation && spec_part(new) != spec_part(old) {
            let g = old
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            metadata_mut(new).insert("generation".into(), json!(g + 1));
        }
        set_type(new, res);
        if res.group.is_empty() && res.plural == "namespaces" && sub != Some("finalize") {
            new["spec"] = old.get("spec").cloned().unwrap_or_else(|| json!({}));
        }
        if sub != Some("status") {
            self.kind_specific(res, new, Some(old), &now)?;
        }
        if record {
            let schema = self.schema(res);
            let reset = reset_paths(res, sub);
            patch::record_update(
                &patch::Update {
                    old: Some(old),
                    manager: &opts.field_manager,
                    schema: &schema,
                    now: &now,
                    api_version: &api_version,
                    subresource: sub,
                    reset_fields: &borrowed(&reset),
                },
                new,
            );
        }
        Ok(warnings)
    }

    /// Kind-specific rules: namespaces' phase and finalizers, CRD status,
    /// workload status without a kubelet.
    pub(crate) fn kind_specific(
        &self,
        res: &Resource,
        obj: &mut Value,
        old: Option<&Value>,
        now: &str,
    ) -> Result<(), ApiError> {
        match (res.group.as_str(), res.plural.as_str()) {
            ("", "namespaces") => {
                if old.is_none() {
                    obj["spec"] = json!({ "finalizers": ["kubernetes"] });
                }
                let phase = if is_deleting(obj) {
                    "Terminating"
                } else {
                    "Active"
                };
                if obj.pointer("/status/phase").and_then(Value::as_str) != Some(phase) {
                    obj["status"]["phase"] = json!(phase);
                }
                Ok(())
            }
            ("apiextensions.k8s.io", "customresourcedefinitions") => self.prepare_crd(obj, old),
            _ => {
                if !res.is_custom() {
                    let taken = |ip: &str| self.owners.service_ip_taken(ip);
                    super::builtin_rules::prepare(res, obj, old, &taken);
                    super::builtin_rules::check(res, obj, old)?;
                }
                if self.options.simulate_workloads && !res.is_custom() {
                    crate::workloads::simulate_status(&res.group, &res.kind, obj, now);
                }
                Ok(())
            }
        }
    }
}

/// Whether a namespace still has `spec.finalizers`.
fn namespace_finalizers(ns: &Value) -> bool {
    ns.pointer("/spec/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}
