//! The initializer's once-per-process semantics: it succeeds at most once, concurrent
//! callers share one run and its result, a failure may be retried, and a call that
//! arrives first runs it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::error::FunctionError;
use crate::handler::Outcome;
use crate::tasks::Tasks;
use crate::user_code::BoxFuture;

/// Whether the initializer hook has succeeded, and the run under way.
pub(crate) struct Initializer {
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
    /// The state of the initializer's runs: done from the start when there is none.
    pub(crate) fn new(registered: bool) -> Self {
        Initializer { done: AtomicBool::new(!registered), running: Mutex::new(None) }
    }

    /// Whether it has succeeded (or there is none).
    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Runs the initializer — the future `run` makes — unless it has succeeded, or joins
    /// the run under way (then `run` is not called).
    ///
    /// The run is a task of its own: a caller that goes away does not cancel it.
    pub(crate) async fn ensure(
        self: &Arc<Self>,
        tasks: &Arc<Tasks>,
        run: impl FnOnce() -> BoxFuture<Outcome>,
    ) -> Initialized {
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
                    let run = run();
                    tasks.spawn(async move {
                        let mut publish = publish;
                        publish.outcome = Some(run.await);
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
