//! What the attribute macros generate calls into: the registry of annotated functions,
//! and the checks that give a type that does not fit one error, on that type, naming the
//! attribute.
//!
//! The glue the macros generate is a handler of the builder's model: a closure of
//! `(Context, Bytes)` made a [`FunctionService`] (through [`blocking`](crate::blocking)
//! for a sync function), or an [`HttpFn`] served as any [`HttpService`]. Each check trait
//! here is an alias of a builder trait with the attribute's message: its one
//! implementation is a blanket over that trait, so the attribute accepts exactly what
//! the builder accepts.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::accept::{self, ServeConnection};
use crate::call::{HttpCall, Server};
use crate::context::{CallKind, Context};
use crate::error::{FunctionError, IntoFunctionError};
use crate::functions::Functions;
use crate::handler::{FromInvocation, IntoPayload, Json, Outcome};
use crate::http_function::{Body as HttpBody, HttpHandler, HttpOutcome, HttpService, IntoHttpResponse};
use crate::service::FunctionService;
use crate::user_code::BoxFuture;

/// A function registered by an attribute.
pub struct Registration {
    kind: CallKind,
    name: &'static str,
    /// `crate::module::name`.
    path: &'static str,
    file: &'static str,
    line: u32,
    make: Make,
}

enum Make {
    Event(fn() -> FunctionService),
    /// The HTTP function, and how its connections are served (upgrades, HTTP/2): a
    /// program refers to that code only through this registration, so one without an
    /// HTTP function does not carry it.
    Http(fn() -> HttpHandler, ServeConnection, HttpCall),
}

impl Registration {
    /// An event handler's or a hook's registration, as the attribute macros write it.
    pub const fn new(
        kind: CallKind,
        name: &'static str,
        path: &'static str,
        file: &'static str,
        line: u32,
        make: fn() -> FunctionService,
    ) -> Self {
        Registration { kind, name, path, file, line, make: Make::Event(make) }
    }

    /// An HTTP handler's registration, as the attribute macros write it.
    pub const fn http(
        name: &'static str,
        path: &'static str,
        file: &'static str,
        line: u32,
        make: fn() -> HttpHandler,
    ) -> Self {
        Registration {
            kind: CallKind::Http,
            name,
            path,
            file,
            line,
            make: Make::Http(make, accept::serve_upgradable, Server::http_request),
        }
    }
}

inventory::collect!(Registration);

/// The attribute that registers a function of `kind`, as users write it.
pub(crate) fn attribute(kind: CallKind) -> &'static str {
    match kind {
        CallKind::Invoke | CallKind::Http => "#[fc::handler]",
        CallKind::Initialize => "#[fc::initializer]",
        CallKind::PreFreeze => "#[fc::pre_freeze]",
        CallKind::PreStop => "#[fc::pre_stop]",
    }
}

/// The functions the attributes registered in this program, one per kind.
#[derive(Default)]
pub(crate) struct Registered {
    pub(crate) functions: Functions,
    /// Kinds registered more than once, as a message naming every function.
    pub(crate) conflict: Option<String>,
    /// How connections are served, when an HTTP function needs more than the protocol.
    pub(crate) connect: Option<ServeConnection>,
    /// How a request becomes the HTTP function's call, when there is one.
    pub(crate) http_call: Option<HttpCall>,
}

pub(crate) fn registered() -> Registered {
    let mut all: Vec<&Registration> = inventory::iter::<Registration>.into_iter().collect();
    all.sort_by_key(|r| (r.file, r.line));
    let mut registered = Registered::default();
    let mut conflicts = Vec::new();
    for kind in [CallKind::Invoke, CallKind::Http, CallKind::Initialize, CallKind::PreFreeze, CallKind::PreStop] {
        let of_kind: Vec<&&Registration> = all.iter().filter(|r| r.kind == kind).collect();
        if of_kind.len() > 1 {
            let places: Vec<String> =
                of_kind.iter().map(|r| format!("`{}` at {}:{}", r.name, r.file, r.line)).collect();
            conflicts.push(format!(
                "`{}` is on {} functions, {}; a program has at most one",
                attribute(kind),
                of_kind.len(),
                places.join(" and ")
            ));
            continue;
        }
        let Some(one) = of_kind.first() else { continue };
        match one.make {
            Make::Http(make, connect, http_call) => {
                registered.functions.http = Some(make());
                registered.functions.http_label = Some(one.path);
                registered.connect = Some(connect);
                registered.http_call = Some(http_call);
            }
            Make::Event(make) => registered.functions.set_event(kind, make().labelled(one.path)),
        }
    }
    if !conflicts.is_empty() {
        registered.conflict = Some(conflicts.join("; "));
    }
    registered
}

/// An async function's future, boxed as the runtime keeps it. It must be `Send`: it may
/// move between the runtime's worker threads at every `.await`.
pub fn attribute_requires_a_send_future<F: std::future::Future + Send + 'static>(future: F) -> BoxFuture<F::Output> {
    Box::pin(future)
}

/// An HTTP handler's service, with its type erased as the builder's
/// [`Runtime::http`](crate::Runtime::http) erases any service's.
pub fn http_handler<S: HttpService>(service: S) -> HttpHandler {
    service.into_http_handler()
}

/// An input parsed from the JSON body: an alias of `fc::Json<T>: FromInvocation`.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot parse its input `{Self}` from JSON",
    label = "this input type does not implement `serde::Deserialize`",
    note = "derive it with `#[derive(serde::Deserialize)]`, or take the raw body as `Vec<u8>` or `fc::Bytes`"
)]
pub trait JsonInput: Sized {
    /// Parses the body (an empty body is `null`).
    fn parse(ctx: &Context, body: &Bytes) -> Result<Self, FunctionError>;
}

impl<T> JsonInput for T
where
    Json<T>: FromInvocation,
{
    fn parse(ctx: &Context, body: &Bytes) -> Result<Self, FunctionError> {
        Json::<T>::from_invocation(ctx, body).map(|Json(value)| value)
    }
}

/// An input that receives the body unparsed: an alias of `FromInvocation`.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot pass the raw body as `{Self}`",
    label = "not a raw-bytes type",
    note = "the raw body is passed as `Vec<u8>` or `fc::Bytes`"
)]
pub trait RawInput: Sized {
    /// The input.
    fn take(ctx: &Context, body: Bytes) -> Result<Self, FunctionError>;
}

impl<T: FromInvocation> RawInput for T {
    fn take(ctx: &Context, body: Bytes) -> Result<Self, FunctionError> {
        T::from_invocation_owned(ctx, body)
    }
}

/// An output written as JSON: an alias of `fc::Json<T>: IntoPayload`.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot write its output `{Self}` as JSON",
    label = "this output type does not implement `serde::Serialize`",
    note = "derive it with `#[derive(serde::Serialize)]`, or return the raw body as `Vec<u8>` or `fc::Bytes`"
)]
pub trait JsonOutput {
    /// Serializes the output.
    fn write(self) -> Outcome;
}

impl<T> JsonOutput for T
where
    Json<T>: IntoPayload,
{
    fn write(self) -> Outcome {
        Json(self).into_payload()
    }
}

/// An element of a `Vec`, `Option` or map input, parsed from JSON: an alias of
/// `serde::de::DeserializeOwned`.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot parse `{Self}`, in its input, from JSON",
    label = "this type does not implement `serde::Deserialize`",
    note = "derive it with `#[derive(serde::Deserialize)]`"
)]
pub trait JsonInputElement: DeserializeOwned {}

impl<T: DeserializeOwned> JsonInputElement for T {}

/// An element of a `Vec`, `Option` or map output, written as JSON: an alias of
/// `serde::Serialize`.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot write `{Self}`, in its output, as JSON",
    label = "this type does not implement `serde::Serialize`",
    note = "derive it with `#[derive(serde::Serialize)]`"
)]
pub trait JsonOutputElement: Serialize {}

impl<T: Serialize> JsonOutputElement for T {}

/// The first element of an output pair, written as JSON: an alias of `serde::Serialize`.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` writes a pair as a JSON array, and cannot write its first element `{Self}`",
    label = "this type does not implement `serde::Serialize`",
    note = "derive it with `#[derive(serde::Serialize)]`"
)]
pub trait PairFirst: Serialize {}

impl<T: Serialize> PairFirst for T {}

/// The second element of an output pair, written as JSON: an alias of `serde::Serialize`.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` writes a pair as a JSON array, and cannot write its second element `{Self}`",
    label = "this type does not implement `serde::Serialize`",
    note = "if `{Self}` is an error, as in Go's `(output, error)`, return `Result<Out, {Self}>`: an output or an error is a `Result` in Rust",
    note = "else derive `serde::Serialize` for it"
)]
pub trait PairSecond: Serialize {}

impl<T: Serialize> PairSecond for T {}

/// An output written as is: an alias of `IntoPayload`.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot write `{Self}` as the raw body",
    label = "not a raw-bytes type",
    note = "the raw body is returned as `Vec<u8>`, `fc::Bytes`, `&'static [u8]` or `fc::Payload`"
)]
pub trait RawOutput {
    /// The body.
    fn write(self) -> Outcome;
}

impl<T: IntoPayload> RawOutput for T {
    fn write(self) -> Outcome {
        self.into_payload()
    }
}

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

/// Parses a `Vec` input, element by element as its check goes.
pub fn json_input_vec<T: JsonInputElement>(ctx: &Context, body: &Bytes) -> Result<Vec<T>, FunctionError> {
    Json::<Vec<T>>::from_invocation(ctx, body).map(|Json(value)| value)
}

/// Parses an `Option` input.
pub fn json_input_option<T: JsonInputElement>(ctx: &Context, body: &Bytes) -> Result<Option<T>, FunctionError> {
    Json::<Option<T>>::from_invocation(ctx, body).map(|Json(value)| value)
}

/// Parses a `HashMap` input.
pub fn json_input_hash_map<K, T: JsonInputElement>(ctx: &Context, body: &Bytes) -> Result<HashMap<K, T>, FunctionError>
where
    K: DeserializeOwned + Eq + Hash,
{
    Json::<HashMap<K, T>>::from_invocation(ctx, body).map(|Json(value)| value)
}

/// Parses a `BTreeMap` input.
pub fn json_input_btree_map<K: DeserializeOwned + Ord, T: JsonInputElement>(
    ctx: &Context,
    body: &Bytes,
) -> Result<BTreeMap<K, T>, FunctionError> {
    Json::<BTreeMap<K, T>>::from_invocation(ctx, body).map(|Json(value)| value)
}

/// Writes a `HashMap` output.
pub fn json_output_hash_map<K: Serialize, T: JsonOutputElement>(output: HashMap<K, T>) -> Outcome {
    Json(output).into_payload()
}

/// Writes a `BTreeMap` output.
pub fn json_output_btree_map<K: Serialize, T: JsonOutputElement>(output: BTreeMap<K, T>) -> Outcome {
    Json(output).into_payload()
}

/// Writes a `Vec` output.
pub fn json_output_vec<T: JsonOutputElement>(output: Vec<T>) -> Outcome {
    Json(output).into_payload()
}

/// Writes an `Option` output.
pub fn json_output_option<T: JsonOutputElement>(output: Option<T>) -> Outcome {
    Json(output).into_payload()
}

/// Passes the raw body.
pub fn raw_input<T: RawInput>(ctx: &Context, body: Bytes) -> Result<T, FunctionError> {
    T::take(ctx, body)
}

/// An input the attribute cannot tell the encoding of by its name. The attribute builds it
/// with `(&InputProbe::<T>::new()).fc_input(ctx, body)`: method resolution takes
/// [`OwnInput`] (on the probe itself) when `T` implements [`FromInvocation`], which
/// decodes the body its own way (a Tablestore event's CBOR, say), and [`JsonProbeInput`]
/// (on a reference to it) otherwise, which parses JSON and whose bound gives a type that
/// fits neither the JSON check's message.
pub struct InputProbe<T>(std::marker::PhantomData<fn() -> T>);

impl<T> InputProbe<T> {
    /// The probe.
    pub const fn new() -> Self {
        InputProbe(std::marker::PhantomData)
    }
}

impl<T> Default for InputProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// An input that builds itself from the call: [`FromInvocation`].
pub trait OwnInput<T> {
    /// The input.
    fn fc_input(&self, ctx: &Context, body: Bytes) -> Result<T, FunctionError>;
}

impl<T: FromInvocation> OwnInput<T> for InputProbe<T> {
    fn fc_input(&self, ctx: &Context, body: Bytes) -> Result<T, FunctionError> {
        T::from_invocation_owned(ctx, body)
    }
}

/// Any other input, parsed from JSON.
pub trait JsonProbeInput<T> {
    /// The input.
    fn fc_input(&self, ctx: &Context, body: Bytes) -> Result<T, FunctionError>
    where
        T: JsonInput;
}

impl<T> JsonProbeInput<T> for &InputProbe<T> {
    fn fc_input(&self, ctx: &Context, body: Bytes) -> Result<T, FunctionError>
    where
        T: JsonInput,
    {
        T::parse(ctx, &body)
    }
}

/// An output whose type is not named `Result` — which may be one all the same, under
/// another name (`type Answer<T> = Result<T, MyError>`). The attribute answers it with
/// `OutputProbe(Some(output)).fc_answer()`: method resolution takes [`ResultAnswer`] (by
/// value) when the type is a `Result`, whatever its name, and [`PlainAnswer`] (by
/// `&mut`, which takes the output out) otherwise. Each method's bounds give a type that
/// does not fit its check's message.
pub struct OutputProbe<T>(pub Option<T>);

/// A `Result` output under another name: its value written as JSON, its error reported.
pub trait ResultAnswer<T, E> {
    /// The answer.
    fn fc_answer<M>(self) -> Outcome
    where
        T: JsonOutput,
        E: HandlerError<M>;
}

impl<T, E> ResultAnswer<T, E> for OutputProbe<Result<T, E>> {
    fn fc_answer<M>(self) -> Outcome
    where
        T: JsonOutput,
        E: HandlerError<M>,
    {
        match self.0 {
            Some(Ok(value)) => value.write(),
            Some(Err(error)) => Err(error.report()),
            None => empty_output(),
        }
    }
}

/// Any other output, written as JSON.
pub trait PlainAnswer<T> {
    /// The answer.
    fn fc_answer(self) -> Outcome
    where
        T: JsonOutput;
}

impl<T> PlainAnswer<T> for &mut OutputProbe<T> {
    fn fc_answer(self) -> Outcome
    where
        T: JsonOutput,
    {
        self.0.take().map_or_else(empty_output, JsonOutput::write)
    }
}

/// Writes an output pair as a JSON array.
pub fn json_pair<A: PairFirst, B: PairSecond>(first: A, second: B) -> Outcome {
    Json((first, second)).into_payload()
}

/// Writes a raw output.
pub fn raw_output<T: RawOutput>(output: T) -> Outcome {
    output.write()
}

/// No output: an empty body.
pub fn empty_output() -> Outcome {
    ().into_payload()
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
    fn from_request(request: http::Request<HttpBody>) -> Self;
}

impl HttpInput for http::Request<HttpBody> {
    fn from_request(request: http::Request<HttpBody>) -> Self {
        request
    }
}

/// Passes the HTTP request.
pub fn http_input<T: HttpInput>(request: http::Request<HttpBody>) -> T {
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
