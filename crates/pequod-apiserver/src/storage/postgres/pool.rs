//! A small connection pool: at most [`MAX_CONNECTIONS`] connections, made
//! on demand, reused while healthy. A connection an operation did not finish
//! with (an error of the database, a timeout) is dropped rather than reused.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::{Client, Config, NoTls};

use super::backend;
use crate::storage::StorageError;

/// Connections one storage opens at most (the listener's not counted).
pub(super) const MAX_CONNECTIONS: usize = 8;

/// How long making a connection may take.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections to one database.
pub(super) struct Pool {
    config: Config,
    idle: Mutex<Vec<Client>>,
    permits: Arc<Semaphore>,
}

/// A connection taken from the pool. It goes back only through
/// [`Conn::release`]; dropped otherwise (the operation failed or was
/// cancelled), it is closed.
pub(super) struct Conn {
    client: Option<Client>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
}

impl Pool {
    pub(super) fn new(mut config: Config) -> Self {
        config.connect_timeout(CONNECT_TIMEOUT);
        Self {
            config,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
        }
    }

    /// The configuration connections are made with.
    pub(super) fn config(&self) -> &Config {
        &self.config
    }

    /// An idle connection, or a new one.
    pub(super) async fn get(self: &Arc<Self>) -> Result<Conn, StorageError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(backend)?;
        let idle = loop {
            let next = match self.idle.lock() {
                Ok(mut idle) => idle.pop(),
                Err(poisoned) => poisoned.into_inner().pop(),
            };
            match next {
                Some(client) if client.is_closed() => continue,
                other => break other,
            }
        };
        let client = match idle {
            Some(client) => client,
            None => connect(&self.config).await?,
        };
        Ok(Conn {
            client: Some(client),
            pool: Arc::clone(self),
            _permit: permit,
        })
    }
}

/// Opens a connection and drives it on a task of its own.
pub(super) async fn connect(config: &Config) -> Result<Client, StorageError> {
    let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(NoTls))
        .await
        .map_err(|_| StorageError::Backend("postgres: timed out connecting".into()))?
        .map_err(backend)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "postgres connection closed");
        }
    });
    Ok(client)
}

impl Conn {
    /// The connection.
    pub(super) fn client(&mut self) -> Result<&mut Client, StorageError> {
        self.client
            .as_mut()
            .ok_or_else(|| StorageError::Backend("postgres: connection already released".into()))
    }

    /// Gives the connection back for reuse, if it is still open.
    pub(super) fn release(mut self) {
        if let Some(client) = self.client.take()
            && !client.is_closed()
        {
            match self.pool.idle.lock() {
                Ok(mut idle) => idle.push(client),
                Err(poisoned) => poisoned.into_inner().push(client),
            }
        }
    }
}
