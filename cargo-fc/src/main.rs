//! `cargo fc`: create a Function Compute function in Rust, build and package it, run it
//! locally as Function Compute would, and invoke it.

mod examples;
mod instance;
mod invoke;
mod new;
mod package;
mod project;
mod start;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// `cargo` runs `cargo-fc fc …`.
#[derive(Parser)]
#[command(name = "cargo", bin_name = "cargo", styles = ui::clap_styles())]
enum Cargo {
    Fc(Fc),
}

/// Create, build, run and invoke Alibaba Cloud Function Compute functions written in Rust.
#[derive(Args)]
#[command(
    version,
    after_help = "Examples:
  cargo fc new thumbnail            a new event function
  cargo fc new api --http           a new HTTP function (an axum app)
  cargo fc build                    target/fc/<name>/bootstrap and code.zip
  cargo fc start --watch            serve it on localhost:8000 as Function Compute would
  cargo fc invoke --example oss     send it the OSS trigger's sample event"
)]
struct Fc {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a function crate: handler, unit test, size-tuned release profile, s.yaml.
    #[command(after_help = "Examples:
  cargo fc new thumbnail
  cargo fc new api --http
  cargo fc new hello --fc-path ../fc-rs     depend on a local checkout of fc-rs")]
    New(new::NewArgs),
    /// Build a static x86_64-unknown-linux-musl release binary and package it for upload.
    #[command(after_help = "Writes target/fc/<name>/bootstrap (mode 0755) and code.zip (bootstrap at its root),
with lto, one codegen unit, strip and panic = \"unwind\" whatever the crate's profile says.

Examples:
  cargo fc build
  cargo fc build --bin worker --container   also a Dockerfile for a custom container")]
    Build(package::BuildArgs),
    /// Run the function locally as Function Compute would, on one instance.
    #[command(after_help = "HTTP requests to the port reach the function as HTTP-trigger calls; event
invocations go to POST /2023-03-30/functions/<name>/invocations (what `cargo fc invoke` sends).

Examples:
  cargo fc start
  cargo fc start --port 9100 --timeout 10 --concurrency 4 --env LOG_LEVEL=debug
  cargo fc start --watch                    rebuild and restart on source changes")]
    Start(start::StartArgs),
    /// Send an event to `cargo fc start` (or to a runtime listening on a port) and print the answer.
    #[command(after_help = "Exits 1 when the function fails, printing its error type, message and frames.

Examples:
  cargo fc invoke --data '{\"key\": \"value\"}'
  cargo fc invoke --data-file event.json
  cargo fc invoke --example oss             the OSS trigger's documented sample
  cargo fc invoke --example list            every sample event there is")]
    Invoke(invoke::InvokeArgs),
}

/// Where the crate is: `--manifest-path`, as cargo's own commands take it.
#[derive(Args, Clone, Default)]
pub(crate) struct ManifestArgs {
    /// Path to Cargo.toml.
    #[arg(long, value_name = "PATH")]
    pub(crate) manifest_path: Option<PathBuf>,
}

fn main() -> ExitCode {
    let Cargo::Fc(fc) = Cargo::parse();
    let result = match fc.command {
        Command::New(args) => new::run(args),
        Command::Build(args) => package::run(args),
        Command::Start(args) => start::run(args),
        Command::Invoke(args) => invoke::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            ui::error(&format!("{error:#}"));
            ExitCode::FAILURE
        }
    }
}
