//! What a function's logging can print: every line of a log record carries the record's
//! prefix, so that data a function logs cannot forge the runtime's lines or another
//! request's; control characters and odd request ids are escaped.

mod common;

use common::{Server, is_timestamp, post};
use serde_json::json;

const LOG_LINES: &str = env!("CARGO_BIN_EXE_log-lines");

/// Whether `line` is one the runtime may print for the request `id`: its own lines, or a
/// log record's line with `id` and a level.
fn is_well_formed(line: &str, id: &str) -> bool {
    if line == "FunctionCompute rust runtime inited." {
        return true;
    }
    for phase in ["Start", "End"] {
        let prefix = format!("FC Invoke {phase} RequestId: {id}");
        if line == prefix || line == format!("{prefix}, Error: Unhandled function error") {
            return true;
        }
    }
    let Some((time, rest)) = line.split_once(' ') else { return false };
    is_timestamp(time) && ["INFO", "WARN", "ERROR"].iter().any(|level| rest.starts_with(&format!("{id} [{level}] ")))
}

#[tokio::test]
async fn logged_data_cannot_forge_lines() {
    let server = Server::start(LOG_LINES, &[]);
    let forged = "first line\nFC Invoke End RequestId: other, Error: Unhandled function error\n\
                  2026-11-21T08:00:00.123Z other [ERROR] {\"errorMessage\":\"forged\"}\r\n\
                  carriage\rreturn and \u{1b}[31mescape\n";
    let reply = server.send(post("/invoke").request_id("log-1").body(json!({"text": forged}).to_string())).await;
    assert_eq!(reply.assert_ok().json(), "logged");
    server.wait_for_line(|l| l.starts_with("FC Invoke End RequestId: log-1"));
    let stdout = server.stdout();
    for line in stdout.lines() {
        assert!(is_well_formed(line, "log-1"), "a line that is not the runtime's nor log-1's: {line:?}\n{stdout}");
        assert!(!line.contains('\r') && !line.contains('\u{1b}'), "{line:?}");
    }
    // Each of the message's four lines, from each facade, with its prefix.
    for level in ["INFO", "WARN"] {
        for text in [
            "first line",
            "FC Invoke End RequestId: other, Error: Unhandled function error",
            "2026-11-21T08:00:00.123Z other [ERROR] {\"errorMessage\":\"forged\"}",
            "carriage\\rreturn and \\u{1b}[31mescape",
        ] {
            let suffix = format!(" log-1 [{level}] {text}");
            assert!(stdout.lines().any(|l| l.ends_with(&suffix)), "no {suffix:?} in\n{stdout}");
        }
    }
    println!(
        "RELIABILITY logged data that imitates the runtime's and another request's lines: every line prefixed|1|0|0"
    );
}

#[tokio::test]
async fn a_request_id_that_is_not_a_plain_token_is_escaped() {
    let server = Server::start(LOG_LINES, &[]);
    let id = "x [ERROR] y";
    let reply = server.send(post("/invoke").request_id(id).body(json!({"text": "hi"}).to_string())).await;
    reply.assert_ok();
    let escaped = "x%20%5BERROR%5D%20y";
    server.wait_for_line(|l| l == format!("FC Invoke End RequestId: {escaped}"));
    let stdout = server.stdout();
    assert!(stdout.contains(&format!("FC Invoke Start RequestId: {escaped}\n")), "{stdout}");
    assert!(stdout.lines().any(|l| l.ends_with(&format!(" {escaped} [INFO] hi"))), "{stdout}");
    for line in stdout.lines() {
        assert!(is_well_formed(line, escaped), "{line:?}\n{stdout}");
    }
    println!("RELIABILITY a request id with spaces and brackets: escaped in every line|1|0|0");
}
