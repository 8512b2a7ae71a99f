//! An HTTPS server for validating admission webhooks (`--webhook-port`,
//! default 9443).
//!
//! Register a handler per path with [`WebhookServer::validate`]: it gets the
//! admission request and answers `Ok(())` to admit or `Err(message)` to
//! reject, and the message is what `kubectl apply` shows. Certificates come
//! from [`Tls`]: a directory re-read on rotation, or generated at start.

mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Json;
use axum::routing::post;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub use tls::{Tls, write_self_signed};

use crate::Error;

/// Default of `--webhook-port`.
pub const DEFAULT_WEBHOOK_PORT: u16 = 9443;

/// The webhooks to serve, by path.
#[derive(Debug, Default)]
pub struct WebhookServer {
    router: Router,
}

impl WebhookServer {
    /// A server with no webhooks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves a validating webhook on `path`.
    pub fn validate<F, Fut>(mut self, path: &str, handler: F) -> Self
    where
        F: Fn(AdmissionRequest<DynamicObject>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let route = post(move |Json(review): Json<AdmissionReview<DynamicObject>>| {
            let handler = handler.clone();
            async move { Json(review_with(review, handler).await) }
        });
        self.router = self.router.route(path, route);
        self
    }

    /// Binds `addr` and serves over TLS with `tls` until `shutdown`.
    pub async fn start(
        self,
        addr: SocketAddr,
        tls: &Arc<Tls>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<RunningWebhooks, Error> {
        let acceptor = TlsAcceptor::from(Arc::new(tls.server_config()?));
        let listener = TcpListener::bind(addr).await.map_err(|source| Error::Io {
            what: format!("binding {addr}"),
            source,
        })?;
        let local_addr = listener.local_addr().map_err(|source| Error::Io {
            what: format!("reading the address bound for {addr}"),
            source,
        })?;
        let router = self.router;
        let task = tokio::spawn(async move {
            tokio::pin!(shutdown);
            loop {
                let (tcp, peer) = tokio::select! {
                    () = &mut shutdown => break,
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            tracing::warn!(%error, "webhook accept failed");
                            continue;
                        }
                    },
                };
                let (acceptor, router) = (acceptor.clone(), router.clone());
                tokio::spawn(async move {
                    let stream = match acceptor.accept(tcp).await {
                        Ok(stream) => stream,
                        Err(error) => {
                            tracing::debug!(%peer, %error, "webhook TLS handshake failed");
                            return;
                        }
                    };
                    let service = TowerToHyperService::new(router);
                    if let Err(error) = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                    {
                        tracing::debug!(%peer, %error, "webhook connection ended");
                    }
                });
            }
        });
        Ok(RunningWebhooks { local_addr, task })
    }
}

async fn review_with<F, Fut>(
    review: AdmissionReview<DynamicObject>,
    handler: F,
) -> AdmissionReview<DynamicObject>
where
    F: Fn(AdmissionRequest<DynamicObject>) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let request: AdmissionRequest<DynamicObject> = match review.try_into() {
        Ok(request) => request,
        Err(error) => return AdmissionResponse::invalid(error.to_string()).into_review(),
    };
    let response = AdmissionResponse::from(&request);
    match handler(request).await {
        Ok(()) => response.into_review(),
        Err(message) => response.deny(message).into_review(),
    }
}

/// A running webhook server.
#[derive(Debug)]
pub struct RunningWebhooks {
    local_addr: SocketAddr,
    task: JoinHandle<()>,
}

impl RunningWebhooks {
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Waits until the server stops accepting (connections in flight finish
    /// on their own).
    pub async fn wait(self) -> Result<(), Error> {
        self.task.await.map_err(|e| Error::Task(e.to_string()))
    }
}
