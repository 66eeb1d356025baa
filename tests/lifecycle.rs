//! The lifecycle hooks over real HTTP: the initializer's once-only semantics, the
//! pre-freeze and pre-stop hooks, panics in every hook, and hooks left unregistered.

mod common;

use common::{Server, get, is_log_line, post};
use serde_json::json;

const LIFECYCLE: &str = env!("CARGO_BIN_EXE_lifecycle");
const HELLO: &str = env!("CARGO_BIN_EXE_hello");

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[tokio::test]
async fn initialize_then_invoke_counts_from_1001() {
    let server = Server::start(LIFECYCLE, &[]);
    let reply = server.send(post("/initialize").control_path("/initialize").request_id("init-1").empty()).await;
    assert_eq!(reply.assert_ok().body.len(), 0);
    assert_eq!(server.invoke("c1", "").await.assert_ok().json(), json!(1001));
    assert_eq!(server.invoke("c2", "").await.assert_ok().json(), json!(1002));
    // A second /initialize does not run it again.
    server.send(post("/initialize").request_id("init-2").empty()).await.assert_ok();
    assert_eq!(server.invoke("c3", "").await.assert_ok().json(), json!(1003));
    let stdout = server.stdout();
    assert_eq!(count(&stdout, "initializer running"), 1, "{stdout}");
    assert!(stdout.contains("FC Initialize Start RequestId: init-1\n"), "{stdout}");
    assert!(stdout.contains("FC Initialize End RequestId: init-1\n"), "{stdout}");
    assert!(stdout.contains("FC Initialize End RequestId: init-2\n"), "{stdout}");
}

#[tokio::test]
async fn an_invoke_before_initialize_runs_the_initializer_first() {
    let server = Server::start(LIFECYCLE, &[]);
    assert_eq!(server.invoke("first", "").await.assert_ok().json(), json!(1001));
    let stdout = server.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    let pos = |l: &str| lines.iter().position(|x| *x == l).unwrap_or_else(|| panic!("no {l:?} in {stdout}"));
    let order = [
        pos("FC Invoke Start RequestId: first"),
        pos("FC Initialize Start RequestId: first"),
        pos("FC Initialize End RequestId: first"),
        pos("FC Invoke End RequestId: first"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{stdout}");
    assert!(
        lines.iter().any(|l| is_log_line(
            l,
            "first",
            "INFO",
            "initializer running (Initialize), attempt 1, request first"
        )),
        "{stdout}"
    );
}

#[tokio::test]
async fn twenty_concurrent_initialize_and_invoke_calls_run_the_initializer_once() {
    let server = Server::start(LIFECYCLE, &[]);
    let mut calls = Vec::new();
    for i in 0..20 {
        let port = server.port;
        calls.push(tokio::spawn(async move {
            let mut conn = common::Conn::connect(port).await;
            let id = format!("c{i}");
            if i % 2 == 0 {
                conn.send(post("/initialize").control_path("/initialize").request_id(&id).empty()).await
            } else {
                conn.send(post("/invoke").control_path("/invoke").request_id(&id).empty()).await
            }
        }));
    }
    let mut counters = Vec::new();
    for (i, call) in calls.into_iter().enumerate() {
        let reply = call.await.unwrap();
        reply.assert_ok();
        if i % 2 == 1 {
            counters.push(reply.json().as_i64().unwrap());
        }
    }
    counters.sort();
    assert_eq!(counters, (1001..=1010).collect::<Vec<_>>());
    assert_eq!(count(&server.stdout(), "initializer running"), 1, "{}", server.stdout());
}

#[tokio::test]
async fn a_failed_initializer_is_shared_by_concurrent_callers_and_can_be_retried() {
    let server = Server::start(LIFECYCLE, &[("LIFECYCLE_FLAKY_INIT", "1")]);
    // Attempt 1 panics: five concurrent callers all get that one result.
    let mut calls = Vec::new();
    for i in 0..5 {
        let port = server.port;
        calls.push(tokio::spawn(async move {
            let request = if i == 0 { post("/invoke") } else { post("/initialize") };
            common::Conn::connect(port).await.send(request.request_id(&format!("p{i}")).empty()).await
        }));
    }
    for call in calls {
        let json = call.await.unwrap().assert_error(404, "Panic");
        assert_eq!(json["errorMessage"], "initializer panicked on attempt 1");
        assert_eq!(json["stackTrace"][0]["path"], "examples/lifecycle.rs", "{json}");
        assert_eq!(json["stackTrace"][0]["label"], "lifecycle::initialize", "{json}");
    }
    assert_eq!(count(&server.stdout(), "initializer running"), 1);
    // Attempt 2 returns an error.
    let json = server.send(post("/initialize").request_id("i2").empty()).await.assert_error(404, "InitError");
    assert_eq!(json, json!({"errorMessage": "initializer failed on attempt 2", "errorType": "InitError"}));
    assert!(server.stdout().contains("FC Initialize End RequestId: i2, Error: Unhandled function error\n"));
    // Attempt 3 succeeds, and it is the last.
    server.send(post("/initialize").request_id("i3").empty()).await.assert_ok();
    assert_eq!(server.invoke("c", "").await.assert_ok().json(), json!(1001));
    server.send(post("/initialize").request_id("i4").empty()).await.assert_ok();
    assert_eq!(count(&server.stdout(), "initializer running"), 3);
}

#[tokio::test]
async fn pre_freeze_and_pre_stop_log_a_line_each() {
    let server = Server::start(LIFECYCLE, &[]);
    server.send(post("/initialize").empty()).await.assert_ok();
    let reply = server.send(get("/pre-freeze").request_id("f1").empty()).await;
    assert_eq!(reply.assert_ok().body.len(), 0);
    let reply = server.send(get("/pre-stop").control_path("/pre-stop").request_id("s1").empty()).await;
    assert_eq!(reply.assert_ok().body.len(), 0);
    let stdout = server.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    let pos = |l: &str| lines.iter().position(|x| *x == l).unwrap_or_else(|| panic!("no {l:?} in {stdout}"));
    let freeze_log =
        lines.iter().position(|l| is_log_line(l, "f1", "INFO", "pre-freeze: counter is 1000 for f1")).unwrap();
    assert!(pos("FC PreFreeze Start RequestId: f1") < freeze_log && freeze_log < pos("FC PreFreeze End RequestId: f1"));
    // The pre-stop hook logs through `tracing`, which reaches the same format, its fields
    // after the message.
    let stop_log =
        lines.iter().position(|l| is_log_line(l, "s1", "INFO", "pre-stop: counter is 1000 counter=1000")).unwrap();
    assert!(pos("FC PreStop Start RequestId: s1") < stop_log && stop_log < pos("FC PreStop End RequestId: s1"));
}

#[tokio::test]
async fn panics_in_hooks_are_reported_and_the_process_keeps_serving() {
    let server = Server::start(LIFECYCLE, &[("LIFECYCLE_PANIC_HOOKS", "1")]);
    for (path, message, label) in [
        ("/pre-freeze", "pre-freeze panicked", "lifecycle::pre_freeze"),
        ("/pre-stop", "pre-stop panicked", "lifecycle::pre_stop"),
    ] {
        let json = server.send(get(path).request_id("h").empty()).await.assert_error(404, "Panic");
        assert_eq!(json["errorMessage"], message);
        assert_eq!(json["stackTrace"][0]["label"], label, "{json}");
    }
    let stdout = server.stdout();
    assert!(stdout.contains("FC PreFreeze End RequestId: h, Error: Unhandled function error\n"), "{stdout}");
    assert!(stdout.contains("FC PreStop End RequestId: h, Error: Unhandled function error\n"), "{stdout}");
    assert_eq!(server.invoke("after", "").await.assert_ok().json(), json!(1001));
}

#[tokio::test]
async fn hooks_that_are_not_registered_answer_200_and_say_so() {
    let server = Server::start(HELLO, &[]);
    for (path, name, id) in
        [("/initialize", "initializer", "u1"), ("/pre-freeze", "pre-freeze", "u2"), ("/pre-stop", "pre-stop", "u3")]
    {
        let request = if path == "/initialize" { post(path) } else { get(path) };
        let reply = server.send(request.request_id(id).empty()).await;
        assert_eq!(reply.assert_ok().body.len(), 0);
        let message = format!("fc: no {name} hook is registered; answered 200 with an empty body");
        server.wait_for_line(|l| is_log_line(l, id, "INFO", &message));
    }
    assert!(!server.stdout().contains("FC Initialize Start"));
    server.invoke("after", r#"{"key": "k"}"#).await.assert_ok();
}

#[tokio::test]
async fn only_the_call_that_runs_the_initializer_logs_it() {
    let server = Server::start(LIFECYCLE, &[]);
    let mut calls = Vec::new();
    for i in 0..8 {
        let port = server.port;
        calls.push(tokio::spawn(async move {
            common::Conn::connect(port).await.send(post("/invoke").request_id(&format!("e{i}")).empty()).await
        }));
    }
    for call in calls {
        call.await.unwrap().assert_ok();
    }
    let stdout = server.stdout();
    assert_eq!(count(&stdout, "initializer running"), 1, "{stdout}");
    assert_eq!(count(&stdout, "FC Initialize Start RequestId: e"), 1, "{stdout}");
    assert_eq!(count(&stdout, "FC Initialize End RequestId: e"), 1, "{stdout}");
    assert_eq!(count(&stdout, "FC Invoke End RequestId: e"), 8, "{stdout}");
    // The pair carries the request id of the call that ran it, around its log line.
    let runner = stdout.lines().find(|l| l.starts_with("FC Initialize Start RequestId: ")).unwrap();
    let id = runner.trim_start_matches("FC Initialize Start RequestId: ");
    let lines: Vec<&str> = stdout.lines().collect();
    let pos = |l: &str| lines.iter().position(|x| *x == l).unwrap_or_else(|| panic!("no {l:?} in {stdout}"));
    let ran = lines.iter().position(|l| l.contains("initializer running") && l.contains(&format!(" {id} "))).unwrap();
    assert!(pos(runner) < ran && ran < pos(&format!("FC Initialize End RequestId: {id}")), "{stdout}");
    println!("RELIABILITY 8 calls before the initializer has run: it runs once, one Initialize pair|8|0|0");
}
