//! The test kit: a [`Context`] made to order ([`Context::builder`]), and a function run
//! through the same glue as the server ([`TestFunction`]) — the input decoded as the
//! attribute or the builder decodes it, the output encoded, an error or a panic reported
//! as the JSON the platform would get — in a plain `#[test]` or `#[tokio::test]`, with no
//! port.
//!
//! ```
//! use fc::testing::TestFunction;
//!
//! async fn double(fc::Json(n): fc::Json<i64>) -> fc::Json<i64> {
//!     fc::Json(n * 2)
//! }
//!
//! let ctx = fc::Context::builder().request_id("test-1").build();
//! let answer = TestFunction::new(double).call_blocking(&ctx, "21");
//! assert_eq!(answer.json::<i64>(), 42);
//! let answer = TestFunction::new(double).call_blocking(&ctx, "not a number");
//! assert_eq!(answer.error().unwrap().error_type(), "DeserializeError");
//! ```

use std::fmt;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use crate::context::{CallKind, Context};
use crate::error::FunctionError;
use crate::handler::{Handler, Payload};
use crate::http_function::{Body, HttpService};
use crate::panic;
use crate::registration;
use crate::service::{FunctionService, Invocation};
use crate::user_code::Guarded;

impl Context {
    /// A context made to order, for tests: the headers the platform would send, set by
    /// name. Needs no other crate.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let ctx = fc::Context::builder()
    ///     .request_id("req-1")
    ///     .function_name("thumbnail")
    ///     .memory_mb(512)
    ///     .timeout(Duration::from_secs(30))
    ///     .credentials("STS.id", "secret", "token")
    ///     .region("cn-hangzhou")
    ///     .header("x-fc-qualifier", "LATEST")
    ///     .build();
    /// assert_eq!((ctx.request_id(), ctx.function_name()), ("req-1", Some("thumbnail")));
    /// assert_eq!(ctx.function_memory_mb(), Some(512));
    /// assert!(ctx.remaining_time().unwrap() <= Duration::from_secs(30));
    /// assert_eq!(ctx.credentials().access_key_id(), Some("STS.id"));
    /// assert_eq!(ctx.qualifier(), Some("LATEST"));
    /// ```
    pub fn builder() -> ContextBuilder {
        ContextBuilder { headers: HeaderMap::new(), kind: CallKind::Invoke, deadline: None }
    }
}

/// Builds a [`Context`]: see [`Context::builder`].
#[derive(Debug, Clone)]
pub struct ContextBuilder {
    headers: HeaderMap,
    kind: CallKind,
    deadline: Option<Instant>,
}

impl ContextBuilder {
    /// Sets a request header, replacing any value it had.
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name or `value` not a valid header value.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let header = HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|e| panic!("`Context::builder().header({name:?}, …)`: not a header name: {e}"));
        let value = HeaderValue::from_str(value)
            .unwrap_or_else(|e| panic!("`Context::builder().header({name:?}, {value:?})`: not a header value: {e}"));
        self.headers.insert(header, value);
        self
    }

    /// `x-fc-request-id`.
    pub fn request_id(self, id: &str) -> Self {
        self.header("x-fc-request-id", id)
    }

    /// `x-fc-function-name`.
    pub fn function_name(self, name: &str) -> Self {
        self.header("x-fc-function-name", name)
    }

    /// `x-fc-function-handler`.
    pub fn function_handler(self, handler: &str) -> Self {
        self.header("x-fc-function-handler", handler)
    }

    /// `x-fc-function-memory`, in MB.
    pub fn memory_mb(self, mb: u32) -> Self {
        self.header("x-fc-function-memory", &mb.to_string())
    }

    /// `x-fc-function-timeout`: the call's deadline is this long after [`build`](Self::build).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.header("x-fc-function-timeout", &seconds(timeout))
    }

    /// The call's deadline itself (the function's timeout is then the time left until it
    /// at [`build`](Self::build)).
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// `x-fc-initialization-timeout`.
    pub fn initialization_timeout(self, timeout: Duration) -> Self {
        self.header("x-fc-initialization-timeout", &seconds(timeout))
    }

    /// `x-fc-access-key-id`, `x-fc-access-key-secret` and `x-fc-security-token`.
    pub fn credentials(self, access_key_id: &str, access_key_secret: &str, security_token: &str) -> Self {
        self.header("x-fc-access-key-id", access_key_id)
            .header("x-fc-access-key-secret", access_key_secret)
            .header("x-fc-security-token", security_token)
    }

    /// `x-fc-region`.
    pub fn region(self, region: &str) -> Self {
        self.header("x-fc-region", region)
    }

    /// `x-fc-account-id`.
    pub fn account_id(self, account_id: &str) -> Self {
        self.header("x-fc-account-id", account_id)
    }

    /// Which call the context is of ([`CallKind::Invoke`] unless set).
    pub fn kind(mut self, kind: CallKind) -> Self {
        self.kind = kind;
        self
    }

    /// The context.
    pub fn build(mut self) -> Context {
        let now = Instant::now();
        if let Some(deadline) = self.deadline {
            let left = deadline.saturating_duration_since(now).max(Duration::from_nanos(1));
            self = self.header("x-fc-function-timeout", &seconds(left));
            if self.kind == CallKind::Initialize {
                self = self.header("x-fc-initialization-timeout", &seconds(left));
            }
        }
        let mut ctx = Context::from_headers(self.headers);
        if self.kind != CallKind::Invoke {
            ctx = ctx.with_kind(self.kind);
        }
        ctx
    }
}

/// A duration as the platform's headers write it: whole seconds, else a decimal.
fn seconds(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 { duration.as_secs().to_string() } else { format!("{:.9}", duration.as_secs_f64()) }
}

/// A function run as the server runs it, without a server: the attribute's glue for a
/// function registered with `#[fc::handler]` (or a hook's attribute), or any handler the
/// builder takes.
///
/// In a unit test of a program whose handler has the attribute:
///
/// ```no_run
/// #[fc::handler]
/// async fn hello(name: String) -> String {
///     format!("hello, {name}!")
/// }
///
/// #[test]
/// fn greets() {
///     let ctx = fc::Context::builder().request_id("t-1").build();
///     let answer = fc::testing::TestFunction::handler().call_blocking(&ctx, r#""fc""#);
///     assert_eq!(answer.json::<String>(), "hello, fc!");
/// }
/// # fn main() {}
/// ```
#[derive(Clone)]
pub struct TestFunction {
    service: FunctionService,
    kind: CallKind,
}

impl fmt::Debug for TestFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestFunction").field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl TestFunction {
    /// The function this program registered with `#[fc::handler]`.
    ///
    /// # Panics
    ///
    /// If it registered none, or more than one.
    pub fn handler() -> Self {
        Self::registered(CallKind::Invoke)
    }

    /// The function this program registered with `#[fc::initializer]`.
    pub fn initializer() -> Self {
        Self::registered(CallKind::Initialize)
    }

    /// The function this program registered with `#[fc::pre_freeze]`.
    pub fn pre_freeze() -> Self {
        Self::registered(CallKind::PreFreeze)
    }

    /// The function this program registered with `#[fc::pre_stop]`.
    pub fn pre_stop() -> Self {
        Self::registered(CallKind::PreStop)
    }

    fn registered(kind: CallKind) -> Self {
        let registered = registration::registered();
        if let Some(conflict) = registered.conflict {
            panic!("{conflict}");
        }
        let Some(service) = registered.functions.event(kind) else {
            panic!("no function of this program has `{}`", registration::attribute(kind));
        };
        TestFunction { service: service.clone(), kind }
    }

    /// Any handler the builder takes ([`Runtime::handler`](crate::Runtime::handler)).
    pub fn new<H: Handler<Args>, Args>(handler: H) -> Self {
        TestFunction { service: FunctionService::new(handler), kind: CallKind::Invoke }
    }

    /// Calls the function with `ctx` and `input` (the request body: JSON text, or bytes)
    /// as the server would, and gives its answer.
    pub async fn call(&self, ctx: &Context, input: impl Into<Bytes>) -> Answer {
        panic::install_hook();
        let ctx = if ctx.kind() == self.kind { ctx.clone() } else { ctx.with_kind(self.kind) };
        let (service, invocation) = (self.service.clone(), Invocation::new(ctx.clone(), input));
        let label = service.label();
        Answer::new(Guarded::start(ctx, move || service.invoke(invocation)).labelled(label).await)
    }

    /// [`call`](Self::call) for a test that is not async: it runs the call on a runtime of
    /// its own.
    ///
    /// # Panics
    ///
    /// Inside an async runtime (a `#[tokio::test]`): there, `.call(…).await`.
    pub fn call_blocking(&self, ctx: &Context, input: impl Into<Bytes>) -> Answer {
        if tokio::runtime::Handle::try_current().is_ok() {
            panic!("`TestFunction::call_blocking` inside an async runtime: use `.call(…).await` there");
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("`TestFunction::call_blocking` could not start a runtime");
        runtime.block_on(self.call(ctx, input))
    }
}

/// What a [`TestFunction`] answered: its output, or its error as the platform would get it.
pub struct Answer {
    result: Result<Payload, FunctionError>,
    /// The body the server would send: the output, or the JSON error.
    body: Bytes,
}

impl Answer {
    fn new(result: Result<Payload, FunctionError>) -> Self {
        let body = match &result {
            Ok(payload) => payload.body().clone(),
            Err(error) => Bytes::from(error.to_json()),
        };
        Answer { result, body }
    }

    /// Whether the call succeeded.
    pub fn is_ok(&self) -> bool {
        self.result.is_ok()
    }

    /// The HTTP status the server would answer with: 200, or the error's.
    pub fn status(&self) -> u16 {
        self.result.as_ref().map_or_else(FunctionError::status, |_| 200)
    }

    /// The body the server would send: the output, or the JSON error
    /// (`{"errorMessage", "errorType", "stackTrace"}`).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text.
    ///
    /// # Panics
    ///
    /// If it is not UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or_else(|e| panic!("the answer is not text: {e}"))
    }

    /// The output, parsed from JSON.
    ///
    /// # Panics
    ///
    /// If the call failed (with its error), or the output is not JSON for `T`.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        if let Err(error) = &self.result {
            panic!("the call failed: {error}");
        }
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("the output is not JSON for the type asked: {e}"))
    }

    /// The error, if the call failed.
    pub fn error(&self) -> Option<&FunctionError> {
        self.result.as_ref().err()
    }

    /// The output or the error.
    pub fn into_result(self) -> Result<Payload, FunctionError> {
        self.result
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status())
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// Calls an HTTP function (what [`Runtime::http`](crate::Runtime::http) serves: an axum
/// `Router`, say) with `request` as the server would — `ctx` in the request's extensions
/// and current, an error or a panic answered 500 with the platform's JSON error — and
/// reads the answer whole.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let app = tower::service_fn(|request: http::Request<fc::http::Body>| async move {
///     let ctx = request.extensions().get::<fc::Context>().unwrap().clone();
///     Ok::<_, std::convert::Infallible>(http::Response::new(format!("{} {}", ctx.request_id(), request.uri())))
/// });
/// let ctx = fc::Context::builder().request_id("t-1").build();
/// let request = http::Request::get("/hello").body(fc::http::Body::empty()).unwrap();
/// let response = fc::testing::call_http(app, &ctx, request).await;
/// assert_eq!(response.body(), "t-1 /hello");
/// # });
/// ```
pub async fn call_http<S: HttpService>(
    service: S,
    ctx: &Context,
    request: http::Request<Body>,
) -> http::Response<Bytes> {
    use http_body_util::BodyExt as _;
    panic::install_hook();
    let ctx = if ctx.kind() == CallKind::Http { ctx.clone() } else { ctx.with_kind(CallKind::Http) };
    let mut request = request;
    request.extensions_mut().insert(ctx.clone());
    let handler = service.into_http_handler();
    let result = Guarded::start(ctx, move || handler(request)).await;
    let failure = |error: FunctionError| {
        let mut response = http::Response::new(Bytes::from(error.to_json()));
        *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    };
    match result {
        Err(error) => failure(error),
        Ok(response) => {
            let (parts, body) = response.into_parts();
            match body.collect().await {
                Ok(body) => http::Response::from_parts(parts, body.to_bytes()),
                Err(error) => failure(FunctionError::new("BodyError", error.to_string())),
            }
        }
    }
}
