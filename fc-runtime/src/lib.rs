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
//! use fc::{Context, Json};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Event {
//!     key: String,
//! }
//!
//! async fn hello(ctx: Context, Json(event): Json<Event>) -> fc::Result<Json<String>> {
//!     log::info!("called as {}", ctx.function_name().unwrap_or("a local function"));
//!     Ok(Json(format!("hello, {}!", event.key)))
//! }
//!
//! fn main() -> std::io::Result<()> {
//!     fc::Runtime::new().handler(hello).run()
//! }
//! ```
//!
//! # Handlers
//!
//! A handler is a function (or closure) of zero, one or two arguments, each of which is
//! [`Context`], [`Json<T>`] for any `T: DeserializeOwned`, or raw bytes ([`Bytes`] or
//! `Vec<u8>`). It returns `()`, [`Json<T>`] for any `T: Serialize`, raw bytes, or a
//! `Result` of one of those with any error type that converts into
//! `Box<dyn std::error::Error>` (every `std::error::Error`, [`Error`], `anyhow::Error`,
//! `Box<dyn Error + Send + Sync>`, `String`). Async functions are polled on the runtime's
//! workers; wrap a synchronous function in [`blocking`] and it runs on the blocking pool.
//! See [`Handler`] for the details and [`Error`] for how errors are reported.

#![warn(missing_docs)]

mod context;
mod error;
mod handler;
mod lifecycle;
mod logging;
mod panic;
mod registration;
mod server;

pub use bytes::Bytes;
pub use context::{CallKind, Context, Credentials};
pub use error::{Error, FunctionError, IntoFunctionError, Result, StackFrame};
pub use handler::{Blocking, FromInvocation, Handler, IntoOutcome, IntoPayload, Json, Payload, blocking};
pub use server::{DEFAULT_BODY_LIMIT, DEFAULT_PORT, Runtime};

pub use fc_macros::{handler, initializer, pre_freeze, pre_stop};

/// Serves the functions registered with the attributes (`#[fc::handler]`,
/// `#[fc::initializer]`, `#[fc::pre_freeze]`, `#[fc::pre_stop]`) until SIGTERM or SIGINT:
/// `Runtime::new().run()`. To configure the runtime, call the builder instead.
pub fn run() -> std::io::Result<()> {
    Runtime::new().run()
}

/// Items used by the code that the attribute macros generate. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::Context;
    pub use crate::error::FunctionError;
    pub use crate::handler::{BoxFuture, BoxHandler, Outcome};
    pub use crate::logging::format_timestamp;
    pub use crate::registration::*;
    pub use bytes::Bytes;
    pub use inventory;
    pub use std::boxed::Box;
    pub use std::result::Result::{Err, Ok};
}
