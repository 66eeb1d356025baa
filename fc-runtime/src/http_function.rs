//! HTTP functions: the caller's request, forwarded by the platform with
//! `x-fc-control-path: /http-invoke`, served by any tower `Service` of `http` types (an
//! axum `Router`, say, or the service the attribute makes of an HTTP handler): the
//! request's streamed [`Body`], what a function may answer ([`IntoHttpResponse`]), and
//! the service with its type erased.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use tower_service::Service;

use crate::context::Context;
use crate::error::{FunctionError, IntoFunctionError};
use crate::request_body;
pub use crate::service::BoxError;
use crate::tasks::{Stopping, StoppingWait};
use crate::user_code::{self, BoxFuture};

/// The body of an HTTP function's request: streamed from the caller as it arrives, or
/// held whole (built from an HTTP-trigger event, or by a test).
///
/// A streamed body the function drops before its end is read to its end and dropped
/// after the answer (within the limits of the protocol's routes), so that a caller that
/// sends the whole body before reading the answer — a buffering proxy, say — gets it.
pub struct Body {
    inner: Inner,
}

enum Inner {
    Incoming(Streamed),
    Full(Option<Bytes>),
}

/// A body streamed from the caller, and what is known of how it was used.
struct Streamed {
    body: Option<hyper::body::Incoming>,
    /// Whether the function has asked for any of it.
    polled: bool,
    /// Set when the body is dropped unread while the caller waits for a `100 Continue`
    /// to send it: the answer then closes the connection.
    unread_after_expect: Option<Arc<AtomicBool>>,
    /// The shutdown's start, waited for while the body is not there yet (made the first
    /// time it is not).
    stopping: Option<StoppingWait>,
}

impl Drop for Body {
    fn drop(&mut self) {
        let Inner::Incoming(streamed) = &mut self.inner else { return };
        let Some(body) = streamed.body.take() else { return };
        if body.is_end_stream() {
            return;
        }
        match &streamed.unread_after_expect {
            // Polling it now would send the `100 Continue`, perhaps after the answer.
            Some(flag) if !streamed.polled => flag.store(true, Ordering::Release),
            _ => request_body::discard(body),
        }
    }
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body { inner: Inner::Full(None) }
    }

    /// A body streamed from the caller; `unread_after_expect` when the caller waits for a
    /// `100 Continue`.
    pub(crate) fn incoming(incoming: hyper::body::Incoming, unread_after_expect: Option<Arc<AtomicBool>>) -> Self {
        Body {
            inner: Inner::Incoming(Streamed {
                body: Some(incoming),
                polled: false,
                unread_after_expect,
                stopping: None,
            }),
        }
    }

    /// Reads the whole body.
    pub async fn to_bytes(self) -> Result<Bytes, BodyError> {
        Ok(self.collect().await.map_err(BodyError)?.to_bytes())
    }
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Incoming(_) => f.write_str("Body(streaming)"),
            Inner::Full(bytes) => write!(f, "Body({} bytes)", bytes.as_ref().map_or(0, Bytes::len)),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body { inner: Inner::Full((!bytes.is_empty()).then_some(bytes)) }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().inner {
            Inner::Incoming(streamed) => {
                streamed.polled = true;
                let Some(body) = streamed.body.as_mut() else { return Poll::Ready(None) };
                if let Poll::Ready(frame) = Pin::new(body).poll_frame(cx) {
                    return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
                }
                // Not there yet: a shutdown does not wait for it.
                if Stopping::get().poll_begun(&mut streamed.stopping, cx) {
                    Poll::Ready(Some(Err("the runtime is shutting down".into())))
                } else {
                    Poll::Pending
                }
            }
            Inner::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Incoming(streamed) => streamed.body.as_ref().is_none_or(|body| body.is_end_stream()),
            Inner::Full(bytes) => bytes.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Incoming(streamed) => {
                streamed.body.as_ref().map_or_else(|| SizeHint::with_exact(0), |body| body.size_hint())
            }
            Inner::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
        }
    }
}

/// A request body that could not be read (the caller went away, say).
#[derive(Debug)]
pub struct BodyError(BoxError);

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read the request body: {}", self.0)
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// The body of an HTTP function's answer, streamed to the caller.
pub type ResponseBody = UnsyncBoxBody<Bytes, BoxError>;

/// What an HTTP handler returns: an `http::Response` with any body of `Bytes`, or a
/// `String`, `&'static str`, `Vec<u8>`, `Bytes` (200 with that body), a `StatusCode`
/// (an empty body), `()` (an empty 200), or a `(StatusCode, body)` pair.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot answer an HTTP request with `{Self}`",
    label = "not convertible into an HTTP response",
    note = "return `http::Response<B>` with a body of `Bytes`, or `String`, `Vec<u8>`, `fc::Bytes`, `http::StatusCode`, `(StatusCode, body)` or `()`"
)]
pub trait IntoHttpResponse {
    /// The response.
    fn into_http_response(self) -> Response<ResponseBody>;
}

impl<B> IntoHttpResponse for Response<B>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn into_http_response(self) -> Response<ResponseBody> {
        self.map(|body| UnsyncBoxBody::new(body.map_err(Into::into)))
    }
}

fn full(bytes: Bytes) -> ResponseBody {
    UnsyncBoxBody::new(http_body_util::Full::new(bytes).map_err(|never: Infallible| match never {}))
}

macro_rules! body_response {
    ($($ty:ty),*) => {$(
        impl IntoHttpResponse for $ty {
            fn into_http_response(self) -> Response<ResponseBody> {
                Response::new(full(Bytes::from(self)))
            }
        }
    )*};
}
body_response!(String, &'static str, Vec<u8>, Bytes);

impl IntoHttpResponse for () {
    fn into_http_response(self) -> Response<ResponseBody> {
        Response::new(full(Bytes::new()))
    }
}

impl IntoHttpResponse for StatusCode {
    fn into_http_response(self) -> Response<ResponseBody> {
        let mut response = ().into_http_response();
        *response.status_mut() = self;
        response
    }
}

impl<T: IntoHttpResponse> IntoHttpResponse for (StatusCode, T) {
    fn into_http_response(self) -> Response<ResponseBody> {
        let mut response = self.1.into_http_response();
        *response.status_mut() = self.0;
        response
    }
}

/// An HTTP function with its type erased, as the runtime stores it. Not a public API.
#[doc(hidden)]
pub type HttpHandler = Arc<dyn Fn(Request<Body>) -> BoxFuture<HttpOutcome> + Send + Sync>;

/// What an HTTP function's call produced. Not a public API.
#[doc(hidden)]
pub type HttpOutcome = Result<Response<ResponseBody>, FunctionError>;

/// A tower service that can be the HTTP function: any `Service<http::Request<fc::Body>>`
/// answering an `http::Response` with a body of `Bytes` — an axum `Router` among them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot serve HTTP functions",
    note = "an HTTP function is a `tower::Service<http::Request<fc::Body>>` that answers `http::Response<B>`, `B: http_body::Body<Data = Bytes>`, such as an axum `Router`"
)]
pub trait HttpService {
    #[doc(hidden)]
    fn into_http_handler(self) -> HttpHandler;
}

impl<S, B> HttpService for S
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn into_http_handler(self) -> HttpHandler {
        Arc::new(move |request| {
            let mut service = self.clone();
            // A service that is ready at once (an axum `Router`, the attribute's) is called
            // now, and only its call's future is kept; another is waited for.
            match service.poll_ready(&mut TaskContext::from_waker(std::task::Waker::noop())) {
                Poll::Ready(Ok(())) => {
                    let call = service.call(request);
                    Box::pin(async move { Ok(call.await.map_err(service_error)?.into_http_response()) })
                }
                Poll::Ready(Err(error)) => Box::pin(std::future::ready(Err(service_error(error)))),
                Poll::Pending => Box::pin(async move {
                    std::future::poll_fn(|cx| service.poll_ready(cx)).await.map_err(service_error)?;
                    let response = service.call(request).await.map_err(service_error)?;
                    Ok(response.into_http_response())
                }),
            }
        })
    }
}

fn service_error(error: impl Into<BoxError>) -> FunctionError {
    error.into().into_function_error().with_status(500)
}

/// An HTTP handler the attribute made a service of: `async` (polled on the workers) or
/// sync (run on the blocking pool). Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum HttpFn {
    /// An async handler's glue.
    Async(fn(Context, Request<Body>) -> BoxFuture<HttpOutcome>),
    /// A sync handler's glue.
    Sync(fn(Context, Request<Body>) -> HttpOutcome),
}

impl Service<Request<Body>> for HttpFn {
    type Response = Response<ResponseBody>;
    type Error = FunctionError;
    type Future = BoxFuture<HttpOutcome>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), FunctionError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let ctx = request.extensions().get::<Context>().cloned().unwrap_or_default();
        match *self {
            HttpFn::Async(f) => f(ctx, request),
            HttpFn::Sync(f) => user_code::run_blocking(ctx, move |ctx| f(ctx, request)),
        }
    }
}
