//! The per-call context: what the platform says about the call, the function and the
//! instance, read from the request's `x-fc-*` headers with the platform's environment
//! variables as fallbacks.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue};

/// The `x-fc-*` headers the accessors read: each has a place in the [`Index`] that the
/// first accessor call fills in one pass over the headers.
macro_rules! fields {
    ($($field:ident = $name:literal,)*) => {
        /// A header an accessor reads.
        #[derive(Clone, Copy)]
        enum Field {
            $($field,)*
        }

        /// The headers' names, by [`Field`].
        const NAMES: &[&str] = &[$($name),*];
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

const FIELDS: usize = NAMES.len();

/// A hash of a header name that tells the fields' names apart: the slot of a name's only
/// candidate field in [`SLOTS`].
const fn slot(name: &[u8]) -> usize {
    let len = name.len();
    if len < 6 {
        return 0;
    }
    (len * 40 + name[5] as usize + name[len - 3] as usize) % 64
}

/// Each slot's field (its index in [`NAMES`]), or `u8::MAX`. Built at compile time, which
/// fails if two names share a slot.
const SLOTS: [u8; 64] = {
    let mut slots = [u8::MAX; 64];
    let mut field = 0;
    while field < FIELDS {
        let at = slot(NAMES[field].as_bytes());
        assert!(slots[at] == u8::MAX, "two fields' names share a slot: change `slot`");
        slots[at] = field as u8;
        field += 1;
    }
    slots
};

/// The field whose header is named `name`, if any.
fn field_of(name: &[u8]) -> Option<usize> {
    let field = SLOTS[slot(name)] as usize;
    (field < FIELDS && NAMES[field].as_bytes() == name).then_some(field)
}

/// The values of the headers the accessors read (the first of each), validated as UTF-8
/// once, one after another in one string.
struct Index {
    text: String,
    /// Each field's value in `text`, or [`ABSENT`].
    spans: [(u32, u32); FIELDS],
}

const ABSENT: (u32, u32) = (u32::MAX, u32::MAX);

impl Index {
    fn build(headers: &Headers, first: Option<&HeaderValue>) -> Self {
        let mut spans = [ABSENT; FIELDS];
        let mut bytes: Vec<u8> = Vec::new();
        headers.each(first, |name, value| {
            let Some(field) = field_of(name) else { return };
            if spans[field] != ABSENT {
                return;
            }
            if bytes.is_empty() {
                bytes.reserve(512);
            }
            let start = bytes.len() as u32;
            bytes.extend_from_slice(value);
            spans[field] = (start, bytes.len() as u32);
        });
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            // Some value is not UTF-8: it reads as missing, the others as they are.
            Err(error) => {
                let bytes = error.into_bytes();
                let mut text = String::with_capacity(bytes.len());
                for span in &mut spans {
                    if *span == ABSENT {
                        continue;
                    }
                    *span = match std::str::from_utf8(&bytes[span.0 as usize..span.1 as usize]) {
                        Ok(value) => {
                            let start = text.len() as u32;
                            text.push_str(value);
                            (start, text.len() as u32)
                        }
                        Err(_) => ABSENT,
                    };
                }
                text
            }
        };
        Index { text, spans }
    }

    fn get(&self, field: Field) -> Option<&str> {
        let (start, end) = self.spans[field as usize];
        if start == u32::MAX { None } else { self.text.get(start as usize..end as usize) }
    }
}

/// The request headers a context holds.
enum Headers {
    /// All of them: an event function's call, a hook's, or a context made by a test.
    All(HeaderMap),
    /// An HTTP function's call: the platform's `x-fc-*` fields only (the request, which
    /// the function has, keeps all of its headers). The request id (which the context
    /// holds apart) and the control path, the first of each, as the runtime read them; the
    /// others copied, one after another as `name:value\n` (names are tokens and values
    /// hold no line feed), in one allocation. Their map is made the first time it is asked
    /// for.
    Platform { control_path: Option<HeaderValue>, fields: Vec<u8>, map: OnceLock<HeaderMap>, map_of: MapOf },
}

/// A [`Headers::Platform`]'s map, made the first time ([`Headers::platform_map`]): reached
/// through this pointer, set where an HTTP function's context is made, so that a program
/// without an HTTP function does not carry it.
type MapOf = for<'a> fn(&'a Headers, Option<&HeaderValue>) -> &'a HeaderMap;

/// The prefix of the platform's header names.
const PLATFORM_PREFIX: &str = "x-fc-";

/// The request id's header.
const REQUEST_ID: &str = "x-fc-request-id";

/// The control path's header.
const CONTROL_PATH: &str = "x-fc-control-path";

impl Headers {
    /// The platform's fields among `headers`, which [`scan`] has been through (giving
    /// `scanned`).
    fn platform(headers: &HeaderMap, scanned: &Scanned) -> Self {
        let mut fields = Vec::new();
        if scanned.platform_fields {
            // The first request id and control path are held apart; a repeat is copied.
            let (mut id, mut path) = (scanned.request_id.is_some(), scanned.control_path.is_some());
            for (name, value) in headers {
                let name = name.as_str();
                if !name.starts_with(PLATFORM_PREFIX) {
                    continue;
                }
                if id && name == REQUEST_ID {
                    id = false;
                    continue;
                }
                if path && name == CONTROL_PATH {
                    path = false;
                    continue;
                }
                if fields.is_empty() {
                    fields.reserve(1024);
                }
                fields.extend_from_slice(name.as_bytes());
                fields.push(b':');
                fields.extend_from_slice(value.as_bytes());
                fields.push(b'\n');
            }
        }
        Headers::Platform {
            control_path: scanned.control_path.clone(),
            fields,
            map: OnceLock::new(),
            map_of: Headers::platform_map,
        }
    }

    /// Calls `f` with each field's (lower-case) name and value: in the order they came,
    /// or for an HTTP function's call, the request id (`request_id`, which the context
    /// holds) and the control path first.
    fn each<'a>(&'a self, request_id: Option<&'a HeaderValue>, mut f: impl FnMut(&'a [u8], &'a [u8])) {
        match self {
            Headers::All(map) => map.iter().for_each(|(name, value)| f(name.as_str().as_bytes(), value.as_bytes())),
            Headers::Platform { control_path, fields, .. } => {
                for (name, value) in [(REQUEST_ID, request_id), (CONTROL_PATH, control_path.as_ref())] {
                    if let Some(value) = value {
                        f(name.as_bytes(), value.as_bytes());
                    }
                }
                for line in fields.split(|&b| b == b'\n') {
                    if let Some(colon) = line.iter().position(|&b| b == b':') {
                        f(&line[..colon], &line[colon + 1..]);
                    }
                }
            }
        }
    }

    /// The first value of the field named `name` (in any case); `request_id` as in
    /// [`Headers::each`].
    fn get<'a>(&'a self, request_id: Option<&'a HeaderValue>, name: &str) -> Option<&'a [u8]> {
        if let Headers::All(map) = self {
            return map.get(name).map(HeaderValue::as_bytes);
        }
        let mut found = None;
        self.each(request_id, |field, value| {
            if found.is_none() && field.eq_ignore_ascii_case(name.as_bytes()) {
                found = Some(value);
            }
        });
        found
    }

    /// The fields as a map (credentials marked sensitive); `request_id` as in
    /// [`Headers::each`].
    fn map(&self, request_id: Option<&HeaderValue>) -> &HeaderMap {
        match self {
            Headers::All(map) => map,
            Headers::Platform { map_of, .. } => map_of(self, request_id),
        }
    }

    /// A [`Headers::Platform`]'s map, made the first time.
    fn platform_map<'a>(headers: &'a Headers, request_id: Option<&HeaderValue>) -> &'a HeaderMap {
        match headers {
            Headers::All(map) => map,
            Headers::Platform { map, .. } => map.get_or_init(|| {
                let mut map = HeaderMap::new();
                headers.each(request_id, |name, value| {
                    if let (Ok(name), Ok(mut value)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
                        value.set_sensitive(is_credential_secret(name.as_str()));
                        map.append(name, value);
                    }
                });
                map
            }),
        }
    }
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
    /// Apart from what it shares: the initializer that an `/invoke` runs first sees the
    /// same request as another kind of call ([`Context::with_kind`]).
    kind: CallKind,
}

struct Inner {
    headers: Headers,
    /// `x-fc-request-id`'s first value, found when the context was made.
    request_id: Option<HeaderValue>,
    received: Instant,
    /// Built by the first accessor that reads a header: a call that reads none pays
    /// nothing for it.
    index: OnceLock<Box<Index>>,
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

/// The field into which the runtime folds a request head's fields past hyper's limit of
/// 100 (see `heads`), which the call takes apart again before anything reads the headers.
pub(crate) const FOLDED: &str = "x-fc-rs-folded-request-fields";

/// What the runtime needs of a request's headers, found in one pass over them rather
/// than a lookup (a hash) per name.
pub(crate) struct Scanned {
    /// `x-fc-request-id` (the first one).
    pub(crate) request_id: Option<HeaderValue>,
    /// `x-fc-control-path` (the first one).
    pub(crate) control_path: Option<HeaderValue>,
    /// Whether a [`FOLDED`] field is among them.
    pub(crate) folded: bool,
    /// Whether an `Expect` field is among them (`Expect: 100-continue`: the caller waits
    /// for a `100 Continue` before it sends the body).
    pub(crate) expect: bool,
    /// Whether there are `x-fc-*` fields besides the request id and the control path.
    pub(crate) platform_fields: bool,
}

/// Whether the platform's field `name` holds a secret of the function's credentials, whose
/// values are marked sensitive (`HeaderMap`'s `Debug` shows them as `Sensitive`).
fn is_credential_secret(name: &str) -> bool {
    matches!(name, "x-fc-access-key-secret" | "x-fc-security-token")
}

/// Finds the request id, the control path and whether there is an `Expect` field, and
/// marks the credentials' values sensitive (`HeaderMap`'s `Debug` shows them as `Sensitive`).
pub(crate) fn scan(headers: &mut HeaderMap) -> Scanned {
    let mut scanned =
        Scanned { request_id: None, control_path: None, folded: false, expect: false, platform_fields: false };
    for (name, value) in headers.iter_mut() {
        match name.as_str() {
            REQUEST_ID if scanned.request_id.is_none() => scanned.request_id = Some(value.clone()),
            CONTROL_PATH if scanned.control_path.is_none() => scanned.control_path = Some(value.clone()),
            FOLDED => scanned.folded = true,
            "expect" => scanned.expect = true,
            // (A repeated request id or control path counts: it is copied with the others.)
            name => {
                scanned.platform_fields |= name.starts_with(PLATFORM_PREFIX);
                if is_credential_secret(name) || name == "authorization" {
                    value.set_sensitive(true);
                }
            }
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
    let value = value?.trim();
    // Whole seconds, as the platform sends them: no float parsing.
    if let Ok(secs) = value.parse::<u64>() {
        return (secs > 0 && secs < 1_000_000_000).then(|| Duration::from_secs(secs));
    }
    let secs: f64 = value.parse().ok()?;
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
        Self::holding(Headers::All(headers), request_id, kind, received)
    }

    /// An HTTP function's context, for its request's headers (which [`scan`] has been
    /// through): it holds the platform's `x-fc-*` fields only.
    pub(crate) fn for_http(headers: &HeaderMap, scanned: Scanned, received: Instant) -> Self {
        Self::holding(Headers::platform(headers, &scanned), scanned.request_id, CallKind::Http, received)
    }

    fn holding(headers: Headers, request_id: Option<HeaderValue>, kind: CallKind, received: Instant) -> Self {
        Context {
            inner: Arc::new(Inner { headers, request_id, received, index: OnceLock::new(), baggage: OnceLock::new() }),
            kind,
        }
    }

    /// This call's context, as seen by a call of another kind (the initializer that an
    /// `/invoke` runs first).
    pub(crate) fn with_kind(&self, kind: CallKind) -> Context {
        Context { inner: Arc::clone(&self.inner), kind }
    }

    /// The context of the call running on this thread (inside a handler or hook, and in
    /// the synchronous code it calls), or `None` outside of one.
    pub fn current() -> Option<Context> {
        CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
    }

    /// The value of a request header, if it is present and valid UTF-8. For an HTTP
    /// function's call, only the platform's `x-fc-*` headers are here (see
    /// [`headers`](Self::headers)).
    pub fn header(&self, name: &str) -> Option<&str> {
        std::str::from_utf8(self.inner.headers.get(self.inner.request_id.as_ref(), name)?).ok()
    }

    /// The value of a field's header, from the index.
    fn known(&self, field: Field) -> Option<&str> {
        self.inner
            .index
            .get_or_init(|| Box::new(Index::build(&self.inner.headers, self.inner.request_id.as_ref())))
            .get(field)
    }

    fn known_or<'a>(&'a self, field: Field, fallback: &'a Option<String>) -> Option<&'a str> {
        self.known(field).or(fallback.as_deref())
    }

    /// The request headers, as received (credentials included: do not log them).
    ///
    /// For an HTTP function's call, the platform's `x-fc-*` headers only: the others are
    /// the request's, which the function has (and which has these too).
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers.map(self.inner.request_id.as_ref())
    }

    /// Which protocol request this call is.
    pub fn kind(&self) -> CallKind {
        self.kind
    }

    /// `x-fc-request-id`, or the empty string when the request has none.
    pub fn request_id(&self) -> &str {
        self.inner.request_id.as_ref().and_then(utf8).unwrap_or("")
    }

    /// `x-fc-request-id`'s bytes as they came (none: empty), unchecked.
    pub(crate) fn request_id_bytes(&self) -> &[u8] {
        self.inner.request_id.as_ref().map_or(&[], HeaderValue::as_bytes)
    }

    /// The temporary credentials of the function's role (`x-fc-access-key-id`,
    /// `x-fc-access-key-secret`, `x-fc-security-token`, else the
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID`, `…_SECRET` and `ALIBABA_CLOUD_SECURITY_TOKEN`
    /// environment variables).
    pub fn credentials(&self) -> Credentials {
        Credentials { ctx: Some(self.clone()) }
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
        parse_u32(self.known(Field::FunctionMemory)).or_else(|| parse_u32(environment().function_memory.as_deref()))
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
        self.inner.baggage.get_or_init(|| self.known(Field::Baggage).and_then(decode_baggage).unwrap_or_default())
    }

    /// The Jaeger endpoint: `x-fc-tracing-jaeger-endpoint`.
    pub fn jaeger_endpoint(&self) -> Option<&str> {
        self.known(Field::JaegerEndpoint)
    }

    /// The time by which this call must finish: when the request arrived plus the
    /// function's timeout (the initialization timeout for `/initialize`), when known.
    pub fn deadline(&self) -> Option<Instant> {
        let timeout = match self.kind {
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
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    let value = value.trim();
    // Baggage is small: decode it on the stack when it fits.
    let mut small = [0u8; 256];
    let large;
    let bytes: &[u8] = match STANDARD.decode_slice(value, &mut small) {
        Ok(len) => &small[..len],
        Err(_) => {
            large = STANDARD.decode(value).or_else(|_| STANDARD_NO_PAD.decode(value.trim_end_matches('='))).ok()?;
            &large
        }
    };
    serde_json::from_slice::<BaggageMap>(bytes).ok().map(|map| map.0)
}

/// A baggage object, each value a string or else its JSON text.
struct BaggageMap(HashMap<String, String>);

/// A baggage value: a string, or the JSON text of any other value.
struct BaggageValue(String);

impl<'de> serde::Deserialize<'de> for BaggageMap {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = BaggageMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut access: A) -> Result<BaggageMap, A::Error> {
                let mut map = HashMap::with_capacity(access.size_hint().unwrap_or(4).min(64));
                while let Some((key, BaggageValue(value))) = access.next_entry::<String, BaggageValue>()? {
                    map.insert(key, value);
                }
                Ok(BaggageMap(map))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl<'de> serde::Deserialize<'de> for BaggageValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = BaggageValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, value: &str) -> Result<BaggageValue, E> {
                Ok(BaggageValue(value.to_owned()))
            }
            fn visit_string<E>(self, value: String) -> Result<BaggageValue, E> {
                Ok(BaggageValue(value))
            }
            fn visit_bool<E>(self, value: bool) -> Result<BaggageValue, E> {
                Ok(BaggageValue(value.to_string()))
            }
            fn visit_i64<E>(self, value: i64) -> Result<BaggageValue, E> {
                Ok(BaggageValue(value.to_string()))
            }
            fn visit_u64<E>(self, value: u64) -> Result<BaggageValue, E> {
                Ok(BaggageValue(value.to_string()))
            }
            fn visit_f64<E>(self, value: f64) -> Result<BaggageValue, E> {
                Ok(BaggageValue(serde_json::Value::from(value).to_string()))
            }
            fn visit_unit<E>(self) -> Result<BaggageValue, E> {
                Ok(BaggageValue("null".to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<BaggageValue, A::Error> {
                let value: serde_json::Value =
                    serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                Ok(BaggageValue(value.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<BaggageValue, A::Error> {
                let value: serde_json::Value =
                    serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(BaggageValue(value.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
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
///
/// It reads them from its call's context, which it shares (cloning it is cheap).
#[derive(Clone, Default)]
pub struct Credentials {
    /// The call whose credentials these are; none for the default, empty credentials.
    ctx: Option<Context>,
}

impl Credentials {
    fn read(&self, field: Field, fallback: fn(&'static Environment) -> &'static Option<String>) -> Option<&str> {
        self.ctx.as_ref()?.known_or(field, fallback(environment()))
    }

    /// The access key id.
    pub fn access_key_id(&self) -> Option<&str> {
        self.read(Field::AccessKeyId, |env| &env.access_key_id)
    }

    /// The access key secret. Never log it.
    pub fn access_key_secret(&self) -> Option<&str> {
        self.read(Field::AccessKeySecret, |env| &env.access_key_secret)
    }

    /// The security token. Never log it.
    pub fn security_token(&self) -> Option<&str> {
        self.read(Field::SecurityToken, |env| &env.security_token)
    }
}

impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        self.access_key_id() == other.access_key_id()
            && self.access_key_secret() == other.access_key_secret()
            && self.security_token() == other.security_token()
    }
}

impl Eq for Credentials {}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: Option<&str>| v.map(|_| "<redacted>");
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id())
            .field("access_key_secret", &redacted(self.access_key_secret()))
            .field("security_token", &redacted(self.security_token()))
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
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(r#"{"s":"x","n":null,"f":1.5,"t":true,"a":[1,"2"],"o":{"k":-3}}"#);
        let c = ctx(&[("x-fc-tracing-opentracing-span-baggages", encoded.trim_end_matches('='))]);
        let expected =
            [("s", "x"), ("n", "null"), ("f", "1.5"), ("t", "true"), ("a", r#"[1,"2"]"#), ("o", r#"{"k":-3}"#)];
        assert_eq!(c.baggage().len(), expected.len());
        for (key, value) in expected {
            assert_eq!(c.baggage().get(key).map(String::as_str), Some(value), "{key}");
        }
        let large = format!("{{\"k\":\"{}\"}}", "v".repeat(400));
        let c = ctx(&[(
            "x-fc-tracing-opentracing-span-baggages",
            &base64::engine::general_purpose::STANDARD.encode(&large),
        )]);
        assert_eq!(c.baggage()["k"].len(), 400);
    }

    #[test]
    fn every_field_is_found_and_other_headers_are_not() {
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(field_of(name.as_bytes()), Some(i), "{name}");
        }
        for other in ["", "x", "host", "x-fc-request-id", "x-fc-control-path", "x-fc-regiom", "content-length"] {
            assert_eq!(field_of(other.as_bytes()), None, "{other}");
        }
        let c = ctx(&[("x-fc-region", "r1"), ("x-fc-region", "r2"), ("x-fc-qualifier", "LATEST")]);
        assert_eq!((c.region(), c.qualifier(), c.function_name()), (Some("r1"), Some("LATEST"), None));
        let mut headers = HeaderMap::new();
        headers.insert("x-fc-region", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
        headers.insert("x-fc-qualifier", HeaderValue::from_static("q"));
        let c = Context::from_headers(headers);
        assert_eq!((c.region(), c.qualifier()), (None, Some("q")));
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
    fn an_http_calls_context_holds_the_platform_fields_only() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "example.com"),
            ("x-fc-request-id", "r-9"),
            ("x-fc-control-path", "/http-invoke"),
            ("x-fc-region", "cn-x"),
            ("authorization", "Bearer t"),
            ("x-fc-access-key-secret", "TOPSECRET"),
            ("x-fc-region", "cn-y"),
        ] {
            headers.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        headers.append("x-fc-qualifier", HeaderValue::from_bytes(b"\xff").unwrap());
        let scanned = scan(&mut headers);
        let c = Context::for_http(&headers, scanned, Instant::now());
        assert_eq!((c.kind(), c.request_id(), c.region()), (CallKind::Http, "r-9", Some("cn-x")));
        assert_eq!((c.credentials().access_key_secret(), c.qualifier()), (Some("TOPSECRET"), None));
        assert_eq!(c.header("X-FC-Region"), Some("cn-x"));
        assert_eq!(c.header("x-fc-request-id"), Some("r-9"));
        assert_eq!(c.header("x-fc-control-path"), Some("/http-invoke"));
        assert_eq!((c.header("host"), c.header("authorization"), c.header("x-fc-qualifier")), (None, None, None));
        let map = c.headers();
        let names: Vec<&str> = map.keys().map(HeaderName::as_str).collect();
        assert_eq!(
            names,
            ["x-fc-request-id", "x-fc-control-path", "x-fc-region", "x-fc-access-key-secret", "x-fc-qualifier"]
        );
        let regions: Vec<&HeaderValue> = map.get_all("x-fc-region").iter().collect();
        assert_eq!(regions, ["cn-x", "cn-y"]);
        assert_eq!(map["x-fc-qualifier"].as_bytes(), b"\xff");
        assert!(map["x-fc-access-key-secret"].is_sensitive());
        assert!(!format!("{map:?}").contains("TOPSECRET"));
        assert_eq!(c.headers().get_all("x-fc-request-id").iter().count(), 1);
        let init = c.with_kind(CallKind::Initialize);
        assert_eq!((init.kind(), init.request_id(), init.headers()), (CallKind::Initialize, "r-9", map));

        // A repeated request id is kept.
        let mut headers = HeaderMap::new();
        headers.append("x-fc-request-id", HeaderValue::from_static("r-1"));
        headers.append("x-fc-request-id", HeaderValue::from_static("r-2"));
        let scanned = scan(&mut headers);
        let c = Context::for_http(&headers, scanned, Instant::now());
        let ids: Vec<&HeaderValue> = c.headers().get_all("x-fc-request-id").iter().collect();
        assert_eq!(c.request_id(), "r-1");
        assert_eq!(ids, ["r-1", "r-2"]);

        // A credential alone is one of the platform's fields too.
        let mut headers = HeaderMap::new();
        headers.insert("x-fc-security-token", HeaderValue::from_static("TOKEN"));
        let scanned = scan(&mut headers);
        let c = Context::for_http(&headers, scanned, Instant::now());
        assert_eq!(c.credentials().security_token(), Some("TOKEN"));
        assert!(c.headers()["x-fc-security-token"].is_sensitive());

        // Only the fields the runtime reads anyway: nothing copied.
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.com"));
        headers.insert("x-fc-control-path", HeaderValue::from_static("/http-invoke"));
        let scanned = scan(&mut headers);
        assert!(!scanned.platform_fields);
        let c = Context::for_http(&headers, scanned, Instant::now());
        assert_eq!((c.request_id(), c.function_name()), ("", None));
        assert_eq!(c.headers().len(), 1);
        assert_eq!(c.header("x-fc-control-path"), Some("/http-invoke"));
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
