//! Shared test harness: starts an example binary on a free port and talks to it over
//! real HTTP with hyper's client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{HeaderMap, Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A running example binary.
pub struct Server {
    pub port: u16,
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

/// A port nothing listens on now, and not handed out before in this process: the tests
/// of a file run at once, and the system may give two of them the same free port.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap();
    loop {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Sends `request`, raw bytes, on a new connection to `port` and reads until the server
/// closes it (the request asks it to, with `connection: close`): the answer, as text.
pub fn exchange(port: u16, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Whether process `pid` itself listens on TCP `port` (not merely whether something
/// does): one of its open files is a socket that `/proc/net/tcp` lists as listening there.
pub fn listens(pid: u32, port: u16) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    let sockets: Vec<String> = fds
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| Some(target.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned()))
        .collect();
    let local = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
        std::fs::read_to_string(table).unwrap_or_default().lines().skip(1).any(|line| {
            // `sl local_address rem_address st ... uid timeout inode`; `0A` is LISTEN.
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() > 9
                && fields[1].ends_with(&local)
                && fields[3] == "0A"
                && sockets.iter().any(|inode| inode == fields[9])
        })
    })
}

fn collect(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut sink = sink.lock().unwrap();
            sink.push_str(&line);
            sink.push('\n');
        }
    });
    text
}

impl Server {
    /// Starts `bin` (an example built by cargo for these tests) with `env`, and waits
    /// until its port accepts connections.
    pub fn start(bin: &str, env: &[(&str, &str)]) -> Server {
        Self::start_command(Command::new(bin), bin, env)
    }

    /// Starts `bin` as [`start`](Self::start) does, allowed at most `fds` open files.
    pub fn start_with_fd_limit(bin: &str, fds: u32, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new("sh");
        command.args(["-c", &format!("ulimit -n {fds} && exec \"$0\""), bin]);
        Self::start_command(command, bin, env)
    }

    /// Starts the program on a free port and waits until it listens there itself (a
    /// connection that succeeds might reach another program that took the port first). A
    /// port taken between the choice and the program's bind is chosen again.
    fn start_command(mut command: Command, bin: &str, env: &[(&str, &str)]) -> Server {
        command.env_remove("FC_CUSTOM_LISTEN_PORT").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        for _ in 0..5 {
            let port = free_port();
            command.env("FC_SERVER_PORT", port.to_string());
            let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
            let stdout = collect(child.stdout.take().unwrap());
            let stderr = collect(child.stderr.take().unwrap());
            let started = Instant::now();
            let exited = loop {
                if listens(child.id(), port) {
                    break None;
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break Some(child.wait().unwrap());
                }
                if started.elapsed() > Duration::from_secs(20) {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("{bin} did not listen on {port}");
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            let Some(status) = exited else { return Server { port, child, stdout, stderr } };
            // The reader thread may not have all of stderr yet.
            std::thread::sleep(Duration::from_millis(50));
            let stderr = stderr.lock().unwrap();
            let taken = stderr.contains("cannot listen on") && stderr.contains("in use");
            assert!(taken, "{bin} exited with {status}: {stderr}");
        }
        panic!("{bin}: five free ports were taken before it could listen on them");
    }

    /// Everything the process has printed on stdout so far. The runtime writes a call's
    /// lines before it answers, but they reach this side through a pipe and a reader
    /// thread: wait until nothing new has arrived for 100 ms.
    pub fn stdout(&self) -> String {
        let started = Instant::now();
        let mut seen = self.stdout.lock().unwrap().clone();
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let now = self.stdout.lock().unwrap().clone();
            if now == seen || started.elapsed() > Duration::from_secs(5) {
                return now;
            }
            seen = now;
        }
    }

    /// Everything the process has printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stdout holds a line for which `f` is true, and returns that line.
    pub fn wait_for_line(&self, f: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let stdout = self.stdout.lock().unwrap().clone();
            if let Some(line) = stdout.lines().find(|l| f(l)) {
                return line.to_owned();
            }
            assert!(started.elapsed() < Duration::from_secs(10), "no such line in:\n{}", self.stdout());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: i32) {
        assert_eq!(unsafe { libc::kill(self.pid(), signal) }, 0);
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < timeout, "the process did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// A new keep-alive connection.
    pub async fn connect(&self) -> Conn {
        Conn::connect(self.port).await
    }

    /// One request on a new connection.
    pub async fn send(&self, request: Request<Full<Bytes>>) -> Reply {
        self.connect().await.send(request).await
    }

    /// `POST /invoke` with `body`, control path and request id set, on a new connection.
    pub async fn invoke(&self, request_id: &str, body: &str) -> Reply {
        self.send(post("/invoke").control_path("/invoke").request_id(request_id).body(body.to_owned())).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client connection (HTTP/1.1, keep-alive).
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    pub async fn connect(port: u16) -> Conn {
        Conn::try_connect(port).await.expect("connect")
    }

    /// A new keep-alive connection, or the error when the port does not accept one.
    pub async fn try_connect(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(std::io::Error::other)?;
        tokio::spawn(connection);
        Ok(Conn { sender })
    }

    /// Sends a request and reads the whole reply.
    pub async fn send(&mut self, request: Request<Full<Bytes>>) -> Reply {
        self.try_send(request).await.expect("request failed")
    }

    pub async fn try_send(&mut self, request: Request<Full<Bytes>>) -> Result<Reply, hyper::Error> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Reply { status, headers, body })
    }

    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }
}

/// A whole HTTP reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    /// Asserts an event function's success: 200, `x-fc-status: 200`.
    pub fn assert_ok(&self) -> &Self {
        assert_eq!((self.status, self.header("x-fc-status")), (200, Some("200")), "{self:?}");
        self
    }

    /// Asserts an HTTP function's 200, as it answered it: the runtime adds no `x-fc-status`
    /// to a success (the platform counts an answer without one a success).
    pub fn assert_http_ok(&self) -> &Self {
        assert_eq!((self.status, self.header("x-fc-status")), (200, None), "{self:?}");
        self
    }

    /// Asserts a failure with the given status and `errorType`, and returns the JSON body.
    pub fn assert_error(&self, status: u16, error_type: &str) -> serde_json::Value {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.header("x-fc-status"), Some("404"), "{self:?}");
        assert_eq!(self.header("content-type"), Some("application/json"), "{self:?}");
        let json = self.json();
        assert_eq!(json["errorType"], error_type, "{json}");
        assert!(json["errorMessage"].is_string(), "{json}");
        json
    }
}

/// Builds a request.
pub struct Req {
    builder: hyper::http::request::Builder,
}

pub fn request(method: Method, path: &str) -> Req {
    Req { builder: Request::builder().method(method).uri(path).header("host", "localhost") }
}

pub fn post(path: &str) -> Req {
    request(Method::POST, path)
}

pub fn get(path: &str) -> Req {
    request(Method::GET, path)
}

impl Req {
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.builder = self.builder.header(name, value);
        self
    }

    pub fn control_path(self, path: &str) -> Req {
        self.header("x-fc-control-path", path)
    }

    pub fn request_id(self, id: &str) -> Req {
        self.header("x-fc-request-id", id)
    }

    pub fn body(self, body: impl Into<Bytes>) -> Request<Full<Bytes>> {
        self.builder.body(Full::new(body.into())).unwrap()
    }

    pub fn empty(self) -> Request<Full<Bytes>> {
        self.body(Bytes::new())
    }
}

impl From<Req> for Request<Full<Bytes>> {
    fn from(req: Req) -> Self {
        req.empty()
    }
}

/// A field of `/proc/<pid>/status` in KiB: `VmRSS` (resident now) or `VmHWM` (its peak).
pub fn memory_kib(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':')).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Whether `line` is a user log line: `<UTC time with ms>Z <request id> [LEVEL] <message>`.
pub fn is_log_line(line: &str, request_id: &str, level: &str, message: &str) -> bool {
    let Some((time, rest)) = line.split_once(' ') else {
        return false;
    };
    is_timestamp(time) && rest == format!("{request_id} [{level}] {message}")
}

/// `2026-11-21T08:00:00.123Z`.
pub fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}
