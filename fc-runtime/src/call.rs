//! The call: a request routed to a call kind becomes the call's [`Context`] and input,
//! runs as a task that its caller cannot cancel, and goes through the one call wrapper
//! ([`logged`]: the `FC … Start` line, the function as user code, the failure report and
//! the `FC … End` line) to its answer. A request that is no call is answered at once.

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use hyper::body::Incoming;

use crate::answer::{self, Answer, Body};
use crate::context::{self, CallKind, Context, Scanned};
use crate::error::FunctionError;
use crate::functions::Functions;
use crate::handler::Payload;
use crate::heads;
use crate::http_function::{Body as HttpBody, ResponseBody};
use crate::initializer::{Initialized, Initializer};
use crate::logging;
use crate::request_body;
use crate::routing::{self, Rejection};
use crate::service::{FunctionService, Invocation};
use crate::tasks::{Detachable, Tasks};
use crate::user_code::{Begun, BoxFuture, Guarded};

/// What the runtime serves with, once started.
pub(crate) struct Server {
    functions: Functions,
    /// How a request becomes an HTTP function's call, when there is one.
    http_call: Option<HttpCall>,
    initializer: Arc<Initializer>,
    strip_base_path: bool,
    body_limit: usize,
    pub(crate) tasks: Arc<Tasks>,
}

/// How a request routed to the HTTP function becomes its call ([`Server::http_request`]).
/// The HTTP function's registration (or `Runtime::http`) is what refers to it, so that a
/// program without an HTTP function does not carry that code.
pub(crate) type HttpCall = fn(&Arc<Server>, http::request::Parts, Incoming, Scanned, Instant) -> Reply;

impl Server {
    pub(crate) fn new(
        functions: Functions,
        http_call: Option<HttpCall>,
        strip_base_path: bool,
        body_limit: usize,
    ) -> Self {
        let initializer = Arc::new(Initializer::new(functions.initializer.is_some()));
        let tasks = Arc::new(Tasks::default());
        Server { functions, http_call, initializer, strip_base_path, body_limit, tasks }
    }

    /// Answers a request: at once when it is not a call, else with the call's
    /// [`Detachable`]. Not an `async fn`: the future hyper keeps (and moves) for every
    /// request is just the [`Reply`].
    pub(crate) fn handle(self: &Arc<Self>, request: Request<Incoming>) -> Reply {
        let received = Instant::now();
        let (mut parts, body) = request.into_parts();
        let mut scanned = context::scan(&mut parts.headers);
        if scanned.folded {
            heads::unfold(&mut parts.headers);
            scanned = context::scan(&mut parts.headers);
        }
        let control = scanned.control_path.as_ref().map(HeaderValue::as_bytes);
        let http_call = self.http_call.filter(|_| self.functions.http.is_some());
        let kind = match routing::route(control, &parts.method, parts.uri.path(), http_call.is_some()) {
            Ok(kind) => kind,
            Err(rejection) => {
                let request_id = scanned.request_id.as_ref().and_then(|v| v.to_str().ok());
                let close = request_body::set_aside(body, &parts.headers);
                let mut response = reject(&parts, request_id, rejection);
                if close {
                    answer::close_connection(&mut response);
                }
                return Reply::Ready(Some(Box::new(response)));
            }
        };
        // Routing makes a request an HTTP call only when there is an HTTP function.
        if let (CallKind::Http, Some(http_call)) = (kind, http_call) {
            return http_call(self, parts, body, scanned, received);
        }
        // A caller that goes away does not cancel the call half-way (its function runs to
        // the end, its lines are logged), and shutdown waits for it.
        let ctx = Context::scanned(parts.headers, scanned.request_id, kind, received);
        Reply::Call(self.tasks.run(Arc::clone(self).event_call(ctx, body)))
    }

    /// An HTTP function's call, as a task its caller cannot cancel: the request as it came
    /// (less the base path, when asked), with the call's context in its extensions. The one
    /// [`HttpCall`].
    pub(crate) fn http_request(
        self: &Arc<Self>,
        mut parts: http::request::Parts,
        body: Incoming,
        scanned: Scanned,
        received: Instant,
    ) -> Reply {
        let Some(http) = &self.functions.http else {
            return Reply::Ready(Some(Box::new(reject(&parts, None, Rejection::NoHttpFunction))));
        };
        let label = self.functions.http_label;
        // `x-fc-base-path` is one of the platform's fields that the scan counts.
        if self.strip_base_path && scanned.platform_fields {
            strip_base_path(&mut parts);
        }
        let expect = scanned.expect;
        let ctx = Context::for_http(&parts.headers, scanned, received);
        parts.extensions.insert(ctx.clone());
        let unread =
            (expect && request_body::expects_continue(&parts.headers)).then(|| Arc::new(AtomicBool::new(false)));
        let request = Request::from_parts(parts, HttpBody::incoming(body, unread.clone()));
        let id = logging::printable_request_id(ctx.request_id());
        logging::call_start(CallKind::Http, &id);
        // Plain: the id's bytes print as they are (and are its bytes, not a stand-in).
        let plain_id = matches!(id, Cow::Borrowed(_)) && id.len() == ctx.request_id_bytes().len();
        let http = Arc::clone(http);
        let call = Guarded::begun(ctx, move || http(request)).labelled(label);
        Reply::Call(self.tasks.run(RunningHttpCall { call, unread, plain_id }))
    }

    /// An event function's call (the handler's or a hook's), through the call wrapper.
    async fn event_call(self: Arc<Self>, ctx: Context, body: Incoming) -> Response<Body> {
        if ctx.kind() == CallKind::Invoke {
            return respond(logged(&ctx, self.invoke(&ctx, body)).await.map(Answer::Payload));
        }
        // A hook takes no body: one that came is set aside.
        let close = request_body::set_aside(body, ctx.headers());
        let mut response = match self.functions.event(ctx.kind()) {
            None => not_registered(&ctx),
            Some(hook) => {
                // Boxed: hooks are rare; inline, they would grow every call's future.
                let run: Pin<Box<dyn Future<Output = Result<Payload, FunctionError>> + Send + '_>> =
                    if ctx.kind() == CallKind::Initialize {
                        Box::pin(self.initialize(hook, &ctx, false))
                    } else {
                        Box::pin(guarded(hook, &ctx, Bytes::new()))
                    };
                respond(logged(&ctx, run).await.map(Answer::Payload))
            }
        };
        if close {
            answer::close_connection(&mut response);
        }
        response
    }

    /// `/invoke`: the body read within the limit, the initializer if it has not
    /// succeeded yet, then the handler.
    async fn invoke(&self, ctx: &Context, body: Incoming) -> Result<Payload, FunctionError> {
        let body = request_body::read(body, self.body_limit, ctx.headers()).await?;
        if !self.initializer.is_done()
            && let Some(hook) = &self.functions.initializer
        {
            // Boxed: this runs once per process; inline, it would grow every call's future.
            // The call that starts the run writes its `Initialize` lines; calls that join
            // it write none.
            Box::pin(self.initialize(hook, &ctx.with_kind(CallKind::Initialize), true)).await?;
        }
        let Some(handler) = &self.functions.handler else {
            return Err(FunctionError::new("HandlerNotFound", "no event handler is registered"));
        };
        guarded(handler, ctx, body).await
    }

    /// The initializer, unless it has succeeded; concurrent callers share one run. With
    /// `log_run`, a run this call starts is logged as a call of its own.
    async fn initialize(&self, hook: &FunctionService, ctx: &Context, log_run: bool) -> Result<Payload, FunctionError> {
        let (hook, ctx) = (hook.clone(), ctx.clone());
        let run = move || -> BoxFuture<Result<Payload, FunctionError>> {
            if log_run {
                Box::pin(async move { logged(&ctx, guarded(&hook, &ctx, Bytes::new())).await })
            } else {
                Box::pin(guarded(&hook, &ctx, Bytes::new()))
            }
        };
        match self.initializer.ensure(&self.tasks, run).await {
            Initialized::Already => Ok(Payload::empty()),
            Initialized::Ran(outcome) => outcome,
        }
    }
}

/// An HTTP function's call under way, begun by [`Server::http_request`] (its `Start` line
/// written, the function called as user code): the rest of the call wrapper. It holds
/// the function's future alone, so its box is small. An error or a panic answers 500 with
/// the JSON error.
///
/// A body the function dropped unread while the caller waits for a `100 Continue`
/// (`unread`) closes the connection after the answer.
struct RunningHttpCall {
    call: Guarded<Response<ResponseBody>, Begun<Response<ResponseBody>>>,
    unread: Option<Arc<AtomicBool>>,
    /// Whether the request id's bytes are printed as they are (not escaped).
    plain_id: bool,
}

impl Future for RunningHttpCall {
    type Output = Response<Body>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Response<Body>> {
        let result = std::task::ready!(Pin::new(&mut self.call).poll(cx)).map_err(|error| error.with_status(500));
        let ctx = self.call.context();
        if self.plain_id && result.is_ok() {
            // The bytes the `Start` line printed, without checking them again.
            logging::call_end(CallKind::Http, ctx.request_id_bytes(), false);
        } else {
            log_end(CallKind::Http, &logging::printable_request_id(ctx.request_id()), result.as_ref().err());
        }
        let mut response = respond(result.map(Answer::Http));
        if self.unread.as_ref().is_some_and(|flag| flag.load(Ordering::Acquire)) {
            answer::close_connection(&mut response);
        }
        Poll::Ready(response)
    }
}

/// The one call wrapper: `FC <kind> Start`, the call, the failure's report if it failed,
/// `FC <kind> End` (with `, Error: Unhandled function error` if it failed). An HTTP
/// function's call ([`RunningHttpCall`]) writes the same lines.
async fn logged<T>(ctx: &Context, call: impl Future<Output = Result<T, FunctionError>>) -> Result<T, FunctionError> {
    let id = logging::printable_request_id(ctx.request_id());
    logging::call_start(ctx.kind(), &id);
    let result = call.await;
    log_end(ctx.kind(), &id, result.as_ref().err());
    result
}

/// The failure's report, if the call failed, and `FC <kind> End`.
fn log_end(kind: CallKind, id: &str, failure: Option<&FunctionError>) {
    if let Some(error) = failure {
        logging::failure(id, error);
    }
    logging::call_end(kind, id.as_bytes(), failure.is_some());
}

/// The response for a call's result.
fn respond(result: Result<Answer, FunctionError>) -> Response<Body> {
    match result {
        Ok(answer) => answer::success(answer),
        Err(error) => answer::failure(&error),
    }
}

/// An event function's call (the handler's or a hook's), as user code.
fn guarded(
    function: &FunctionService,
    ctx: &Context,
    body: Bytes,
) -> Guarded<Payload, impl FnOnce() -> BoxFuture<Result<Payload, FunctionError>> + Send + Unpin + use<>> {
    let (function, invocation) = (function.clone(), Invocation::new(ctx.clone(), body));
    let label = function.label();
    Guarded::start(ctx.clone(), move || function.invoke(invocation)).labelled(label)
}

/// The answer to a request that is not a call: the JSON error, logged as a warning.
fn reject(parts: &http::request::Parts, request_id: Option<&str>, rejection: Rejection) -> Response<Body> {
    let (method, path) = (&parts.method, parts.uri.path());
    let error = match &rejection {
        Rejection::WrongMethod(expected) => {
            let message = format!("{path} is served for {expected} only, not {method}");
            FunctionError::new("MethodNotAllowed", message).with_status(405)
        }
        Rejection::NoHttpFunction => FunctionError::new("NotFound", "no HTTP function is registered"),
        Rejection::NotFound => FunctionError::new(
            "NotFound",
            format!(
                "no such route: {method} {path}; the runtime serves POST /invoke, POST /initialize, GET /pre-freeze and GET /pre-stop"
            ),
        ),
    };
    logging::runtime_line(log::Level::Warn, request_id, &format!("fc: {}", error.message()));
    let mut response = answer::failure(&error);
    if let Rejection::WrongMethod(expected) = rejection
        && let Ok(allow) = HeaderValue::from_str(expected.as_str())
    {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

/// A hook the program did not register: 200 with an empty body, and one line saying so.
fn not_registered(ctx: &Context) -> Response<Body> {
    let name = match ctx.kind() {
        CallKind::Initialize => "initializer",
        CallKind::PreFreeze => "pre-freeze",
        _ => "pre-stop",
    };
    let message = format!("fc: no {name} hook is registered; answered 200 with an empty body");
    logging::runtime_line(log::Level::Info, Some(ctx.request_id()), &message);
    answer::success(Answer::Payload(Payload::empty()))
}

/// Removes FC 2.0's default-domain prefix (`x-fc-base-path`, such as
/// `/2016-08-15/proxy/<service>/<function>`) from the path, so that one router serves both
/// the default domain and a custom domain.
fn strip_base_path(parts: &mut http::request::Parts) {
    let Some(base) = parts.headers.get("x-fc-base-path").and_then(|v| v.to_str().ok()) else { return };
    let base = base.trim_end_matches('/');
    if base.is_empty() {
        return;
    }
    let path = parts.uri.path();
    let rest = match path.strip_prefix(base) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return,
    };
    let stripped = match parts.uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    if let Ok(uri) = stripped.parse() {
        parts.uri = uri;
    }
}

/// The answer to a request, as hyper awaits it.
pub(crate) enum Reply {
    /// A request that is not a call, answered at once (boxed: rare, and hyper moves the
    /// reply of every request).
    Ready(Option<Box<Response<Body>>>),
    /// A call.
    Call(Detachable<Response<Body>>),
}

impl Future for Reply {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Reply::Ready(response) => match response.take() {
                Some(response) => Poll::Ready(Ok(*response)),
                None => Poll::Pending,
            },
            Reply::Call(call) => Pin::new(call).poll(cx).map(Ok),
        }
    }
}
