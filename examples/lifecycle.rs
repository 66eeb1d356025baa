//! `lifecycle`: the initializer sets a counter to 1000; each call adds 1 and returns the
//! counter; the pre-freeze and pre-stop hooks log a line each. All four attributes, sync
//! and async.
//!
//! For the tests, `LIFECYCLE_FLAKY_INIT=1` makes the initializer panic on its first
//! attempt and fail on its second, and `LIFECYCLE_PANIC_HOOKS=1` makes both hooks panic.

use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::Duration;

use fc::Context;

static COUNTER: AtomicI64 = AtomicI64::new(0);
static ATTEMPTS: AtomicU32 = AtomicU32::new(0);

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

/// A sync initializer: it runs on the blocking pool, so it may block (here, to make
/// concurrent calls overlap it).
#[fc::initializer]
fn initialize(ctx: &Context) -> fc::Result<()> {
    let attempt = ATTEMPTS.fetch_add(1, Ordering::SeqCst) + 1;
    log::info!("initializer running ({:?}), attempt {attempt}, request {}", ctx.kind(), ctx.request_id());
    std::thread::sleep(Duration::from_millis(300));
    if flag("LIFECYCLE_FLAKY_INIT") {
        match attempt {
            1 => panic!("initializer panicked on attempt 1"),
            2 => return Err(fc::Error::new("InitError", "initializer failed on attempt 2")),
            _ => {}
        }
    }
    COUNTER.store(1000, Ordering::SeqCst);
    Ok(())
}

#[fc::handler]
async fn count() -> i64 {
    COUNTER.fetch_add(1, Ordering::SeqCst) + 1
}

#[fc::pre_freeze]
fn pre_freeze(ctx: &Context) {
    log::info!("pre-freeze: counter is {} for {}", COUNTER.load(Ordering::SeqCst), ctx.request_id());
    if flag("LIFECYCLE_PANIC_HOOKS") {
        panic!("pre-freeze panicked");
    }
}

#[fc::pre_stop]
async fn pre_stop() -> fc::Result<()> {
    let counter = COUNTER.load(Ordering::SeqCst);
    tracing::info!(counter, "pre-stop: counter is {counter}");
    if flag("LIFECYCLE_PANIC_HOOKS") {
        panic!("pre-stop panicked");
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    fc::run()
}
