//! The runtime builder: the functions (registered by the attributes or set here), the
//! layers around them, the settings, and `run`/`serve`, which start the server.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tower_service::Service;

use crate::accept::{self, ServeConnection};
use crate::call::{HttpCall, Server};
use crate::context;
use crate::functions::Functions;
use crate::handler::{Handler, Payload};
use crate::http_function::HttpService;
use crate::logging;
use crate::panic;
use crate::registration;
use crate::service::{BoxError, BoxLayer, FunctionService, Invocation, box_layer};

/// The port used when neither `FC_CUSTOM_LISTEN_PORT` nor `FC_SERVER_PORT` is set.
pub const DEFAULT_PORT: u16 = 9000;

/// How long an answer may take to be written once shutdown has begun, by default.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The default limit on a request body: the platform's limit on synchronous calls.
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The first line the runtime prints, once it is listening.
const COLD_START_LINE: &str = "FunctionCompute rust runtime inited.\n";

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
    functions: Functions,
    layers: Vec<BoxLayer>,
    strip_base_path: bool,
    conflict: Option<String>,
    port: Option<u16>,
    body_limit: usize,
    shutdown_grace: Duration,
    logging: bool,
    log_level: Option<log::LevelFilter>,
    /// How connections are served: with upgrades (and HTTP/2) once there is an HTTP
    /// function, else the protocol's HTTP/1.1 alone.
    connect: Option<ServeConnection>,
    /// How a request becomes the HTTP function's call: set with the HTTP function, so that
    /// a program without one does not carry that code.
    http_call: Option<HttpCall>,
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("handler", &self.functions.handler.is_some())
            .field("initializer", &self.functions.initializer.is_some())
            .field("pre_freeze", &self.functions.pre_freeze.is_some())
            .field("pre_stop", &self.functions.pre_stop.is_some())
            .field("http", &self.functions.http.is_some())
            .field("layers", &self.layers.len())
            .field("strip_base_path", &self.strip_base_path)
            .field("port", &self.port)
            .field("body_limit", &self.body_limit)
            .field("shutdown_grace", &self.shutdown_grace)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime serving the functions registered with the attributes (`#[fc::handler]`,
    /// `#[fc::initializer]`, `#[fc::pre_freeze]`, `#[fc::pre_stop]`), if any, with the
    /// default port and body limit, and logging on. A function set with the builder's
    /// methods takes the place of the one an attribute registered.
    ///
    /// From this call on, SIGTERM and SIGINT are the runtime's: one that comes before
    /// [`run`](Self::run) or [`serve`](Self::serve) starts makes it stop as soon as it
    /// starts (and return `Ok`), instead of killing the process.
    pub fn new() -> Self {
        // First of all: from here on, a SIGTERM or SIGINT stops the runtime gracefully
        // (at once if it comes before `run`), instead of killing the process.
        accept::catch_signals_early();
        let registered = registration::registered();
        Runtime {
            functions: registered.functions,
            layers: Vec::new(),
            strip_base_path: false,
            conflict: registered.conflict,
            port: None,
            body_limit: DEFAULT_BODY_LIMIT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            logging: true,
            log_level: None,
            connect: registered.connect,
            http_call: registered.http_call,
        }
    }

    /// The event handler, which serves `POST /invoke`.
    pub fn handler<H: Handler<Args>, Args>(mut self, handler: H) -> Self {
        self.functions.handler = Some(FunctionService::new(handler));
        self
    }

    /// The initializer hook (`POST /initialize`): it succeeds at most once per process and
    /// runs before the first call if the platform has not called it yet.
    pub fn initializer<H: Handler<Args>, Args>(mut self, hook: H) -> Self {
        self.functions.initializer = Some(FunctionService::new(hook));
        self
    }

    /// The pre-freeze hook (`GET /pre-freeze`).
    pub fn pre_freeze<H: Handler<Args>, Args>(mut self, hook: H) -> Self {
        self.functions.pre_freeze = Some(FunctionService::new(hook));
        self
    }

    /// The pre-stop hook (`GET /pre-stop`).
    pub fn pre_stop<H: Handler<Args>, Args>(mut self, hook: H) -> Self {
        self.functions.pre_stop = Some(FunctionService::new(hook));
        self
    }

    /// The HTTP function: any tower `Service<http::Request<fc::http::Body>>` answering an
    /// `http::Response` — an axum `Router`, for one. It serves every request with
    /// `x-fc-control-path: /http-invoke`, whatever its method and path, and, when there is
    /// no control path, every path but the protocol's four. The call's [`Context`](crate::Context) is in
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
        self.functions.http = Some(service.into_http_handler());
        self.functions.http_label = None;
        self.connect = Some(accept::serve_upgradable);
        self.http_call = Some(Server::http_request);
        self
    }

    /// Wraps the event handler and the lifecycle hooks in a tower [`Layer`]: each call —
    /// `/invoke`, `/initialize` (and the initializer an `/invoke` runs first), `/pre-freeze`
    /// and `/pre-stop` — goes through it as an [`Invocation`] answered with a [`Payload`].
    /// Layers added later wrap those added before. The layers' code runs as the call's
    /// code: the context is current, and a panic in it is reported like the handler's.
    /// An error a layer returns is reported like a handler's (a [`FunctionError`] as it
    /// is; `tower::timeout`'s `Elapsed` as `{"errorType":"Elapsed"}`, say). The HTTP
    /// function is a tower service of its own: layer it before passing it to
    /// [`http`](Self::http).
    ///
    /// [`Layer`]: tower_layer::Layer
    /// [`FunctionError`]: crate::FunctionError
    ///
    /// ```no_run
    /// # mod tower { pub mod timeout { #[derive(Clone)] pub struct TimeoutLayer; impl TimeoutLayer { pub fn new(_: std::time::Duration) -> Self { TimeoutLayer } } impl<S> tower_layer::Layer<S> for TimeoutLayer { type Service = S; fn layer(&self, s: S) -> S { s } } } }
    /// async fn handler(fc::Json(n): fc::Json<u64>) -> fc::Json<u64> {
    ///     fc::Json(n)
    /// }
    ///
    /// fn main() -> std::io::Result<()> {
    ///     fc::Runtime::new()
    ///         .handler(handler)
    ///         .layer(tower::timeout::TimeoutLayer::new(std::time::Duration::from_secs(3)))
    ///         .run()
    /// }
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower_layer::Layer<FunctionService> + Send + Sync + 'static,
        L::Service: Service<Invocation, Response = Payload> + Clone + Send + Sync + 'static,
        <L::Service as Service<Invocation>>::Error: Into<BoxError>,
        <L::Service as Service<Invocation>>::Future: Send + 'static,
    {
        self.layers.push(box_layer(layer));
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

    /// How long, after SIGTERM or SIGINT, an answer may take to be written (default
    /// [`DEFAULT_SHUTDOWN_GRACE`]). At the signal, the runtime stops accepting; closes the
    /// connections that have no call at once (idle ones, and those with part of a
    /// request); answers 503 to event calls whose body has not arrived; waits for the
    /// running handlers to finish; gives each answer this long to be written to its
    /// caller (a caller that stops reading a streamed answer, say), then closes its
    /// connection; and exits. A second signal exits at once.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
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
        let shutdown = accept::shutdown_signal()?;
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
        let grace = self.shutdown_grace;
        let connect = self.connect.unwrap_or(accept::serve_plain);
        let server = Arc::new(self.prepare());
        logging::write_line(COLD_START_LINE);
        if panic::PANICS_ABORT {
            let warning = "fc: WARNING: this binary is built with `panic = \"abort\"`: a panic in a handler \
                 kills the process and every call in flight. Remove `panic = \"abort\"` from the \
                 Cargo profile so that panics are reported as errors.\n";
            logging::write_line(warning);
            eprint!("{warning}");
        }

        accept::serve(listener, server, shutdown, grace, connect).await;
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

    fn prepare(self) -> Server {
        panic::install_hook();
        context::load_environment();
        if self.logging {
            let level = self.log_level.unwrap_or_else(|| logging::level_from_env(log::LevelFilter::Info));
            logging::install(level);
        }
        Server::new(self.functions.layered(&self.layers), self.http_call, self.strip_base_path, self.body_limit)
    }
}

fn port_from_env() -> u16 {
    ["FC_CUSTOM_LISTEN_PORT", "FC_SERVER_PORT"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
        .unwrap_or(DEFAULT_PORT)
}
