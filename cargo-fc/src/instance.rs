//! One instance of the function, started as Function Compute starts one: the program run
//! with the platform's environment, listening on `FC_CUSTOM_LISTEN_PORT`, sent the
//! platform's `x-fc-*` headers, its hooks called, stopped with SIGTERM.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

use crate::ui;

/// A body forwarded to the instance.
pub(crate) type Body = BoxBody<Bytes, hyper::Error>;

/// A whole body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

/// How the function runs: the program and what Function Compute would give it.
pub(crate) struct Settings {
    pub(crate) executable: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) function: String,
    pub(crate) memory_mb: u32,
    pub(crate) timeout: Duration,
    pub(crate) initialization_timeout: Duration,
    pub(crate) start_timeout: Duration,
    pub(crate) region: String,
    pub(crate) account_id: String,
    pub(crate) env: Vec<(String, String)>,
}

/// A call's kind, as the hooks' paths and the headers name it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    Invoke,
    Http,
    Initialize,
    PreFreeze,
    PreStop,
}

impl Call {
    fn control_path(self) -> &'static str {
        match self {
            Call::Invoke => "/invoke",
            Call::Http => "/http-invoke",
            Call::Initialize => "/initialize",
            Call::PreFreeze => "/pre-freeze",
            Call::PreStop => "/pre-stop",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Call::Invoke | Call::Http => "Invoke",
            Call::Initialize => "Initialize",
            Call::PreFreeze => "PreFreeze",
            Call::PreStop => "PreStop",
        }
    }
}

/// A running instance.
pub(crate) struct Instance {
    pub(crate) id: String,
    port: u16,
    child: tokio::sync::Mutex<Child>,
    group: Pid,
    client: Client<HttpConnector, Body>,
    settings: Arc<Settings>,
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether the function listens on `port`. Where `/proc` tells, the function's own
/// process must hold the listening socket: a connection that succeeds might reach another
/// program that took the port between its choice and the function's bind.
async fn listening(pid: Option<u32>, port: u16) -> bool {
    match pid.and_then(|pid| listens(pid, port)) {
        Some(listens) => listens,
        None => tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok(),
    }
}

/// Whether process `pid` holds a socket that `/proc/net/tcp` lists as listening on `port`;
/// `None` where `/proc` does not say (not Linux).
fn listens(pid: u32, port: u16) -> Option<bool> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    let sockets: Vec<String> = fds
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| Some(target.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned()))
        .collect();
    let local = format!(":{port:04X}");
    let tables: Vec<String> =
        ["/proc/net/tcp", "/proc/net/tcp6"].iter().filter_map(|table| std::fs::read_to_string(table).ok()).collect();
    if tables.is_empty() {
        return None;
    }
    Some(tables.iter().flat_map(|table| table.lines().skip(1)).any(|line| {
        // `sl local_address rem_address st ... uid timeout inode`; `0A` is LISTEN.
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.len() > 9 && fields[1].ends_with(&local) && fields[3] == "0A" && sockets.iter().any(|s| s == fields[9])
    }))
}

impl Instance {
    /// Starts the program and waits until it listens, within the start timeout.
    pub(crate) async fn start(settings: Arc<Settings>) -> anyhow::Result<Arc<Instance>> {
        let port = free_port()?;
        let id = format!("c-{}", crate::start::request_id());
        let mut command = Command::new(&settings.executable);
        command
            .current_dir(&settings.dir)
            .env("FC_CUSTOM_LISTEN_PORT", port.to_string())
            .env("FC_SERVER_PORT", port.to_string())
            .env("FC_FUNCTION_NAME", &settings.function)
            .env("FC_FUNCTION_HANDLER", "index.handler")
            .env("FC_FUNCTION_MEMORY_SIZE", settings.memory_mb.to_string())
            .env("FC_REGION", &settings.region)
            .env("FC_ACCOUNT_ID", &settings.account_id)
            .env("FC_INSTANCE_ID", &id)
            .env("FC_FUNC_CODE_PATH", &settings.dir)
            .env("FC_RUNTIME", "custom.debian10")
            .envs(settings.env.iter().map(|(k, v)| (k, v)))
            // Its own process group: a Ctrl-C in the terminal reaches `cargo fc start`,
            // which calls the pre-stop hook before it stops the function.
            .process_group(0)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child =
            command.spawn().map_err(|e| anyhow::anyhow!("could not start {}: {e}", settings.executable.display()))?;
        let group = Pid::from_raw(child.id().unwrap_or(0) as i32);
        // The function's output, live (its log lines carry the request ids).
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    anstream::println!("{line}");
                }
            });
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    anstream::eprintln!("{line}");
                }
            });
        }
        let started = Instant::now();
        loop {
            if listening(child.id(), port).await {
                break;
            }
            if let Some(status) = child.try_wait()? {
                bail!(
                    "the function exited ({status}) before it listened on its port \
                     (FC_CUSTOM_LISTEN_PORT={port}); its output is above"
                );
            }
            if started.elapsed() > settings.start_timeout {
                let _ = killpg(group, Signal::SIGKILL);
                bail!(
                    "the function did not listen on its port (FC_CUSTOM_LISTEN_PORT={port}, on 0.0.0.0) within \
                     {} s; Function Compute fails such a start with `FunctionNotStarted`",
                    settings.start_timeout.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        ui::status(
            "Started",
            &format!("instance {id} (pid {group}, port {port}) in {} ms", started.elapsed().as_millis()),
        );
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(Arc::new(Instance { id, port, child: tokio::sync::Mutex::new(child), group, client, settings }))
    }

    /// The `x-fc-*` headers Function Compute sends with a call.
    pub(crate) fn headers(&self, call: Call, request_id: &str) -> HeaderMap {
        let s = &self.settings;
        let mut headers = HeaderMap::new();
        let mut set = |name: &'static str, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        };
        set("x-fc-request-id", request_id);
        set("x-fc-control-path", call.control_path());
        set("x-fc-function-name", &s.function);
        set("x-fc-function-handler", "index.handler");
        set("x-fc-function-memory", &s.memory_mb.to_string());
        set("x-fc-function-timeout", &s.timeout.as_secs().max(1).to_string());
        set("x-fc-function-initializer", "index.initializer");
        set("x-fc-initialization-timeout", &s.initialization_timeout.as_secs().max(1).to_string());
        set("x-fc-instance-lifecycle-pre-stop-handler", "index.preStop");
        set("x-fc-instance-lifecycle-pre-freeze-handler", "index.preFreeze");
        set("x-fc-region", &s.region);
        set("x-fc-account-id", &s.account_id);
        set("x-fc-qualifier", "LATEST");
        set("x-fc-version-id", "LATEST");
        set("x-fc-retry-count", "0");
        for (header, variable) in [
            ("x-fc-access-key-id", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
            ("x-fc-access-key-secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            ("x-fc-security-token", "ALIBABA_CLOUD_SECURITY_TOKEN"),
        ] {
            if let Ok(value) = std::env::var(variable) {
                set(header, &value);
            }
        }
        headers
    }

    /// Sends `request` (whose path, method and headers are set) to the instance.
    pub(crate) async fn send(&self, mut request: Request<Body>) -> Result<Response<Incoming>, String> {
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
        *request.uri_mut() = format!("http://127.0.0.1:{}{path}", self.port).parse().map_err(|e| format!("{e}"))?;
        self.client.request(request).await.map_err(|e| format!("{e}"))
    }

    /// Calls a lifecycle hook, within its timeout, and says how it went.
    pub(crate) async fn hook(&self, call: Call) -> bool {
        let request_id = crate::start::request_id();
        let method = if call == Call::Initialize { Method::POST } else { Method::GET };
        let mut request = Request::builder()
            .method(method)
            .uri(call.control_path())
            .body(full(Bytes::new()))
            .expect("a valid request");
        *request.headers_mut() = self.headers(call, &request_id);
        let limit = if call == Call::Initialize { self.settings.initialization_timeout } else { self.settings.timeout };
        let outcome = match tokio::time::timeout(limit, self.send(request)).await {
            Err(_) => Err(format!("timed out after {} s", limit.as_secs())),
            Ok(Err(error)) => Err(error),
            Ok(Ok(response)) => {
                let failed = response.headers().get("x-fc-status").is_some_and(|v| v != "200");
                let body = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                if failed { Err(String::from_utf8_lossy(&body).into_owned()) } else { Ok(()) }
            }
        };
        match outcome {
            Ok(()) => {
                ui::status(call.name(), &format!("instance {} (request {request_id})", self.id));
                true
            }
            Err(error) => {
                ui::warn(&format!("{} of instance {} failed (request {request_id}): {error}", call.name(), self.id));
                false
            }
        }
    }

    /// Stops the instance as Function Compute does: SIGTERM, then SIGKILL after `grace`.
    pub(crate) async fn stop(&self, grace: Duration) {
        let _ = killpg(self.group, Signal::SIGTERM);
        let mut child = self.child.lock().await;
        match tokio::time::timeout(grace, child.wait()).await {
            Ok(Ok(status)) => ui::status("Stopped", &format!("instance {} ({status})", self.id)),
            _ => {
                let _ = killpg(self.group, Signal::SIGKILL);
                let _ = child.wait().await;
                ui::status(
                    "Killed",
                    &format!("instance {} (it did not exit within {} s of SIGTERM)", self.id, grace.as_secs()),
                );
            }
        }
    }

    /// Kills the instance at once (a call timed out: Function Compute replaces it).
    pub(crate) async fn kill(&self) {
        let _ = killpg(self.group, Signal::SIGKILL);
        let _ = self.child.lock().await.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::listens;

    #[test]
    fn a_port_counts_only_for_the_process_that_listens_on_it() {
        let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(listens(std::process::id(), port), Some(true));

        // Another process: something accepts on the port, but not it.
        let mut other = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        assert_eq!(listens(other.id(), port), Some(false));
        let _ = other.kill();
        let _ = other.wait();

        // A connected socket on the port is not a listening one.
        let client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        drop(listener);
        assert_eq!(listens(std::process::id(), port), Some(false));
        drop((client, accepted));
    }
}
