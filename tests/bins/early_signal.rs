//! Signals itself (`EARLY_SIGNAL=TERM` or `INT`) right after `fc::Runtime::new()`, before
//! `run()`: the earliest a signal can concern the runtime. The tests expect exit 0.

#[fc::handler]
async fn handler() {}

fn main() -> std::io::Result<()> {
    let runtime = fc::Runtime::new();
    let signal = std::env::var("EARLY_SIGNAL").unwrap_or_else(|_| "TERM".to_owned());
    let pid = std::process::id().to_string();
    // `kill` returns once the signal is sent; it is delivered before this process goes on.
    let sent = std::process::Command::new("kill").args([&format!("-{signal}"), &pid]).status()?;
    assert!(sent.success(), "kill -{signal} failed");
    runtime.run()
}
