//! The embedded API server for tests: one per test binary, on a thread of
//! its own so that it outlives each test's runtime.

use std::path::PathBuf;
use std::sync::mpsc;

use pequod_apiserver::embedded::{Config, start as start_server};
use pequod_apiserver::store::StoreOptions;

/// Starts the server and returns its admin kubeconfig.
pub(crate) fn start() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(crate::unique_name("pequod-embedded"));
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
