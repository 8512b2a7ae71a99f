//! Pequod's embedded, Kubernetes-compatible API server and its storage (SQLite,
//! PostgreSQL). It knows nothing of Pequod's controllers.
//!
//! Layers, bottom up: [`storage`] (objects by key, one global revision,
//! snapshot lists, resumable watches, compaction; SQLite now),
//! [`store`] (what kube-apiserver's registry does: metadata, generation,
//! optimistic concurrency, subresources, patches and server-side apply,
//! defaulting, pruning and validation, finalizers, garbage collection),
//! [`server`] (HTTPS, bearer tokens, discovery, OpenAPI, the REST verbs,
//! watches, tables). [`registry`] says what is served; [`schema`],
//! [`patch`], [`selector`], [`table`] and [`workloads`] are the pure parts.

pub mod api;
pub mod embedded;
pub mod jsonpath;
pub mod patch;
pub mod registry;
pub mod schema;
pub mod selector;
pub mod server;
pub mod storage;
pub mod store;
pub mod table;
pub mod workloads;
