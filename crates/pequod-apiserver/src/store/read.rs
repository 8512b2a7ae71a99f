//! get and list: consistent snapshots, selectors, pagination.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::codec::decode;
use super::{Store, key, range};
use crate::api::error::ApiError;
use crate::api::query::ListQuery;
use crate::registry::Resource;
use crate::selector::{FieldSelector, LabelSelector};
use crate::storage::{Continue, ListOptions, Storage, StorageError};

/// The label and field selectors of a list or watch, parsed.
pub(crate) struct Selectors {
    labels: Option<LabelSelector>,
    fields: Option<FieldSelector>,
}

impl Selectors {
    pub(crate) fn parse(res: &Resource, q: &ListQuery) -> Result<Self, ApiError> {
        let labels = q
            .label_selector
            .as_deref()
            .map(|s| {
                s.parse::<LabelSelector>()
                    .map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))
            })
            .transpose()?;
        let fields = q
            .field_selector
            .as_deref()
            .map(|s| {
                if res.is_custom() {
                    let mut supported = vec!["metadata.name"];
                    if res.namespaced {
                        supported.push("metadata.namespace");
                    }
                    supported.extend(res.selectable_fields.iter().map(String::as_str));
                    FieldSelector::parse(s, &supported)
                } else {
                    FieldSelector::parse_for_kind(s, &res.group, &res.kind)
                }
                .map_err(|e| ApiError::bad_request(e.to_string()))
            })
            .transpose()?;
        Ok(Self { labels, fields })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.labels.is_none() && self.fields.is_none()
    }

    pub(crate) fn matches(&self, obj: &Value) -> bool {
        self.labels.as_ref().is_none_or(|l| l.matches_object(obj))
            && self.fields.as_ref().is_none_or(|f| f.matches(obj))
    }
}

fn encode_continue(c: &Continue) -> String {
    URL_SAFE_NO_PAD.encode(json!({ "rv": c.revision, "start": c.after }).to_string())
}

fn decode_continue(token: &str) -> Result<Continue, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let raw = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    Ok(Continue {
        revision: v.get("rv").and_then(Value::as_u64).ok_or_else(bad)?,
        after: v
            .get("start")
            .and_then(Value::as_str)
            .ok_or_else(bad)?
            .to_owned(),
    })
}

/// Parses a `resourceVersion` parameter.
pub(crate) fn parse_rv(rv: &str) -> Result<u64, ApiError> {
    rv.parse::<u64>()
        .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv:?}")))
}

impl<S: Storage> Store<S> {
    /// The object, or 404.
    pub async fn get(
        &self,
        res: &Resource,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        match self
            .storage
            .get(&key(res, ns, name))
            .await
            .map_err(|e| ApiError::from_storage(e, res.subject(), name))?
        {
            Some(stored) => decode(&stored, res),
            None => Err(ApiError::not_found(res.subject(), name)),
        }
    }

    /// A list object (`<Kind>List`) of the objects matching `q`.
    pub async fn list(
        &self,
        res: &Resource,
        ns: Option<&str>,
        q: &ListQuery,
    ) -> Result<Value, ApiError> {
        let selectors = Selectors::parse(res, q)?;
        let mut from = match &q.continue_token {
            Some(t) => Some(decode_continue(t)?),
            None => match (
                q.resource_version.as_deref(),
                q.resource_version_match.as_deref(),
            ) {
                (Some(rv), Some("Exact")) => Some(Continue {
                    revision: parse_rv(rv)?,
                    after: String::new(),
                }),
                _ => None,
            },
        };
        let mut items = Vec::new();
        let mut revision;
        let mut next = None;
        loop {
            let want = q.limit.map(|l| l - items.len());
            let page = self
                .storage
                .list(
                    &range(res, ns),
                    &ListOptions {
                        limit: want.map(|w| w.max(if selectors.is_empty() { w } else { 64 })),
                        continue_from: from.clone(),
                    },
                )
                .await
                .map_err(|e| match e {
                    StorageError::Gone { .. } if q.continue_token.is_some() => ApiError::gone(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                    ),
                    e => ApiError::from_storage(e, res.subject(), ""),
                })?;
            revision = Some(page.revision);
            let mut last = None;
            for stored in &page.items {
                last = Some(stored.key.as_str().to_owned());
                let obj = decode(stored, res)?;
                if selectors.matches(&obj) {
                    items.push(obj);
                    if q.limit.is_some_and(|l| items.len() >= l) {
                        break;
                    }
                }
            }
            let full = q.limit.is_some_and(|l| items.len() >= l);
            let more = page.continue_from.is_some()
                || (full && last.as_deref() != page.items.last().map(|s| s.key.as_str()));
            match (full, page.continue_from) {
                (true, _) if more => {
                    next = last.map(|after| Continue {
                        revision: page.revision,
                        after,
                    });
                    break;
                }
                (false, Some(c)) => from = Some(c),
                _ => break,
            }
        }
        let revision = revision.unwrap_or_default();
        let mut list_meta = json!({ "resourceVersion": revision.to_string() });
        if let Some(c) = &next {
            list_meta["continue"] = json!(encode_continue(c));
            if selectors.is_empty() {
                let rest = self
                    .storage
                    .count_after(&range(res, ns), c)
                    .await
                    .unwrap_or(0);
                list_meta["remainingItemCount"] = json!(rest);
            }
        }
        if !res.is_custom() {
            for item in &mut items {
                if let Some(m) = item.as_object_mut() {
                    m.remove("apiVersion");
                    m.remove("kind");
                }
            }
        }
        Ok(json!({
            "kind": format!("{}List", res.kind),
            "apiVersion": res.api_version(),
            "metadata": list_meta,
            "items": items,
        }))
    }
}
