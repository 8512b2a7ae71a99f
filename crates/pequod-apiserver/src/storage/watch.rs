//! Watches: the log after a revision, then writes as they commit.
//!
//! Committed events are broadcast to every watcher. A watcher subscribes
//! before it reads the backlog from the log, so nothing committed in
//! between is missed, and it skips broadcast events it already read. A
//! watcher that falls behind the broadcast buffer reads the log again from
//! its last revision instead of losing events.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use futures::future::BoxFuture;
use tokio::sync::broadcast;

use super::{Event, KeyRange, Revision, StorageError};

/// Reads the log after a revision, for a range.
pub(crate) type LogReader = Arc<
    dyn Fn(KeyRange, Revision) -> BoxFuture<'static, Result<Vec<Event>, StorageError>>
        + Send
        + Sync,
>;

/// The events of a watch, in revision order. It ends only when the storage
/// goes away; a revision compacted while the watcher lagged gives
/// [`StorageError::Gone`].
pub struct WatchStream {
    inner: Pin<Box<dyn Stream<Item = Result<Event, StorageError>> + Send>>,
}

impl WatchStream {
    pub(crate) fn new(
        range: KeyRange,
        backlog: Vec<Event>,
        after: Revision,
        receiver: broadcast::Receiver<Arc<Event>>,
        read_log: LogReader,
    ) -> Self {
        let last = backlog.last().map_or(after, |e| e.object.revision);
        let state = State {
            range,
            pending: backlog.into(),
            last,
            receiver,
            read_log,
        };
        let inner = futures::stream::unfold(Some(state), |state| async move {
            let mut state = state?;
            match state.next().await {
                Some(Ok(event)) => Some((Ok(event), Some(state))),
                Some(Err(e)) => Some((Err(e), None)),
                None => None,
            }
        });
        Self {
            inner: Box::pin(inner),
        }
    }
}

impl Stream for WatchStream {
    type Item = Result<Event, StorageError>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

struct State {
    range: KeyRange,
    pending: VecDeque<Event>,
    last: Revision,
    receiver: broadcast::Receiver<Arc<Event>>,
    read_log: LogReader,
}

impl State {
    async fn next(&mut self) -> Option<Result<Event, StorageError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                self.last = event.object.revision;
                return Some(Ok(event));
            }
            match self.receiver.recv().await {
                Ok(event) => {
                    if event.object.revision > self.last
                        && self.range.contains(event.object.key.as_str())
                    {
                        self.last = event.object.revision;
                        return Some(Ok((*event).clone()));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Fell behind the buffer: the log has everything.
                    match (self.read_log)(self.range.clone(), self.last).await {
                        Ok(events) => self.pending.extend(events),
                        Err(e) => return Some(Err(e)),
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
