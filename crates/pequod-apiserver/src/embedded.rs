//! The embedded server as one call: storage in a data directory, generated
//! credentials, an admin kubeconfig, the HTTPS listener and the background
//! work (garbage collection, compaction).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::server::{self, Credentials};
use crate::storage::Storage;
use crate::storage::postgres::PostgresStorage;
use crate::storage::sqlite::SqliteStorage;
use crate::store::{Store, StoreOptions};

/// Why the embedded server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory or a file in it.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// Binding the listen address.
    #[error("listening on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The failure.
        source: std::io::Error,
    },
    /// Credentials.
    #[error(transparent)]
    Tls(#[from] server::TlsError),
    /// The database.
    #[error("opening the database: {0}")]
    Storage(#[from] crate::storage::StorageError),
    /// Loading stored state.
    #[error("loading stored state: {0}")]
    Load(#[from] crate::api::error::ApiError),
    /// Another server holds the data directory.
    #[error("{0} is in use by another pequod up (its lock file is held)")]
    InUse(PathBuf),
    /// A `--database-url` this build cannot open.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    DatabaseUrl(String),
}

/// How to start the embedded server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the database, credentials and kubeconfig live.
    pub data_dir: PathBuf,
    /// The address to listen on (`127.0.0.1:6443`; port 0 picks one).
    pub listen: String,
    /// `sqlite://PATH` or `postgres://…`; `DATA_DIR/pequod.db` when absent.
    pub database_url: Option<String>,
    /// Store behaviour.
    pub store: StoreOptions,
}

/// A running embedded server.
pub struct Embedded {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The URL clients use.
    pub url: String,
    /// The admin kubeconfig written into the data directory.
    pub kubeconfig: PathBuf,
    /// The credentials (CA, token).
    pub credentials: Credentials,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
    /// Held while serving: one server per data directory.
    _lock: std::fs::File,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedded")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

fn database_path(config: &Config) -> Result<PathBuf, StartError> {
    match &config.database_url {
        None => Ok(config.data_dir.join("pequod.db")),
        Some(url) => url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .map(PathBuf::from)
            .ok_or_else(|| StartError::DatabaseUrl(url.clone())),
    }
}

/// Takes the data directory's lock: a second server on the same state would
/// not see the first one's writes in its watches.
fn lock_data_dir(dir: &Path) -> Result<std::fs::File, StartError> {
    let path = dir.join("lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| StartError::Io {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StartError::InUse(dir.to_owned())),
        Err(std::fs::TryLockError::Error(source)) => Err(StartError::Io { path, source }),
    }
}

/// Starts the server; it runs until [`Embedded::shutdown`] or until dropped
/// with its runtime.
pub async fn start(config: Config) -> Result<Embedded, StartError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| StartError::Io { path, source }
    };
    server::tls::create_private_dir(&config.data_dir).map_err(io(&config.data_dir))?;
    let lock = lock_data_dir(&config.data_dir)?;
    if let Some(url) = config.database_url.as_deref()
        && (url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        let storage = Arc::new(PostgresStorage::connect(url).await?);
        let mut config = config;
        config.store.follow_log = true;
        return serve(config, lock, storage).await;
    }
    let db = database_path(&config)?;
    // SQLite creates the database (and its -wal and -shm files) with the
    // mode of an existing file: make it owner-only before it holds Secrets.
    if !db.exists() {
        server::tls::write_private(&db, b"").map_err(io(&db))?;
    }
    let storage = Arc::new(SqliteStorage::open(&db)?);
    serve(config, lock, storage).await
}

/// Serves the API over `storage`, holding the data directory's `lock`.
async fn serve<S: Storage>(
    config: Config,
    lock: std::fs::File,
    storage: Arc<S>,
) -> Result<Embedded, StartError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| StartError::Io { path, source }
    };
    let store = Store::open(storage.clone(), config.store.clone()).await?;
    store.spawn_background();
    let listener =
        TcpListener::bind(&config.listen)
            .await
            .map_err(|source| StartError::Listen {
                addr: config.listen.clone(),
                source,
            })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen.clone(),
        source,
    })?;
    let host = addr.ip().to_string();
    let credentials = Credentials::load_or_create(&config.data_dir, std::slice::from_ref(&host))?;
    let url = if addr.is_ipv6() {
        format!("https://[{host}]:{}", addr.port())
    } else {
        format!("https://{host}:{}", addr.port())
    };
    let kubeconfig = config.data_dir.join("kubeconfig");
    server::tls::write_private(
        &kubeconfig,
        server::kubeconfig(&url, &credentials, "pequod").as_bytes(),
    )
    .map_err(io(&kubeconfig))?;
    let router = server::router(store.clone(), credentials.token.clone(), addr.to_string());
    let tls = credentials.server_config()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(listener, tls, router, async move {
        let _ = stopped.await;
    }));
    let background = vec![tokio::spawn(compact_periodically(storage))];
    Ok(Embedded {
        addr,
        url,
        kubeconfig,
        credentials,
        stop: Some(stop),
        task,
        background,
        _lock: lock,
    })
}

/// Compacts the history every five minutes to the revision of five minutes
/// before, as kube-apiserver does with etcd.
async fn compact_periodically<S: Storage>(storage: Arc<S>) {
    let mut previous = None;
    let mut ticks = tokio::time::interval(Duration::from_secs(300));
    loop {
        ticks.tick().await;
        if let Some(rev) = previous
            && let Err(error) = storage.compact(rev).await
        {
            tracing::warn!(%error, "compaction failed");
        }
        previous = storage.revision().await.ok();
    }
}

impl Embedded {
    /// Stops accepting requests, closes open connections and waits for the
    /// listener to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for b in &self.background {
            b.abort();
        }
        let _ = (&mut self.task).await;
    }
}
