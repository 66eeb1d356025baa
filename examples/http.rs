//! `http`: an axum application as the HTTP function. The same router also serves FC 3.0
//! HTTP-trigger events, through an event handler; and a pre-freeze hook runs beside it.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::{Extension, Path, Query};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use bytes::Bytes;
use fc::http::{HttpTriggerEvent, HttpTriggerResponse};
use serde::Deserialize;
use serde_json::json;

/// The application: the same router for HTTP calls and HTTP-trigger events. (`pub(crate)`:
/// the benchmark serves this very router on bare hyper, `bench/peers`.)
pub(crate) fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "hello from axum" }))
        .route("/echo", post(echo))
        .route("/users/{id}", get(user))
        .route("/inspect/{*rest}", any(echo))
        // User paths that are also the protocol's.
        .route("/invoke", any(|| async { "the application's own /invoke" }))
        .route("/initialize", any(|| async { "the application's own /initialize" }))
        .route("/pre-stop", any(|| async { "the application's own /pre-stop" }))
        .route("/cookies", get(cookies))
        .route("/unavailable", get(unavailable))
        .route("/big", get(big))
        .route("/slow", get(slow))
        .route("/panic", get(panics))
        .route("/context", get(context))
}

/// Everything the request carried, as JSON: method, path, query, headers in order, body.
async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let headers: Vec<(String, String)> =
        headers.iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let body = String::from_utf8_lossy(&body).into_owned();
    axum::Json(
        json!({"method": method.as_str(), "path": uri.path(), "query": uri.query(), "headers": headers, "body": body}),
    )
    .into_response()
}

async fn user(Path(id): Path<u64>) -> impl IntoResponse {
    axum::Json(json!({"id": id, "name": format!("user {id}")}))
}

/// A failure the application handles itself (503, with its own body), reported to the
/// platform as a failed call all the same: the runtime adds nothing to a successful HTTP
/// answer, so the platform counts it as the function's `x-fc-status` says (without one, a
/// success).
async fn unavailable() -> impl IntoResponse {
    (StatusCode::SERVICE_UNAVAILABLE, [("x-fc-status", "404")], "try again later")
}

/// Two `Set-Cookie` headers, in order.
async fn cookies() -> Response {
    let mut response = "two cookies".into_response();
    response.headers_mut().append(header::SET_COOKIE, "first=1".parse().unwrap());
    response.headers_mut().append(header::SET_COOKIE, "second=2".parse().unwrap());
    response
}

#[derive(Deserialize)]
struct Size {
    mib: usize,
}

/// A body of `mib` MiB, made one MiB at a time as the caller reads it.
async fn big(Query(size): Query<Size>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/octet-stream")], axum::body::Body::new(Chunks { left: size.mib }))
}

struct Chunks {
    left: usize,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        self.left -= 1;
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(vec![b'x'; 1 << 20])))))
    }
}

#[derive(Deserialize)]
struct Delay {
    ms: u64,
}

async fn slow(Query(delay): Query<Delay>) -> String {
    tokio::time::sleep(Duration::from_millis(delay.ms)).await;
    format!("slept {} ms", delay.ms)
}

async fn panics() -> &'static str {
    panic!("the route panicked")
}

/// The call's context, from the request's extensions.
async fn context(Extension(ctx): Extension<fc::Context>) -> impl IntoResponse {
    // `tracing` with no subscriber of the program's: the event reaches the log with the
    // call's request id, its field after its message; the span writes nothing.
    let span = tracing::info_span!("context", request_id = ctx.request_id());
    span.in_scope(|| tracing::info!(status = 200, "the context route"));
    // The context holds the platform's `x-fc-*` headers; the others are the request's.
    let mut platform: Vec<&str> = ctx.headers().keys().map(|name| name.as_str()).collect();
    platform.sort_unstable();
    let function = ctx.function_name().unwrap_or("-");
    (StatusCode::OK, format!("request {} of {function}; platform headers: {}", ctx.request_id(), platform.join(" ")))
}

/// An event function serving HTTP-trigger events through the same router.
#[fc::handler]
async fn trigger(event: HttpTriggerEvent) -> fc::Result<HttpTriggerResponse> {
    fc::http::serve_event(app(), event).await
}

#[fc::pre_freeze]
fn freeze() {
    log::info!("pre-freeze beside the HTTP function");
}

fn main() -> std::io::Result<()> {
    fc::Runtime::new().http(app()).strip_base_path(true).run()
}
