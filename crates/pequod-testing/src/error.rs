//! What can go wrong setting up a test cluster.

use std::path::PathBuf;

/// An error starting or talking to a test cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The harness process could not be started or died before it was ready.
    #[error("starting the {what}: {message}")]
    Start {
        /// Which cluster failed.
        what: &'static str,
        /// Why.
        message: String,
    },
    /// The kubeconfig of the cluster could not be read.
    #[error("reading kubeconfig {path}: {source}")]
    Kubeconfig {
        /// Where it was looked for.
        path: PathBuf,
        /// The parse or I/O error.
        source: kube::config::KubeconfigError,
    },
    /// Building a client from the kubeconfig failed.
    #[error("building a client: {0}")]
    Client(#[from] kube::Error),
}
