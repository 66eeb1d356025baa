//! Real-looking credentials in every call's headers: calls that succeed, fail and panic, in
//! every kind of call, sync and async, event and HTTP. No byte of stdout, stderr or any
//! answer carries the secret or the token.

mod common;

use common::{Reply, Req, Server, get, post};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "CAIS8gF1q6Ft5B2yfSjIr5bSEsr3rZ5A0oa4cUnThF4/TfppgZLMjzz2IHhMe3RtAOkesvg3mG9Y7PkYlrh";

fn with_credentials(req: Req, id: &str) -> Req {
    req.request_id(id)
        .header("x-fc-access-key-id", "LTAI5tPub1icKeyId")
        .header("x-fc-access-key-secret", SECRET)
        .header("x-fc-security-token", TOKEN)
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} carries the secret:\n{text}");
    assert!(!text.contains(TOKEN), "{what} carries the token:\n{text}");
}

fn assert_reply_clean(reply: &Reply) {
    assert_clean("an answer's body", &String::from_utf8_lossy(&reply.body));
    assert_clean("an answer's headers", &format!("{:?}", reply.headers));
}

#[tokio::test]
async fn no_output_and_no_answer_carries_the_credentials() {
    let mut calls = 0;
    // A sync handler that logs its context's Debug on every call, and panics on demand.
    let server = Server::start(env!("CARGO_BIN_EXE_context"), &[("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)]);
    for (id, body) in [("ok", "{}"), ("panic", r#"{"panic": "boom"}"#), ("bad", "{not json")] {
        let reply = server.send(with_credentials(post("/invoke"), id).body(body)).await;
        assert_reply_clean(&reply);
        calls += 1;
    }
    let (stdout, stderr) = (server.stdout(), server.stderr());
    assert!(stdout.contains("context: Context {"), "the handler logged its context:\n{stdout}");
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);

    // Errors and panics of every kind.
    let server = Server::start(env!("CARGO_BIN_EXE_errors"), &[]);
    for mode in ["ok", "error", "panic", "panic_any", "anyhow", "explicit", "loud"] {
        let reply =
            server.send(with_credentials(post("/invoke"), mode).body(format!("{{\"mode\": \"{mode}\"}}"))).await;
        assert_reply_clean(&reply);
        calls += 1;
    }
    assert_clean("stdout", &server.stdout());
    assert_clean("stderr", &server.stderr());

    // Every hook, succeeding and panicking.
    for env in [&[][..], &[("LIFECYCLE_PANIC_HOOKS", "1"), ("LIFECYCLE_FLAKY_INIT", "1")][..]] {
        let server = Server::start(env!("CARGO_BIN_EXE_lifecycle"), env);
        for req in [post("/initialize"), post("/invoke"), get("/pre-freeze"), get("/pre-stop")] {
            let reply = server.send(with_credentials(req, "hook").empty()).await;
            assert_reply_clean(&reply);
            calls += 1;
        }
        assert_clean("stdout", &server.stdout());
        assert_clean("stderr", &server.stderr());
    }

    // HTTP functions, an answer, a panic, the context route, a 404.
    let server = Server::start(env!("CARGO_BIN_EXE_http"), &[]);
    for path in ["/", "/panic", "/context", "/users/1", "/nowhere"] {
        let reply = server.send(with_credentials(get(path).control_path("/http-invoke"), "http").empty()).await;
        assert_reply_clean(&reply);
        calls += 1;
    }
    assert_clean("stdout", &server.stdout());
    assert_clean("stderr", &server.stderr());
    println!("RELIABILITY credentials in every header: no secret in any output|{calls}|0|0");
}
