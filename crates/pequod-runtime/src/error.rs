//! The crate's error type.

/// What can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A bind address is neither `host:port`, `:port` nor `0`.
    #[error("invalid bind address {address:?}: {reason}")]
    BindAddress {
        /// The address as given.
        address: String,
        /// Why it was refused.
        reason: String,
    },
    /// A socket could not be bound or served.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A flag's value is not one it accepts.
    #[error("invalid {flag} {value:?}: expected {expected}")]
    Flag {
        /// The flag.
        flag: &'static str,
        /// The value given.
        value: String,
        /// What it accepts.
        expected: &'static str,
    },
    /// Logging could not be set up (a global subscriber was already set).
    #[error("setting up logging: {0}")]
    Logging(String),
    /// This process lost its leader lease and stopped reconciling.
    #[error("lost the leader lease {lease}")]
    LeadershipLost {
        /// The Lease's name.
        lease: String,
    },
    /// A controller or server task ended abnormally.
    #[error("task failed: {0}")]
    Task(String),
    /// The Kubernetes API failed.
    #[error(transparent)]
    Kube(#[from] kube::Error),
}
