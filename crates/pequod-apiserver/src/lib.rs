//! Pequod's embedded, Kubernetes-compatible API server and its storage (SQLite,
//! PostgreSQL). It knows nothing of Pequod's controllers.
//!
//! Start with [`storage`]: the [`Storage`](storage::Storage) trait (objects by
//! key, one global revision, snapshot lists with continue tokens, watches that
//! resume from the log, compaction) and its SQLite implementation
//! [`SqliteStorage`](storage::sqlite::SqliteStorage).

pub mod storage;
pub mod schema;
