//! The HTTPS server: TLS (HTTP/2 and HTTP/1.1), bearer-token
//! authentication, and the Kubernetes REST API over a [`Store`].

mod discovery;
mod handler;
mod openapi;
mod respond;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

pub use discovery::KUBERNETES_VERSION;
pub use tls::{Credentials, TlsError, kubeconfig};

use crate::storage::Storage;
use crate::store::Store;

/// The axum router serving the API of `store` to holders of `token`.
pub fn router<S: Storage>(store: Arc<Store<S>>, token: String, address: String) -> axum::Router {
    let app = Arc::new(handler::App {
        store,
        token,
        address,
        openapi: openapi::Cache::default(),
    });
    axum::Router::new()
        .fallback(handler::handle::<S>)
        .with_state(app)
}

/// Serves `router` over TLS on `listener` until `shutdown` completes; open
/// connections (watches) are closed then.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let acceptor = TlsAcceptor::from(tls);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let tls_stream = match acceptor.accept(stream).await {
                Ok(s) => s,
                Err(error) => {
                    tracing::debug!(%peer, %error, "TLS handshake failed");
                    return;
                }
            };
            let builder = auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls_stream), service);
            tokio::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), conn).await;
                }
            }
        });
    }
    let _ = stop_tx.send(true);
    Ok(())
}
