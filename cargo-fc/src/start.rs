//! `cargo fc start`: a local Function Compute for one function on one instance. HTTP
//! requests become HTTP-trigger calls, `POST /2023-03-30/functions/NAME/invocations`
//! becomes `/invoke`; the function's timeout and instance concurrency hold as they do on
//! the platform; the hooks are called when the platform would call them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use clap::Args;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::{RwLock, Semaphore};

use crate::instance::{Body, Call, Instance, Settings, full};
use crate::project::{self, Project};
use crate::{ManifestArgs, ui};

/// The largest synchronous event Function Compute takes.
const EVENT_LIMIT: usize = 32 * 1024 * 1024;

/// How long a stopping instance has between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

#[derive(Args)]
pub(crate) struct StartArgs {
    /// The port HTTP calls and event invocations arrive on.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Rebuild and restart the function when its sources change (the port stays).
    #[arg(long)]
    watch: bool,
    /// The function's timeout, in seconds: a longer call fails with the platform's timeout
    /// error, and the instance is replaced.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    timeout: u64,
    /// The initializer's timeout, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    initialization_timeout: u64,
    /// The instance concurrency: at most this many calls at once (the others wait).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=200))]
    concurrency: u32,
    /// The function's memory, in MB (`FC_FUNCTION_MEMORY_SIZE`, `x-fc-function-memory`).
    #[arg(long, default_value_t = 512, value_name = "MB")]
    memory: u32,
    /// An environment variable for the function (repeat for more).
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// How long the function has to listen on its port, in seconds (the platform's bound
    /// is 120).
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    start_timeout: u64,
    /// The binary, when the package has several.
    #[arg(long, value_name = "NAME")]
    bin: Option<String>,
    /// Build with the release profile.
    #[arg(long)]
    release: bool,
    #[command(flatten)]
    manifest: ManifestArgs,
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, found `{text}`")),
    }
}

/// A request id in the platform's shape (`1-<time>-<n>-<random>`), unique in this process.
pub(crate) fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mix = (now.as_nanos() as u64 ^ (u64::from(std::process::id()) << 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    format!("1-{:08x}-{n:08x}-{:012x}", now.as_secs(), mix & 0xffff_ffff_ffff)
}

pub(crate) fn run(args: StartArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(args))
}

/// The local platform's state.
struct Local {
    settings: Arc<Settings>,
    instance: RwLock<Arc<Instance>>,
    /// One per call the instance may take at once.
    permits: Arc<Semaphore>,
    concurrency: u32,
    in_flight: AtomicUsize,
}

/// Builds the function for this machine, as `cargo fc start` runs it.
fn build(project: &Project, bin: &str, release: bool) -> anyhow::Result<PathBuf> {
    let args: &[&str] = if release { &["--release"] } else { &[] };
    let build = project::build(project, bin, args, &[], &format!("`{bin}`"))?;
    if !build.success {
        eprint!("{}", build.output);
        bail!("`cargo fc start`: the build failed (the compiler's messages are above)");
    }
    build.executable.with_context(|| format!("cargo built `{bin}` but named no executable for it"))
}

async fn serve(args: StartArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(args.manifest.manifest_path.as_deref(), "start")?;
    let bin = project.bin(args.bin.as_deref(), "start")?;
    let executable = build(&project, &bin, args.release)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await.with_context(|| {
        format!("`cargo fc start`: could not listen on 127.0.0.1:{}: say another port with `--port`", args.port)
    })?;
    let settings = Arc::new(Settings {
        executable,
        dir: project.root.clone(),
        function: bin.clone(),
        memory_mb: args.memory,
        timeout: Duration::from_secs(args.timeout.max(1)),
        initialization_timeout: Duration::from_secs(args.initialization_timeout.max(1)),
        start_timeout: Duration::from_secs(args.start_timeout.max(1)),
        region: "cn-hangzhou".to_owned(),
        account_id: "1234567890123456".to_owned(),
        env: args.env.clone(),
    });
    let instance = Instance::start(Arc::clone(&settings)).await.context("`cargo fc start`")?;
    instance.hook(Call::Initialize).await;
    let local = Arc::new(Local {
        settings,
        instance: RwLock::new(instance),
        permits: Arc::new(Semaphore::new(args.concurrency as usize)),
        concurrency: args.concurrency,
        in_flight: AtomicUsize::new(0),
    });
    ui::status(
        "Serving",
        &format!(
            "`{bin}` on http://127.0.0.1:{port}/ (HTTP calls) and POST http://127.0.0.1:{port}/2023-03-30/functions/{bin}/invocations \
             (events); timeout {}s, concurrency {}; Ctrl-C stops",
            args.timeout,
            args.concurrency,
            port = args.port
        ),
    );
    if args.watch {
        let local = Arc::clone(&local);
        let (project, bin, release, runtime) = (project, bin.clone(), args.release, tokio::runtime::Handle::current());
        std::thread::spawn(move || watch(local, project, bin, release, runtime));
    }
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let local = Arc::clone(&local);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let local = Arc::clone(&local);
                        async move { Ok::<_, std::convert::Infallible>(local.handle(request, peer).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        }
    }
    drop(listener);
    ui::status("Stopping", "the instance: pre-stop, then SIGTERM");
    // Calls under way finish first.
    let _all = local.permits.acquire_many(local.concurrency).await;
    let instance = local.instance.read().await.clone();
    instance.hook(Call::PreStop).await;
    instance.stop(STOP_GRACE).await;
    Ok(ExitCode::SUCCESS)
}

/// Function Compute's answer to a failed call, in JSON.
fn error(status: StatusCode, error_type: &str, message: &str, request_id: &str) -> Response<Body> {
    let body = serde_json::json!({"errorMessage": message, "errorType": error_type}).to_string();
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("x-fc-error-type", HeaderValue::from_static("UnhandledInvocationError"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-fc-request-id", id);
    }
    response
}

/// A request that is not a call of the function (Function Compute's own errors).
fn refusal(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let body = serde_json::json!({"errorCode": code, "errorMessage": message}).to_string();
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    response.headers_mut().insert("x-fc-error-type", HeaderValue::from_static("FcCommonError"));
    response
}

impl Local {
    async fn handle(self: &Arc<Self>, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let permit = Arc::clone(&self.permits).acquire_owned().await.expect("the semaphore is never closed");
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        let instance = self.instance.read().await.clone();
        let request_id = request_id();
        let invocation = request
            .uri()
            .path()
            .strip_prefix("/2023-03-30/functions/")
            .and_then(|rest| rest.strip_suffix("/invocations"));
        let response = match invocation {
            Some(name) if request.method() == Method::POST => {
                self.event(&instance, name.to_owned(), request, &request_id).await
            }
            Some(_) => refusal(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", "invocations are POST requests"),
            None => self.http(&instance, request, peer, &request_id).await,
        };
        drop(permit);
        if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Idle after calls: the platform freezes the instance, calling pre-freeze first.
            let local = Arc::clone(self);
            tokio::spawn(async move { local.pre_freeze().await });
        }
        response
    }

    /// An event invocation: the body, as `/invoke`.
    async fn event(
        self: &Arc<Self>,
        instance: &Arc<Instance>,
        name: String,
        request: Request<Incoming>,
        request_id: &str,
    ) -> Response<Body> {
        if name != self.settings.function {
            let message = format!(
                "function `{name}` does not exist here: this `cargo fc start` serves `{}`",
                self.settings.function
            );
            return refusal(StatusCode::NOT_FOUND, "FunctionNotFound", &message);
        }
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, EVENT_LIMIT).collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => {
                let message =
                    format!("the event is larger than {EVENT_LIMIT} bytes, the limit of a synchronous invocation");
                return refusal(StatusCode::PAYLOAD_TOO_LARGE, "EntityTooLarge", &message);
            }
        };
        let mut forward = Request::post("/invoke").body(full(body)).expect("a valid request");
        *forward.headers_mut() = instance.headers(Call::Invoke, request_id);
        if let Some(content_type) = parts.headers.get("content-type") {
            forward.headers_mut().insert("content-type", content_type.clone());
        }
        let call = async {
            let response = instance.send(forward).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
            Ok::<_, String>((parts, body))
        };
        match tokio::time::timeout(self.settings.timeout, call).await {
            Ok(Ok((parts, body))) => {
                let mut response = Response::new(full(body));
                copy_answer_headers(&parts.headers, response.headers_mut(), request_id);
                response
            }
            Ok(Err(cause)) => self.lost(instance, cause, request_id).await,
            Err(_) => self.timed_out(instance, request_id, StatusCode::OK).await,
        }
    }

    /// An HTTP call: the request as it came, with the platform's headers; the answer
    /// streamed back.
    async fn http(
        self: &Arc<Self>,
        instance: &Arc<Instance>,
        request: Request<Incoming>,
        peer: SocketAddr,
        request_id: &str,
    ) -> Response<Body> {
        let (mut parts, body) = request.into_parts();
        // Callers cannot send `x-fc-*` headers: the platform's replace them.
        let names: Vec<_> = parts.headers.keys().filter(|n| n.as_str().starts_with("x-fc-")).cloned().collect();
        for name in names {
            parts.headers.remove(name);
        }
        parts.headers.extend(instance.headers(Call::Http, request_id));
        if let Ok(ip) = HeaderValue::from_str(&peer.ip().to_string()) {
            parts.headers.insert("x-forwarded-for", ip);
        }
        let forward = Request::from_parts(parts, body.boxed());
        match tokio::time::timeout(self.settings.timeout, instance.send(forward)).await {
            Ok(Ok(response)) => {
                let (parts, body) = response.into_parts();
                let mut response = Response::new(body.boxed());
                *response.status_mut() = parts.status;
                copy_answer_headers(&parts.headers, response.headers_mut(), request_id);
                response
            }
            Ok(Err(cause)) => self.lost(instance, cause, request_id).await,
            Err(_) => self.timed_out(instance, request_id, StatusCode::BAD_GATEWAY).await,
        }
    }

    /// A call that outlived the function's timeout: the platform's timeout error, and the
    /// instance replaced. An event invocation answers 200 with the error (as for any
    /// function error), an HTTP call 502.
    async fn timed_out(
        self: &Arc<Self>,
        instance: &Arc<Instance>,
        request_id: &str,
        status: StatusCode,
    ) -> Response<Body> {
        let seconds = self.settings.timeout.as_secs();
        ui::warn(&format!("request {request_id} timed out after {seconds} s: replacing instance {}", instance.id));
        self.replace(instance);
        let message = format!("Function timed out after {seconds} seconds");
        error(status, "FunctionTimeout", &message, request_id)
    }

    /// A call the instance dropped (its process exited, say): an error, and the instance
    /// replaced.
    async fn lost(self: &Arc<Self>, instance: &Arc<Instance>, cause: String, request_id: &str) -> Response<Body> {
        ui::warn(&format!(
            "request {request_id}: the instance dropped the call ({cause}): replacing instance {}",
            instance.id
        ));
        self.replace(instance);
        let message = format!("Process exited unexpectedly before completing request ({cause})");
        error(StatusCode::BAD_GATEWAY, "ProcessExited", &message, request_id)
    }

    /// Replaces `old` with a new instance (unless that was done already); calls wait for
    /// the new one.
    fn replace(self: &Arc<Self>, old: &Arc<Instance>) {
        let (local, old) = (Arc::clone(self), Arc::clone(old));
        tokio::spawn(async move {
            let mut current = local.instance.write().await;
            if current.id != old.id {
                return;
            }
            old.kill().await;
            match Instance::start(Arc::clone(&local.settings)).await {
                Ok(new) => {
                    new.hook(Call::Initialize).await;
                    *current = new;
                }
                Err(error) => ui::error(&format!("{error:#}")),
            }
        });
    }

    /// The pre-freeze hook, once no call is under way (no call starts meanwhile).
    async fn pre_freeze(self: Arc<Self>) {
        let Ok(_all) = self.permits.acquire_many(self.concurrency).await else { return };
        if self.in_flight.load(Ordering::Acquire) != 0 {
            return;
        }
        let instance = self.instance.read().await.clone();
        instance.hook(Call::PreFreeze).await;
    }
}

/// The answer's headers as the caller gets them: the runtime's `x-fc-status` becomes the
/// platform's `x-fc-error-type` when the call failed, and the request id is added.
fn copy_answer_headers(from: &http::HeaderMap, to: &mut http::HeaderMap, request_id: &str) {
    for (name, value) in from {
        if name != "x-fc-status" {
            to.append(name, value.clone());
        }
    }
    if from.get("x-fc-status").is_some_and(|v| v != "200") {
        to.insert("x-fc-error-type", HeaderValue::from_static("UnhandledInvocationError"));
    }
    if let Ok(id) = HeaderValue::from_str(request_id) {
        to.insert("x-fc-request-id", id);
    }
}

/// `--watch`: rebuilds on a change under the package (but its target directory), and
/// swaps the instance for one of the new build once the calls under way are done.
fn watch(local: Arc<Local>, project: Project, bin: String, release: bool, runtime: tokio::runtime::Handle) {
    use notify::{RecursiveMode, Watcher as _};
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = match notify::recommended_watcher(tx) {
        Ok(watcher) => watcher,
        Err(error) => return ui::error(&format!("`cargo fc start --watch`: cannot watch the sources: {error}")),
    };
    if let Err(error) = watcher.watch(&project.root, RecursiveMode::Recursive) {
        return ui::error(&format!("`cargo fc start --watch`: cannot watch {}: {error}", project.root.display()));
    }
    let ignored = |path: &std::path::Path| {
        path.starts_with(&project.target_dir)
            || path.components().any(|c| matches!(c.as_os_str().to_str(), Some("target" | ".git")))
    };
    let relevant = |event: &notify::Event| {
        !matches!(event.kind, notify::EventKind::Access(_)) && event.paths.iter().any(|p| !ignored(p))
    };
    while let Ok(event) = rx.recv() {
        if !event.as_ref().is_ok_and(relevant) {
            continue;
        }
        // Let a burst of changes (an editor's save) settle.
        while let Ok(more) = rx.recv_timeout(Duration::from_millis(300)) {
            drop(more);
        }
        ui::status("Changed", "rebuilding");
        let executable = match build(&project, &bin, release) {
            Ok(executable) => executable,
            Err(error) => {
                ui::error(&format!("{error:#}; the running instance stays"));
                continue;
            }
        };
        runtime.block_on(async {
            let _all = local.permits.acquire_many(local.concurrency).await;
            let mut current = local.instance.write().await;
            current.hook(Call::PreStop).await;
            current.stop(STOP_GRACE).await;
            // The new build is at the same path.
            debug_assert_eq!(executable, local.settings.executable);
            match Instance::start(Arc::clone(&local.settings)).await {
                Ok(new) => {
                    new.hook(Call::Initialize).await;
                    *current = new;
                    ui::status("Restarted", "with the new build");
                }
                Err(error) => ui::error(&format!("{error:#}")),
            }
        });
    }
}
