// All four attributes, sync and async, with and without the context.
use std::sync::atomic::{AtomicU32, Ordering};

static STATE: AtomicU32 = AtomicU32::new(0);

#[fc::initializer]
async fn init(ctx: &fc::Context) -> fc::Result<()> {
    assert_eq!(ctx.kind(), fc::CallKind::Initialize);
    STATE.store(10, Ordering::SeqCst);
    Ok(())
}

#[fc::handler]
fn handler() -> u32 {
    STATE.fetch_add(1, Ordering::SeqCst) + 1
}

#[fc::pre_freeze]
async fn freeze(_ctx: fc::Context) {
    STATE.fetch_add(100, Ordering::SeqCst);
}

#[fc::pre_stop]
fn stop() -> Result<(), std::io::Error> {
    Err(std::io::Error::other("cannot flush"))
}

fn main() {
    assert_eq!(fc_ui_tests::call("POST", "/initialize", "").ok(), "");
    assert_eq!(fc_ui_tests::invoke("").ok(), "11");
    assert_eq!(fc_ui_tests::call("GET", "/pre-freeze", "").ok(), "");
    assert_eq!(STATE.load(Ordering::SeqCst), 111);
    assert_eq!(fc_ui_tests::call("GET", "/pre-stop", "").error("io::Error"), "cannot flush");
}
