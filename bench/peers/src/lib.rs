//! What the peers share: the port a server listens on, found as fc finds it.

/// `FC_CUSTOM_LISTEN_PORT`, else `FC_SERVER_PORT`, else 9000.
pub fn port() -> u16 {
    ["FC_CUSTOM_LISTEN_PORT", "FC_SERVER_PORT"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
        .unwrap_or(9000)
}

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderValue, Request};

/// The log lines the platform requires of every call (`FC Invoke Start RequestId: <id>`
/// before it, `FC Invoke End RequestId: <id>` after it), around a service, as a user must
/// write them without fc: a tower layer, one locked write a line, as the floor writes them.
/// `FC_BENCH_CALL_LINES=0` turns them off (the benchmark's bare rows).
#[derive(Clone, Copy, Default)]
pub struct CallLines;

impl<S> tower_layer::Layer<S> for CallLines {
    type Service = Logged<S>;

    fn layer(&self, inner: S) -> Logged<S> {
        Logged(inner)
    }
}

/// A service with [`CallLines`].
#[derive(Clone)]
pub struct Logged<S>(pub S);

impl<S: tower_service::Service<Request<B>>, B> tower_service::Service<Request<B>> for Logged<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = LoggedCall<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let id = call_lines().then(|| request.headers().get("x-fc-request-id").cloned());
        if let Some(id) = &id {
            log_line("Start", id);
        }
        LoggedCall { call: self.0.call(request), id }
    }
}

pin_project_lite::pin_project! {
    /// A call with [`CallLines`]: its `End` line once it is answered.
    pub struct LoggedCall<F> {
        #[pin]
        call: F,
        // The request id, when the lines are written.
        id: Option<Option<HeaderValue>>,
    }
}

impl<F: Future> Future for LoggedCall<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let output = std::task::ready!(this.call.poll(cx));
        if let Some(id) = this.id {
            log_line("End", id);
        }
        Poll::Ready(output)
    }
}

/// Whether the call lines are written (`FC_BENCH_CALL_LINES` is not `0`).
fn call_lines() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("FC_BENCH_CALL_LINES").map_or(true, |v| v != "0"))
}

/// `FC Invoke <what> RequestId: <id>` to stdout in one write, stdout locked.
fn log_line(what: &str, id: &Option<HeaderValue>) {
    let id = id.as_ref().map_or(&b""[..], HeaderValue::as_bytes);
    let mut line = Vec::with_capacity(32 + id.len());
    line.extend_from_slice(b"FC Invoke ");
    line.extend_from_slice(what.as_bytes());
    line.extend_from_slice(b" RequestId: ");
    line.extend_from_slice(id);
    line.push(b'\n');
    let _ = std::io::stdout().lock().write_all(&line);
}
