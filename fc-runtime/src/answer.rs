//! The answer: the response body (whole for the protocol's answers, streamed for HTTP
//! functions), a success with `x-fc-status: 200`, and a failure as the JSON error body
//! with its status and `x-fc-status: 404`.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Frame, SizeHint};

use crate::error::FunctionError;
use crate::handler::Payload;
use crate::http_function::{BoxError, ResponseBody};

/// `x-fc-status`: 200 on success, 404 on failure.
pub(crate) const X_FC_STATUS: HeaderName = HeaderName::from_static("x-fc-status");

/// The response body.
pub(crate) enum Body {
    /// A protocol answer, held whole.
    Whole(Full<Bytes>),
    /// An HTTP function's answer, streamed as it produces it.
    Streamed(ResponseBody),
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            Body::Whole(full) => Pin::new(full).poll_frame(cx).map_err(|never| match never {}),
            Body::Streamed(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Whole(full) => full.is_end_stream(),
            Body::Streamed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Whole(full) => full.size_hint(),
            Body::Streamed(body) => body.size_hint(),
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
            let mut response = Response::new(Body::Whole(Full::new(payload.body)));
            let headers = response.headers_mut();
            headers.insert(X_FC_STATUS, HeaderValue::from_static("200"));
            if let Some(content_type) = payload.content_type {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            }
            response
        }
        Answer::Http(mut response) => {
            response.headers_mut().insert(X_FC_STATUS, HeaderValue::from_static("200"));
            response.map(Body::Streamed)
        }
    }
}

/// The response for a failure: the JSON error body.
pub(crate) fn failure(error: &FunctionError) -> Response<Body> {
    let mut response = Response::new(Body::Whole(Full::new(Bytes::from(error.to_json()))));
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
