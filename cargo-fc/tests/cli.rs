//! The real `cargo fc` on crates made by `cargo fc new`: the crate's own unit test (the
//! test kit), `build` (the zip's layout and mode, the binary served and invoked), `start`
//! with HTTP calls, event calls, the concurrency limit, a timeout, pre-freeze, `--watch`
//! and Ctrl-C with pre-stop, `invoke --example`, and the errors that say what to do.
//!
//! The crates are built once each, into a target directory of their own in the system's
//! temporary directory.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CARGO_FC: &str = env!("CARGO_BIN_EXE_cargo-fc");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Outside the workspace (a crate inside it would be taken for a member).
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join("fc-rs-cargo-fc-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `cargo fc ARGS` in `dir`, the crates' builds in the shared target directory.
fn cargo_fc(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(CARGO_FC);
    command.arg("fc").args(args).current_dir(dir).env("CARGO_TARGET_DIR", scratch().join("target"));
    command
}

fn run(mut command: Command) -> Output {
    command.output().expect("cargo-fc runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `cargo test` of a crate in `dir`, which must pass.
fn cargo_test(dir: &Path) -> Output {
    let mut command = Command::new(env!("CARGO"));
    command.arg("test").current_dir(dir).env("CARGO_TARGET_DIR", scratch().join("target"));
    let output = run(command);
    assert!(output.status.success(), "{}{}", text(&output.stdout), text(&output.stderr));
    output
}

/// A fresh crate made by `cargo fc new NAME [extra]`, depending on this checkout.
fn new_crate(name: &str, extra: &[&str]) -> PathBuf {
    let dir = scratch().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let fc_path = workspace();
    let mut args = vec!["new", name, "--fc-path", fc_path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = run(cargo_fc(&scratch(), &args));
    assert!(output.status.success(), "{}", text(&output.stderr));
    dir
}

#[test]
fn an_event_function_is_made_tested_built_packaged_and_served_from_its_zip() {
    let dir = new_crate("greeter", &[]);
    let cargo_toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    for line in ["lto = true", "codegen-units = 1", "strip = true", "panic = \"unwind\"", "package = \"fc-runtime\""] {
        assert!(cargo_toml.contains(line), "{cargo_toml}");
    }
    let s_yaml = std::fs::read_to_string(dir.join("s.yaml")).unwrap();
    for line in [
        "edition: 3.0.0",
        "component: fc3",
        "runtime: custom.debian10",
        "- ./bootstrap",
        "port: 9000",
        "initializer:",
        "preStop:",
        "code: ./target/fc/greeter/code.zip",
    ] {
        assert!(s_yaml.contains(line), "{s_yaml}");
    }
    assert_eq!(std::fs::read_to_string(dir.join(".gitignore")).unwrap(), "/target\n");

    // Its unit test, through the test kit.
    let output = cargo_test(&dir);
    assert!(text(&output.stdout).contains("test result: ok. 2 passed"), "{}", text(&output.stdout));

    // `build`: a static musl binary, the zip with it at the root, mode 0755; the release
    // settings applied even though the crate's own profile no longer has them.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let untuned = manifest[..manifest.find("# What `cargo fc build` uses").unwrap()].to_owned();
    std::fs::write(dir.join("Cargo.toml"), &untuned).unwrap();
    let output = run(cargo_fc(&dir, &["build", "--container"]));
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let out = scratch().join("target/fc/greeter");
    assert!(stderr.contains(&format!("Wrote {}: ", out.join("code.zip").display())), "{stderr}");
    let bootstrap = std::fs::read(out.join("bootstrap")).unwrap();
    assert_eq!(&bootstrap[..4], b"\x7fELF");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(out.join("bootstrap")).unwrap().permissions().mode() & 0o777, 0o755);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(out.join("code.zip")).unwrap()).unwrap();
    assert_eq!(zip.len(), 1);
    let mut entry = zip.by_index(0).unwrap();
    assert_eq!(entry.name(), "bootstrap");
    assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
    let mut zipped = Vec::new();
    entry.read_to_end(&mut zipped).unwrap();
    assert!(zipped == bootstrap, "the zip holds the binary");
    let dockerfile = std::fs::read_to_string(out.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("FROM scratch") && dockerfile.contains("COPY bootstrap /bootstrap"), "{dockerfile}");
    // Stripped (no symbol table), and small.
    assert!(!bootstrap.windows(b".symtab".len()).any(|w| w == b".symtab"), "the binary is not stripped");
    assert!(bootstrap.len() < 1_500_000, "{} bytes: the size-tuned settings were not applied", bootstrap.len());
    // No dynamic loader: a static binary (PT_INTERP is absent).
    assert!(!bootstrap.windows(b"ld-linux".len()).any(|w| w == b"ld-linux"), "the binary is dynamically linked");

    // The packaged binary serves as Function Compute starts it, and `invoke` reaches it
    // directly.
    let port = free_port();
    let mut function = Command::new(out.join("bootstrap"))
        .env("FC_CUSTOM_LISTEN_PORT", port.to_string())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port);
    let output = run(cargo_fc(&dir, &["invoke", "--port", &port.to_string(), "--data", r#"{"name": "zip"}"#]));
    let _ = function.kill();
    let _ = function.wait();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()["message"], "hello, zip!");
}

/// A port nothing listens on now, and not handed out before in this process: the tests
/// run at once, and the system may give two of them the same free port.
fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap();
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A real HTTP/1.1 request over a socket: the status, the headers (lower-case names) and
/// the body.
fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: {}\r\nx-fc-request-id: forged\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = text(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap_or("").split(' ').nth(1).unwrap_or("0").parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { unchunk(body) } else { body.to_owned() };
    (status, headers, body)
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// A running `cargo fc start`, its output collected.
struct Start {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut sink = sink.lock().unwrap();
            sink.push_str(&line);
            sink.push('\n');
        }
    });
    text
}

impl Start {
    fn wait_for(&self, what: &str, f: impl Fn(&str, &str) -> bool) {
        let start = Instant::now();
        while !f(&self.stdout.lock().unwrap(), &self.stderr.lock().unwrap()) {
            assert!(
                start.elapsed() < Duration::from_secs(300),
                "no {what}:\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout.lock().unwrap(),
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Start {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The served function: an axum app and an event handler, and every hook, each saying in
/// its log what it saw.
const SERVED: &str = r#"
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Extension;
use axum::routing::get;

static BUSY: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

fn app() -> Router {
    Router::new()
        .route("/", get(|Extension(ctx): Extension<fc::Context>| async move {
            log::info!("http call {}", ctx.request_id());
            format!("GREETING from {}", ctx.function_name().unwrap_or("?"))
        }))
        .route("/busy", get(|| async {
            let now = BUSY.fetch_add(1, Ordering::SeqCst) + 1;
            MOST.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(400)).await;
            BUSY.fetch_sub(1, Ordering::SeqCst);
            "done"
        }))
        .route("/most", get(|| async { MOST.load(Ordering::SeqCst).to_string() }))
}

#[fc::handler]
async fn event(ctx: &fc::Context, event: serde_json::Value) -> serde_json::Value {
    if event["panic"] == true {
        panic!("asked to panic");
    }
    if let Some(ms) = event["sleep_ms"].as_u64() {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    serde_json::json!({"got": event, "memory": ctx.function_memory_mb(), "timeout": ctx.function_timeout().map(|t| t.as_secs())})
}

#[fc::initializer]
async fn initializer() {
    log::info!("initializer ran");
}

#[fc::pre_freeze]
async fn pre_freeze() {
    log::info!("pre-freeze ran");
}

#[fc::pre_stop]
async fn pre_stop() {
    log::info!("pre-stop ran");
}

fn main() -> std::io::Result<()> {
    fc::Runtime::new().http(app()).run()
}
"#;

#[test]
fn start_serves_http_and_events_as_the_platform_does_and_invoke_sends_the_samples() {
    let dir = new_crate("served", &["--http"]);
    // The HTTP template's unit test, through the test kit.
    let output = cargo_test(&dir);
    assert!(text(&output.stdout).contains("test result: ok. 1 passed"), "{}", text(&output.stdout));

    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let manifest = manifest
        .replace("\n[dev-dependencies]", "tokio = { version = \"1\", features = [\"time\"] }\n\n[dev-dependencies]");
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/main.rs"), SERVED).unwrap();

    let port = free_port();
    let port_arg = port.to_string();
    let mut command = cargo_fc(
        &dir,
        &["start", "--port", &port_arg, "--timeout", "2", "--concurrency", "2", "--memory", "256", "--watch"],
    );
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (stdout, stderr) = (collect(child.stdout.take().unwrap()), collect(child.stderr.take().unwrap()));
    let start = Start { child, stdout, stderr };
    start.wait_for("serving line", |_, err| err.contains("Serving"));
    start.wait_for("initializer", |out, _| out.contains("[INFO] initializer ran"));

    // An HTTP call: the platform's headers replace the caller's, the request id comes back.
    let (status, headers, body) = http(port, "GET", "/", "");
    assert_eq!((status, body.as_str()), (200, "GREETING from served"));
    let id = header(&headers, "x-fc-request-id").unwrap().to_owned();
    assert_ne!(id, "forged");
    assert!(header(&headers, "x-fc-status").is_none());
    start.wait_for("the call's log line", |out, _| out.contains(&format!("{id} [INFO] http call {id}")));
    // Idle after it: pre-freeze.
    start.wait_for("pre-freeze", |out, _| out.contains("[INFO] pre-freeze ran"));

    // Event calls, with `invoke`.
    let invoke = |args: &[&str]| {
        let mut all = vec!["invoke", "--port", &port_arg];
        all.extend_from_slice(args);
        run(cargo_fc(&dir, &all))
    };
    let output = invoke(&["--data", r#"{"n": 1}"#]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer, serde_json::json!({"got": {"n": 1}, "memory": 256, "timeout": 2}));
    let output = invoke(&["--example", "oss"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["got"]["events"][0]["oss"]["bucket"]["name"], "testbucket");
    let event_file = scratch().join("event.json");
    std::fs::write(&event_file, r#"{"from": "a file"}"#).unwrap();
    let output = invoke(&["--data-file", event_file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()["got"]["from"], "a file");
    // A function error: its type, message and frames, and exit status 1.
    let output = invoke(&["--data", r#"{"panic": true}"#]);
    assert_eq!(output.status.code(), Some(1));
    let printed = text(&output.stdout);
    assert!(printed.starts_with("Panic: asked to panic\n    at "), "{printed}");
    assert!(text(&output.stderr).contains("error: the function failed (Panic)"), "{}", text(&output.stderr));
    let output = invoke(&["--example", "list"]);
    assert!(text(&output.stdout).contains("kafka") && text(&output.stdout).contains("tablestore"));
    let output = invoke(&["--example", "nope"]);
    assert!(!output.status.success() && text(&output.stderr).contains("there is no such example"));
    let output = invoke(&["--function", "other", "--data", "{}"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stdout).contains("FunctionNotFound: function `other` does not exist here"),
        "{}",
        text(&output.stdout)
    );

    // At most `--concurrency` calls at once.
    let calls: Vec<_> = (0..5).map(|_| std::thread::spawn(move || http(port, "GET", "/busy", ""))).collect();
    for call in calls {
        assert_eq!(call.join().unwrap().0, 200);
    }
    assert_eq!(http(port, "GET", "/most", "").2, "2");

    // A call longer than the timeout: the platform's error, and a new instance.
    let output = invoke(&["--data", r#"{"sleep_ms": 5000}"#]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains("FunctionTimeout: Function timed out after 2 seconds"),
        "{}",
        text(&output.stdout)
    );
    start.wait_for("the instance replaced", |_, err| {
        err.contains("replacing instance") && err.matches("Started").count() >= 2
    });
    start.wait_for("the new instance initialized", |out, _| out.matches("[INFO] initializer ran").count() >= 2);
    let output = invoke(&["--data", r#"{"after": "timeout"}"#]);
    assert!(output.status.success(), "{}", text(&output.stderr));

    // `--watch`: a change rebuilds and restarts, on the same port.
    let changed = SERVED.replace("GREETING", "CHANGED");
    std::fs::write(dir.join("src/main.rs"), changed).unwrap();
    start.wait_for("the restart", |_, err| err.contains("Restarted"));
    assert_eq!(http(port, "GET", "/", "").2, "CHANGED from served");

    // Ctrl-C: pre-stop, then SIGTERM, and `cargo fc start` exits.
    let mut start = start;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(start.child.id() as i32), nix::sys::signal::Signal::SIGINT)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = start.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "`cargo fc start` did not exit:\n{}", start.stderr());
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(200));
    assert!(status.success(), "{status}");
    assert!(start.stdout().contains("[INFO] pre-stop ran"), "{}", start.stdout());
    assert!(start.stderr().contains("Stopped instance"), "{}", start.stderr());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "the port is closed");
}

#[test]
fn build_errors_say_what_to_do() {
    // Several binaries and no `--bin`; an unknown `--bin`.
    let dir = new_crate("several", &[]);
    std::fs::create_dir_all(dir.join("src/bin")).unwrap();
    std::fs::write(dir.join("src/bin/other.rs"), "fn main() {}\n").unwrap();
    let output = run(cargo_fc(&dir, &["build"]));
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("error: `cargo fc build`: the package has several binaries (`several`, `other`): say which with `--bin NAME`")
            || stderr.contains("error: `cargo fc build`: the package has several binaries (`other`, `several`): say which with `--bin NAME`"),
        "{stderr}"
    );
    let output = run(cargo_fc(&dir, &["build", "--bin", "nope"]));
    assert!(
        text(&output.stderr).contains("`cargo fc build --bin nope`: the package has no binary `nope`"),
        "{}",
        text(&output.stderr)
    );

    // A dependency that compiles C code, with no C compiler for musl.
    std::fs::remove_dir_all(dir.join("src/bin")).unwrap();
    let native = dir.join("native");
    std::fs::create_dir_all(native.join("src")).unwrap();
    std::fs::write(
        native.join("Cargo.toml"),
        "[package]\nname = \"native\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[build-dependencies]\ncc = \"1\"\n",
    )
    .unwrap();
    std::fs::write(native.join("build.rs"), "fn main() { cc::Build::new().file(\"src/add.c\").compile(\"add\"); }\n")
        .unwrap();
    std::fs::write(native.join("src/add.c"), "int add(int a, int b) { return a + b; }\n").unwrap();
    std::fs::write(native.join("src/lib.rs"), "").unwrap();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        manifest.replace("log = \"0.4\"", "log = \"0.4\"\nnative = { path = \"native\" }"),
    )
    .unwrap();
    let output = run(cargo_fc(&dir, &["build"]));
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("error: `cargo fc build`: `native v0.1.0")
            && stderr.contains("compiles C code, and there is no C compiler for x86_64-unknown-linux-musl")
            && stderr.contains("`cargo tree -i native --target x86_64-unknown-linux-musl`"),
        "{stderr}"
    );

    // No musl standard library: the target's builds given a sysroot without it.
    std::fs::write(
        dir.join("Cargo.toml"),
        std::fs::read_to_string(dir.join("Cargo.toml")).unwrap().replace("\nnative = { path = \"native\" }", ""),
    )
    .unwrap();
    let sysroot = sysroot_without_musl();
    let output = run({
        let mut c = cargo_fc(&dir, &["build"]);
        c.env("RUSTFLAGS", format!("--sysroot={}", sysroot.display()));
        c
    });
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("error: `cargo fc build`: the x86_64-unknown-linux-musl target is not installed: run `rustup target add x86_64-unknown-linux-musl` (once)"),
        "{stderr}"
    );
}

/// A sysroot with the host's standard library but not musl's.
fn sysroot_without_musl() -> PathBuf {
    let sysroot =
        text(&Command::new("rustc").args(["--print", "sysroot"]).current_dir(workspace()).output().unwrap().stdout);
    let sysroot = PathBuf::from(sysroot.trim());
    let fake = scratch().join("sysroot-without-musl");
    let _ = std::fs::remove_dir_all(&fake);
    std::fs::create_dir_all(fake.join("lib/rustlib")).unwrap();
    for entry in std::fs::read_dir(sysroot.join("lib/rustlib")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "x86_64-unknown-linux-musl" {
            std::os::unix::fs::symlink(entry.path(), fake.join("lib/rustlib").join(entry.file_name())).unwrap();
        }
    }
    fake
}

#[test]
fn start_says_why_when_the_function_never_listens() {
    let dir = new_crate("silent", &[]);
    let start = |main: &str| {
        std::fs::write(dir.join("src/main.rs"), main).unwrap();
        let port = free_port().to_string();
        run(cargo_fc(&dir, &["start", "--port", &port, "--start-timeout", "2"]))
    };
    let output = start("fn main() { std::thread::sleep(std::time::Duration::from_secs(60)); }\n");
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("did not listen on its port (FC_CUSTOM_LISTEN_PORT=")
            && stderr.contains("within 2 s; Function Compute fails such a start with `FunctionNotStarted`"),
        "{stderr}"
    );
    let output = start("fn main() { eprintln!(\"no configuration\"); std::process::exit(3); }\n");
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("no configuration"), "{stderr}");
    assert!(stderr.contains("the function exited (exit status: 3) before it listened on its port"), "{stderr}");
}
