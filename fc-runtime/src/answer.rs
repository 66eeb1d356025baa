//! The answer: the response body (whole for the protocol's answers, streamed for HTTP
//! functions), a success (an event function's with `x-fc-status: 200`, an HTTP function's
//! response as it is), and a failure as the JSON error body with its status and
//! `x-fc-status: 404`; and the phase of a connection (no call, a call, an answer being
//! written), which a shutdown looks at.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Frame, SizeHint};

use crate::error::FunctionError;
use crate::handler::Payload;
use crate::http_function::{BoxError, ResponseBody};

/// `x-fc-status`: 200 on an event function's success, 404 on any failure.
pub(crate) const X_FC_STATUS: HeaderName = HeaderName::from_static("x-fc-status");

/// The response body: whole or streamed, and the phase of its connection, marked idle
/// once it is written (dropped).
pub(crate) struct Body {
    kind: Kind,
    phase: Option<Arc<Phase>>,
}

enum Kind {
    /// A protocol answer, held whole.
    Whole(Full<Bytes>),
    /// An HTTP function's answer, streamed as it produces it.
    Streamed(ResponseBody),
}

impl Body {
    fn whole(bytes: Bytes) -> Self {
        Body { kind: Kind::Whole(Full::new(bytes)), phase: None }
    }

    /// Marks `phase` idle once this body is written.
    pub(crate) fn mark_idle_when_written(&mut self, phase: Arc<Phase>) {
        self.phase = Some(phase);
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        if let Some(phase) = &self.phase {
            phase.set(Phase::IDLE);
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Whole(full) => Pin::new(full).poll_frame(cx).map_err(|never| match never {}),
            Kind::Streamed(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Whole(full) => full.is_end_stream(),
            Kind::Streamed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Whole(full) => full.size_hint(),
            Kind::Streamed(body) => body.size_hint(),
        }
    }
}

/// What a successful call answers: an event function's payload or an HTTP function's
/// response.
pub(crate) enum Answer {
    Payload(Payload),
    Http(Response<ResponseBody>),
}

/// The response for a successful call.
pub(crate) fn success(answer: Answer) -> Response<Body> {
    match answer {
        Answer::Payload(payload) => {
            let mut response = Response::new(Body::whole(payload.body));
            let headers = response.headers_mut();
            headers.insert(X_FC_STATUS, HeaderValue::from_static("200"));
            if let Some(content_type) = payload.content_type {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            }
            response
        }
        // As the function answered: the platform counts an answer without `x-fc-status` a
        // success, and one the function set itself is its own report.
        Answer::Http(response) => response.map(|body| Body { kind: Kind::Streamed(body), phase: None }),
    }
}

/// The response for a failure: the JSON error body.
pub(crate) fn failure(error: &FunctionError) -> Response<Body> {
    let mut response = Response::new(Body::whole(Bytes::from(error.to_json())));
    *response.status_mut() = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::NOT_FOUND);
    let headers = response.headers_mut();
    headers.insert(X_FC_STATUS, HeaderValue::from_static("404"));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if error.close_connection {
        close_connection(&mut response);
    }
    response
}

/// Makes the connection close once `response` is written.
pub(crate) fn close_connection<B>(response: &mut Response<B>) {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
}

/// What a connection is doing, as its shutdown needs to know: nothing (no request, or
/// part of one), a call, or the writing of an answer; and its socket's state, should it
/// be upgraded to a WebSocket.
#[derive(Default)]
pub(crate) struct Phase {
    state: AtomicU8,
    /// An HTTP/2 connection: calls in flight at once, whose phases are not its own.
    multiplexed: std::sync::atomic::AtomicBool,
    pub(crate) upgrade: Option<Arc<crate::upgrades::State>>,
}

impl Phase {
    /// The phase of a connection on a socket whose state is `upgrade`.
    pub(crate) fn new(upgrade: Arc<crate::upgrades::State>) -> Self {
        Phase { state: AtomicU8::new(Self::IDLE), multiplexed: Default::default(), upgrade: Some(upgrade) }
    }

    /// Marks an HTTP/2 connection.
    #[cfg(feature = "http2")]
    pub(crate) fn multiplexed(&self) {
        self.multiplexed.store(true, Ordering::Relaxed);
    }

    pub(crate) fn is_multiplexed(&self) -> bool {
        self.multiplexed.load(Ordering::Relaxed)
    }

    pub(crate) const IDLE: u8 = 0;
    pub(crate) const CALL: u8 = 1;
    pub(crate) const ANSWER: u8 = 2;

    pub(crate) fn set(&self, state: u8) {
        self.state.store(state, Ordering::Release);
    }

    pub(crate) fn get(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }
}
