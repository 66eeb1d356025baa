//! `errors`: input `{"mode": "ok" | "error" | "panic"}`; `ok` returns `"ok"`, `error`
//! returns a `ValidationError`, `panic` panics with the message `boom`.
//!
//! More modes, for the tests: `sleep` (waits `ms` milliseconds, then returns `"ok"`),
//! `anyhow` (an `anyhow::Error` with context, boxed as the handler's error type),
//! `explicit` (an `fc::Error` with its own `errorType`), `panic_any` (a panic whose
//! payload is not a string), `loud` (an error whose `Display` panics), and any other
//! mode (a `String` error).

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

#[derive(Deserialize)]
struct Input {
    mode: String,
    #[serde(default)]
    ms: u64,
}

#[derive(Debug)]
struct ValidationError {
    mode: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mode `{}` is not valid", self.mode)
    }
}

impl std::error::Error for ValidationError {}

/// An error whose `Display` panics.
#[derive(Debug)]
struct Loud;

impl fmt::Display for Loud {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("formatting the error panicked")
    }
}

impl std::error::Error for Loud {}

#[fc::handler]
async fn handler(input: Input) -> Result<&'static str, Box<dyn std::error::Error + Send + Sync>> {
    match input.mode.as_str() {
        "ok" => Ok("ok"),
        "error" => Err(ValidationError { mode: input.mode }.into()),
        "panic" => panic!("boom"),
        "panic_any" => std::panic::panic_any(42_u32),
        "sleep" => {
            tokio::time::sleep(Duration::from_millis(input.ms)).await;
            Ok("ok")
        }
        "anyhow" => Err(anyhow::Error::new(ValidationError { mode: input.mode }).context("checking the input").into()),
        "explicit" => Err(fc::Error::new("QuotaExceeded", "too many calls").into()),
        "loud" => Err(Box::new(Loud)),
        _ => Err(format!("unknown mode `{}`", input.mode).into()),
    }
}

fn main() -> std::io::Result<()> {
    fc::run()
}
