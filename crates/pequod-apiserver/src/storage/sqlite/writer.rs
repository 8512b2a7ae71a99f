//! The writer thread: one connection, group commit. Writes that arrive
//! while a transaction is committing wait and then share the next one, each
//! in a savepoint of its own (a failing write rolls back alone), so
//! concurrent writers share one fsync instead of queueing for one each.
//! Replies go out, and events are broadcast in revision order, only after
//! the commit: an acknowledged write is durable.

use std::sync::Arc;
use std::sync::mpsc;

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{broadcast, oneshot};

use super::backend;
use crate::storage::{Event, StorageError, Stored};

/// What a write does inside its savepoint: the event it produced, if any.
pub(super) type Work = Box<dyn FnOnce(&Connection) -> Result<Option<Event>, StorageError> + Send>;

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Option<Stored>, StorageError>>,
}

/// Writes in one transaction at most: bounds a commit's latency.
const MAX_BATCH: usize = 512;

/// Sends writes to the writer thread.
#[derive(Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the thread owning `conn`; it stops when every `Writer` is gone.
    pub(super) fn start(
        conn: Connection,
        events: broadcast::Sender<Arc<Event>>,
    ) -> Result<Self, StorageError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("pequod-sqlite-writer".into())
            .spawn(move || run(conn, &queue, &events))
            .map_err(backend)?;
        Ok(Self { jobs })
    }

    /// Runs `work` in the next transaction and waits for its commit.
    pub(super) async fn write(&self, work: Work) -> Result<Option<Stored>, StorageError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { work, reply })
            .map_err(|_| StorageError::Backend("the database writer stopped".into()))?;
        answer
            .await
            .map_err(|_| StorageError::Backend("the database writer stopped".into()))?
    }
}

fn run(mut conn: Connection, queue: &mpsc::Receiver<Job>, events: &broadcast::Sender<Arc<Event>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit(&mut conn, batch, events);
    }
}

fn commit(conn: &mut Connection, batch: Vec<Job>, events: &broadcast::Sender<Arc<Event>>) {
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let e = backend(e);
            for job in batch {
                let _ = job.reply.send(Err(e.clone()));
            }
            return;
        }
    };
    let mut results = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        let result = match tx.savepoint() {
            Ok(mut sp) => match (job.work)(&sp) {
                Ok(event) => match sp.commit() {
                    Ok(()) => Ok(event),
                    Err(e) => Err(backend(e)),
                },
                Err(e) => {
                    let _ = sp.rollback();
                    Err(e)
                }
            },
            Err(e) => Err(backend(e)),
        };
        results.push(result);
        replies.push(job.reply);
    }
    if let Err(e) = tx.commit() {
        // Nothing of the batch is durable: every write fails.
        let e = backend(e);
        for reply in replies {
            let _ = reply.send(Err(e.clone()));
        }
        return;
    }
    for (result, reply) in results.into_iter().zip(replies) {
        let answer = result.map(|event| {
            event.map(|event| {
                let stored = event.object.clone();
                let _ = events.send(Arc::new(event));
                stored
            })
        });
        let _ = reply.send(answer);
    }
}
