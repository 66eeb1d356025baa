//! The HTTP server: binds the port, routes the protocol's requests, and answers them.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Body as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::context::{self, CallKind, Context};
use crate::error::FunctionError;
use crate::handler::{BoxHandler, Handler, Outcome, Payload, boxed};
use crate::http::{BoxError, HttpHandler, HttpService, ResponseBody};
use crate::lifecycle::{Connections, Detachable, Initialized, Initializer, Tasks};
use crate::logging;
use crate::panic::{self, Guarded, guarded_call};
use crate::registration;

/// The port used when neither `FC_CUSTOM_LISTEN_PORT` nor `FC_SERVER_PORT` is set.
pub const DEFAULT_PORT: u16 = 9000;

/// The default limit on a request body: the platform's limit on synchronous calls.
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The first line the runtime prints, once it is listening.
const COLD_START_LINE: &str = "FunctionCompute rust runtime inited.\n";

/// The response body: whole for the protocol's answers, streamed for HTTP functions.
enum Body {
    Whole(Full<Bytes>),
    Streamed(ResponseBody),
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            Body::Whole(full) => std::pin::Pin::new(full).poll_frame(cx).map_err(|never| match never {}),
            Body::Streamed(body) => std::pin::Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Whole(full) => full.is_end_stream(),
            Body::Streamed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            Body::Whole(full) => full.size_hint(),
            Body::Streamed(body) => body.size_hint(),
        }
    }
}

/// A Function Compute runtime: the handler and hooks, and how to serve them.
///
/// ```no_run
/// async fn handler(fc::Json(n): fc::Json<i64>) -> fc::Json<i64> {
///     fc::Json(n * 2)
/// }
///
/// async fn warm_up(ctx: fc::Context) -> fc::Result<()> {
///     log::info!("initializing in {:?}", ctx.region());
///     Ok(())
/// }
///
/// fn main() -> std::io::Result<()> {
///     fc::Runtime::new()
///         .handler(handler)
///         .initializer(warm_up)
///         .body_limit(6 * 1024 * 1024)
///         .run()
/// }
/// ```
#[must_use = "a runtime does nothing until `run` or `serve` is called"]
pub struct Runtime {
    handler: Option<BoxHandler>,
    initializer: Option<BoxHandler>,
    pre_freeze: Option<BoxHandler>,
    pre_stop: Option<BoxHandler>,
    http: Option<HttpHandler>,
    strip_base_path: bool,
    conflict: Option<String>,
    port: Option<u16>,
    body_limit: usize,
    logging: bool,
    log_level: Option<log::LevelFilter>,
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("handler", &self.handler.is_some())
            .field("initializer", &self.initializer.is_some())
            .field("pre_freeze", &self.pre_freeze.is_some())
            .field("pre_stop", &self.pre_stop.is_some())
            .field("http", &self.http.is_some())
            .field("strip_base_path", &self.strip_base_path)
            .field("port", &self.port)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime serving the functions registered with the attributes (`#[fc::handler]`,
    /// `#[fc::initializer]`, `#[fc::pre_freeze]`, `#[fc::pre_stop]`), if any, with the
    /// default port and body limit, and logging on. A function set with the builder's
    /// methods takes the place of the one an attribute registered.
    pub fn new() -> Self {
        let registered = registration::registered();
        Runtime {
            handler: registered.handler,
            initializer: registered.initializer,
            pre_freeze: registered.pre_freeze,
            pre_stop: registered.pre_stop,
            http: registered.http,
            strip_base_path: false,
            conflict: registered.conflict,
            port: None,
            body_limit: DEFAULT_BODY_LIMIT,
            logging: true,
            log_level: None,
        }
    }

    /// The event handler, which serves `POST /invoke`.
    pub fn handler<H: Handler<Args>, Args>(mut self, handler: H) -> Self {
        self.handler = Some(boxed(handler));
        self
    }

    /// The initializer hook (`POST /initialize`): it succeeds at most once per process and
    /// runs before the first call if the platform has not called it yet.
    pub fn initializer<H: Handler<Args>, Args>(mut self, hook: H) -> Self {
        self.initializer = Some(boxed(hook));
        self
    }

    /// The pre-freeze hook (`GET /pre-freeze`).
    pub fn pre_freeze<H: Handler<Args>, Args>(mut self, hook: H) -> Self {
        self.pre_freeze = Some(boxed(hook));
        self
    }

    /// The pre-stop hook (`GET /pre-stop`).
    pub fn pre_stop<H: Handler<Args>, Args>(mut self, hook: H) -> Self {
        self.pre_stop = Some(boxed(hook));
        self
    }

    /// The HTTP function: any tower `Service<http::Request<fc::http::Body>>` answering an
    /// `http::Response` — an axum `Router`, for one. It serves every request with
    /// `x-fc-control-path: /http-invoke`, whatever its method and path, and, when there is
    /// no control path, every path but the protocol's four. The call's [`Context`] is in
    /// the request's extensions.
    ///
    /// ```no_run
    /// # fn app() -> axum_stub::Router { unimplemented!() }
    /// # mod axum_stub {
    /// #     #[derive(Clone)] pub struct Router;
    /// #     impl tower_service::Service<http::Request<fc::http::Body>> for Router {
    /// #         type Response = http::Response<String>; type Error = std::convert::Infallible;
    /// #         type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
    /// #         fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> { std::task::Poll::Ready(Ok(())) }
    /// #         fn call(&mut self, _: http::Request<fc::http::Body>) -> Self::Future { std::future::ready(Ok(http::Response::new(String::new()))) }
    /// #     }
    /// # }
    /// fn main() -> std::io::Result<()> {
    ///     fc::Runtime::new().http(app()).strip_base_path(true).run()
    /// }
    /// ```
    pub fn http<S: HttpService>(mut self, service: S) -> Self {
        self.http = Some(service.into_http_handler());
        self
    }

    /// Whether to remove FC 2.0's default-domain prefix (`x-fc-base-path`, such as
    /// `/2016-08-15/proxy/<service>/<function>`) from HTTP requests' paths, so that the
    /// same router serves the default domain and a custom domain (default off).
    pub fn strip_base_path(mut self, on: bool) -> Self {
        self.strip_base_path = on;
        self
    }

    /// The port to listen on, instead of `FC_CUSTOM_LISTEN_PORT`, `FC_SERVER_PORT` or 9000.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The largest request body accepted (default [`DEFAULT_BODY_LIMIT`]); a larger one
    /// is answered with 413 without being read whole.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Whether to install the runtime's logger for the `log` facade (default on). Off, or
    /// when the program has installed a logger of its own, user log lines are the
    /// program's business; the runtime's own lines are printed either way.
    pub fn logging(mut self, on: bool) -> Self {
        self.logging = on;
        self
    }

    /// The level of user log lines (default: `FC_LOG_LEVEL` or `RUST_LOG`, else `info`).
    pub fn log_level(mut self, level: log::LevelFilter) -> Self {
        self.log_level = Some(level);
        self
    }

    /// The port this runtime listens on: the one set, else `FC_CUSTOM_LISTEN_PORT`, else
    /// `FC_SERVER_PORT`, else 9000.
    pub fn listen_port(&self) -> u16 {
        self.port.unwrap_or_else(port_from_env)
    }

    /// Serves on a new multi-thread tokio runtime until SIGTERM or SIGINT, then lets the
    /// calls in flight finish and returns.
    pub fn run(self) -> io::Result<()> {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(self.serve())
    }

    /// Serves on `0.0.0.0` at [`listen_port`](Self::listen_port) until SIGTERM or SIGINT,
    /// then lets the calls in flight finish. For programs that run their own tokio runtime.
    ///
    /// Fails before binding when an attribute is on more than one function.
    pub async fn serve(self) -> io::Result<()> {
        self.check()?;
        // Listen for the signals before binding: once the port accepts, the platform may
        // send SIGTERM at any time.
        let shutdown = shutdown_signal()?;
        let address = SocketAddr::from((Ipv4Addr::UNSPECIFIED, self.listen_port()));
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("fc: cannot listen on {address}: {e}")))?;
        self.serve_with_shutdown(listener, shutdown).await
    }

    /// Serves on `listener` until `shutdown` completes, then lets the calls in flight
    /// finish.
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> io::Result<()> {
        self.check()?;
        let shared = Arc::new(self.prepare());
        logging::write_line(COLD_START_LINE);
        if panic::PANICS_ABORT {
            let warning = "fc: WARNING: this binary is built with `panic = \"abort\"`: a panic in a handler \
                 kills the process and every call in flight. Remove `panic = \"abort\"` from the \
                 Cargo profile so that panics are reported as errors.\n";
            logging::write_line(warning);
            eprint!("{warning}");
        }

        // Keep-alive connections stay open for as long as the client wants them. hyper
        // closes an idle connection once its header-read timeout (30 s by default, armed
        // whenever a timer is set) expires; the platform reuses pooled connections after
        // long idle gaps, and a POST that crosses such a close on the wire fails with a
        // 502 that the platform does not retry. So: no timer, and no header-read timeout,
        // stated explicitly so that adding a timer later cannot bring the default back.
        //
        // A client may shut its write side once its request is sent (a half-close): it still
        // gets its answer.
        let mut builder = http1::Builder::new();
        builder.keep_alive(true).header_read_timeout(None).half_close(true);

        let connections = Arc::new(Connections::default());
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = &mut shutdown => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: wait a little, keep serving.
                    logging::runtime_line(log::Level::Error, None, &format!("fc: accept failed: {error}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let shared = Arc::clone(&shared);
            let service = service_fn(move |request| Shared::handle(&shared, request));
            let connection = connections.watch(builder.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    log::debug!("fc: connection ended with an error: {error}");
                }
            });
        }
        drop(listener);
        // Idle connections close now; those with a call in flight once it is answered.
        connections.close();
        connections.wait_closed().await;
        // Calls whose caller went away still run to their end.
        shared.tasks.wait_idle().await;
        Ok(())
    }

    /// An attribute on more than one function is an error naming every one of them.
    fn check(&self) -> io::Result<()> {
        match &self.conflict {
            Some(conflict) => {
                let message = format!("fc: {conflict}");
                logging::runtime_line(log::Level::Error, None, &message);
                Err(io::Error::new(io::ErrorKind::InvalidInput, message))
            }
            None => Ok(()),
        }
    }

    fn prepare(self) -> Shared {
        panic::install_hook();
        context::load_environment();
        if self.logging {
            let level = self.log_level.unwrap_or_else(|| logging::level_from_env(log::LevelFilter::Info));
            logging::install(level);
        }
        Shared {
            handler: self.handler,
            initializer: Arc::new(Initializer::new(self.initializer)),
            pre_freeze: self.pre_freeze,
            pre_stop: self.pre_stop,
            http: self.http,
            strip_base_path: self.strip_base_path,
            body_limit: self.body_limit,
            tasks: Arc::new(Tasks::default()),
        }
    }
}

fn port_from_env() -> u16 {
    ["FC_CUSTOM_LISTEN_PORT", "FC_SERVER_PORT"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
        .unwrap_or(DEFAULT_PORT)
}

/// Registers for SIGTERM and SIGINT now; the future completes on either.
fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Call(CallKind),
    /// An HTTP function's request (`x-fc-control-path: /http-invoke`).
    Http,
    NotFound,
}

/// Where a request goes: the control path decides; the request path only when there is
/// none. Without a control path (a developer's own `curl`), a path other than the
/// protocol's goes to the HTTP function when there is one.
fn route_for(control: Option<&[u8]>, path: &str, serves_http: bool) -> Route {
    let (target, controlled) = match control {
        Some(value) => (value, true),
        None => (path.as_bytes(), false),
    };
    match target {
        b"/invoke" => Route::Call(CallKind::Invoke),
        b"/initialize" => Route::Call(CallKind::Initialize),
        b"/pre-freeze" => Route::Call(CallKind::PreFreeze),
        b"/pre-stop" => Route::Call(CallKind::PreStop),
        b"/http-invoke" if controlled => Route::Http,
        _ if !controlled && serves_http => Route::Http,
        _ => Route::NotFound,
    }
}

/// The route of a request, by name: `invoke`, `initialize`, `pre-freeze`, `pre-stop`,
/// `http` or `not-found`. For the fuzz targets; not a public API.
#[doc(hidden)]
pub fn route_name(control: Option<&[u8]>, path: &str, serves_http: bool) -> &'static str {
    match route_for(control, path, serves_http) {
        Route::Call(CallKind::Invoke) => "invoke",
        Route::Call(CallKind::Initialize) => "initialize",
        Route::Call(CallKind::PreFreeze) => "pre-freeze",
        Route::Call(CallKind::PreStop) => "pre-stop",
        Route::Call(CallKind::Http) | Route::Http => "http",
        Route::NotFound => "not-found",
    }
}

fn expected_method(kind: CallKind) -> Method {
    match kind {
        CallKind::Invoke | CallKind::Initialize => Method::POST,
        CallKind::PreFreeze | CallKind::PreStop | CallKind::Http => Method::GET,
    }
}

struct Shared {
    handler: Option<BoxHandler>,
    initializer: Arc<Initializer>,
    pre_freeze: Option<BoxHandler>,
    pre_stop: Option<BoxHandler>,
    http: Option<HttpHandler>,
    strip_base_path: bool,
    body_limit: usize,
    tasks: Arc<Tasks>,
}

impl Shared {
    /// Answers a request: at once when it is not a call, else with the call's
    /// [`Detachable`]. Not an `async fn`: the future hyper keeps (and moves) for every
    /// request is just the [`Reply`].
    fn handle(self: &Arc<Self>, request: Request<Incoming>) -> Reply {
        let received = Instant::now();
        let (mut parts, body) = request.into_parts();
        let scanned = context::scan(&mut parts.headers);
        let control = scanned.control_path.as_ref().map(HeaderValue::as_bytes);
        let route = route_for(control, parts.uri.path(), self.http.is_some());
        if route == Route::Http
            && let Some(http) = &self.http
        {
            return Reply::Call(self.http_call(Arc::clone(http), parts, body, scanned, received));
        }
        let kind = match route {
            Route::Call(kind) if parts.method == expected_method(kind) => kind,
            Route::Call(kind) => {
                let expected = expected_method(kind);
                let message = format!("{} is served for {expected} only, not {}", parts.uri.path(), parts.method);
                let error = FunctionError::new("MethodNotAllowed", message).with_status(405);
                let mut response = reject(scanned.request_id.as_ref(), body, error);
                let allow = if expected == Method::POST { "POST" } else { "GET" };
                response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
                return Reply::Ready(Some(response));
            }
            Route::Http => {
                let message = "no HTTP function is registered";
                return Reply::Ready(Some(reject(
                    scanned.request_id.as_ref(),
                    body,
                    FunctionError::new("NotFound", message),
                )));
            }
            Route::NotFound => {
                let message = format!(
                    "no such route: {} {}; the runtime serves POST /invoke, POST /initialize, GET /pre-freeze and GET /pre-stop",
                    parts.method,
                    parts.uri.path()
                );
                return Reply::Ready(Some(reject(
                    scanned.request_id.as_ref(),
                    body,
                    FunctionError::new("NotFound", message),
                )));
            }
        };
        let ctx = Context::scanned(parts.headers, scanned.request_id, kind, received);
        // A caller that goes away does not cancel the call half-way (its handler runs to the
        // end, its lines are logged), and shutdown waits for it.
        Reply::Call(self.tasks.run(Arc::clone(self).call(kind, ctx, body)))
    }

    /// An HTTP function's call: the request goes to the function as it came (less the
    /// base path, when asked), with the context in its extensions; its answer streams
    /// back with `x-fc-status: 200`. An error or a panic answers 500 with the JSON error.
    ///
    /// Not an `async fn`: the call runs in a [`Detachable`] (a box), so the connection's
    /// future for every request stays small (it is moved at each request).
    fn http_call(
        &self,
        http: HttpHandler,
        mut parts: http::request::Parts,
        body: Incoming,
        scanned: context::Scanned,
        received: Instant,
    ) -> Detachable<Response<Body>> {
        if self.strip_base_path {
            strip_base_path(&mut parts);
        }
        let ctx = Context::scanned(parts.headers.clone(), scanned.request_id, CallKind::Http, received);
        parts.extensions.insert(ctx.clone());
        let request = Request::from_parts(parts, crate::http::Body::incoming(body));
        self.tasks.run(async move {
            let id = ctx.request_id();
            logging::call_start(CallKind::Http, id);
            let outcome = Guarded::start(ctx.clone(), move |_| http(request)).await;
            let response = match outcome {
                Ok(mut response) => {
                    response.headers_mut().insert(X_FC_STATUS, HeaderValue::from_static("200"));
                    response.map(Body::Streamed)
                }
                Err(error) => {
                    let error = error.with_status(500);
                    logging::failure(id, &error);
                    failure_response(&error)
                }
            };
            logging::call_end(
                CallKind::Http,
                id,
                response.headers().get(X_FC_STATUS) != Some(&HeaderValue::from_static("200")),
            );
            response
        })
    }

    async fn call(self: Arc<Self>, kind: CallKind, ctx: Context, body: Incoming) -> Response<Body> {
        match kind {
            CallKind::Invoke => self.invoke(ctx, body).await,
            CallKind::Initialize => {
                discard(body);
                self.initialize(ctx).await
            }
            // Routed to `http_call` before; with no HTTP function it is not a call.
            CallKind::Http => {
                discard(body);
                failure_response(&FunctionError::new("NotFound", "no HTTP function is registered"))
            }
            CallKind::PreFreeze | CallKind::PreStop => {
                discard(body);
                let hook = if kind == CallKind::PreFreeze { &self.pre_freeze } else { &self.pre_stop };
                self.hook(ctx, hook.as_ref()).await
            }
        }
    }

    async fn invoke(&self, ctx: Context, body: Incoming) -> Response<Body> {
        let id = ctx.request_id();
        logging::call_start(CallKind::Invoke, id);
        let outcome = self.run_invoke(&ctx, body).await;
        let response = finish(&ctx, outcome);
        logging::call_end(CallKind::Invoke, id, response.status() != StatusCode::OK);
        response
    }

    async fn run_invoke(&self, ctx: &Context, body: Incoming) -> Outcome {
        // hyper knows the length from `Content-Length` (and has checked it).
        let content_length = body.size_hint().exact();
        let body = read_body(body, content_length, self.body_limit).await?;
        if !self.initializer.is_done() {
            logging::call_start(CallKind::Initialize, ctx.request_id());
            // Boxed: this runs once per process; inline, it would grow every call's future.
            let result = match Box::pin(self.initializer.ensure(ctx, &self.tasks)).await {
                Initialized::Already => Ok(()),
                Initialized::Ran(outcome) => outcome.map(drop),
            };
            logging::call_end(CallKind::Initialize, ctx.request_id(), result.is_err());
            result?;
        }
        let Some(handler) = &self.handler else {
            return Err(FunctionError::new("HandlerNotFound", "no event handler is registered"));
        };
        guarded_call(Arc::clone(handler), ctx.clone(), body).await
    }

    async fn initialize(&self, ctx: Context) -> Response<Body> {
        if !self.initializer.is_registered() {
            return not_registered(&ctx, "initializer");
        }
        let id = ctx.request_id();
        logging::call_start(CallKind::Initialize, id);
        let outcome = match self.initializer.ensure(&ctx, &self.tasks).await {
            Initialized::Already => Ok(Payload::empty()),
            Initialized::Ran(outcome) => outcome,
        };
        let response = finish(&ctx, outcome);
        logging::call_end(CallKind::Initialize, id, response.status() != StatusCode::OK);
        response
    }

    async fn hook(&self, ctx: Context, hook: Option<&BoxHandler>) -> Response<Body> {
        let Some(hook) = hook else {
            let name = if ctx.kind() == CallKind::PreFreeze { "pre-freeze" } else { "pre-stop" };
            return not_registered(&ctx, name);
        };
        let id = ctx.request_id();
        logging::call_start(ctx.kind(), id);
        let outcome = guarded_call(Arc::clone(hook), ctx.clone(), Bytes::new()).await;
        let response = finish(&ctx, outcome);
        logging::call_end(ctx.kind(), id, response.status() != StatusCode::OK);
        response
    }
}

/// The answer to a request, as hyper awaits it.
enum Reply {
    /// A request that is not a call, answered at once.
    Ready(Option<Response<Body>>),
    /// A call.
    Call(Detachable<Response<Body>>),
}

impl Future for Reply {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        match self.get_mut() {
            Reply::Ready(response) => match response.take() {
                Some(response) => std::task::Poll::Ready(Ok(response)),
                None => std::task::Poll::Pending,
            },
            Reply::Call(call) => std::pin::Pin::new(call).poll(cx).map(Ok),
        }
    }
}

/// A request that is not a call: answered with the JSON error, logged as a warning.
fn reject(request_id: Option<&HeaderValue>, body: Incoming, error: FunctionError) -> Response<Body> {
    discard(body);
    let request_id = request_id.and_then(|v| v.to_str().ok());
    logging::runtime_line(log::Level::Warn, request_id, &format!("fc: {}", error.message()));
    failure_response(&error)
}

/// The answer to a call; a failure is logged.
fn finish(ctx: &Context, outcome: Outcome) -> Response<Body> {
    match outcome {
        Ok(payload) => success_response(payload),
        Err(error) => {
            logging::failure(ctx.request_id(), &error);
            failure_response(&error)
        }
    }
}

/// Reads a request body of at most `limit` bytes, refusing a larger one as soon as it is
/// known to be larger (from `Content-Length`, or while reading).
async fn read_body(mut body: Incoming, content_length: Option<u64>, limit: usize) -> Result<Bytes, FunctionError> {
    let too_large = || {
        FunctionError::new("PayloadTooLarge", format!("the request body is larger than the limit of {limit} bytes"))
            .with_status(413)
    };
    if content_length.is_some_and(|len| len > limit as u64) {
        discard(body);
        return Err(too_large());
    }
    // A body that comes in one frame (the usual case) is used as it is: no copy.
    let mut first: Option<Bytes> = None;
    let mut collected = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            FunctionError::new("BadRequest", format!("cannot read the request body: {e}")).with_status(400)
        })?;
        let Ok(data) = frame.into_data() else { continue };
        if data.is_empty() {
            continue;
        }
        seen += data.len();
        if seen > limit {
            discard(body);
            return Err(too_large());
        }
        if let Some(earlier) = first.take() {
            collected.reserve(content_length.map_or(seen, |len| len as usize).max(seen));
            collected.extend_from_slice(&earlier);
        }
        if collected.is_empty() {
            first = Some(data);
        } else {
            collected.extend_from_slice(&data);
        }
    }
    Ok(first.unwrap_or_else(|| collected.freeze()))
}

/// Reads and drops the rest of a body that is not used (at most [`DISCARD_LIMIT`] bytes,
/// for at most [`DISCARD_TIME`]) while the answer goes out, so that a client still
/// sending it reads the answer instead of a reset connection, and the connection stays
/// open for the next call.
fn discard(mut body: Incoming) {
    if body.is_end_stream() {
        return;
    }
    tokio::spawn(async move {
        let drain = async {
            let mut seen = 0usize;
            while let Some(Ok(frame)) = body.frame().await {
                seen += frame.data_ref().map_or(0, Bytes::len);
                if seen > DISCARD_LIMIT {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(DISCARD_TIME, drain).await;
    });
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

/// How much of an unused body is read and dropped before the connection is closed.
const DISCARD_LIMIT: usize = 64 * 1024 * 1024;
/// How long an unused body is read and dropped before the connection is closed.
const DISCARD_TIME: Duration = Duration::from_secs(30);

/// A hook the program did not register: 200 with an empty body, and one line saying so.
fn not_registered(ctx: &Context, name: &str) -> Response<Body> {
    let message = format!("fc: no {name} hook is registered; answered 200 with an empty body");
    logging::runtime_line(log::Level::Info, Some(ctx.request_id()), &message);
    success_response(Payload::empty())
}

const X_FC_STATUS: HeaderName = HeaderName::from_static("x-fc-status");

fn success_response(payload: Payload) -> Response<Body> {
    let mut response = Response::new(Body::Whole(Full::new(payload.body)));
    let headers = response.headers_mut();
    headers.insert(X_FC_STATUS, HeaderValue::from_static("200"));
    if let Some(content_type) = payload.content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    response
}

fn failure_response(error: &FunctionError) -> Response<Body> {
    let mut response = Response::new(Body::Whole(Full::new(Bytes::from(error.to_json()))));
    *response.status_mut() = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::NOT_FOUND);
    let headers = response.headers_mut();
    headers.insert(X_FC_STATUS, HeaderValue::from_static("404"));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
