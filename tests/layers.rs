//! `Runtime::layer` over real HTTP, with the `layers` example: a tracing span around
//! every call (the handler, the initializer an `/invoke` runs first, the hooks) and a
//! timeout whose error is answered as a function error.

mod common;

use common::{Server, get, post};

const LAYERS: &str = env!("CARGO_BIN_EXE_layers");

#[tokio::test]
async fn every_call_runs_inside_the_layers_span() {
    let server = Server::start(LAYERS, &[]);
    assert_eq!(server.invoke("l-1", r#"{"sleep_ms": 5}"#).await.assert_ok().json(), "done");
    server.send(get("/pre-freeze").control_path("/pre-freeze").request_id("l-2").empty()).await.assert_ok();
    server.wait_for_line(|line| line.contains("freezing"));
    let stdout = server.stdout();
    // The initializer that the first `/invoke` runs goes through the layers too, as an
    // `Initialize` call of that request.
    for (span, message) in [
        ("call{kind=Initialize request_id=l-1}", "initializing"),
        ("call{kind=Invoke request_id=l-1}", "working for 5 ms"),
        ("call{kind=PreFreeze request_id=l-2}", "freezing"),
    ] {
        let line = stdout.lines().find(|l| l.ends_with(&format!("{span}: {message}")));
        assert!(line.is_some_and(|l| l.contains(" INFO ")), "no `{span}: {message}` in {stdout}");
    }
}

#[tokio::test]
async fn a_layers_error_is_answered_and_logged_as_the_calls() {
    let server = Server::start(LAYERS, &[]);
    let reply = server.invoke("slow-1", r#"{"sleep_ms": 3000}"#).await;
    let error = reply.assert_error(404, "Elapsed");
    assert_eq!(error["errorMessage"], "request timed out");
    let end = server.wait_for_line(|line| line.starts_with("FC Invoke End RequestId: slow-1"));
    assert_eq!(end, "FC Invoke End RequestId: slow-1, Error: Unhandled function error");
    // The process keeps serving, within the timeout.
    assert_eq!(server.invoke("fast-1", r#"{"sleep_ms": 1}"#).await.assert_ok().json(), "done");
    let bad = server.send(post("/invoke").request_id("bad-1").body("{}")).await;
    assert_eq!(
        bad.assert_error(404, "DeserializeError")["errorMessage"],
        "invalid input: missing field `sleep_ms` at line 1 column 2"
    );
}
