//! One handler for every request: authentication, then discovery, OpenAPI
//! or a resource verb, dispatched the way kube-apiserver's `RequestInfo`
//! names them.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, Response, header};
use futures::StreamExt;
use serde_json::{Value, json};

use super::discovery;
use super::respond::{Representation, error_response, json_response, represent};
use crate::api::error::ApiError;
use crate::api::query::{Query, WriteOptions};
use crate::api::request::{self, ResourcePath, Target};
use crate::registry::Resource;
use crate::storage::Storage;
use crate::store::{DeleteOptions, PatchKind, Store};
use crate::table::IncludeObject;

/// Largest request body accepted (kube-apiserver's limit is 3 MiB per object).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// What every request needs.
pub(crate) struct App<S> {
    pub(crate) store: Arc<Store<S>>,
    pub(crate) token: String,
    pub(crate) address: String,
    pub(crate) openapi: super::openapi::Cache,
}

fn authorized<S>(app: &App<S>, req: &Request) -> bool {
    let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(given) = value.strip_prefix("Bearer ") else {
        return false;
    };
    // Constant-time comparison: the token is the only credential.
    let (a, b) = (given.trim().as_bytes(), app.token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Handles one request.
pub(crate) async fn handle<S: Storage>(
    State(app): State<Arc<App<S>>>,
    req: Request,
) -> Response<Body> {
    let target = request::parse(req.uri().path());
    let public = matches!(target, Some(Target::Version | Target::Health));
    if !public && !authorized(&app, &req) {
        return error_response(&ApiError::unauthorized());
    }
    let result = match target {
        Some(t) => route(&app, t, req).await,
        None => Err(ApiError::no_route()),
    };
    result.unwrap_or_else(|e| error_response(&e))
}

fn aggregated_asked(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("as=APIGroupDiscoveryList") && a.contains("v=v2"))
}

async fn route<S: Storage>(
    app: &Arc<App<S>>,
    target: Target,
    req: Request,
) -> Result<Response<Body>, ApiError> {
    let registry = app.store.registry();
    let ok = |v: Value| Ok(json_response(200, &v, &[]));
    match target {
        Target::Version => ok(discovery::version()),
        Target::Health => Ok(plain(200, "ok")),
        Target::CoreVersions if aggregated_asked(&req) => {
            Ok(aggregated(discovery::aggregated(registry, true)))
        }
        Target::CoreVersions => ok(discovery::core_versions(&app.address)),
        Target::Groups if aggregated_asked(&req) => {
            Ok(aggregated(discovery::aggregated(registry, false)))
        }
        Target::Groups => ok(discovery::group_list(registry)),
        Target::Group(g) | Target::GroupVersion(g, _) | Target::OpenApiV3(g, _)
            if !discovery::group_served(registry, &g) =>
        {
            Ok(plain(404, "404 page not found\n"))
        }
        Target::Resource(ResourcePath { group, .. })
            if !group.is_empty() && !discovery::group_served(registry, &group) =>
        {
            Ok(plain(404, "404 page not found\n"))
        }
        Target::Group(g) => {
            discovery::group(registry, &g).map_or_else(|| Err(ApiError::no_route()), ok)
        }
        Target::GroupVersion(g, v) => {
            discovery::resource_list(registry, &g, &v).map_or_else(|| Err(ApiError::no_route()), ok)
        }
        Target::OpenApiV2 => ok(app.openapi.v2(registry)),
        Target::OpenApiV3Index => ok(app.openapi.v3_index(registry)),
        Target::OpenApiV3(g, v) => app
            .openapi
            .v3(registry, &g, &v)
            .map_or_else(|| Err(ApiError::no_route()), ok),
        Target::Resource(path) => resource(app, path, req).await,
    }
}

fn plain(code: u16, text: &'static str) -> Response<Body> {
    let mut resp = Response::new(Body::from(text));
    *resp.status_mut() =
        axum::http::StatusCode::from_u16(code).unwrap_or(axum::http::StatusCode::NOT_FOUND);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp.headers_mut().insert(
        "x-content-type-options",
        header::HeaderValue::from_static("nosniff"),
    );
    resp
}

fn aggregated(body: Value) -> Response<Body> {
    let mut resp = json_response(200, &body, &[]);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        ),
    );
    resp
}

async fn body_value(req: Request, allow_empty: bool) -> Result<(Option<Value>, String), ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|e| ApiError::bad_request(format!("reading the request body: {e}")))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return if allow_empty {
            Ok((None, content_type))
        } else {
            Err(ApiError::bad_request("the request body is empty"))
        };
    }
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let value: Value = if media.ends_with("yaml") {
        serde_yaml::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?
    } else if media.contains("protobuf") {
        return Err(ApiError::unsupported_media_type(media));
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("error decoding JSON: {e}")))?
    };
    Ok((Some(value), content_type))
}

async fn resource<S: Storage>(
    app: &Arc<App<S>>,
    path: ResourcePath,
    req: Request,
) -> Result<Response<Body>, ApiError> {
    let store = &app.store;
    let res = store
        .registry()
        .get(&path.group, &path.version, &path.resource)
        .ok_or_else(ApiError::no_route)?;
    if !res.namespaced && path.namespace.is_some() {
        return Err(ApiError::no_route());
    }
    let ns = path.namespace.as_deref();
    let query = Query::parse(req.uri().query());
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let repr = Representation::from_accept(accept.as_deref())?;
    let include = IncludeObject::from_param(query.get("includeObject"))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let write = query.write(user_agent.as_deref())?;
    let sub = path.subresource.as_deref();
    match sub {
        None | Some("status") => {}
        Some("scale") if res.scale.is_some() => {
            return scale(store, &res, ns, &path, req, &write).await;
        }
        Some("finalize") if res.group.is_empty() && res.plural == "namespaces" => {}
        Some(_) => return Err(ApiError::no_route()),
    }
    if sub == Some("status") && !res.status {
        return Err(ApiError::no_route());
    }
    let method = req.method().clone();
    let shown = |v: Value| represent(&res, v, repr, include);
    match (method, path.name.as_deref()) {
        (Method::GET, None) => {
            let q = query.list()?;
            if q.watch {
                return watch(store, res.clone(), path.namespace.clone(), q, repr, include).await;
            }
            let list = store.list(&res, ns, &q).await?;
            Ok(json_response(200, &shown(list), &[]))
        }
        (Method::GET, Some(name)) => {
            let q = query.list()?;
            if q.watch {
                let mut q = q;
                q.field_selector = Some(format!("metadata.name={name}"));
                return watch(store, res.clone(), path.namespace.clone(), q, repr, include).await;
            }
            Ok(json_response(
                200,
                &shown(store.get(&res, ns, name).await?),
                &[],
            ))
        }
        (Method::POST, None) => {
            let (body, _) = body_value(req, false).await?;
            let w = store
                .create(&res, ns, body.unwrap_or(Value::Null), &write)
                .await?;
            Ok(json_response(201, &shown(w.object), &w.warnings))
        }
        (Method::PUT, Some(name)) => {
            let (body, _) = body_value(req, false).await?;
            let w = store
                .update(&res, ns, name, body.unwrap_or(Value::Null), sub, &write)
                .await?;
            Ok(json_response(
                if w.created { 201 } else { 200 },
                &shown(w.object),
                &w.warnings,
            ))
        }
        (Method::PATCH, Some(name)) => {
            let (body, content_type) = body_value(req, false).await?;
            let kind = PatchKind::from_content_type(&content_type)
                .ok_or_else(|| ApiError::unsupported_media_type(&content_type))?;
            let w = store
                .patch(
                    &res,
                    ns,
                    name,
                    kind,
                    &body.unwrap_or(Value::Null),
                    sub,
                    &write,
                )
                .await?;
            Ok(json_response(
                if w.created { 201 } else { 200 },
                &shown(w.object),
                &w.warnings,
            ))
        }
        (Method::DELETE, Some(name)) => {
            let (body, _) = body_value(req, true).await?;
            let opts = DeleteOptions::from_body(
                body.as_ref(),
                query.get("propagationPolicy"),
                write.dry_run,
            );
            let obj = store.delete(&res, ns, name, &opts).await?;
            let held = crate::api::meta::is_deleting(&obj) && !opts.dry_run;
            // Built-in kinds other than pods answer an immediate deletion
            // with a success Status, as kube-apiserver's stores do.
            let is_pod = res.group.is_empty() && res.plural == "pods";
            if !(held || res.is_custom() || is_pod) {
                let mut details =
                    json!({ "name": name, "kind": res.plural, "uid": crate::api::meta::uid(&obj) });
                if !res.group.is_empty() {
                    details["group"] = json!(res.group);
                }
                let status = json!({
                    "kind": "Status", "apiVersion": "v1", "metadata": {},
                    "status": "Success", "details": details,
                });
                return Ok(json_response(200, &status, &[]));
            }
            Ok(json_response(200, &shown(obj), &[]))
        }
        (Method::DELETE, None) => {
            let (body, _) = body_value(req, true).await?;
            let opts = DeleteOptions::from_body(
                body.as_ref(),
                query.get("propagationPolicy"),
                write.dry_run,
            );
            let list = store
                .delete_collection(&res, ns, &query.list()?, &opts)
                .await?;
            Ok(json_response(200, &shown(list), &[]))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

async fn watch<S: Storage>(
    store: &Arc<Store<S>>,
    res: Arc<Resource>,
    ns: Option<String>,
    q: crate::api::query::ListQuery,
    repr: Representation,
    include: IncludeObject,
) -> Result<Response<Body>, ApiError> {
    let events = store.watch(res.clone(), ns, q).await?;
    let body = events.map(move |mut ev| {
        if ev["type"] != "ERROR" && ev["type"] != "BOOKMARK" && repr != Representation::Object {
            let obj = ev["object"].take();
            ev["object"] = represent(&res, obj, repr, include);
        }
        let mut line = serde_json::to_vec(&ev).unwrap_or_default();
        line.push(b'\n');
        Ok::<_, std::convert::Infallible>(Bytes::from(line))
    });
    let mut resp = Response::new(Body::from_stream(body));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache, private"),
    );
    Ok(resp)
}

fn path_value<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    path.trim_start_matches('.')
        .split('.')
        .try_fold(obj, |v, k| v.get(k))
}

fn set_path(obj: &mut Value, path: &str, value: Value) {
    let mut cur = obj;
    let parts: Vec<&str> = path.trim_start_matches('.').split('.').collect();
    for (i, p) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = json!({});
        }
        if i + 1 == parts.len() {
            cur[*p] = value;
            return;
        }
        cur = &mut cur[*p];
    }
}

/// The `autoscaling/v1` `Scale` of an object.
fn scale_of(res: &Resource, obj: &Value) -> Value {
    let Some(sc) = &res.scale else {
        return Value::Null;
    };
    let m = &obj["metadata"];
    let mut status =
        json!({ "replicas": path_value(obj, &sc.status_replicas).cloned().unwrap_or(json!(0)) });
    if let Some(sel) = sc
        .label_selector
        .as_deref()
        .and_then(|p| path_value(obj, p))
    {
        status["selector"] = sel.clone();
    } else if let Some(sel) = obj
        .pointer("/spec/selector")
        .and_then(|s| crate::selector::LabelSelector::from_label_selector_object(s).ok())
    {
        status["selector"] = json!(sel.to_string());
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": m["name"], "namespace": m["namespace"], "uid": m["uid"],
            "resourceVersion": m["resourceVersion"], "creationTimestamp": m["creationTimestamp"],
        },
        "spec": { "replicas": path_value(obj, &sc.spec_replicas).cloned().unwrap_or(json!(0)) },
        "status": status,
    })
}

async fn scale<S: Storage>(
    store: &Arc<Store<S>>,
    res: &Resource,
    ns: Option<&str>,
    path: &ResourcePath,
    req: Request,
    write: &WriteOptions,
) -> Result<Response<Body>, ApiError> {
    let name = path.name.as_deref().unwrap_or_default();
    let Some(sc) = res.scale.clone() else {
        return Err(ApiError::no_route());
    };
    let method = req.method().clone();
    if method == Method::GET {
        let obj = store.get(res, ns, name).await?;
        return Ok(json_response(200, &scale_of(res, &obj), &[]));
    }
    let (body, content_type) = body_value(req, false).await?;
    let body = body.unwrap_or(Value::Null);
    let kind = if method == Method::PUT {
        None
    } else if method == Method::PATCH {
        Some(
            PatchKind::from_content_type(&content_type)
                .ok_or_else(|| ApiError::unsupported_media_type(&content_type))?,
        )
    } else {
        return Err(ApiError::method_not_allowed());
    };
    let w = store
        .modify(res, ns, name, None, write, |live| {
            let current = scale_of(res, live);
            let wanted = match kind {
                None => body.clone(),
                Some(PatchKind::Json) => crate::patch::json_patch(&current, &body)
                    .map_err(|e| ApiError::bad_request(e.to_string()))?,
                Some(_) => crate::patch::merge_patch(&current, &body),
            };
            let rv = wanted
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !rv.is_empty()
                && Some(rv)
                    != live
                        .pointer("/metadata/resourceVersion")
                        .and_then(Value::as_str)
            {
                return Err(ApiError::modified(res.subject(), name));
            }
            let replicas = wanted
                .pointer("/spec/replicas")
                .cloned()
                .unwrap_or(json!(0));
            let mut new = live.clone();
            set_path(&mut new, &sc.spec_replicas, replicas);
            Ok((new, true))
        })
        .await?;
    Ok(json_response(200, &scale_of(res, &w.object), &w.warnings))
}
