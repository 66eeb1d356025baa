//! The request body of an event call: read whole within the limit, refused as soon as it
//! is known to be larger; and the body of a request that does not use it, read and
//! dropped so that the caller gets its answer and the connection stays usable.

use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};

use crate::error::FunctionError;
use crate::tasks::{Stopping, StoppingWait};

/// How much of an unused body is read and dropped before the connection is closed.
const DISCARD_LIMIT: usize = 64 * 1024 * 1024;
/// How long an unused body is read and dropped before the connection is closed.
const DISCARD_TIME: Duration = Duration::from_secs(30);

/// Whether the request asked to be told before it sends its body
/// (`Expect: 100-continue`).
pub(crate) fn expects_continue(headers: &HeaderMap) -> bool {
    headers.get(http::header::EXPECT).is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// What to do with the body of a request answered without it: read and drop it (see
/// [`discard`]), or — when the caller waits for a `100 Continue` before sending it — drop
/// it unread and close the connection after the answer, so that the caller's next
/// request is never taken for this one's body. Returns whether to close.
pub(crate) fn set_aside(body: Incoming, headers: &HeaderMap) -> bool {
    if body.is_end_stream() {
        return false;
    }
    if expects_continue(headers) {
        return true;
    }
    discard(body);
    false
}

/// Reads a request body of at most `limit` bytes, refusing a larger one as soon as it is
/// known to be larger (from `Content-Length`, which hyper has checked, or while reading).
pub(crate) async fn read(mut body: Incoming, limit: usize, headers: &HeaderMap) -> Result<Bytes, FunctionError> {
    let content_length = body.size_hint().exact();
    let too_large = || {
        FunctionError::new("PayloadTooLarge", format!("the request body is larger than the limit of {limit} bytes"))
            .with_status(413)
    };
    if content_length.is_some_and(|len| len > limit as u64) {
        let close = set_aside(body, headers);
        return Err(too_large().closing_connection(close));
    }
    // A body that comes in one frame (the usual case) is used as it is: no copy.
    let mut first: Option<Bytes> = None;
    let mut collected = bytes::BytesMut::new();
    let mut seen = 0usize;
    let mut stopping = None;
    while let Some(frame) = next_frame(&mut body, &mut stopping).await? {
        let frame = frame.map_err(|e| {
            FunctionError::new("BadRequest", format!("cannot read the request body: {e}")).with_status(400)
        })?;
        let Ok(data) = frame.into_data() else { continue };
        if data.is_empty() {
            continue;
        }
        seen += data.len();
        if seen > limit {
            discard(body);
            return Err(too_large());
        }
        if let Some(earlier) = first.take() {
            collected.reserve(content_length.map_or(seen, |len| len as usize).max(seen));
            collected.extend_from_slice(&earlier);
        }
        if collected.is_empty() {
            first = Some(data);
        } else {
            collected.extend_from_slice(&data);
        }
    }
    Ok(first.unwrap_or_else(|| collected.freeze()))
}

/// The body's next frame, unless the server begins to shut down while it waits for one:
/// then the call is answered 503, and its connection closed. (`stopping` is made the
/// first time the body is not there yet, so a body that came whole costs nothing.)
async fn next_frame(
    body: &mut Incoming,
    stopping: &mut Option<StoppingWait>,
) -> Result<Option<Result<hyper::body::Frame<Bytes>, hyper::Error>>, FunctionError> {
    std::future::poll_fn(|cx| {
        if let Poll::Ready(frame) = Pin::new(&mut *body).poll_frame(cx) {
            return Poll::Ready(Ok(frame));
        }
        if !Stopping::get().poll_begun(stopping, cx) {
            return Poll::Pending;
        }
        let message = "the runtime is shutting down and the request body had not arrived";
        Poll::Ready(Err(FunctionError::new("ShuttingDown", message).with_status(503).closing_connection(true)))
    })
    .await
}

/// Reads and drops the rest of a body that is not used (at most [`DISCARD_LIMIT`] bytes,
/// for at most [`DISCARD_TIME`]) while the answer goes out, so that a client still
/// sending it reads the answer instead of a reset connection, and the connection stays
/// open for the next call. A shutdown stops it.
pub(crate) fn discard(mut body: Incoming) {
    if body.is_end_stream() {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        let drain = async {
            let mut seen = 0usize;
            while let Some(Ok(frame)) = body.frame().await {
                seen += frame.data_ref().map_or(0, Bytes::len);
                if seen > DISCARD_LIMIT {
                    break;
                }
            }
        };
        tokio::select! {
            _ = tokio::time::timeout(DISCARD_TIME, drain) => {}
            () = Stopping::get().wait() => {}
        }
    });
}
