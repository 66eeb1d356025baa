//! What the attribute macros generate calls into: the registry of annotated functions,
//! and the glue that turns a call's body into their arguments and their return value into
//! the answer. Every check the macros make at compile time is a trait bound here, with a
//! message that names the attribute.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::Context;
use crate::error::{FunctionError, IntoFunctionError};
use crate::handler::{self, BoxFuture, BoxHandler, Outcome, Payload};
use crate::http::{HttpHandler, HttpOutcome, IntoHttpResponse};
use crate::panic;

/// Which attribute registered a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[fc::handler]`.
    Handler,
    /// `#[fc::initializer]`.
    Initializer,
    /// `#[fc::pre_freeze]`.
    PreFreeze,
    /// `#[fc::pre_stop]`.
    PreStop,
    /// `#[fc::handler]` on an HTTP handler.
    Http,
}

impl Kind {
    /// The attribute, as users write it.
    pub fn attribute(self) -> &'static str {
        match self {
            Kind::Handler => "#[fc::handler]",
            Kind::Initializer => "#[fc::initializer]",
            Kind::PreFreeze => "#[fc::pre_freeze]",
            Kind::PreStop => "#[fc::pre_stop]",
            Kind::Http => "#[fc::handler]",
        }
    }
}

/// A function registered by an attribute.
pub struct Registration {
    kind: Kind,
    name: &'static str,
    file: &'static str,
    line: u32,
    make: Make,
}

enum Make {
    Event(fn() -> BoxHandler),
    Http(fn() -> HttpHandler),
}

impl Registration {
    /// A registration, as the attribute macros write it.
    pub const fn new(kind: Kind, name: &'static str, file: &'static str, line: u32, make: fn() -> BoxHandler) -> Self {
        Registration { kind, name, file, line, make: Make::Event(make) }
    }

    /// An HTTP handler's registration, as the attribute macros write it.
    pub const fn http(name: &'static str, file: &'static str, line: u32, make: fn() -> HttpHandler) -> Self {
        Registration { kind: Kind::Http, name, file, line, make: Make::Http(make) }
    }
}

inventory::collect!(Registration);

/// The functions the attributes registered in this program, one per kind.
#[derive(Default)]
pub(crate) struct Registered {
    pub(crate) handler: Option<BoxHandler>,
    pub(crate) initializer: Option<BoxHandler>,
    pub(crate) pre_freeze: Option<BoxHandler>,
    pub(crate) pre_stop: Option<BoxHandler>,
    pub(crate) http: Option<HttpHandler>,
    /// Kinds registered more than once, as a message naming every function.
    pub(crate) conflict: Option<String>,
}

pub(crate) fn registered() -> Registered {
    let mut all: Vec<&Registration> = inventory::iter::<Registration>.into_iter().collect();
    all.sort_by_key(|r| (r.file, r.line));
    let mut registered = Registered::default();
    let mut conflicts = Vec::new();
    for kind in [Kind::Handler, Kind::Http, Kind::Initializer, Kind::PreFreeze, Kind::PreStop] {
        let of_kind: Vec<&&Registration> = all.iter().filter(|r| r.kind == kind).collect();
        if of_kind.len() > 1 {
            let places: Vec<String> =
                of_kind.iter().map(|r| format!("`{}` at {}:{}", r.name, r.file, r.line)).collect();
            conflicts.push(format!(
                "`{}` is on {} functions, {}; a program has at most one",
                kind.attribute(),
                of_kind.len(),
                places.join(" and ")
            ));
            continue;
        }
        let Some(one) = of_kind.first() else { continue };
        match one.make {
            Make::Http(make) => registered.http = Some(make()),
            Make::Event(make) => {
                let slot = match kind {
                    Kind::Initializer => &mut registered.initializer,
                    Kind::PreFreeze => &mut registered.pre_freeze,
                    Kind::PreStop => &mut registered.pre_stop,
                    Kind::Handler | Kind::Http => &mut registered.handler,
                };
                *slot = Some(make());
            }
        }
    }
    if !conflicts.is_empty() {
        registered.conflict = Some(conflicts.join("; "));
    }
    registered
}

/// An async function's glue: `f` builds the call's future.
pub fn async_fn(f: fn(Context, Bytes) -> BoxFuture<Outcome>) -> BoxHandler {
    Arc::new(f)
}

/// A sync function's glue: `f` runs on the blocking thread pool.
pub fn sync_fn(f: fn(Context, Bytes) -> Outcome) -> BoxHandler {
    Arc::new(move |ctx: Context, body: Bytes| panic::run_blocking(ctx, move |ctx| f(ctx, body)))
}

/// An input parsed from the JSON body.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot parse its input `{Self}` from JSON",
    label = "this input type does not implement `serde::Deserialize`",
    note = "derive it with `#[derive(serde::Deserialize)]`, or take the raw body as `Vec<u8>` or `fc::Bytes`"
)]
pub trait JsonInput: Sized {
    /// Parses the body (an empty body is `null`).
    fn parse(body: &Bytes) -> Result<Self, FunctionError>;
}

impl<T: DeserializeOwned> JsonInput for T {
    fn parse(body: &Bytes) -> Result<Self, FunctionError> {
        handler::parse_json(body)
    }
}

/// An input that receives the body unparsed.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot pass the raw body as `{Self}`",
    label = "not a raw-bytes type",
    note = "the raw body is passed as `Vec<u8>` or `fc::Bytes`"
)]
pub trait RawInput {
    /// The input.
    fn from_body(body: &Bytes) -> Self;
}

impl RawInput for Vec<u8> {
    fn from_body(body: &Bytes) -> Self {
        body.to_vec()
    }
}

impl RawInput for Bytes {
    fn from_body(body: &Bytes) -> Self {
        body.clone()
    }
}

/// An output written as JSON.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot write its output `{Self}` as JSON",
    label = "this output type does not implement `serde::Serialize`",
    note = "derive it with `#[derive(serde::Serialize)]`, or return the raw body as `Vec<u8>` or `fc::Bytes`"
)]
pub trait JsonOutput {
    /// Serializes the output.
    fn write(&self) -> Outcome;
}

impl<T: Serialize + ?Sized> JsonOutput for T {
    fn write(&self) -> Outcome {
        handler::json_payload(self)
    }
}

/// An output written as is.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot write `{Self}` as the raw body",
    label = "not a raw-bytes type",
    note = "the raw body is returned as `Vec<u8>` or `fc::Bytes`"
)]
pub trait RawOutput: Into<Bytes> {}
impl RawOutput for Vec<u8> {}
impl RawOutput for Bytes {}

macro_rules! error_trait {
    ($name:ident, $message:literal) => {
        /// An error type the attribute's function may return.
        #[diagnostic::on_unimplemented(
            message = $message,
            label = "not an error type the runtime can report",
            note = "implement `std::error::Error` for it, or return `fc::Error`, `anyhow::Error` or `Box<dyn std::error::Error + Send + Sync>`"
        )]
        pub trait $name<M> {
            /// The report of this error.
            fn report(self) -> FunctionError;
        }

        impl<E: IntoFunctionError<M>, M> $name<M> for E {
            fn report(self) -> FunctionError {
                self.into_function_error()
            }
        }
    };
}

error_trait!(HandlerError, "`#[fc::handler]` cannot report `{Self}` as a function error");
error_trait!(InitializerError, "`#[fc::initializer]` cannot report `{Self}` as a function error");
error_trait!(PreFreezeError, "`#[fc::pre_freeze]` cannot report `{Self}` as a function error");
error_trait!(PreStopError, "`#[fc::pre_stop]` cannot report `{Self}` as a function error");

// Each glue function has exactly one trait bound, and the macros give each call the span
// of the user's type: a type that does not fit gets one error, on that type, with the
// bound's message.

/// Parses a JSON input (an empty body is `null`).
pub fn json_input<T: JsonInput>(body: &Bytes) -> Result<T, FunctionError> {
    T::parse(body)
}

/// Passes the raw body.
pub fn raw_input<T: RawInput>(body: &Bytes) -> T {
    T::from_body(body)
}

/// Writes a JSON output.
pub fn json_output<T: JsonOutput + ?Sized>(output: &T) -> Outcome {
    output.write()
}

/// Writes a raw output.
pub fn raw_output<T: RawOutput>(output: T) -> Outcome {
    Ok(Payload::raw(output.into()))
}

/// No output: an empty body.
pub fn empty_output() -> Outcome {
    Ok(Payload::empty())
}

/// An async HTTP handler's glue: `f` builds the call's future.
pub fn http_async_fn(f: fn(Context, http::Request<crate::http::Body>) -> BoxFuture<HttpOutcome>) -> HttpHandler {
    Arc::new(move |request: http::Request<crate::http::Body>| {
        let ctx = request.extensions().get::<Context>().cloned().unwrap_or_default();
        f(ctx, request)
    })
}

/// A sync HTTP handler's glue: `f` runs on the blocking thread pool.
pub fn http_sync_fn(f: fn(Context, http::Request<crate::http::Body>) -> HttpOutcome) -> HttpHandler {
    Arc::new(move |request: http::Request<crate::http::Body>| {
        let ctx = request.extensions().get::<Context>().cloned().unwrap_or_default();
        panic::run_blocking(ctx, move |ctx| f(ctx, request))
    })
}

/// Writes an HTTP handler's answer.
pub fn http_output<T: IntoHttpResponse>(output: T) -> HttpOutcome {
    Ok(output.into_http_response())
}

/// The request an HTTP handler takes.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` passes the HTTP request as `http::Request<fc::http::Body>`, not `{Self}`",
    label = "take `http::Request<fc::http::Body>` here",
    note = "`fc::http::Body` streams the request body; read it whole with `.to_bytes().await`, or hand the request to an axum `Router`"
)]
pub trait HttpInput {
    /// The request.
    fn from_request(request: http::Request<crate::http::Body>) -> Self;
}

impl HttpInput for http::Request<crate::http::Body> {
    fn from_request(request: http::Request<crate::http::Body>) -> Self {
        request
    }
}

/// Passes the HTTP request.
pub fn http_input<T: HttpInput>(request: http::Request<crate::http::Body>) -> T {
    T::from_request(request)
}

/// The context, as a parameter's type.
#[diagnostic::on_unimplemented(
    message = "the `#[fc::…]` attributes pass the context as `fc::Context` or `&fc::Context`, not `{Self}`",
    label = "take `fc::Context` here",
    note = "a parameter whose type is named `Context` is the context"
)]
pub trait IsContext {
    /// The context.
    fn context(ctx: &Context) -> &Self;
}

impl IsContext for Context {
    fn context(ctx: &Context) -> &Self {
        ctx
    }
}

/// Passes the context by reference.
pub fn context_ref<T: IsContext + ?Sized>(ctx: &Context) -> &T {
    T::context(ctx)
}

/// Passes the context by value.
pub fn context_owned<T: IsContext + Clone>(ctx: &Context) -> T {
    T::context(ctx).clone()
}
