//! The initializer's once-per-process semantics: it succeeds at most once, concurrent
//! callers share one run and its result, a failure may be retried, and a call that
//! arrives first runs it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::watch;

use crate::context::Context;
use crate::error::FunctionError;
use crate::handler::{BoxHandler, Outcome, run_guarded};

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
        Initializer {
            done: AtomicBool::new(hook.is_none()),
            hook,
            running: Mutex::new(None),
        }
    }

    pub(crate) fn is_registered(&self) -> bool {
        self.hook.is_some()
    }

    /// Whether it has succeeded (or there is none).
    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Runs the initializer unless it has succeeded, or waits for the run under way.
    ///
    /// The run is a task of its own: a caller that goes away does not cancel it.
    pub(crate) async fn ensure(self: &Arc<Self>, ctx: &Context) -> Initialized {
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
                    let ctx = ctx.clone();
                    let hook = Arc::clone(hook);
                    let this = Arc::clone(self);
                    tokio::spawn(async move {
                        let outcome = run_guarded(hook, ctx, Bytes::new()).await;
                        let mut running = this.running.lock().unwrap_or_else(|e| e.into_inner());
                        if outcome.is_ok() {
                            this.done.store(true, Ordering::Release);
                        }
                        *running = None;
                        let _ = sender.send(Some(outcome));
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

fn lost() -> FunctionError {
    FunctionError::new(
        "InitializerLost",
        "the initializer's task ended without a result",
    )
}
