//! The fault matrix: what callers and the platform really do to a server. After each
//! fault the process serves the next call correctly. Each test prints a line
//! `RELIABILITY <scenario>|<calls>|<lost>|<crashes>` that `scripts/reliability.sh` turns
//! into the table of RELIABILITY.md.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use common::{Conn, Server, post};
use serde_json::json;

const HELLO: &str = env!("CARGO_BIN_EXE_hello");
const ERRORS: &str = env!("CARGO_BIN_EXE_errors");
const CONTEXT: &str = env!("CARGO_BIN_EXE_context");

/// Prints the scenario's line for the report.
fn report(scenario: &str, calls: usize, lost: usize) {
    println!("RELIABILITY {scenario}|{calls}|{lost}|0");
}

/// The next call after a fault: answered correctly, and the process still runs.
async fn still_serving(server: &mut Server) {
    let reply = server.invoke("after", r#"{"key": "after"}"#).await;
    assert_eq!(reply.assert_ok().json(), json!("hello, after!"));
    assert!(server.is_running());
}

fn raw(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

fn read_all(mut stream: TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

const CALL: &str = "POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 14\r\n\r\n{\"key\": \"raw\"}";

#[tokio::test]
async fn a_client_that_aborts_mid_body() {
    let mut server = Server::start(HELLO, &[]);
    for _ in 0..20 {
        let mut stream = raw(server.port);
        stream.write_all(b"POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{\"key\":").unwrap();
        drop(stream);
    }
    still_serving(&mut server).await;
    let stdout = server.stdout();
    // Each aborted call is answered (to no one) as a body that could not be read.
    assert_eq!(stdout.matches("\"errorType\":\"BadRequest\"").count(), 20, "{stdout}");
    report("client aborts mid-body (x20)", 21, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_aborts_mid_call() {
    let mut server = Server::start(ERRORS, &[]);
    for i in 0..10 {
        let mut stream = raw(server.port);
        let body = r#"{"mode": "sleep", "ms": 300}"#;
        let head = format!(
            "POST /invoke HTTP/1.1\r\nhost: x\r\nx-fc-request-id: gone-{i}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(format!("{head}{body}").as_bytes()).unwrap();
        server.wait_for_line(|l| l == format!("FC Invoke Start RequestId: gone-{i}"));
        drop(stream);
    }
    // The calls run to their end all the same.
    for i in 0..10 {
        server.wait_for_line(|l| l == format!("FC Invoke End RequestId: gone-{i}"));
    }
    let reply = server.invoke("next", r#"{"mode": "ok"}"#).await;
    assert_eq!(reply.assert_ok().json(), json!("ok"));
    assert!(server.is_running());
    report("client aborts mid-call (x10)", 11, 0);
}

#[tokio::test]
async fn a_half_closed_socket_still_gets_its_answer() {
    let mut server = Server::start(HELLO, &[]);
    for _ in 0..10 {
        let mut stream = raw(server.port);
        stream.write_all(CALL.as_bytes()).unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let answer = read_all(stream);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer:?}");
        assert!(answer.ends_with("\"hello, raw!\""), "{answer:?}");
    }
    still_serving(&mut server).await;
    report("half-closed sockets (x10)", 11, 0);
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let mut server = Server::start(HELLO, &[]);
    let mut stream = raw(server.port);
    let mut batch = String::new();
    for i in 0..10 {
        let body = format!("{{\"key\": \"p{i}\"}}");
        batch.push_str(&format!("POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{body}", body.len()));
    }
    batch.push_str(
        "POST /invoke HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 12\r\n\r\n{\"key\": \"z\"}",
    );
    stream.write_all(batch.as_bytes()).unwrap();
    let answers = read_all(stream);
    let bodies: Vec<&str> =
        answers.split("HTTP/1.1 200 OK\r\n").skip(1).map(|a| a.rsplit("\r\n\r\n").next().unwrap()).collect();
    let expected: Vec<String> =
        (0..10).map(|i| format!("\"hello, p{i}!\"")).chain(["\"hello, z!\"".to_owned()]).collect();
    assert_eq!(bodies, expected, "{answers}");
    still_serving(&mut server).await;
    report("11 pipelined requests on one connection", 12, 0);
}

#[tokio::test]
async fn garbage_instead_of_http() {
    let mut server = Server::start(HELLO, &[]);
    for garbage in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
        b"GARBAGE\r\n\r\n",
        b"\0\0\0\0\0\0\0\0",
        b"POST /invoke HTTP/9.9\r\n\r\n",
    ] {
        let mut stream = raw(server.port);
        stream.write_all(garbage).unwrap();
        let answer = read_all(stream);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 400") || answer.starts_with("HTTP/1.1 505"),
            "{answer:?}"
        );
    }
    still_serving(&mut server).await;
    report("garbage bytes instead of HTTP (x4)", 5, 0);
}

#[tokio::test]
async fn headers_at_and_over_the_platforms_limits() {
    let mut server = Server::start(HELLO, &[]);
    // 8 KiB of headers, the platform's limit: served.
    let mut req = post("/invoke").request_id("big-headers");
    for i in 0..8 {
        req = req.header(&format!("x-big-{i}"), &"v".repeat(1000));
    }
    server.send(req.body(r#"{"key": "k"}"#)).await.assert_ok();
    // 64 KiB in one header: still served (the runtime bounds what it buffers well above).
    server.send(post("/invoke").header("x-huge", &"v".repeat(64 << 10)).body(r#"{"key": "k"}"#)).await.assert_ok();
    // 1 MiB of headers, far over: refused by the HTTP layer with 431, the process unharmed.
    let mut stream = raw(server.port);
    let head =
        format!("POST /invoke HTTP/1.1\r\nhost: x\r\nx-huge: {}\r\ncontent-length: 0\r\n\r\n", "v".repeat(1 << 20));
    let _ = stream.write_all(head.as_bytes());
    let answer = read_all(stream);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 431"), "{:?}", &answer[..answer.len().min(200)]);
    // 150 header fields, more than hyper's default of 100: served.
    let mut req = post("/invoke").request_id("many-fields");
    for i in 0..150 {
        req = req.header(&format!("x-h{i}"), "v");
    }
    server.send(req.body(r#"{"key": "k"}"#)).await.assert_ok();
    // 2,200 fields, more than 8 KiB of caller headers can hold: 431.
    let mut stream = raw(server.port);
    let mut head = String::from("POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n");
    for i in 0..2200 {
        head.push_str(&format!("x-h{i}: v\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    assert!(read_all(stream).starts_with("HTTP/1.1 431"));
    still_serving(&mut server).await;
    report("headers at 8 KiB, 64 KiB, 1 MiB, 150 fields, 2,200 fields", 6, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_connections() {
    let mut server = Server::start(HELLO, &[]);
    let port = server.port;
    let mut conns = Vec::new();
    for _ in 0..1000 {
        conns.push(Conn::connect(port).await);
    }
    let mut calls = Vec::new();
    for (i, mut conn) in conns.into_iter().enumerate() {
        calls.push(tokio::spawn(async move {
            let reply =
                conn.send(post("/invoke").request_id(&format!("c{i}")).body(format!("{{\"key\": \"{i}\"}}"))).await;
            assert_eq!(reply.assert_ok().json(), json!(format!("hello, {i}!")));
        }));
    }
    for call in calls {
        call.await.unwrap();
    }
    still_serving(&mut server).await;
    report("1,000 concurrent connections", 1001, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_handler_blocking_for_seconds_does_not_stall_other_calls() {
    let server = Server::start(CONTEXT, &[]);
    let port = server.port;
    let mut blockers = Vec::new();
    for _ in 0..4 {
        blockers.push(tokio::spawn(async move {
            Conn::connect(port).await.send(post("/invoke").body(r#"{"sleep_ms": 3000}"#)).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    for i in 0..20 {
        server.send(post("/invoke").request_id(&format!("quick-{i}")).body("{}")).await.assert_ok();
    }
    assert!(started.elapsed() < Duration::from_millis(1500), "quick calls waited {:?}", started.elapsed());
    for blocker in blockers {
        blocker.await.unwrap().assert_ok();
    }
    report("4 sync handlers blocking 3 s, 20 calls beside them", 24, 0);
}

#[tokio::test]
async fn repeated_oversize_bodies_keep_memory_bounded() {
    let mut server = Server::start(HELLO, &[]);
    still_serving(&mut server).await;
    let before = common::memory_kib(server.pid(), "VmHWM");
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..10 {
        // 40 MiB with a declared length, sent whole: refused at once, drained, not kept.
        let mut stream = raw(server.port);
        stream
            .write_all(format!("POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n", 40 << 20).as_bytes())
            .unwrap();
        let mut writer = stream.try_clone().unwrap();
        let chunk = chunk.clone();
        let sending = std::thread::spawn(move || {
            for _ in 0..40 {
                if writer.write_all(&chunk).is_err() {
                    break;
                }
            }
        });
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 413");
        sending.join().unwrap();
    }
    let grown = common::memory_kib(server.pid(), "VmHWM").saturating_sub(before);
    assert!(grown < 16 * 1024, "peak memory grew by {grown} KiB over 10 refused 40 MiB bodies");
    still_serving(&mut server).await;
    report("10 refused 40 MiB bodies (memory bounded)", 12, 0);
}

#[tokio::test]
async fn panics_and_failing_errors_of_every_kind() {
    let mut server = Server::start(ERRORS, &[]);
    let cases = [
        ("panic", "Panic", "boom"),
        ("panic_any", "Panic", "panicked with a payload that is not a string"),
        ("loud", "Panic", "formatting the error panicked"),
    ];
    for (mode, error_type, message) in cases {
        let json = server.invoke(mode, &json!({"mode": mode}).to_string()).await.assert_error(404, error_type);
        assert_eq!(json["errorMessage"], message);
    }
    let reply = server.invoke("ok", r#"{"mode": "ok"}"#).await;
    assert_eq!(reply.assert_ok().json(), json!("ok"));
    assert!(server.is_running());
    report("a panic, a non-string panic, an error whose Display panics", 4, 0);
}

#[tokio::test]
async fn running_out_of_file_descriptors_is_logged_once_and_served_through() {
    // 64 descriptors: the runtime's own take about 20; idle keep-alive connections take
    // the rest, and the connections after them cannot be accepted.
    let server = Server::start_with_fd_limit(HELLO, 64, &[]);
    let mut held = Vec::new();
    for _ in 0..80 {
        held.push(tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap());
    }
    // Let it fail for a while: without a backoff, that is hundreds of lines a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stdout = server.stdout();
    let failed = stdout.lines().filter(|l| l.contains("fc: accept failed")).count();
    assert_eq!(failed, 1, "{stdout}");
    assert!(stdout.contains("Too many open files"), "{stdout}");
    // Free the descriptors: a new call is served, and the recovery is logged with a count.
    drop(held);
    let reply = tokio::time::timeout(Duration::from_secs(5), server.invoke("after-emfile", r#"{"key": "fd"}"#))
        .await
        .expect("no answer after the descriptors were freed");
    assert_eq!(reply.assert_ok().json(), json!("hello, fd!"));
    let line = server.wait_for_line(|l| l.contains("fc: accepting connections again after"));
    let count: u64 = line.split("after ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(count >= 2, "{line}");
    report("out of file descriptors for 1.5 s (EMFILE): one log line, then a count", 1, 0);
}

/// Reads one answer from `stream`: its head and its body (by `content-length`).
fn read_one(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("the answer's head");
        assert_eq!(n, 1, "closed before the head ended: {:?}", String::from_utf8_lossy(&buf));
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_lowercase();
    let length =
        head.lines().find_map(|l| l.strip_prefix("content-length: ")).map_or(0, |v| v.trim().parse::<usize>().unwrap());
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    (head, body)
}

#[tokio::test]
async fn an_early_answer_to_expect_100_continue_closes_the_connection() {
    let mut server = Server::start(HELLO, &[]);
    for (head, status) in [
        ("POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 40000000\r\nexpect: 100-continue\r\n\r\n", "413"),
        ("GET /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\nexpect: 100-continue\r\n\r\n", "405"),
        ("POST /nowhere HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\nexpect: 100-continue\r\n\r\n", "404"),
        ("GET /pre-stop HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\nexpect: 100-continue\r\n\r\n", "200"),
    ] {
        let mut stream = raw(server.port);
        stream.write_all(head.as_bytes()).unwrap();
        let started = Instant::now();
        // The caller sends nothing more: its body is not wanted, and the answer closes the
        // connection, so that its next request goes on a new one and cannot be taken for
        // this one's body.
        let answer = read_all(stream);
        assert!(answer.starts_with(&format!("HTTP/1.1 {status} ")), "{head:?}: {answer}");
        assert!(answer.to_lowercase().contains("\r\nconnection: close\r\n"), "{head:?}: {answer}");
        assert!(!answer.contains("100 Continue"), "{head:?}: {answer}");
        assert!(started.elapsed() < Duration::from_secs(5), "{head:?}: the connection stayed open");
    }
    // Without `Expect`, an early answer still drains the body and keeps the connection.
    let mut stream = raw(server.port);
    stream.write_all(b"GET /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello").unwrap();
    let (head, _) = read_one(&mut stream);
    assert!(head.starts_with("http/1.1 405 ") && !head.contains("connection: close"), "{head}");
    stream.write_all(CALL.as_bytes()).unwrap();
    let (head, body) = read_one(&mut stream);
    assert!(head.starts_with("http/1.1 200 "), "{head}");
    assert_eq!(body, b"\"hello, raw!\"");
    still_serving(&mut server).await;
    report("Expect: 100-continue answered early (413, 405, 404, a hook): closed, not swallowed", 7, 0);
}

#[tokio::test]
async fn an_http_function_that_answers_before_reading_the_body_is_heard_by_a_caller_that_sends_it_all() {
    const HTTP: &str = env!("CARGO_BIN_EXE_http");
    let mut server = Server::start(HTTP, &[]);
    // 8 MiB to a route with axum's default 2 MB limit: it answers 413 without reading.
    let body = vec![b'x'; 8 << 20];
    let mut stream = raw(server.port);
    for _ in 0..2 {
        let head = format!(
            "POST /echo HTTP/1.1\r\nhost: x\r\nx-fc-control-path: /http-invoke\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        // As a buffering proxy does: the whole request, then the answer.
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).expect("the runtime stopped reading the body");
        let (head, _) = read_one(&mut stream);
        assert!(head.starts_with("http/1.1 413 "), "{head}");
        assert!(!head.contains("x-fc-status"), "the application's answer as it is: {head}");
    }
    // And the connection serves the next call.
    stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nx-fc-control-path: /http-invoke\r\n\r\n").unwrap();
    let (head, body) = read_one(&mut stream);
    assert!(head.starts_with("http/1.1 200 "), "{head}");
    assert_eq!(body, b"hello from axum");
    assert!(server.is_running());
    report("HTTP function answers 413 before reading an 8 MiB body, sent whole first (x2)", 3, 0);
}
