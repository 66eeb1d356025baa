//! The handler model: functions of the call's context and input ([`FromInvocation`]),
//! returning an output or an error ([`IntoOutcome`]), async or (through [`blocking`])
//! sync. The builder takes them as they are; the attribute macros generate a handler of
//! this model for the function they are on.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::Context;
use crate::error::{FunctionError, IntoFunctionError};
use crate::user_code::{self, BoxFuture};

/// `errorType` of an input that is not valid JSON for the handler's input type.
pub(crate) const DESERIALIZE_ERROR_TYPE: &str = "DeserializeError";
/// `errorType` of an output that cannot be serialized to JSON.
pub(crate) const SERIALIZE_ERROR_TYPE: &str = "SerializeError";

/// What a call produced: the answer's body, or the failure.
pub type Outcome = Result<Payload, FunctionError>;

/// JSON input or output: `Json<T>` parses the body into any `T: DeserializeOwned` and
/// writes any `T: Serialize`.
///
/// An empty body parses as JSON `null`, so `Json<Option<T>>` and `Json<()>` accept a call
/// without a body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// The body of a successful answer.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    pub(crate) body: Bytes,
    pub(crate) content_type: Option<&'static str>,
}

impl Payload {
    /// An empty body.
    pub fn empty() -> Self {
        Payload::default()
    }

    /// A body written as is, with `Content-Type: application/octet-stream`.
    pub fn raw(body: impl Into<Bytes>) -> Self {
        Payload { body: body.into(), content_type: Some("application/octet-stream") }
    }

    /// A JSON body, with `Content-Type: application/json`.
    pub fn json(body: impl Into<Bytes>) -> Self {
        Payload { body: body.into(), content_type: Some("application/json") }
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

/// An argument a handler can take: built from the call's context and body.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an argument a Function Compute handler can take",
    note = "a handler takes `fc::Context`, `fc::Json<T>` for any `T: serde::Deserialize`, or the raw body as `fc::Bytes` or `Vec<u8>`"
)]
pub trait FromInvocation: Sized {
    /// Builds the argument, or fails the call.
    fn from_invocation(ctx: &Context, body: &Bytes) -> Result<Self, FunctionError>;

    /// Builds the last argument, which may take the body itself rather than a copy.
    fn from_invocation_owned(ctx: &Context, body: Bytes) -> Result<Self, FunctionError> {
        Self::from_invocation(ctx, &body)
    }
}

impl FromInvocation for Context {
    fn from_invocation(ctx: &Context, _: &Bytes) -> Result<Self, FunctionError> {
        Ok(ctx.clone())
    }
}

impl FromInvocation for Bytes {
    fn from_invocation(_: &Context, body: &Bytes) -> Result<Self, FunctionError> {
        Ok(body.clone())
    }

    fn from_invocation_owned(_: &Context, body: Bytes) -> Result<Self, FunctionError> {
        Ok(body)
    }
}

impl FromInvocation for Vec<u8> {
    fn from_invocation(_: &Context, body: &Bytes) -> Result<Self, FunctionError> {
        Ok(body.to_vec())
    }

    fn from_invocation_owned(_: &Context, body: Bytes) -> Result<Self, FunctionError> {
        Ok(body.into())
    }
}

/// A Tablestore trigger's event, decoded from the CBOR body the trigger sends.
#[cfg(feature = "tablestore")]
impl FromInvocation for fc_events::tablestore::TablestoreEvent {
    fn from_invocation(_: &Context, body: &Bytes) -> Result<Self, FunctionError> {
        Self::from_cbor(body).map_err(|error| {
            FunctionError::new(
                DESERIALIZE_ERROR_TYPE,
                format!("the input is not a Tablestore trigger's event: {error}"),
            )
        })
    }
}

impl<T: DeserializeOwned> FromInvocation for Json<T> {
    fn from_invocation(_: &Context, body: &Bytes) -> Result<Self, FunctionError> {
        parse_json(body).map(Json)
    }
}

/// Parses a JSON input; an empty body is `null`.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, FunctionError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { body };
    // The plain parse is the fast path; only a failure is parsed again, tracking the path,
    // to say where the input went wrong.
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(error) => Err(describe_json_error::<T>(body, error)),
    }
}

#[cold]
fn describe_json_error<T: DeserializeOwned>(body: &[u8], error: serde_json::Error) -> FunctionError {
    let mut de = serde_json::Deserializer::from_slice(body);
    let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(traced) => Some(traced.path().to_string()),
        Ok(_) => None,
    };
    let message = match path {
        Some(path) if !matches!(path.as_str(), "" | "." | "?") => format!("invalid input at `{path}`: {error}"),
        _ => format!("invalid input: {error}"),
    };
    FunctionError::new(DESERIALIZE_ERROR_TYPE, message)
}

/// A successful output: the answer's body.
pub trait IntoPayload {
    /// The body, or a failure (an output that cannot be serialized).
    fn into_payload(self) -> Result<Payload, FunctionError>;
}

impl IntoPayload for () {
    fn into_payload(self) -> Result<Payload, FunctionError> {
        Ok(Payload::empty())
    }
}

impl IntoPayload for Payload {
    fn into_payload(self) -> Result<Payload, FunctionError> {
        Ok(self)
    }
}

impl IntoPayload for Bytes {
    fn into_payload(self) -> Result<Payload, FunctionError> {
        Ok(Payload::raw(self))
    }
}

impl IntoPayload for Vec<u8> {
    fn into_payload(self) -> Result<Payload, FunctionError> {
        Ok(Payload::raw(self))
    }
}

impl IntoPayload for &'static [u8] {
    fn into_payload(self) -> Result<Payload, FunctionError> {
        Ok(Payload::raw(Bytes::from_static(self)))
    }
}

impl<T: Serialize> IntoPayload for Json<T> {
    fn into_payload(self) -> Result<Payload, FunctionError> {
        json_payload(&self.0)
    }
}

/// Serializes a JSON output.
pub(crate) fn json_payload<T: Serialize + ?Sized>(output: &T) -> Result<Payload, FunctionError> {
    serde_json::to_vec(output)
        .map(Payload::json)
        .map_err(|e| FunctionError::new(SERIALIZE_ERROR_TYPE, format!("cannot serialize the output: {e}")))
}

/// What a handler returns: an output ([`IntoPayload`]) or a `Result` of an output and an
/// error ([`IntoFunctionError`]). `M` only tells the implementations apart.
pub trait IntoOutcome<M> {
    /// The outcome of the call.
    fn into_outcome(self) -> Outcome;
}

/// Marks the [`IntoOutcome`] implementation for plain outputs.
#[doc(hidden)]
pub enum Plain {}

impl<P: IntoPayload> IntoOutcome<Plain> for P {
    fn into_outcome(self) -> Outcome {
        self.into_payload()
    }
}

impl<P: IntoPayload, E: IntoFunctionError<M>, M> IntoOutcome<M> for Result<P, E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(output) => output.into_payload(),
            Err(error) => Err(error.into_function_error()),
        }
    }
}

/// A function that can serve calls: implemented for async functions and closures of up to
/// two [`FromInvocation`] arguments returning an [`IntoOutcome`], and for [`blocking`]
/// wrappers of sync ones. `Args` only tells the implementations apart.
///
/// ```
/// use fc::{Context, Json};
/// # #[derive(serde::Deserialize)] struct Order { id: u64 }
/// async fn none() {}
/// async fn bytes(body: fc::Bytes) -> fc::Bytes { body }
/// async fn both(ctx: Context, Json(order): Json<Order>) -> Result<Json<u64>, std::io::Error> {
///     Ok(Json(order.id))
/// }
/// fn sync_one(Json(order): Json<Order>) -> Json<u64> { Json(order.id) }
/// async fn local_error() -> Result<(), Box<dyn std::error::Error>> { Err("no".into()) }
///
/// fc::Runtime::new().handler(none);
/// fc::Runtime::new().handler(bytes);
/// fc::Runtime::new().handler(both);
/// fc::Runtime::new().handler(fc::blocking(sync_one));
/// fc::Runtime::new().handler(local_error);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot serve Function Compute calls",
    note = "a handler is an async fn of up to two arguments (`fc::Context`, `fc::Json<T>`, `fc::Bytes`, `Vec<u8>`) returning `()`, `fc::Json<T>`, bytes or a `Result` of those; wrap a sync fn in `fc::blocking`"
)]
pub trait Handler<Args>: Send + Sync + 'static {
    /// Runs the handler for one call.
    fn call(&self, ctx: Context, body: Bytes) -> BoxFuture<Outcome>;
}

/// A sync function run on the blocking thread pool, so it never stalls the async workers.
/// Made by [`blocking`].
pub struct Blocking<F>(Arc<F>);

impl<F> Clone for Blocking<F> {
    fn clone(&self) -> Self {
        Blocking(Arc::clone(&self.0))
    }
}

/// Wraps a sync function so that it runs on the blocking thread pool.
///
/// ```
/// fn add_one(fc::Json(n): fc::Json<i64>) -> fc::Json<i64> {
///     std::thread::sleep(std::time::Duration::from_millis(1)); // blocking is fine here
///     fc::Json(n + 1)
/// }
/// let runtime = fc::Runtime::new().handler(fc::blocking(add_one));
/// ```
pub fn blocking<F>(f: F) -> Blocking<F> {
    Blocking(Arc::new(f))
}

/// Marker for the arguments of [`Blocking`] handlers.
#[doc(hidden)]
pub struct SyncArgs<T>(std::marker::PhantomData<T>);

fn failed(error: FunctionError) -> BoxFuture<Outcome> {
    Box::pin(std::future::ready(Err(error)))
}

macro_rules! impl_handler {
    ($($arg:ident),* $(; $last:ident)?) => {
        impl<F, Fut, M, $($arg,)* $($last)?> Handler<(M, $($arg,)* $($last)?)> for F
        where
            F: Fn($($arg,)* $($last)?) -> Fut + Send + Sync + 'static,
            Fut: Future + Send + 'static,
            Fut::Output: IntoOutcome<M>,
            $($arg: FromInvocation,)*
            $($last: FromInvocation,)?
        {
            #[allow(non_snake_case, unused_variables)]
            fn call(&self, ctx: Context, body: Bytes) -> BoxFuture<Outcome> {
                $(
                    let $arg = match $arg::from_invocation(&ctx, &body) {
                        Ok(value) => value,
                        Err(error) => return failed(error),
                    };
                )*
                $(
                    // The last argument takes the body itself.
                    let $last = match $last::from_invocation_owned(&ctx, body) {
                        Ok(value) => value,
                        Err(error) => return failed(error),
                    };
                )?
                let future = self($($arg,)* $($last)?);
                Box::pin(async move { future.await.into_outcome() })
            }
        }

        impl<F, R, M, $($arg,)* $($last)?> Handler<SyncArgs<(M, $($arg,)* $($last)?)>> for Blocking<F>
        where
            F: Fn($($arg,)* $($last)?) -> R + Send + Sync + 'static,
            R: IntoOutcome<M>,
            $($arg: FromInvocation,)*
            $($last: FromInvocation,)?
        {
            #[allow(non_snake_case, unused_variables)]
            fn call(&self, ctx: Context, body: Bytes) -> BoxFuture<Outcome> {
                let f = Arc::clone(&self.0);
                // The arguments are built on the blocking thread too: parsing a large
                // JSON input must not stall the async workers either.
                user_code::run_blocking(ctx, move |ctx| {
                    $(let $arg = $arg::from_invocation(&ctx, &body)?;)*
                    $(let $last = $last::from_invocation_owned(&ctx, body)?;)?
                    f($($arg,)* $($last)?).into_outcome()
                })
            }
        }
    };
}

impl_handler!();
impl_handler!(; A);
impl_handler!(A; B);

/// A function of the context and the body that returns its outcome's future boxed: what
/// the attribute macros generate for an async function (its box is the call's only one).
/// A type of its own, so that no closure a program writes matches two implementations.
#[doc(hidden)]
pub struct Glue<F>(pub F);

/// Marks the [`Handler`] implementation for [`Glue`].
#[doc(hidden)]
pub enum GlueArgs {}

impl<F> Handler<GlueArgs> for Glue<F>
where
    F: Fn(Context, Bytes) -> BoxFuture<Outcome> + Send + Sync + 'static,
{
    fn call(&self, ctx: Context, body: Bytes) -> BoxFuture<Outcome> {
        (self.0)(ctx, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Event {
        user: User,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct User {
        age: u32,
    }

    #[test]
    fn deserialize_errors_name_the_path_line_and_column() {
        let e = parse_json::<Event>(b"{\"user\": {\"age\": \"x\"}}").unwrap_err();
        assert_eq!(e.error_type(), DESERIALIZE_ERROR_TYPE);
        assert!(e.message().starts_with("invalid input at `user.age`: invalid type: string \"x\""), "{}", e.message());
        assert!(e.message().contains("line 1 column 20"), "{}", e.message());
        let e = parse_json::<Event>(b"{not json").unwrap_err();
        assert!(e.message().starts_with("invalid input: key must be a string at line 1 column 2"), "{}", e.message());
        assert!(parse_json::<Event>(b"{\"user\": {\"age\": 1}} trailing").is_err());
        assert_eq!(parse_json::<Option<u8>>(b"").unwrap(), None);
    }
}
