//! The release profile (lto, one codegen unit), and a stripped binary, as functions are
//! deployed: a panic's stack trace names the user's function — not the attribute's glue
//! that an optimised build inlines it into, nor a framework's frames.
//!
//! The binaries are built here (`cargo build --release`), into the same target dir.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::{Server, get, post};
use serde_json::{Value, json};

/// The release builds of the examples, built once.
fn release(bin: &str) -> String {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "--release", "--bin", "errors", "--bin", "lifecycle", "--bin", "http"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build --release");
        assert!(status.success(), "cargo build --release failed");
        // `target/debug/errors` → `target/release`.
        PathBuf::from(env!("CARGO_BIN_EXE_errors")).parent().unwrap().parent().unwrap().join("release")
    });
    dir.join(bin).to_str().unwrap().to_owned()
}

/// A stripped copy of the release `errors`.
fn stripped_errors() -> String {
    let copy = std::env::temp_dir().join(format!("fc-errors-stripped-{}", std::process::id()));
    std::fs::copy(release("errors"), &copy).unwrap();
    let status = std::process::Command::new("strip").arg(&copy).status().expect("strip (binutils)");
    assert!(status.success());
    copy.to_str().unwrap().to_owned()
}

fn labels(json: &Value) -> Vec<&str> {
    json["stackTrace"].as_array().unwrap().iter().map(|f| f["label"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn release_and_stripped_panics_name_the_handler() {
    for (build, bin) in [("release", release("errors")), ("stripped", stripped_errors())] {
        let server = Server::start(&bin, &[]);
        let json = server.invoke("p-1", r#"{"mode": "panic"}"#).await.assert_error(404, "Panic");
        assert_eq!(json["errorMessage"], "boom");
        let first = &json["stackTrace"][0];
        assert_eq!(first["path"], "examples/errors.rs", "{build}: {json}");
        assert!(first["line"].as_u64().unwrap() > 0, "{build}: {json}");
        assert_eq!(first["label"], "errors::handler", "{build}: {json}");
        for label in labels(&json) {
            assert!(!label.contains("__INVENTORY") && !label.contains("::_::") && label != "panic", "{build}: {json}");
        }
        println!("RELIABILITY a panic in the {build} build: the first frame names the handler|1|0|0");
    }
}

#[tokio::test]
async fn release_panics_in_hooks_name_the_hook() {
    let server = Server::start(&release("lifecycle"), &[("LIFECYCLE_FLAKY_INIT", "1"), ("LIFECYCLE_PANIC_HOOKS", "1")]);
    for (request, label) in [
        (post("/initialize").request_id("h-1").empty(), "lifecycle::initialize"),
        (get("/pre-freeze").request_id("h-2").empty(), "lifecycle::pre_freeze"),
        (get("/pre-stop").request_id("h-3").empty(), "lifecycle::pre_stop"),
    ] {
        let json = server.send(request).await.assert_error(404, "Panic");
        assert_eq!(json["stackTrace"][0]["label"], label, "{json}");
        assert_eq!(json["stackTrace"][0]["path"], "examples/lifecycle.rs", "{json}");
    }
}

#[tokio::test]
async fn release_panics_in_an_axum_route_show_the_route_not_axum() {
    let server = Server::start(&release("http"), &[]);
    let reply = server.send(get("/panic").control_path("/http-invoke").empty()).await;
    let json = reply.assert_error(500, "Panic");
    assert_eq!(labels(&json), ["http::panics"], "{json}");
    assert_eq!(
        json["stackTrace"][0],
        json!({"path": "examples/http.rs", "line": json["stackTrace"][0]["line"], "label": "http::panics"})
    );
}

#[tokio::test]
async fn the_first_panic_leaves_the_memory_as_it_was() {
    let server = Server::start(&release("errors"), &[]);
    server.invoke("warm-1", r#"{"mode": "ok"}"#).await.assert_ok();
    let idle = common::memory_kib(server.pid(), "VmRSS");
    let json = server.invoke("p-1", r#"{"mode": "panic"}"#).await.assert_error(404, "Panic");
    assert_eq!(json["stackTrace"][0]["label"], "errors::handler");
    let after = common::memory_kib(server.pid(), "VmRSS");
    // Reading the debug information for the frames' names took 35 MB for good.
    assert!(after < idle + 2048, "resident memory went from {idle} KiB to {after} KiB");
    for i in 0..20 {
        server.invoke(&format!("p-{i}"), r#"{"mode": "panic"}"#).await.assert_error(404, "Panic");
    }
    assert!(
        common::memory_kib(server.pid(), "VmRSS") < idle + 2048,
        "{idle} KiB, then {} KiB",
        common::memory_kib(server.pid(), "VmRSS")
    );
    println!("RELIABILITY 21 panics in the release build: resident memory within 2 MB of idle|22|0|0");
}
