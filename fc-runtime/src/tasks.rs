//! The calls under way: each runs to its end even when its caller goes away, and a
//! graceful shutdown waits for them. Also the count-and-wait that connections use, and
//! the shutdown's start as the parts of a call that wait on the caller see it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll};

use tokio::sync::Notify;

/// The calls under way, which a graceful shutdown waits for: a call keeps running when
/// its caller goes away, and the process must not exit under it.
#[derive(Default)]
pub(crate) struct Tasks {
    running: Count,
}

/// How many things are under way (calls, connections), and a wait for none to be.
#[derive(Default)]
pub(crate) struct Count {
    value: AtomicUsize,
    zero: Notify,
    /// Whether anything has waited for zero: until then, reaching it wakes nothing (a
    /// call that brings the count back to zero does not take the notifier's lock).
    waited: AtomicBool,
}

impl Count {
    pub(crate) fn enter(&self) {
        self.value.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn leave(&self) {
        // With `wait_zero`'s store and load: either it sees zero, or this sees it waiting.
        if self.value.fetch_sub(1, Ordering::SeqCst) == 1 && self.waited.load(Ordering::SeqCst) {
            self.zero.notify_waiters();
        }
    }

    /// Completes once the count is zero.
    pub(crate) async fn wait_zero(&self) {
        self.waited.store(true, Ordering::SeqCst);
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

/// A wait for the shutdown's start, kept by what polls for it.
pub(crate) type StoppingWait = Pin<Box<dyn Future<Output = ()> + Send + Sync>>;

/// The server's shutdown, as the parts of a call that wait on the caller see it: a body
/// still arriving is not waited for once it has begun.
pub(crate) struct Stopping {
    started: AtomicBool,
    notify: Notify,
}

impl Stopping {
    /// The process's.
    pub(crate) fn get() -> &'static Stopping {
        static STOPPING: std::sync::OnceLock<Stopping> = std::sync::OnceLock::new();
        STOPPING.get_or_init(|| Stopping { started: AtomicBool::new(false), notify: Notify::new() })
    }

    /// The shutdown has begun.
    pub(crate) fn begin(&self) {
        self.started.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// A server starts (again): no shutdown under way.
    pub(crate) fn reset(&self) {
        self.started.store(false, Ordering::SeqCst);
    }

    pub(crate) fn has_begun(&self) -> bool {
        self.started.load(Ordering::SeqCst)
    }

    /// Whether the shutdown has begun, as a poll: `waiting` holds the wait, made the
    /// first time it is asked (so that what never waits pays nothing for it).
    pub(crate) fn poll_begun(&'static self, waiting: &mut Option<StoppingWait>, cx: &mut TaskContext<'_>) -> bool {
        waiting.get_or_insert_with(|| Box::pin(self.wait())).as_mut().poll(cx).is_ready()
    }

    /// Completes once the shutdown has begun.
    pub(crate) async fn wait(&'static self) {
        loop {
            let notified = self.notify.notified();
            if self.has_begun() {
                return;
            }
            notified.await;
        }
    }
}
