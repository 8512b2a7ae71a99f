//! The embedded API server for tests: one per test binary, on a thread of
//! its own so that it outlives each test's runtime.

use std::path::PathBuf;
use std::sync::mpsc;

use pequod_apiserver::embedded::{Config, start as start_server};
use pequod_apiserver::store::StoreOptions;

const PREFIX: &str = "pequod-embedded";

/// Removes the data directories of earlier test binaries: a server lives as
/// long as its test binary, which exits without running destructors.
fn sweep_stale() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(3600));
        if stale && entry.file_name().to_string_lossy().starts_with(PREFIX) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Starts the server and returns its admin kubeconfig.
pub(crate) fn start() -> Result<PathBuf, String> {
    sweep_stale();
    let dir = std::env::temp_dir().join(crate::unique_name(PREFIX));
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("pequod-embedded-apiserver".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            };
            runtime.block_on(async move {
                let config = Config {
                    data_dir: dir,
                    listen: "127.0.0.1:0".into(),
                    database_url: None,
                    store: StoreOptions::default(),
                };
                match start_server(config).await {
                    Ok(server) => {
                        let _ = tx.send(Ok(server.kubeconfig.clone()));
                        // Serve until the test binary exits.
                        std::future::pending::<()>().await;
                        drop(server);
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                }
            });
        })
        .map_err(|e| e.to_string())?;
    rx.recv().map_err(|e| e.to_string())?
}
