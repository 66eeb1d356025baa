//! Running user code: a handler's or hook's future, or sync code on the blocking pool, with
//! the call's context current while it runs and its panics turned into a
//! [`FunctionError`] (through `panic`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use crate::context::{self, Context};
use crate::error::FunctionError;
use crate::panic::{self, PANIC_ERROR_TYPE};

/// A boxed, sendable future: what handlers and services return.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Runs `f` as user code of the call `ctx`: the context is current, and a panic becomes a
/// [`FunctionError`].
pub(crate) fn run_sync<R>(ctx: &Context, f: impl FnOnce() -> R) -> Result<R, FunctionError> {
    let _current = context::enter(ctx);
    panic::catch(f)
}

/// Runs sync user code `f` on the blocking thread pool, as code of the call `ctx` (its
/// panics become a [`FunctionError`]), so that it never stalls the async workers.
pub(crate) fn run_blocking<T: Send + 'static>(
    ctx: Context,
    f: impl FnOnce(Context) -> Result<T, FunctionError> + Send + 'static,
) -> BoxFuture<Result<T, FunctionError>> {
    let task = tokio::task::spawn_blocking(move || {
        let call_ctx = ctx.clone();
        run_sync(&ctx, move || f(call_ctx))
    });
    Box::pin(async move {
        match task.await {
            Ok(result) => result.and_then(|outcome| outcome),
            Err(error) => Err(FunctionError::new("Cancelled", format!("the blocking task did not finish: {error}"))),
        }
    })
}

/// A call that runs as user code: the call's context is current while it is polled, and a
/// panic in it — in starting it too — completes it with a [`FunctionError`].
pub(crate) struct Guarded<T, S> {
    state: State<T, S>,
    ctx: Context,
    /// The function's path, for its panics' frames.
    label: Option<&'static str>,
}

enum State<T, S> {
    Start(S),
    Running(BoxFuture<Result<T, FunctionError>>),
    /// Its start panicked (boxed: rare, and the call is moved while it runs).
    Failed(Box<FunctionError>),
    Done,
}

/// The start of a call that [`Guarded::begun`] made at once: never called.
pub(crate) type Begun<T> = fn() -> BoxFuture<Result<T, FunctionError>>;

impl<T> Guarded<T, Begun<T>> {
    /// The call `start` makes, made now as code of the call `ctx` (a panic in it is the
    /// call's error): what is kept is the call's future alone.
    pub(crate) fn begun(ctx: Context, start: impl FnOnce() -> BoxFuture<Result<T, FunctionError>>) -> Self {
        let state = match run_sync(&ctx, start) {
            Ok(future) => State::Running(future),
            Err(error) => State::Failed(Box::new(error)),
        };
        Guarded { state, ctx, label: None }
    }

    /// The call's context.
    pub(crate) fn context(&self) -> &Context {
        &self.ctx
    }
}

impl<T, S: FnOnce() -> BoxFuture<Result<T, FunctionError>> + Send> Guarded<T, S> {
    /// The call `start` makes when first polled, as code of the call `ctx`.
    pub(crate) fn start(ctx: Context, start: S) -> Self {
        Guarded { state: State::Start(start), ctx, label: None }
    }

    /// Names the function (`crate::module::name`) for its panics' frames.
    pub(crate) fn labelled(mut self, label: Option<&'static str>) -> Self {
        self.label = label;
        self
    }
}

impl<T, S: FnOnce() -> BoxFuture<Result<T, FunctionError>> + Unpin> Future for Guarded<T, S> {
    type Output = Result<T, FunctionError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let outcome = if let State::Failed(_) = this.state
            && let State::Failed(error) = std::mem::replace(&mut this.state, State::Done)
        {
            Err(*error)
        } else {
            let state = &mut this.state;
            let result = run_sync(&this.ctx, || {
                if matches!(state, State::Start(..))
                    && let State::Start(start) = std::mem::replace(state, State::Done)
                {
                    *state = State::Running(start());
                }
                match state {
                    State::Running(future) => future.as_mut().poll(cx),
                    _ => Poll::Ready(Err(FunctionError::new(PANIC_ERROR_TYPE, "polled after completion"))),
                }
            });
            match result {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(outcome)) => {
                    this.state = State::Done;
                    outcome
                }
                Err(error) => {
                    // Drop the panicked future as user code too: its destructors may panic.
                    let state = std::mem::replace(&mut this.state, State::Done);
                    let _ = run_sync(&this.ctx, move || drop(state));
                    Err(error)
                }
            }
        };
        // A panic caught here or further in (a sync function's, on the blocking pool), or
        // in the start.
        Poll::Ready(outcome.map_err(|mut error| {
            if let Some(label) = this.label
                && error.error_type() == PANIC_ERROR_TYPE
            {
                panic::name_function_frames(&mut error, label);
            }
            error
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_code_sees_its_context_and_panics_are_reported() {
        panic::install_hook();
        let mut headers = http::HeaderMap::new();
        headers.insert("x-fc-request-id", http::HeaderValue::from_static("r-7"));
        let ctx = Context::from_headers(headers);
        let id = run_sync(&ctx, || Context::current().map(|c| c.request_id().to_owned())).unwrap();
        assert_eq!(id.as_deref(), Some("r-7"));
        let error = run_sync(&ctx, || panic!("boom")).unwrap_err();
        assert_eq!((error.error_type(), error.message()), (PANIC_ERROR_TYPE, "boom"));
        assert!(Context::current().is_none());
    }
}
