//! Pequod's embedded, Kubernetes-compatible API server and its storage (SQLite,
//! PostgreSQL). It knows nothing of Pequod's controllers.
