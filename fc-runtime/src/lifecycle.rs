//! The process's lifecycle: the initializer's once-per-process semantics (it succeeds at
//! most once, concurrent callers share one run and its result, a failure may be retried,
//! a call that arrives first runs it) and the tasks that shutdown waits for.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Waker};

use bytes::Bytes;
use hyper_util::server::graceful::GracefulConnection;
use tokio::sync::{Notify, watch};

use crate::context::{CallKind, Context};
use crate::error::FunctionError;
use crate::handler::{BoxHandler, Outcome};
use crate::panic::guarded_call;

/// The calls under way, which a graceful shutdown waits for: a call keeps running when
/// its caller goes away, and the process must not exit under it.
#[derive(Default)]
pub(crate) struct Tasks {
    running: Count,
}

/// How many things are under way (calls, connections), and a wait for none to be.
#[derive(Default)]
struct Count {
    value: AtomicUsize,
    zero: Notify,
}

impl Count {
    fn enter(&self) {
        self.value.fetch_add(1, Ordering::SeqCst);
    }

    fn leave(&self) {
        if self.value.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.zero.notify_waiters();
        }
    }

    /// Completes once the count is zero.
    async fn wait_zero(&self) {
        loop {
            let notified = self.zero.notified();
            if self.value.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Tasks {
    /// Runs `future` as a task of its own, counted until it ends.
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let done = self.enter();
        tokio::spawn(async move {
            let _done = done;
            future.await
        })
    }

    /// Runs `future` in the caller's task, counted until it ends; if the caller drops it
    /// before the end (its connection closed), the rest runs as a task of its own. So a
    /// call is never cancelled half-way, and costs no task of its own while its caller
    /// waits for it.
    pub(crate) fn run<F>(self: &Arc<Self>, future: F) -> Detachable<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Detachable { future: Some(Box::pin(future)), done: Some(self.enter()) }
    }

    fn enter(self: &Arc<Self>) -> Done {
        self.running.enter();
        Done(Arc::clone(self))
    }

    /// Completes once no call is under way.
    pub(crate) async fn wait_idle(&self) {
        self.running.wait_zero().await;
    }
}

/// A call run by [`Tasks::run`]: one box for the call's future, polled in place.
pub(crate) struct Detachable<T: Send + 'static> {
    future: Option<Pin<Box<dyn Future<Output = T> + Send>>>,
    /// Counts the call out when it ends (here, or in the task it was detached to).
    done: Option<Done>,
}

impl<T: Send + 'static> Future for Detachable<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<T> {
        let Some(future) = self.future.as_mut() else { return Poll::Pending };
        let output = std::task::ready!(future.as_mut().poll(cx));
        self.future = None;
        self.done = None;
        Poll::Ready(output)
    }
}

impl<T: Send + 'static> Drop for Detachable<T> {
    fn drop(&mut self) {
        if let Some(rest) = self.future.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let done = self.done.take();
            runtime.spawn(async move {
                let _done = done;
                let _ = rest.await;
            });
        }
    }
}

/// Counts a task out when it ends, however it ends.
struct Done(Arc<Tasks>);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.running.leave();
    }
}

/// The initializer hook and whether it has succeeded.
pub(crate) struct Initializer {
    hook: Option<BoxHandler>,
    done: AtomicBool,
    running: Mutex<Option<watch::Receiver<Option<Outcome>>>>,
}

/// What [`Initializer::ensure`] did.
pub(crate) enum Initialized {
    /// It had already succeeded (or there is none): nothing ran.
    Already,
    /// It ran (or this call joined a run) with this outcome.
    Ran(Outcome),
}

impl Initializer {
    pub(crate) fn new(hook: Option<BoxHandler>) -> Self {
        Initializer { done: AtomicBool::new(hook.is_none()), hook, running: Mutex::new(None) }
    }

    pub(crate) fn is_registered(&self) -> bool {
        self.hook.is_some()
    }

    /// Whether it has succeeded (or there is none).
    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Runs the initializer unless it has succeeded, or joins the run under way.
    ///
    /// The run is a task of its own: a caller that goes away does not cancel it.
    pub(crate) async fn ensure(self: &Arc<Self>, ctx: &Context, tasks: &Arc<Tasks>) -> Initialized {
        let Some(hook) = &self.hook else {
            return Initialized::Already;
        };
        let mut receiver = {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            if self.is_done() {
                return Initialized::Already;
            }
            match &*running {
                Some(receiver) => receiver.clone(),
                None => {
                    let (sender, receiver) = watch::channel(None);
                    *running = Some(receiver.clone());
                    let publish = Publish { initializer: Arc::clone(self), sender, outcome: None };
                    let (hook, ctx, tasks) = (Arc::clone(hook), ctx.with_kind(CallKind::Initialize), Arc::clone(tasks));
                    tasks.spawn(async move {
                        let mut publish = publish;
                        publish.outcome = Some(guarded_call(hook, ctx, Bytes::new()).await);
                    });
                    receiver
                }
            }
        };
        match receiver.wait_for(Option::is_some).await {
            Ok(outcome) => Initialized::Ran(outcome.clone().unwrap_or_else(|| Err(lost()))),
            Err(_) => Initialized::Ran(Err(lost())),
        }
    }
}

/// Publishes a run's outcome to everyone waiting for it when the run's task ends,
/// however it ends, and clears the way for the next run.
struct Publish {
    initializer: Arc<Initializer>,
    sender: watch::Sender<Option<Outcome>>,
    outcome: Option<Outcome>,
}

impl Drop for Publish {
    fn drop(&mut self) {
        let outcome = self.outcome.take().unwrap_or_else(|| Err(lost()));
        let mut running = self.initializer.running.lock().unwrap_or_else(|e| e.into_inner());
        if outcome.is_ok() {
            self.initializer.done.store(true, Ordering::Release);
        }
        *running = None;
        let _ = self.sender.send(Some(outcome));
    }
}

fn lost() -> FunctionError {
    FunctionError::new("InitializerLost", "the initializer's task ended without a result")
}

/// The open connections, and the signal that asks them to close once their call in
/// flight is answered (idle ones close at once).
///
/// The shutdown signal costs one atomic load per poll of a connection: a connection
/// hands its task's waker over once, when it is first polled, and is woken through it
/// when the shutdown starts.
#[derive(Default)]
pub(crate) struct Connections {
    closing: AtomicBool,
    open: Count,
    next_id: AtomicUsize,
    wakers: Mutex<HashMap<usize, Waker>>,
}

impl Connections {
    /// Watches `conn` until it ends: asks it to close when [`close`](Self::close) is called.
    pub(crate) fn watch<C: GracefulConnection + Unpin>(self: &Arc<Self>, conn: C) -> Watched<C> {
        self.open.enter();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        Watched { conn, connections: Arc::clone(self), id, registered: false, closing: false }
    }

    /// Asks every connection to close once its call in flight is answered.
    pub(crate) fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut *self.wakers.lock().unwrap_or_else(|e| e.into_inner()));
        wakers.into_values().for_each(Waker::wake);
    }

    /// Completes once every connection has ended.
    pub(crate) async fn wait_closed(&self) {
        self.open.wait_zero().await;
    }
}

/// A connection watched by [`Connections`].
pub(crate) struct Watched<C: GracefulConnection + Unpin> {
    conn: C,
    connections: Arc<Connections>,
    id: usize,
    registered: bool,
    closing: bool,
}

impl<C: GracefulConnection + Unpin> Future for Watched<C> {
    type Output = C::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<C::Output> {
        let this = self.get_mut();
        if !this.closing {
            if !this.registered {
                // The connection is polled by its own task only: this waker stays valid.
                let mut wakers = this.connections.wakers.lock().unwrap_or_else(|e| e.into_inner());
                wakers.insert(this.id, cx.waker().clone());
                this.registered = true;
            }
            // Read after registering: a `close` that drained the wakers before this
            // connection registered has set the flag before it did.
            if this.connections.closing.load(Ordering::SeqCst) {
                this.closing = true;
                Pin::new(&mut this.conn).graceful_shutdown();
            }
        }
        Pin::new(&mut this.conn).poll(cx)
    }
}

impl<C: GracefulConnection + Unpin> Drop for Watched<C> {
    fn drop(&mut self) {
        if self.registered {
            self.connections.wakers.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
        }
        self.connections.open.leave();
    }
}
