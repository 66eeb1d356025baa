// Hooks with no parameter at all; an initializer that an `/invoke` runs first.
use std::sync::atomic::{AtomicBool, Ordering};

static READY: AtomicBool = AtomicBool::new(false);

#[fc::initializer]
fn init() {
    READY.store(true, Ordering::SeqCst);
}

#[fc::handler]
async fn handler() -> bool {
    READY.load(Ordering::SeqCst)
}

#[fc::pre_stop]
async fn stop() -> anyhow::Result<()> {
    Ok(())
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("").ok(), "true");
    assert_eq!(fc_ui_tests::call("GET", "/pre-stop", "").ok(), "");
}
