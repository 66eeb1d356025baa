//! Serving under real conditions: concurrency with panics, idle keep-alive connections,
//! and SIGTERM during a call.

mod common;

use std::time::{Duration, Instant};

use common::{Conn, Server, post};
use serde_json::json;

const ERRORS: &str = env!("CARGO_BIN_EXE_errors");
const HELLO: &str = env!("CARGO_BIN_EXE_hello");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_a_third_panicking_are_all_answered() {
    let server = Server::start(ERRORS, &[]);
    let mut calls = Vec::new();
    for i in 0..200 {
        let port = server.port;
        calls.push(tokio::spawn(async move {
            let mode = ["ok", "panic", "error"][i % 3];
            let body = json!({"mode": mode}).to_string();
            let mut conn = Conn::connect(port).await;
            let reply = conn.send(post("/invoke").request_id(&format!("c{i}")).body(body)).await;
            (mode, reply)
        }));
    }
    let mut seen = [0; 3];
    for call in calls {
        let (mode, reply) = call.await.unwrap();
        match mode {
            "ok" => {
                assert_eq!(reply.assert_ok().json(), json!("ok"));
                seen[0] += 1;
            }
            "panic" => {
                let json = reply.assert_error(404, "Panic");
                assert_eq!(json["errorMessage"], "boom");
                assert_eq!(json["stackTrace"][0]["label"], "errors::handler");
                seen[1] += 1;
            }
            _ => {
                reply.assert_error(404, "ValidationError");
                seen[2] += 1;
            }
        }
    }
    assert_eq!(seen, [67, 67, 66]);
    let stdout = server.stdout();
    assert_eq!(stdout.matches("FC Invoke Start RequestId: c").count(), 200);
    assert_eq!(stdout.matches(", Error: Unhandled function error\n").count(), 133);
    println!("RELIABILITY 200 concurrent calls, a third panicking, a third failing|200|0|0");
}

/// hyper closes idle connections after 30 s when a header-read timeout is armed; the
/// runtime must not. A connection idle for 35 s then carries a POST that succeeds.
#[tokio::test]
async fn an_idle_keep_alive_connection_is_reused_after_35_seconds() {
    let server = Server::start(HELLO, &[]);
    let mut conn = server.connect().await;
    conn.send(post("/invoke").request_id("before").body(r#"{"key": "before"}"#)).await.assert_ok();
    tokio::time::sleep(Duration::from_secs(35)).await;
    assert!(!conn.is_closed(), "the server closed the idle connection");
    let reply = conn.send(post("/invoke").request_id("after").body(r#"{"key": "after"}"#)).await;
    assert_eq!(reply.assert_ok().json(), json!("hello, after!"));
    println!("RELIABILITY one keep-alive connection idle 35 s, then a POST on it|2|0|0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_call_in_flight_finish_then_exits_0() {
    let mut server = Server::start(ERRORS, &[]);
    // An idle keep-alive connection must not hold the shutdown up.
    let mut idle = server.connect().await;
    idle.send(post("/invoke").body(r#"{"mode": "ok"}"#)).await.assert_ok();

    let port = server.port;
    let slow = tokio::spawn(async move {
        let mut conn = Conn::connect(port).await;
        let started = Instant::now();
        let reply = conn.send(post("/invoke").request_id("slow").body(r#"{"mode": "sleep", "ms": 1500}"#)).await;
        (reply, started.elapsed())
    });
    server.wait_for_line(|l| l == "FC Invoke Start RequestId: slow");
    server.signal(libc::SIGTERM);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // No new connections once the signal has arrived.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err(), "still accepting");
    assert!(server.is_running(), "exited before the call in flight finished");

    let (reply, elapsed) = slow.await.unwrap();
    assert_eq!(reply.assert_ok().json(), json!("ok"));
    assert!(elapsed >= Duration::from_millis(1500));
    let status = server.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(server.stdout().contains("FC Invoke End RequestId: slow\n"));
    println!("RELIABILITY SIGTERM during a 1.5 s call: it completes, exit 0|2|0|0");
}

#[tokio::test]
async fn sigint_on_an_idle_server_exits_0_at_once() {
    let mut server = Server::start(HELLO, &[]);
    let _idle = server.connect().await;
    server.signal(libc::SIGINT);
    let status = server.wait_exit(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_waits_for_a_call_whose_caller_went_away() {
    let mut server = Server::start(ERRORS, &[]);
    let port = server.port;
    let call = tokio::spawn(async move {
        let mut conn = Conn::connect(port).await;
        conn.send(post("/invoke").request_id("gone").body(r#"{"mode": "sleep", "ms": 1000}"#)).await
    });
    server.wait_for_line(|l| l == "FC Invoke Start RequestId: gone");
    call.abort(); // the caller hangs up mid-call
    let _ = call.await;
    server.signal(libc::SIGTERM);
    let status = server.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status}");
    // The handler ran to its end before the process exited.
    assert!(server.stdout().contains("FC Invoke End RequestId: gone\n"), "{}", server.stdout());
}

/// SIGTERM at several moments while eight keep-alive clients call as fast as they can,
/// each call waiting 0 to 20 ms in the handler: the process exits 0, and every call that
/// started (its `Start` line) ended (its `End` line) and was answered 200. A client may
/// find its connection closed, but only for a request the server never took up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_exits_0_and_answers_every_started_call() {
    use std::sync::{Arc, Mutex};

    for delay_ms in [1u64, 40, 150, 400] {
        let mut server = Server::start(ERRORS, &[]);
        let port = server.port;
        let answered = Arc::new(Mutex::new(Vec::new()));
        let mut clients = Vec::new();
        for c in 0..8 {
            let answered = Arc::clone(&answered);
            clients.push(tokio::spawn(async move {
                // A client that comes after the listener has closed finds nobody.
                let Ok(mut conn) = Conn::try_connect(port).await else { return };
                for n in 0u64.. {
                    let id = format!("c{c}-{n}");
                    let body = format!(r#"{{"mode": "sleep", "ms": {}}}"#, (n * 7 + c) % 21);
                    match conn.try_send(post("/invoke").request_id(&id).body(body)).await {
                        Ok(reply) => {
                            assert_eq!(reply.assert_ok().json(), json!("ok"));
                            answered.lock().unwrap().push(id);
                        }
                        // The server closed the connection on its way out.
                        Err(_) => return,
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        server.signal(libc::SIGTERM);
        let status = server.wait_exit(Duration::from_secs(10));
        assert_eq!(status.code(), Some(0), "SIGTERM after {delay_ms} ms: {status}");
        for client in clients {
            client.await.unwrap();
        }

        let stdout = server.stdout();
        let ids = |prefix: &str| {
            let mut ids: Vec<String> =
                stdout.lines().filter_map(|l| l.strip_prefix(prefix)).map(str::to_owned).collect();
            ids.sort();
            ids
        };
        let (started, ended) = (ids("FC Invoke Start RequestId: "), ids("FC Invoke End RequestId: "));
        let mut answered = answered.lock().unwrap().clone();
        answered.sort();
        assert_eq!(started, ended, "SIGTERM after {delay_ms} ms: a call started but did not end");
        assert_eq!(started, answered, "SIGTERM after {delay_ms} ms: a call started but was not answered");
        println!(
            "RELIABILITY SIGTERM {delay_ms} ms into a load of 8 keep-alive clients: exit 0, every started call answered|{}|0|0",
            answered.len()
        );
    }
}

#[test]
fn a_signal_before_the_runtime_serves_stops_it_with_exit_0() {
    const EARLY: &str = env!("CARGO_BIN_EXE_early-signal");
    for signal in ["TERM", "INT"] {
        let port = common::free_port();
        let mut child = std::process::Command::new(EARLY)
            .env("FC_SERVER_PORT", port.to_string())
            .env("EARLY_SIGNAL", signal)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("SIG{signal} before `run`: still running after 10 s");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(status.code(), Some(0), "SIG{signal} before `run`: {status:?}");
        println!("RELIABILITY SIG{signal} before the runtime serves: exit 0, not killed|0|0|0");
    }
}

/// SIGTERM while connections hold what never becomes a call: the process exits 0 at once.
#[tokio::test]
async fn sigterm_does_not_wait_for_requests_that_never_come_whole() {
    use std::io::{Read, Write};
    const HTTP: &str = env!("CARGO_BIN_EXE_http");
    let cases: [(&str, &str, &[u8]); 7] = [
        ("a partial request line", HELLO, b"POST /inv"),
        ("partial headers", HELLO, b"POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-le"),
        ("a partial body", HELLO, b"POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"key\":"),
        ("an endless body", HELLO, b"POST /invoke HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n"),
        ("Expect: 100-continue and no body", HELLO, b"POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\nexpect: 100-continue\r\n\r\n"),
        ("a refused body being drained", HELLO, b"POST /nowhere HTTP/1.1\r\nhost: x\r\ncontent-length: 100000000\r\n\r\nxxxx"),
        (
            "an HTTP function reading an endless body",
            HTTP,
            b"POST /echo HTTP/1.1\r\nhost: x\r\nx-fc-control-path: /http-invoke\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n",
        ),
    ];
    for (name, bin, bytes) in cases {
        let mut server = Server::start(bin, &[]);
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        stream.write_all(bytes).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        server.signal(libc::SIGTERM);
        let status = server.wait_exit(Duration::from_secs(5));
        assert_eq!(status.code(), Some(0), "{name}: {status}");
        assert!(started.elapsed() < Duration::from_secs(2), "{name}: exit took {:?}", started.elapsed());
        // The caller is told, or its connection closed; it never waits for good.
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        if name == "a partial body" || name == "an endless body" {
            assert!(answer.starts_with("HTTP/1.1 503 "), "{name}: {answer}");
            assert!(answer.contains("\"errorType\":\"ShuttingDown\""), "{name}: {answer}");
        }
        println!("RELIABILITY SIGTERM with {name} on a connection: exit 0 at once|1|0|0");
    }
}

/// A caller that stops reading a streamed answer gets the grace (10 s), then its
/// connection is closed and the process exits; a call in flight beside it is answered.
#[tokio::test]
async fn sigterm_gives_an_answer_being_written_the_grace_then_exits() {
    use std::io::{Read, Write};
    const HTTP: &str = env!("CARGO_BIN_EXE_http");
    let mut server = Server::start(HTTP, &[]);
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stalled.write_all(b"GET /big?mib=64 HTTP/1.1\r\nhost: x\r\nx-fc-control-path: /http-invoke\r\n\r\n").unwrap();
    let mut head = [0u8; 64];
    stalled.read_exact(&mut head).unwrap(); // then it reads no more
    let slow = {
        let port = server.port;
        tokio::spawn(async move {
            Conn::connect(port).await.send(common::get("/slow?ms=1500").control_path("/http-invoke").empty()).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    server.signal(libc::SIGTERM);
    assert_eq!(slow.await.unwrap().assert_http_ok().text(), "slept 1500 ms");
    let status = server.wait_exit(Duration::from_secs(30));
    let took = started.elapsed();
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(15), "exit after {took:?}");
    println!("RELIABILITY SIGTERM while a caller stops reading a 64 MiB answer: closed after the grace, exit 0|2|0|0");
}

/// A second SIGTERM or SIGINT exits at once, while a call still runs.
#[tokio::test]
async fn a_second_signal_exits_at_once() {
    for (signal, code) in [(libc::SIGTERM, 128 + 15), (libc::SIGINT, 128 + 2)] {
        let mut server = Server::start(ERRORS, &[]);
        let port = server.port;
        let call = tokio::spawn(async move {
            Conn::connect(port).await.try_send(post("/invoke").body(r#"{"mode": "sleep", "ms": 20000}"#)).await
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.signal(signal);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(server.is_running(), "the first signal waits for the call");
        let started = Instant::now();
        server.signal(signal);
        let status = server.wait_exit(Duration::from_secs(5));
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(status.code(), Some(code), "{status}");
        assert!(server.stdout().contains("fc: a second signal: exiting now"));
        let _ = call.await;
        println!("RELIABILITY a second signal while a 20 s call runs: exit {code} at once|1|1|0");
    }
}
