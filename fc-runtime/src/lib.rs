//! Runtime for Alibaba Cloud Function Compute custom runtimes and custom containers.
//!
//! A Function Compute custom runtime is an HTTP server: the platform starts the program,
//! waits for its port, and sends it `POST /invoke`, `POST /initialize`, `GET /pre-freeze`
//! and `GET /pre-stop` requests. This crate serves that protocol: it routes the calls,
//! builds a [`Context`] from the platform's headers, turns the body into the handler's
//! input and the handler's output into the answer, reports errors and panics as
//! `{"errorMessage", "errorType", "stackTrace"}` JSON, writes the platform's log lines,
//! and keeps idle keep-alive connections open for as long as the platform wants them.
//!
//! # Example
//!
//! ```no_run
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Event {
//!     key: String,
//! }
//!
//! #[fc::handler]
//! async fn hello(ctx: &fc::Context, event: Event) -> fc::Result<String> {
//!     log::info!("called as {}", ctx.function_name().unwrap_or("a local function"));
//!     Ok(format!("hello, {}!", event.key))
//! }
//!
//! fn main() -> std::io::Result<()> {
//!     fc::run()
//! }
//! ```
//!
//! # The attributes
//!
//! [`handler`] marks the event handler; [`initializer`], [`pre_freeze`] and [`pre_stop`]
//! the lifecycle hooks. Each checks the function's shape at compile time and registers
//! it; [`run`] (or [`Runtime::new`]) serves what was registered. See the README for the
//! shapes.
//!
//! # Trigger events
//!
//! [`events`] has a type for every trigger's event, one module per trigger family: a
//! handler takes it as its input (`async fn h(event: fc::events::oss::OssEvent)`).
//!
//! # Without the attributes
//!
//! A handler is a function (or closure) of zero, one or two arguments, each of which is
//! [`Context`], [`Json<T>`] for any `T: DeserializeOwned`, or raw bytes ([`Bytes`] or
//! `Vec<u8>`). It returns `()`, [`Json<T>`] for any `T: Serialize`, raw bytes, or a
//! `Result` of one of those with an error type the runtime can report
//! ([`IntoFunctionError`]). Async functions are polled on the runtime's workers; wrap a
//! synchronous function in [`blocking`] and it runs on the blocking pool.
//!
//! ```no_run
//! use fc::{Context, Json};
//!
//! async fn double(_ctx: Context, Json(n): Json<i64>) -> Json<i64> {
//!     Json(n * 2)
//! }
//!
//! fn main() -> std::io::Result<()> {
//!     fc::Runtime::new().handler(double).run()
//! }
//! ```

#![warn(missing_docs)]

// The request's way: `accept` (connections) → `routing` → `call` (the one call wrapper,
// running `functions` as `user_code`) → `answer`. ARCHITECTURE.md has the whole map.
mod accept;
mod answer;
mod call;
mod context;
mod error;
mod functions;
mod handler;
mod heads;
mod http_function;
mod http_trigger;
mod initializer;
mod logging;
mod panic;
mod protocols;
mod registration;
mod request_body;
mod routing;
mod runtime;
mod service;
mod symbols;
mod tasks;
pub mod testing;
mod upgrades;
mod user_code;

pub use bytes::Bytes;
pub use context::{CallKind, Context, Credentials};
pub use error::{Error, FunctionError, IntoFunctionError, Result, StackFrame};
pub use handler::{Blocking, FromInvocation, Handler, IntoOutcome, IntoPayload, Json, Payload, blocking};
pub use runtime::{DEFAULT_BODY_LIMIT, DEFAULT_PORT, DEFAULT_SHUTDOWN_GRACE, Runtime};
pub use service::{BoxError, FunctionService, Invocation};

pub use fc_macros::{handler, initializer, pre_freeze, pre_stop};

/// HTTP functions: the request [`Body`](http::Body) an HTTP function reads, what it may
/// answer, the tower services that can be one; and the FC 3.0 HTTP-trigger event, which
/// an event function serves through the same router with [`serve_event`](http::serve_event).
pub mod http {
    pub use crate::http_function::{Body, BodyError, BoxError, HttpService, IntoHttpResponse, ResponseBody};
    pub use crate::http_trigger::serve_event;
    pub use fc_events::http::{HttpTriggerEvent, HttpTriggerHttp, HttpTriggerRequestContext, HttpTriggerResponse};
}

/// Typed trigger events, one module per trigger family: OSS, SLS, timer, MNS, CDN,
/// Tablestore, API Gateway, the HTTP trigger, and EventBridge's CloudEvents. Each type is
/// a handler's input as it is (`async fn h(event: fc::events::oss::OssEvent)`). The
/// families are features of this crate, all on by default (the `events` feature).
pub use fc_events as events;

/// Serves the functions registered with the attributes (`#[fc::handler]`,
/// `#[fc::initializer]`, `#[fc::pre_freeze]`, `#[fc::pre_stop]`) until SIGTERM or SIGINT:
/// `Runtime::new().run()`. To configure the runtime, call the builder instead.
pub fn run() -> std::io::Result<()> {
    Runtime::new().run()
}

/// Items used by the code that the attribute macros generate. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::{CallKind, Context};
    pub use crate::error::FunctionError;
    pub use crate::handler::{Glue, Outcome, blocking};
    pub use crate::heads::read_in_pieces;
    pub use crate::http_function::{Body as HttpBody, HttpFn, HttpHandler, HttpOutcome};
    pub use crate::logging::format_timestamp;
    pub use crate::registration::*;
    pub use crate::routing::route_name;
    pub use crate::service::FunctionService;
    pub use crate::user_code::BoxFuture;
    pub use bytes::Bytes;
    pub use http::{Request, Response};
    pub use inventory;
    pub use std::boxed::Box;
    pub use std::option::Option::Some;
    pub use std::result::Result::{Err, Ok};
}
