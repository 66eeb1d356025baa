//! The per-call context: what the platform says about the call, the function and the
//! instance, read from the request's `x-fc-*` headers with the platform's environment
//! variables as fallbacks.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use http::{HeaderMap, HeaderValue};

/// The `x-fc-*` headers the accessors read: each has a place in the [`Index`] that the
/// first accessor call fills in one pass over the headers.
macro_rules! fields {
    ($($field:ident = $name:literal,)*) => {
        /// A header an accessor reads.
        #[derive(Clone, Copy)]
        enum Field {
            $($field,)*
        }

        const FIELDS: usize = [$(Field::$field),*].len();

        impl Index {
            /// The first value of each field's header, found in one pass.
            fn build(headers: &HeaderMap) -> Self {
                let mut index = Index::default();
                for (name, value) in headers {
                    let field = match name.as_str() {
                        $($name => Field::$field,)*
                        _ => continue,
                    };
                    index.values[field as usize].get_or_insert_with(|| value.clone());
                }
                index
            }
        }
    };
}

fields! {
    AccessKeyId = "x-fc-access-key-id",
    AccessKeySecret = "x-fc-access-key-secret",
    SecurityToken = "x-fc-security-token",
    FunctionName = "x-fc-function-name",
    FunctionHandler = "x-fc-function-handler",
    FunctionMemory = "x-fc-function-memory",
    FunctionTimeout = "x-fc-function-timeout",
    Initializer = "x-fc-function-initializer",
    InitializationTimeout = "x-fc-initialization-timeout",
    PreFreezeHandler = "x-fc-instance-lifecycle-pre-freeze-handler",
    PreStopHandler = "x-fc-instance-lifecycle-pre-stop-handler",
    ServiceName = "x-fc-service-name",
    LogProject = "x-fc-service-logproject",
    LogStore = "x-fc-service-logstore",
    Qualifier = "x-fc-qualifier",
    VersionId = "x-fc-version-id",
    Region = "x-fc-region",
    AccountId = "x-fc-account-id",
    RetryCount = "x-fc-retry-count",
    SpanContext = "x-fc-tracing-opentracing-span-context",
    Baggage = "x-fc-tracing-opentracing-span-baggages",
    JaegerEndpoint = "x-fc-tracing-jaeger-endpoint",
}

/// The values of the headers the accessors read.
#[derive(Default)]
struct Index {
    values: [Option<HeaderValue>; FIELDS],
}

/// Which protocol request a [`Context`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallKind {
    /// `POST /invoke`: an event function call.
    Invoke,
    /// `POST /initialize`: the initializer hook.
    Initialize,
    /// `GET /pre-freeze`: the pre-freeze hook.
    PreFreeze,
    /// `GET /pre-stop`: the pre-stop hook.
    PreStop,
    /// An HTTP function's request (`x-fc-control-path: /http-invoke`).
    Http,
}

impl CallKind {
    /// The name the platform's log lines use (`Invoke`, `Initialize`, `PreFreeze`, `PreStop`).
    pub fn log_name(self) -> &'static str {
        match self {
            CallKind::Invoke | CallKind::Http => "Invoke",
            CallKind::Initialize => "Initialize",
            CallKind::PreFreeze => "PreFreeze",
            CallKind::PreStop => "PreStop",
        }
    }
}

/// The context of one call.
///
/// Every accessor reads the platform's request header and, where the platform also sets an
/// environment variable for the value, falls back to it. A missing or malformed header
/// reads as `None` (or an empty request id): it never fails a call.
///
/// `Context` is cheap to clone. The credentials it carries are redacted in its `Debug`
/// output and are never logged by the runtime.
///
/// ```
/// use fc::Context;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-fc-request-id", "r-1".parse().unwrap());
/// headers.insert("x-fc-function-timeout", "3".parse().unwrap());
/// headers.insert("x-fc-access-key-secret", "s3cr3t".parse().unwrap());
/// let ctx = Context::from_headers(headers);
/// assert_eq!(ctx.request_id(), "r-1");
/// assert!(ctx.remaining_time().unwrap() <= std::time::Duration::from_secs(3));
/// assert!(!format!("{ctx:?}").contains("s3cr3t"));
/// ```
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    headers: HeaderMap,
    /// `x-fc-request-id`'s first value, found when the context was made.
    request_id: Option<HeaderValue>,
    received: Instant,
    kind: CallKind,
    /// Built by the first accessor that reads a header: a call that reads none pays
    /// nothing for it.
    index: OnceLock<Index>,
    baggage: OnceLock<HashMap<String, String>>,
}

/// The platform's environment variables, read once.
struct Environment {
    function_name: Option<String>,
    function_handler: Option<String>,
    function_memory: Option<String>,
    region: Option<String>,
    account_id: Option<String>,
    instance_id: Option<String>,
    code_path: Option<String>,
    access_key_id: Option<String>,
    access_key_secret: Option<String>,
    security_token: Option<String>,
}

fn environment() -> &'static Environment {
    static ENV: OnceLock<Environment> = OnceLock::new();
    ENV.get_or_init(|| {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Environment {
            function_name: var("FC_FUNCTION_NAME"),
            function_handler: var("FC_FUNCTION_HANDLER"),
            function_memory: var("FC_FUNCTION_MEMORY_SIZE"),
            region: var("FC_REGION"),
            account_id: var("FC_ACCOUNT_ID"),
            instance_id: var("FC_INSTANCE_ID"),
            code_path: var("FC_FUNC_CODE_PATH"),
            access_key_id: var("ALIBABA_CLOUD_ACCESS_KEY_ID"),
            access_key_secret: var("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            security_token: var("ALIBABA_CLOUD_SECURITY_TOKEN"),
        }
    })
}

/// Reads the environment now, so that the first call does not pay for it.
pub(crate) fn load_environment() {
    environment();
}

thread_local! {
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Makes `ctx` the current context of this thread until the guard is dropped.
pub(crate) fn enter(ctx: &Context) -> CurrentGuard {
    let previous = CURRENT.with(|c| c.replace(Some(ctx.clone())));
    CurrentGuard { previous }
}

/// Restores the previous current context on drop.
pub(crate) struct CurrentGuard {
    previous: Option<Context>,
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| c.replace(previous));
    }
}

/// Calls `f` with the request id of the call running on this thread, if any.
pub(crate) fn with_current_request_id<R>(f: impl FnOnce(Option<&str>) -> R) -> R {
    let ctx = CURRENT.try_with(|c| c.borrow().clone()).ok().flatten();
    f(ctx.as_ref().map(Context::request_id))
}

/// What the runtime needs of a request's headers, found in one pass over them rather
/// than a lookup (a hash) per name.
pub(crate) struct Scanned {
    /// `x-fc-request-id` (the first one).
    pub(crate) request_id: Option<HeaderValue>,
    /// `x-fc-control-path` (the first one).
    pub(crate) control_path: Option<HeaderValue>,
}

/// Finds the request id and the control path, and marks the credentials' values
/// sensitive (`HeaderMap`'s `Debug` shows them as `Sensitive`).
pub(crate) fn scan(headers: &mut HeaderMap) -> Scanned {
    let mut scanned = Scanned { request_id: None, control_path: None };
    for (name, value) in headers.iter_mut() {
        match name.as_str() {
            "x-fc-request-id" if scanned.request_id.is_none() => scanned.request_id = Some(value.clone()),
            "x-fc-control-path" if scanned.control_path.is_none() => scanned.control_path = Some(value.clone()),
            "x-fc-access-key-secret" | "x-fc-security-token" | "authorization" => value.set_sensitive(true),
            _ => {}
        }
    }
    scanned
}

fn utf8(value: &HeaderValue) -> Option<&str> {
    std::str::from_utf8(value.as_bytes()).ok()
}

fn parse_u32(value: Option<&str>) -> Option<u32> {
    value?.trim().parse().ok()
}

fn parse_seconds(value: Option<&str>) -> Option<Duration> {
    let secs: f64 = value?.trim().parse().ok()?;
    if secs.is_finite() && secs > 0.0 && secs < 1e9 { Some(Duration::from_secs_f64(secs)) } else { None }
}

impl Context {
    /// A context for the given request headers, as the runtime builds it for an `/invoke`
    /// call. Useful to call a handler directly from a unit test.
    pub fn from_headers(headers: HeaderMap) -> Self {
        Self::for_call(headers, CallKind::Invoke, Instant::now())
    }

    pub(crate) fn for_call(mut headers: HeaderMap, kind: CallKind, received: Instant) -> Self {
        let scanned = scan(&mut headers);
        Self::scanned(headers, scanned.request_id, kind, received)
    }

    /// A context for headers that [`scan`] has been through.
    pub(crate) fn scanned(
        headers: HeaderMap,
        request_id: Option<HeaderValue>,
        kind: CallKind,
        received: Instant,
    ) -> Self {
        Context {
            inner: Arc::new(Inner {
                headers,
                request_id,
                received,
                kind,
                index: OnceLock::new(),
                baggage: OnceLock::new(),
            }),
        }
    }

    /// This call's context, as seen by a call of another kind (the initializer that an
    /// `/invoke` runs first).
    pub(crate) fn with_kind(&self, kind: CallKind) -> Context {
        if kind == self.kind() {
            return self.clone();
        }
        Self::for_call(self.inner.headers.clone(), kind, self.inner.received)
    }

    /// The context of the call running on this thread (inside a handler or hook, and in
    /// the synchronous code it calls), or `None` outside of one.
    pub fn current() -> Option<Context> {
        CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
    }

    /// The value of a request header, if it is present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        utf8(self.inner.headers.get(name)?)
    }

    /// The value of a field's header, from the index.
    fn known(&self, field: Field) -> Option<&str> {
        let index = self.inner.index.get_or_init(|| Index::build(&self.inner.headers));
        utf8(index.values[field as usize].as_ref()?)
    }

    fn known_or<'a>(&'a self, field: Field, fallback: &'a Option<String>) -> Option<&'a str> {
        self.known(field).or(fallback.as_deref())
    }

    /// All request headers, as received (credentials included: do not log them).
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// Which protocol request this call is.
    pub fn kind(&self) -> CallKind {
        self.inner.kind
    }

    /// `x-fc-request-id`, or the empty string when the request has none.
    pub fn request_id(&self) -> &str {
        self.inner.request_id.as_ref().and_then(utf8).unwrap_or("")
    }

    /// The temporary credentials of the function's role (`x-fc-access-key-id`,
    /// `x-fc-access-key-secret`, `x-fc-security-token`, else the
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID`, `…_SECRET` and `ALIBABA_CLOUD_SECURITY_TOKEN`
    /// environment variables).
    pub fn credentials(&self) -> Credentials {
        let env = environment();
        let get = |field: Field, fallback: &Option<String>| self.known_or(field, fallback).map(str::to_owned);
        Credentials {
            access_key_id: get(Field::AccessKeyId, &env.access_key_id),
            access_key_secret: get(Field::AccessKeySecret, &env.access_key_secret),
            security_token: get(Field::SecurityToken, &env.security_token),
        }
    }

    /// `x-fc-function-name`, else `FC_FUNCTION_NAME`.
    pub fn function_name(&self) -> Option<&str> {
        self.known_or(Field::FunctionName, &environment().function_name)
    }

    /// `x-fc-function-handler`, else `FC_FUNCTION_HANDLER`.
    pub fn function_handler(&self) -> Option<&str> {
        self.known_or(Field::FunctionHandler, &environment().function_handler)
    }

    /// The function's memory in MB: `x-fc-function-memory`, else `FC_FUNCTION_MEMORY_SIZE`.
    pub fn function_memory_mb(&self) -> Option<u32> {
        parse_u32(self.known(Field::FunctionMemory))
            .or_else(|| parse_u32(environment().function_memory.as_deref()))
    }

    /// The function's timeout: `x-fc-function-timeout` (seconds).
    pub fn function_timeout(&self) -> Option<Duration> {
        parse_seconds(self.known(Field::FunctionTimeout))
    }

    /// The initializer's name: `x-fc-function-initializer`.
    pub fn initializer(&self) -> Option<&str> {
        self.known(Field::Initializer)
    }

    /// The initializer's timeout: `x-fc-initialization-timeout` (seconds).
    pub fn initialization_timeout(&self) -> Option<Duration> {
        parse_seconds(self.known(Field::InitializationTimeout))
    }

    /// The pre-freeze hook's name: `x-fc-instance-lifecycle-pre-freeze-handler`.
    pub fn pre_freeze_handler(&self) -> Option<&str> {
        self.known(Field::PreFreezeHandler)
    }

    /// The pre-stop hook's name: `x-fc-instance-lifecycle-pre-stop-handler`.
    pub fn pre_stop_handler(&self) -> Option<&str> {
        self.known(Field::PreStopHandler)
    }

    /// `x-fc-service-name`.
    pub fn service_name(&self) -> Option<&str> {
        self.known(Field::ServiceName)
    }

    /// The service's log project: `x-fc-service-logproject`.
    pub fn log_project(&self) -> Option<&str> {
        self.known(Field::LogProject)
    }

    /// The service's log store: `x-fc-service-logstore`.
    pub fn log_store(&self) -> Option<&str> {
        self.known(Field::LogStore)
    }

    /// The alias or version called: `x-fc-qualifier`.
    pub fn qualifier(&self) -> Option<&str> {
        self.known(Field::Qualifier)
    }

    /// `x-fc-version-id`.
    pub fn version_id(&self) -> Option<&str> {
        self.known(Field::VersionId)
    }

    /// `x-fc-region`, else `FC_REGION`.
    pub fn region(&self) -> Option<&str> {
        self.known_or(Field::Region, &environment().region)
    }

    /// `x-fc-account-id`, else `FC_ACCOUNT_ID`.
    pub fn account_id(&self) -> Option<&str> {
        self.known_or(Field::AccountId, &environment().account_id)
    }

    /// How many times the platform has retried this call: `x-fc-retry-count`.
    pub fn retry_count(&self) -> Option<u32> {
        parse_u32(self.known(Field::RetryCount))
    }

    /// The instance's id: `FC_INSTANCE_ID`.
    pub fn instance_id(&self) -> Option<&str> {
        environment().instance_id.as_deref()
    }

    /// Where the function's code is: `FC_FUNC_CODE_PATH`.
    pub fn code_path(&self) -> Option<&str> {
        environment().code_path.as_deref()
    }

    /// The OpenTracing span context: `x-fc-tracing-opentracing-span-context`.
    pub fn span_context(&self) -> Option<&str> {
        self.known(Field::SpanContext)
    }

    /// The OpenTracing baggage: `x-fc-tracing-opentracing-span-baggages`, a base64-encoded
    /// JSON object. Empty when the header is missing or malformed; values that are not
    /// strings are given as their JSON text.
    pub fn baggage(&self) -> &HashMap<String, String> {
        self.inner.baggage.get_or_init(|| {
            self.known(Field::Baggage).and_then(decode_baggage).unwrap_or_default()
        })
    }

    /// The Jaeger endpoint: `x-fc-tracing-jaeger-endpoint`.
    pub fn jaeger_endpoint(&self) -> Option<&str> {
        self.known(Field::JaegerEndpoint)
    }

    /// The time by which this call must finish: when the request arrived plus the
    /// function's timeout (the initialization timeout for `/initialize`), when known.
    pub fn deadline(&self) -> Option<Instant> {
        let timeout = match self.inner.kind {
            CallKind::Initialize => self.initialization_timeout(),
            _ => self.function_timeout(),
        }?;
        self.inner.received.checked_add(timeout)
    }

    /// The time left until [`deadline`](Self::deadline), zero once it has passed.
    pub fn remaining_time(&self) -> Option<Duration> {
        Some(self.deadline()?.saturating_duration_since(Instant::now()))
    }
}

impl Default for Context {
    /// A context with no headers, as for a local call with none.
    fn default() -> Self {
        Self::from_headers(HeaderMap::new())
    }
}

fn decode_baggage(value: &str) -> Option<HashMap<String, String>> {
    let value = value.trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(value.trim_end_matches('=')))
        .ok()?;
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).ok()?;
    Some(
        map.into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
    )
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("kind", &self.kind())
            .field("request_id", &self.request_id())
            .field("credentials", &self.credentials())
            .field("function_name", &self.function_name())
            .field("function_handler", &self.function_handler())
            .field("function_memory_mb", &self.function_memory_mb())
            .field("function_timeout", &self.function_timeout())
            .field("initializer", &self.initializer())
            .field("initialization_timeout", &self.initialization_timeout())
            .field("service_name", &self.service_name())
            .field("log_project", &self.log_project())
            .field("log_store", &self.log_store())
            .field("qualifier", &self.qualifier())
            .field("version_id", &self.version_id())
            .field("region", &self.region())
            .field("account_id", &self.account_id())
            .field("retry_count", &self.retry_count())
            .field("instance_id", &self.instance_id())
            .field("span_context", &self.span_context())
            .field("baggage", self.baggage())
            .field("jaeger_endpoint", &self.jaeger_endpoint())
            .field("remaining_time", &self.remaining_time())
            .finish_non_exhaustive()
    }
}

/// The temporary credentials of the function's role. `Debug` shows the access key id and
/// redacts the secret and the token.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: Option<String>,
    access_key_secret: Option<String>,
    security_token: Option<String>,
}

impl Credentials {
    /// The access key id.
    pub fn access_key_id(&self) -> Option<&str> {
        self.access_key_id.as_deref()
    }

    /// The access key secret. Never log it.
    pub fn access_key_secret(&self) -> Option<&str> {
        self.access_key_secret.as_deref()
    }

    /// The security token. Never log it.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &redacted(&self.access_key_secret))
            .field("security_token", &redacted(&self.security_token))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        Context::from_headers(headers)
    }

    #[test]
    fn malformed_numbers_read_as_none() {
        let c = ctx(&[("x-fc-function-memory", "lots"), ("x-fc-function-timeout", "-3"), ("x-fc-retry-count", "")]);
        assert_eq!(c.function_memory_mb(), None);
        assert_eq!(c.function_timeout(), None);
        assert_eq!(c.retry_count(), None);
        assert_eq!(c.deadline(), None);
        assert_eq!(c.request_id(), "");
    }

    #[test]
    fn baggage_decodes_base64_json_and_tolerates_garbage() {
        let encoded = base64::engine::general_purpose::STANDARD.encode(r#"{"a":"1","b":2}"#);
        let c = ctx(&[("x-fc-tracing-opentracing-span-baggages", &encoded)]);
        assert_eq!(c.baggage().get("a").map(String::as_str), Some("1"));
        assert_eq!(c.baggage().get("b").map(String::as_str), Some("2"));
        let c = ctx(&[("x-fc-tracing-opentracing-span-baggages", "%%%not base64")]);
        assert!(c.baggage().is_empty());
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = ctx(&[
            ("x-fc-access-key-id", "KEYID"),
            ("x-fc-access-key-secret", "TOPSECRET"),
            ("x-fc-access-key-secret", "SECONDSECRET"),
            ("x-fc-security-token", "TOKENVALUE"),
        ]);
        let text = format!("{c:?}");
        assert!(text.contains("KEYID"));
        assert!(!text.contains("TOPSECRET"));
        assert!(!text.contains("TOKENVALUE"));
        assert_eq!(c.credentials().access_key_secret(), Some("TOPSECRET"));
        let headers = format!("{:?}", c.headers());
        assert!(
            headers.contains("KEYID") && !headers.contains("TOPSECRET") && !headers.contains("TOKENVALUE"),
            "{headers}"
        );
    }

    #[test]
    fn initialize_deadline_uses_the_initialization_timeout() {
        let mut headers = HeaderMap::new();
        headers.insert("x-fc-function-timeout", "100".parse().unwrap());
        headers.insert("x-fc-initialization-timeout", "1".parse().unwrap());
        let c = Context::for_call(headers, CallKind::Initialize, Instant::now());
        assert!(c.remaining_time().unwrap() <= Duration::from_secs(1));
    }
}
