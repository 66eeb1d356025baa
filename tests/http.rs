//! HTTP functions over the real protocol: the `http` example (an axum router) with the
//! control path on and off, user paths that are also the protocol's, repeated headers, a
//! streamed 30 MiB answer, a panicking route, concurrent calls, the request id in the
//! call's lines, the context in the request, the base path, an HTTP-trigger event through
//! the same router, and a hook beside it all.

mod common;

use std::time::{Duration, Instant};

use common::{Conn, Server, exchange, get, is_log_line, post, request};
use hyper::Method;
use serde_json::json;

const HTTP: &str = env!("CARGO_BIN_EXE_http");

#[tokio::test]
async fn routes_with_and_without_the_control_path() {
    let server = Server::start(HTTP, &[]);
    for req in [get("/").control_path("/http-invoke").request_id("h1").empty(), get("/").empty()] {
        let reply = server.send(req).await;
        assert_eq!(reply.assert_http_ok().text(), "hello from axum");
        assert_eq!(reply.header("content-type"), Some("text/plain; charset=utf-8"));
    }
    let reply = server.send(get("/users/42").control_path("/http-invoke").empty()).await;
    assert_eq!(reply.assert_http_ok().json(), json!({"id": 42, "name": "user 42"}));
    // The application's own 404 is an answer like any other.
    let reply = server.send(get("/no/such/page").control_path("/http-invoke").empty()).await;
    assert_eq!((reply.status, reply.header("x-fc-status")), (404, None));
    // One that reports its own failure to the platform keeps its `x-fc-status`.
    let reply = server.send(get("/unavailable").control_path("/http-invoke").empty()).await;
    assert_eq!((reply.status, reply.header("x-fc-status"), reply.text()), (503, Some("404"), "try again later"));
    let stdout = server.stdout();
    assert!(stdout.contains("FC Invoke Start RequestId: h1\nFC Invoke End RequestId: h1\n"), "{stdout}");
}

#[tokio::test]
async fn an_http_call_prints_the_same_request_id_in_its_start_and_end_lines() {
    let server = Server::start(HTTP, &[]);
    // Escaped in both lines; and a request id that is not UTF-8, which neither line prints.
    server.send(get("/").control_path("/http-invoke").request_id("x [y]").empty()).await.assert_http_ok();
    let answer = exchange(
        server.port,
        b"GET / HTTP/1.1\r\nhost: fc\r\nx-fc-control-path: /http-invoke\r\nx-fc-request-id: r\xff1\r\nconnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    server.wait_for_line(|l| l == "FC Invoke End RequestId: ");
    let stdout = server.stdout();
    assert!(
        stdout.contains("FC Invoke Start RequestId: x%20%5By%5D\nFC Invoke End RequestId: x%20%5By%5D\n"),
        "{stdout}"
    );
    assert!(stdout.contains("FC Invoke Start RequestId: \nFC Invoke End RequestId: \n"), "{stdout}");
}

#[tokio::test]
async fn user_paths_that_collide_with_the_protocol_go_to_the_application_with_the_control_path() {
    let server = Server::start(HTTP, &[]);
    for (method, path) in [(Method::POST, "/invoke"), (Method::POST, "/initialize"), (Method::GET, "/pre-stop")] {
        let reply = server.send(request(method, path).control_path("/http-invoke").empty()).await;
        assert_eq!(reply.assert_http_ok().text(), format!("the application's own {path}"));
    }
    // Without the control path they are the protocol's: no initializer is registered…
    assert_eq!(server.send(post("/initialize").empty()).await.assert_ok().text(), "");
    // …and the pre-freeze hook runs beside the HTTP function.
    server.send(get("/pre-freeze").request_id("f1").empty()).await.assert_ok();
    server.wait_for_line(|l| l.ends_with(" f1 [INFO] pre-freeze beside the HTTP function"));
}

#[tokio::test]
async fn method_path_query_headers_and_body_reach_the_application_and_back() {
    let server = Server::start(HTTP, &[]);
    let reply = server
        .send(
            request(Method::PATCH, "/inspect/a/b?x=1&y=two%20words")
                .control_path("/http-invoke")
                .header("x-multi", "first")
                .header("x-other", "o")
                .header("x-multi", "second")
                .body("the body"),
        )
        .await;
    let echo = reply.assert_http_ok().json();
    assert_eq!(echo["method"], "PATCH");
    assert_eq!(echo["path"], "/inspect/a/b");
    assert_eq!(echo["query"], "x=1&y=two%20words");
    assert_eq!(echo["body"], "the body");
    let multi: Vec<&str> = echo["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0] == "x-multi")
        .map(|h| h[1].as_str().unwrap())
        .collect();
    assert_eq!(multi, ["first", "second"]);
    assert!(echo["headers"].as_array().unwrap().iter().any(|h| h[0] == "x-fc-control-path"), "{echo}");

    let reply = server.send(get("/cookies").empty()).await;
    let cookies: Vec<&str> = reply.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(cookies, ["first=1", "second=2"]);
    assert_eq!(reply.assert_http_ok().text(), "two cookies");
}

#[tokio::test]
async fn a_30_mib_answer_is_streamed_not_buffered() {
    let server = Server::start(HTTP, &[]);
    server.send(get("/").empty()).await.assert_http_ok();
    let before = common::memory_kib(server.pid(), "VmHWM");
    // Read the answer slowly: a server that buffered it whole would hold all 30 MiB.
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(get("/big?mib=30").control_path("/http-invoke").empty()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("x-fc-status").is_none(), "{:?}", response.headers());
    assert!(response.headers().get("content-length").is_none(), "not streamed: {:?}", response.headers());
    let mut body = response.into_body();
    let mut received = 0usize;
    use http_body_util::BodyExt;
    while let Some(frame) = body.frame().await {
        received += frame.unwrap().data_ref().map_or(0, |d| d.len());
        if received < (8 << 20) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    assert_eq!(received, 30 << 20);
    let grown = common::memory_kib(server.pid(), "VmHWM").saturating_sub(before);
    assert!(grown < 12 * 1024, "the server's peak memory grew by {grown} KiB while streaming 30 MiB");
}

#[tokio::test]
async fn a_panicking_route_answers_500_and_the_process_keeps_serving() {
    let server = Server::start(HTTP, &[]);
    let reply = server.send(get("/panic").control_path("/http-invoke").request_id("p1").empty()).await;
    let json = reply.assert_error(500, "Panic");
    assert_eq!(json["errorMessage"], "the route panicked");
    assert_eq!(json["stackTrace"][0]["path"], "examples/http.rs", "{json}");
    assert_eq!(json["stackTrace"][0]["label"], "http::panics", "{json}");
    for frame in json["stackTrace"].as_array().unwrap() {
        assert!(!frame["label"].as_str().unwrap().contains("axum::"), "framework plumbing: {json}");
    }
    assert!(server.stdout().contains("FC Invoke End RequestId: p1, Error: Unhandled function error\n"));
    assert_eq!(server.send(get("/").empty()).await.assert_http_ok().text(), "hello from axum");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_and_a_slow_one_do_not_block_each_other() {
    let server = Server::start(HTTP, &[]);
    let port = server.port;
    let slow = tokio::spawn(async move {
        Conn::connect(port).await.send(get("/slow?ms=1500").control_path("/http-invoke").empty()).await
    });
    let started = Instant::now();
    let mut calls = Vec::new();
    for i in 0..100 {
        calls.push(tokio::spawn(async move {
            let mut conn = Conn::connect(port).await;
            let path = if i % 4 == 0 { "/panic".to_owned() } else { format!("/users/{i}") };
            (i, conn.send(get(&path).control_path("/http-invoke").empty()).await)
        }));
    }
    for call in calls {
        let (i, reply) = call.await.unwrap();
        if i % 4 == 0 {
            reply.assert_error(500, "Panic");
        } else {
            assert_eq!(reply.assert_http_ok().json()["id"], i);
        }
    }
    assert!(started.elapsed() < Duration::from_millis(1500), "the slow call held the others up");
    assert_eq!(slow.await.unwrap().assert_http_ok().text(), "slept 1500 ms");
    println!("RELIABILITY HTTP function: 100 concurrent calls, a quarter panicking, one slow|101|0|0");
}

#[tokio::test]
async fn the_context_and_the_base_path() {
    let server = Server::start(HTTP, &[]);
    let request = get("/context").control_path("/http-invoke").request_id("ctx-7");
    let request = request.header("x-fc-function-name", "fn-7").header("x-caller", "c").empty();
    let reply = server.send(request).await;
    assert_eq!(
        reply.assert_http_ok().text(),
        "request ctx-7 of fn-7; platform headers: x-fc-control-path x-fc-function-name x-fc-request-id"
    );
    // The route's `tracing` event, with the call's request id and its field.
    server.wait_for_line(|l| is_log_line(l, "ctx-7", "INFO", "the context route status=200"));
    let base = "/2016-08-15/proxy/svc/fn";
    let reply = server
        .send(get(&format!("{base}/users/9?x=1")).control_path("/http-invoke").header("x-fc-base-path", base).empty())
        .await;
    assert_eq!(reply.assert_http_ok().json(), json!({"id": 9, "name": "user 9"}));
    let reply =
        server.send(get(base).control_path("/http-invoke").header("x-fc-base-path", &format!("{base}/")).empty()).await;
    assert_eq!(reply.assert_http_ok().text(), "hello from axum");
    // A path outside the base path is left alone.
    let reply = server.send(get("/users/3").control_path("/http-invoke").header("x-fc-base-path", base).empty()).await;
    assert_eq!(reply.assert_http_ok().json()["id"], 3);
}

#[tokio::test]
async fn an_http_trigger_event_is_served_by_the_same_router() {
    let server = Server::start(HTTP, &[]);
    let event = json!({
        "version": "v1",
        "rawPath": "/echo",
        "body": "aGVsbG8=",
        "isBase64Encoded": true,
        "headers": {"x-from": "trigger"},
        "queryParameters": {"q": "1"},
        "requestContext": {"accountId": "1", "domainName": "d", "domainPrefix": "p",
            "http": {"method": "POST", "path": "/echo", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "ua"},
            "requestId": "r", "time": "t", "timeEpoch": "0"}
    });
    let reply = server.invoke("ev-1", &event.to_string()).await;
    let answer = reply.assert_ok().json();
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(answer["isBase64Encoded"], false);
    assert_eq!(answer["headers"]["content-type"], "application/json");
    let echo: serde_json::Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["query"], "q=1");
    assert_eq!(echo["body"], "hello");
    assert!(echo["headers"].as_array().unwrap().contains(&json!(["x-from", "trigger"])), "{echo}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowly_sent_body_does_not_block_other_calls() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = Server::start(HTTP, &[]);
    let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    let head = "POST /echo HTTP/1.1\r\nhost: x\r\nx-fc-control-path: /http-invoke\r\ncontent-length: 10\r\n\r\nhello";
    slow.write_all(head.as_bytes()).await.unwrap();
    // Half the body is in; meanwhile other calls are answered.
    for i in 0..20 {
        let reply = server.send(get(&format!("/users/{i}")).control_path("/http-invoke").empty()).await;
        assert_eq!(reply.assert_http_ok().json()["id"], i);
    }
    slow.write_all(b"world").await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("helloworld") {
        let n = tokio::time::timeout(Duration::from_secs(10), slow.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200 OK\r\n"));
}

#[test]
fn pipelined_requests_keep_their_fields_and_bodies_whatever_their_size() {
    use std::io::{Read, Write};
    let server = Server::start(HTTP, &[]);
    let fields = |n: usize, tag: &str| (0..n).map(|i| format!("{tag}{i}: v {i}\r\n")).collect::<String>();
    // Bodies full of lines and of empty lines: only heads are heads.
    let lines = "line\r\n".repeat(150) + "\r\n\r\n";
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let mut requests = format!(
        "POST /inspect/a HTTP/1.1\r\nhost: x\r\nx-fc-control-path: /http-invoke\r\nx-fc-request-id: pipe-a\r\n\
         x-fc-rs-folded-request-fields: 0123 x-fc-request-id:forged\r\n{}transfer-encoding: chunked\r\n\r\n\
         {:x}\r\n{lines}\r\n0\r\n\r\n",
        fields(150, "a"),
        lines.len(),
    );
    requests += &format!("POST /inspect/b HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{lines}", lines.len());
    // Fields hyper keeps once (a repeated `content-length`) leave fewer than it was sent.
    requests += &format!(
        "POST /inspect/d HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 1\r\n{}\r\nd",
        fields(99, "d")
    );
    requests += &format!("GET /inspect/c HTTP/1.1\r\nhost: x\r\n{}connection: close\r\n\r\n", fields(2000, "c"));
    stream.write_all(requests.as_bytes()).unwrap();
    let mut answers = String::new();
    stream.read_to_string(&mut answers).unwrap();
    let bodies: Vec<serde_json::Value> = answers
        .split("HTTP/1.1 ")
        .skip(1)
        .map(|answer| {
            assert!(answer.starts_with("200 OK"), "{}", &answer[..answer.len().min(300)]);
            serde_json::from_str(&answer[answer.find("\r\n\r\n").unwrap() + 4..]).unwrap()
        })
        .collect();
    assert_eq!(bodies.len(), 4);
    let headers = |i: usize| bodies[i]["headers"].as_array().unwrap().clone();
    let (a, b, d, c) = (headers(0), headers(1), headers(2), headers(3));
    assert_eq!(bodies[0]["path"], "/inspect/a");
    assert_eq!(bodies[0]["body"], lines);
    assert_eq!(a.len(), 155, "{a:?}");
    assert!(a.contains(&json!(["a149", "v 149"])) && a.contains(&json!(["a0", "v 0"])));
    // A caller's field that looks like a folded one is the caller's field, nothing more.
    assert!(a.contains(&json!(["x-fc-rs-folded-request-fields", "0123 x-fc-request-id:forged"])));
    assert!(a.contains(&json!(["x-fc-request-id", "pipe-a"])) && !a.contains(&json!(["x-fc-request-id", "forged"])));
    assert_eq!((bodies[1]["path"].as_str(), bodies[1]["body"].as_str()), (Some("/inspect/b"), Some(lines.as_str())));
    assert_eq!(b.len(), 2);
    assert_eq!((bodies[2]["path"].as_str(), bodies[2]["body"].as_str()), (Some("/inspect/d"), Some("d")));
    assert!(d.contains(&json!(["d0", "v 0"])) && d.contains(&json!(["d98", "v 98"])), "{d:?}");
    assert!(d.iter().all(|field| field[0] != "x-fc-rs-folded-request-fields"), "{d:?}");
    assert_eq!(bodies[3]["path"], "/inspect/c");
    assert_eq!(c.len(), 2002);
    assert!(c.contains(&json!(["c1999", "v 1999"])));
}

#[tokio::test]
async fn eight_kilobytes_of_header_fields_plus_the_platforms_all_reach_the_application() {
    let server = Server::start(HTTP, &[]);
    // The most fields 8 KB of caller headers can hold (`a:` and a line break: 4 bytes
    // each), beside the platform's own `x-fc-*` fields.
    let mut req = post("/inspect/fields").control_path("/http-invoke").request_id("many-1");
    for (name, value) in [("x-fc-function-name", "f"), ("x-fc-region", "cn-hangzhou"), ("x-fc-qualifier", "LATEST")] {
        req = req.header(name, value);
    }
    for i in 0..2048 {
        req = req.header(&format!("h{i}"), "");
    }
    let reply = server.send(req.body("b")).await;
    let json = reply.assert_http_ok().json();
    let headers = json["headers"].as_array().unwrap();
    assert!(headers.iter().any(|h| h == &json!(["h2047", ""])), "{}", headers.len());
    assert!(headers.iter().any(|h| h == &json!(["x-fc-region", "cn-hangzhou"])));
    assert!(headers.len() > 2048 + 3, "{}", headers.len());
    // An event call with as many fields is served too.
    let mut req = post("/invoke").request_id("many-2");
    for i in 0..2048 {
        req = req.header(&format!("h{i}"), "");
    }
    let server = Server::start(env!("CARGO_BIN_EXE_hello"), &[]);
    assert_eq!(server.send(req.body(r#"{"key": "fields"}"#)).await.assert_ok().json(), json!("hello, fields!"));
}
