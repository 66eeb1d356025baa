//! The protocol over real HTTP: routes and methods, the context's headers, answers for
//! success, errors, panics and bad input, and the log lines.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use base64::Engine as _;
use common::{Server, get, is_log_line, is_timestamp, post, request};
use hyper::Method;
use serde_json::json;

const HELLO: &str = env!("CARGO_BIN_EXE_hello");
const ERRORS: &str = env!("CARGO_BIN_EXE_errors");
const CONTEXT: &str = env!("CARGO_BIN_EXE_context");
const LIFECYCLE: &str = env!("CARGO_BIN_EXE_lifecycle");

#[tokio::test]
async fn hello_answers_with_json_and_logs_in_the_platform_format() {
    let server = Server::start(HELLO, &[]);
    let reply = server.invoke("req-hello", r#"{"key": "value"}"#).await;
    reply.assert_ok();
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.json(), json!("hello, value!"));

    let lines: Vec<String> = server.stdout().lines().map(str::to_owned).collect();
    assert_eq!(lines[0], "FunctionCompute rust runtime inited.");
    let start = lines.iter().position(|l| l == "FC Invoke Start RequestId: req-hello").expect("start line");
    let end = lines.iter().position(|l| l == "FC Invoke End RequestId: req-hello").expect("end line");
    assert_eq!(end, start + 1, "{lines:?}");
}

#[tokio::test]
async fn the_control_path_decides_and_the_path_is_the_fallback() {
    let server = Server::start(HELLO, &[]);
    // The path alone, as `s local invoke` sends it.
    server.send(post("/invoke").body(r#"{"key":"a"}"#)).await.assert_ok();
    // The control path wins over any path.
    let reply = server.send(post("/somewhere/else").control_path("/invoke").body(r#"{"key":"b"}"#)).await;
    assert_eq!(reply.assert_ok().json(), json!("hello, b!"));
    let reply = server.send(post("/invoke").control_path("/no-such-control-path").body("{}")).await;
    reply.assert_error(404, "NotFound");
    // An HTTP function's call, with no HTTP function registered.
    let reply = server.send(post("/anything").control_path("/http-invoke").body("{}")).await;
    let json = reply.assert_error(404, "NotFound");
    assert!(json["errorMessage"].as_str().unwrap().contains("no HTTP function"), "{json}");
}

#[tokio::test]
async fn every_route_and_method() {
    let server = Server::start(LIFECYCLE, &[]);
    let routes = [
        ("/invoke", Method::POST),
        ("/initialize", Method::POST),
        ("/pre-freeze", Method::GET),
        ("/pre-stop", Method::GET),
    ];
    for (path, allowed) in &routes {
        // Right method, by path and by control path.
        server.send(request(allowed.clone(), path).request_id("r").empty()).await.assert_ok();
        server.send(request(allowed.clone(), "/x").control_path(path).empty()).await.assert_ok();
        for method in
            [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::HEAD, Method::OPTIONS]
        {
            if method == *allowed {
                continue;
            }
            let reply = server.send(request(method.clone(), path).empty()).await;
            assert_eq!(reply.status, 405, "{method} {path}");
            assert_eq!(reply.header("x-fc-status"), Some("404"));
            assert_eq!(reply.header("allow"), Some(allowed.as_str()));
            if method != Method::HEAD {
                let json = reply.assert_error(405, "MethodNotAllowed");
                assert_eq!(json["errorMessage"], format!("{path} is served for {allowed} only, not {method}"));
            }
        }
    }
    for path in ["/", "/invoke/", "/pre_freeze", "/initialize/x", "/favicon.ico"] {
        let json = server.send(post(path).empty()).await.assert_error(404, "NotFound");
        assert!(json["errorMessage"].as_str().unwrap().starts_with("no such route: POST"), "{json}");
        server.send(get(path).empty()).await.assert_error(404, "NotFound");
    }
    // Still serving after all of that.
    server.send(post("/invoke").empty()).await.assert_ok();
}

#[tokio::test]
async fn refused_requests_with_a_body_leave_the_connection_open() {
    let server = Server::start(LIFECYCLE, &[]);
    let mut conn = server.connect().await;
    let body = "x".repeat(100_000);
    conn.send(post("/nowhere").body(body.clone())).await.assert_error(404, "NotFound");
    conn.send(request(Method::PUT, "/invoke").body(body.clone())).await.assert_error(405, "MethodNotAllowed");
    conn.send(post("/x").control_path("/http-invoke").body(body.clone())).await.assert_error(404, "NotFound");
    conn.send(post("/initialize").body(body.clone())).await.assert_ok();
    conn.send(get("/pre-freeze").body(body)).await.assert_ok();
    assert!(!conn.is_closed());
    assert_eq!(conn.send(post("/invoke").empty()).await.assert_ok().json(), json!(1001));
    let stdout = server.stdout();
    assert!(stdout.lines().any(|l| is_log_line(l, "-", "WARN", "fc: no such route: POST /nowhere; the runtime serves POST /invoke, POST /initialize, GET /pre-freeze and GET /pre-stop")), "{stdout}");
}

fn all_headers() -> Vec<(&'static str, String)> {
    let baggage = base64::engine::general_purpose::STANDARD.encode(r#"{"tenant":"t-1","attempt":2}"#);
    vec![
        ("x-fc-request-id", "req-ctx".into()),
        ("x-fc-access-key-id", "LTAIkeyid".into()),
        ("x-fc-access-key-secret", "super-secret-value".into()),
        ("x-fc-security-token", "security-token-value".into()),
        ("x-fc-function-name", "fn-name".into()),
        ("x-fc-function-handler", "index.handler".into()),
        ("x-fc-function-memory", "512".into()),
        ("x-fc-function-timeout", "60".into()),
        ("x-fc-function-initializer", "index.init".into()),
        ("x-fc-initialization-timeout", "30".into()),
        ("x-fc-region", "cn-hangzhou".into()),
        ("x-fc-account-id", "1234567890".into()),
        ("x-fc-qualifier", "LATEST".into()),
        ("x-fc-version-id", "3".into()),
        ("x-fc-service-name", "svc".into()),
        ("x-fc-service-logproject", "log-project".into()),
        ("x-fc-service-logstore", "log-store".into()),
        ("x-fc-retry-count", "2".into()),
        ("x-fc-instance-lifecycle-pre-freeze-handler", "index.preFreeze".into()),
        ("x-fc-instance-lifecycle-pre-stop-handler", "index.preStop".into()),
        ("x-fc-tracing-opentracing-span-context", "a:b:c:1".into()),
        ("x-fc-tracing-opentracing-span-baggages", baggage),
        ("x-fc-tracing-jaeger-endpoint", "http://jaeger:14268/api/traces".into()),
    ]
}

#[tokio::test]
async fn every_header_reaches_the_context() {
    let server = Server::start(CONTEXT, &[("FC_INSTANCE_ID", "instance-7")]);
    let mut req = post("/invoke").control_path("/invoke");
    for (name, value) in all_headers() {
        req = req.header(name, &value);
    }
    let reply = server.send(req.empty()).await;
    let c = reply.assert_ok().json();
    assert_eq!(c["request_id"], "req-ctx");
    assert_eq!(c["access_key_id"], "LTAIkeyid");
    assert_eq!(c["has_access_key_secret"], true);
    assert_eq!(c["has_security_token"], true);
    assert_eq!(c["function_name"], "fn-name");
    assert_eq!(c["function_handler"], "index.handler");
    assert_eq!(c["function_memory_mb"], 512);
    assert_eq!(c["function_timeout_ms"], 60_000);
    assert_eq!(c["initializer"], "index.init");
    assert_eq!(c["initialization_timeout_ms"], 30_000);
    assert_eq!(c["service_name"], "svc");
    assert_eq!(c["log_project"], "log-project");
    assert_eq!(c["log_store"], "log-store");
    assert_eq!(c["qualifier"], "LATEST");
    assert_eq!(c["version_id"], "3");
    assert_eq!(c["region"], "cn-hangzhou");
    assert_eq!(c["account_id"], "1234567890");
    assert_eq!(c["retry_count"], 2);
    assert_eq!(c["instance_id"], "instance-7");
    assert_eq!(c["span_context"], "a:b:c:1");
    assert_eq!(c["baggage"], json!({"tenant": "t-1", "attempt": "2"}));
    assert_eq!(c["jaeger_endpoint"], "http://jaeger:14268/api/traces");
    assert_eq!(c["pre_freeze_handler"], "index.preFreeze");
    assert_eq!(c["pre_stop_handler"], "index.preStop");
    let remaining = c["remaining_time_ms"].as_u64().unwrap();
    assert!(remaining > 55_000 && remaining <= 60_000, "{remaining}");
    // Debug output redacts the secrets.
    let debug = c["debug"].as_str().unwrap();
    assert!(debug.contains("LTAIkeyid") && debug.contains("<redacted>"), "{debug}");
    assert!(!debug.contains("super-secret-value") && !debug.contains("security-token-value"), "{debug}");
    let stdout = server.stdout();
    assert!(!stdout.contains("super-secret-value") && !stdout.contains("security-token-value"), "{stdout}");
    // The handler's own log line, in the platform's format, between Start and End.
    let lines: Vec<&str> = stdout.lines().collect();
    let start = lines.iter().position(|l| *l == "FC Invoke Start RequestId: req-ctx").unwrap();
    let end = lines.iter().position(|l| *l == "FC Invoke End RequestId: req-ctx").unwrap();
    let user = lines.iter().position(|l| {
        l.split_once(' ')
            .is_some_and(|(time, rest)| is_timestamp(time) && rest.starts_with("req-ctx [INFO] context: Context {"))
    });
    assert!(user.is_some_and(|u| start < u && u < end), "{stdout}");
}

#[tokio::test]
async fn the_environment_is_the_fallback_and_malformed_headers_read_as_missing() {
    let env = [
        ("FC_FUNCTION_NAME", "env-fn"),
        ("FC_FUNCTION_HANDLER", "env.handler"),
        ("FC_FUNCTION_MEMORY_SIZE", "1024"),
        ("FC_REGION", "cn-shanghai"),
        ("FC_ACCOUNT_ID", "42"),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-key"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
    ];
    let server = Server::start(CONTEXT, &env);
    let reply = server.send(post("/invoke").empty()).await;
    let c = reply.assert_ok().json();
    assert_eq!(c["request_id"], "");
    assert_eq!(c["function_name"], "env-fn");
    assert_eq!(c["function_handler"], "env.handler");
    assert_eq!(c["function_memory_mb"], 1024);
    assert_eq!(c["region"], "cn-shanghai");
    assert_eq!(c["account_id"], "42");
    assert_eq!(c["access_key_id"], "env-key");
    assert_eq!(c["has_access_key_secret"], true);
    assert_eq!(c["has_security_token"], true);
    assert_eq!(c["function_timeout_ms"], serde_json::Value::Null);
    assert_eq!(c["remaining_time_ms"], serde_json::Value::Null);

    // Headers override the environment; malformed values read as missing, never fail.
    let reply = server
        .send(
            post("/invoke")
                .header("x-fc-function-name", "header-fn")
                .header("x-fc-function-memory", "a lot")
                .header("x-fc-function-timeout", "soon")
                .header("x-fc-retry-count", "-1")
                .header("x-fc-tracing-opentracing-span-baggages", "!!not base64!!")
                .empty(),
        )
        .await;
    let c = reply.assert_ok().json();
    assert_eq!(c["function_name"], "header-fn");
    assert_eq!(c["function_memory_mb"], 1024, "a malformed header falls back to the environment");
    assert_eq!(c["function_timeout_ms"], serde_json::Value::Null);
    assert_eq!(c["retry_count"], serde_json::Value::Null);
    assert_eq!(c["baggage"], json!({}));

    // A header value that is not UTF-8 at all.
    let answer = common::exchange(
        server.port,
        b"POST /invoke HTTP/1.1\r\nhost: x\r\nx-fc-request-id: \xff\xfe\r\nx-fc-region: \xc3\x28\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\"region\":\"cn-shanghai\""), "{answer}");
}

#[tokio::test]
async fn errors_and_panics_are_reported_as_json() {
    let server = Server::start(ERRORS, &[]);
    let reply = server.invoke("req-ok", r#"{"mode": "ok"}"#).await;
    assert_eq!(reply.assert_ok().json(), json!("ok"));

    let json = server.invoke("req-error", r#"{"mode": "error"}"#).await.assert_error(404, "ValidationError");
    assert_eq!(json, json!({"errorMessage": "mode `error` is not valid", "errorType": "ValidationError"}));

    let json = server.invoke("req-panic", r#"{"mode": "panic"}"#).await.assert_error(404, "Panic");
    assert_eq!(json["errorMessage"], "boom");
    let frames = json["stackTrace"].as_array().expect("stackTrace");
    assert_eq!(frames[0]["path"], "examples/errors.rs", "{json}");
    assert!(frames[0]["line"].as_u64().unwrap() > 0, "{json}");
    assert_eq!(frames[0]["label"], "errors::handler", "{json}");
    for frame in frames {
        let label = frame["label"].as_str().unwrap();
        assert!(!label.starts_with("std::") && !label.starts_with("tokio::") && !label.contains("fc::"), "{json}");
        assert!(!label.contains("__fc_"), "the macro's glue is plumbing: {json}");
    }

    let json = server.invoke("req-any", r#"{"mode": "panic_any"}"#).await.assert_error(404, "Panic");
    assert_eq!(json["errorMessage"], "panicked with a payload that is not a string");
    let json = server.invoke("req-explicit", r#"{"mode": "explicit"}"#).await.assert_error(404, "QuotaExceeded");
    assert_eq!(json["errorMessage"], "too many calls");
    // An `anyhow::Error` in the handler's `Box<dyn Error>`: its context and cause, and
    // the root cause's name.
    let json = server.invoke("req-anyhow", r#"{"mode": "anyhow"}"#).await.assert_error(404, "ValidationError");
    assert_eq!(json["errorMessage"], "checking the input: mode `anyhow` is not valid");
    let json = server.invoke("req-string", r#"{"mode": "nope"}"#).await.assert_error(404, "Error");
    assert_eq!(json["errorMessage"], "unknown mode `nope`");

    // The failure is logged as `<time> <requestId> [ERROR] <json>` between Start and End.
    let stdout = server.stdout();
    for (id, error_type) in [("req-error", "ValidationError"), ("req-panic", "Panic")] {
        let lines: Vec<&str> = stdout.lines().collect();
        let start = lines.iter().position(|l| *l == format!("FC Invoke Start RequestId: {id}")).unwrap();
        let end_line = format!("FC Invoke End RequestId: {id}, Error: Unhandled function error");
        let end = lines.iter().position(|l| *l == end_line).unwrap();
        let error = lines[start..end].iter().find(|l| l.contains(&format!(" {id} [ERROR] "))).expect("error line");
        let (time, rest) = error.split_once(' ').unwrap();
        assert!(is_timestamp(time), "{error}");
        let logged: serde_json::Value = serde_json::from_str(rest.split_once(" [ERROR] ").unwrap().1).unwrap();
        assert_eq!(logged["errorType"], error_type);
    }
    assert!(stdout.contains("FC Invoke End RequestId: req-ok\n"), "{stdout}");
    // Caught panics do not reach stderr through the default hook.
    assert!(!server.stderr().contains("boom"), "{}", server.stderr());
}

#[tokio::test]
async fn a_sync_handler_panic_is_caught_too() {
    let server = Server::start(CONTEXT, &[]);
    let json = server.invoke("req-sync", r#"{"panic": "sync boom"}"#).await.assert_error(404, "Panic");
    assert_eq!(json["errorMessage"], "sync boom");
    assert_eq!(json["stackTrace"][0]["path"], "examples/context.rs");
    assert_eq!(json["stackTrace"][0]["label"], "context::report");
    server.invoke("req-after", "{}").await.assert_ok();
}

#[tokio::test]
async fn invalid_json_names_the_failure_the_path_and_the_position() {
    let server = Server::start(HELLO, &[]);
    let json = server.invoke("r1", r#"{"key": 42}"#).await.assert_error(404, "DeserializeError");
    assert_eq!(
        json["errorMessage"],
        "invalid input at `key`: invalid type: integer `42`, expected a string at line 1 column 10"
    );
    let json = server.invoke("r2", "{\"key\": \"v\"").await.assert_error(404, "DeserializeError");
    assert_eq!(json["errorMessage"], "invalid input: EOF while parsing an object at line 1 column 11");
    let json = server.invoke("r3", "not json at all").await.assert_error(404, "DeserializeError");
    assert!(json["errorMessage"].as_str().unwrap().contains("line 1 column 2"), "{json}");
    let json = server.invoke("r4", "").await.assert_error(404, "DeserializeError");
    assert_eq!(json["errorMessage"], "invalid input: invalid type: null, expected struct Event at line 1 column 4");
    let json = server.invoke("r5", r#"{"key": "v"} trailing"#).await.assert_error(404, "DeserializeError");
    assert!(json["errorMessage"].as_str().unwrap().contains("trailing characters"), "{json}");
    server.invoke("r6", r#"{"key": "still serving"}"#).await.assert_ok();
}

#[tokio::test]
async fn a_body_that_arrives_in_pieces_is_read_whole() {
    let server = Server::start(HELLO, &[]);
    // Chunked and with a declared length, each piece written on its own after a pause,
    // so that the server reads it as a frame of its own.
    let pieces: [&[u8]; 3] = [b"{\"key\"", b": \"in pie", b"ces\"}"];
    let chunked = "POST /invoke HTTP/1.1\r\nhost: x\r\nx-fc-request-id: pieces\r\ntransfer-encoding: chunked\r\n\r\n";
    let sized = "POST /invoke HTTP/1.1\r\nhost: x\r\nx-fc-request-id: pieces\r\ncontent-length: 20\r\n\r\n";
    for (head, is_chunked) in [(chunked, true), (sized, false)] {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        stream.set_nodelay(true).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        for piece in pieces {
            std::thread::sleep(Duration::from_millis(50));
            if is_chunked {
                stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes()).unwrap();
                stream.write_all(piece).unwrap();
                stream.write_all(b"\r\n").unwrap();
            } else {
                stream.write_all(piece).unwrap();
            }
        }
        if is_chunked {
            stream.write_all(b"0\r\n\r\n").unwrap();
        }
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while !answer.ends_with(b"\"hello, in pieces!\"") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\n\"hello, in pieces!\""), "{answer}");
    }
}

/// Sends `head`, then `chunks` on a writer thread (stopping at the first write error), and
/// returns the answer's head and how many chunks had been written when it arrived.
fn upload(port: u16, head: &str, chunks: Vec<Vec<u8>>) -> (String, usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let written = std::sync::Arc::new(AtomicUsize::new(0));
    let mut writer = stream.try_clone().unwrap();
    let counter = std::sync::Arc::clone(&written);
    std::thread::spawn(move || {
        for chunk in chunks {
            if writer.write_all(&chunk).is_err() {
                break;
            }
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) => panic!("no answer: {e}"),
        }
    }
    (String::from_utf8_lossy(&answer).into_owned(), written.load(Ordering::SeqCst))
}

#[tokio::test]
async fn an_oversize_body_is_refused_without_being_read_whole() {
    let server = Server::start(HELLO, &[]);
    // Declared as 40 MiB, more than the 32 MiB limit: refused at once, although the client
    // sends only 1 MiB of it and then waits for the answer.
    let head = "POST /invoke HTTP/1.1\r\nhost: x\r\nx-fc-request-id: big\r\ncontent-length: 41943040\r\n\r\n";
    let started = std::time::Instant::now();
    let (answer, _) = upload(server.port, head, vec![vec![b' '; 1 << 20]]);
    assert!(answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n"), "{answer}");
    assert!(answer.contains("x-fc-status: 404\r\n"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // Chunked, with no declared length: refused once the limit is crossed, before the
    // client has sent all of its 64 MiB. (What is past the limit must be more than the
    // socket buffers on both sides can hold, some 10 MiB on loopback, or the client's
    // writes could all return before the refusal.)
    let head = "POST /invoke HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n";
    let mut chunk = format!("{:x}\r\n", 1 << 20).into_bytes();
    chunk.extend(std::iter::repeat_n(b' ', 1 << 20));
    chunk.extend_from_slice(b"\r\n");
    let (answer, written) = upload(server.port, head, vec![chunk; 64]);
    assert!(answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n"), "{answer}");
    assert!(written < 64, "the answer came only after the whole body was sent");

    // A body just under the limit is accepted (and answered as invalid input, by the handler).
    let body = format!("{{\"key\": \"{}\"}}", "x".repeat((32 << 20) - 20));
    let reply = server.invoke("just-under", &body).await;
    assert_eq!(reply.assert_ok().body.len(), (32 << 20) - 20 + "\"hello, !\"".len());
    // And the process keeps serving.
    server.invoke("after", r#"{"key": "v"}"#).await.assert_ok();
    let stdout = server.stdout();
    assert!(stdout.contains("\"errorType\":\"PayloadTooLarge\""), "{stdout}");
}
