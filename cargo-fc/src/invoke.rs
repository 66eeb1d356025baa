//! `cargo fc invoke`: sends an event to `cargo fc start` — or straight to a runtime
//! listening on a port — and prints the answer, or the function's error.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt as _, Full};

use crate::project::Project;
use crate::{ManifestArgs, examples, ui};

#[derive(Args)]
#[command(group = clap::ArgGroup::new("event").args(["data", "data_file", "example"]))]
pub(crate) struct InvokeArgs {
    /// The event, as JSON text.
    #[arg(long, value_name = "JSON")]
    data: Option<String>,
    /// The event, read from a file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    data_file: Option<PathBuf>,
    /// A trigger's sample event (`list` lists them).
    #[arg(long, value_name = "NAME")]
    example: Option<String>,
    /// The port of `cargo fc start`, or of a runtime itself.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// The host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The function's name (else the package's binary, else `function`).
    #[arg(long, value_name = "NAME")]
    function: Option<String>,
    #[command(flatten)]
    manifest: ManifestArgs,
}

pub(crate) fn run(args: InvokeArgs) -> anyhow::Result<ExitCode> {
    let (body, content_type) = match (&args.data, &args.data_file, &args.example) {
        (Some(data), _, _) => (data.clone().into_bytes(), "application/json"),
        (_, Some(file), _) if file.as_os_str() == "-" => {
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut body).context("could not read stdin")?;
            (body, "application/json")
        }
        (_, Some(file), _) => (
            std::fs::read(file)
                .with_context(|| format!("`cargo fc invoke --data-file`: could not read {}", file.display()))?,
            "application/json",
        ),
        (_, _, Some(name)) if name == "list" => {
            print!("{}", examples::list());
            return Ok(ExitCode::SUCCESS);
        }
        (_, _, Some(name)) => {
            let Some(example) = examples::find(name) else {
                bail!("`cargo fc invoke --example {name}`: there is no such example; these are:\n{}", examples::list());
            };
            (example.body(), example.content_type())
        }
        (None, None, None) => (Vec::new(), "application/json"),
    };
    let function = match &args.function {
        Some(name) => name.clone(),
        None => Project::load(args.manifest.manifest_path.as_deref(), "invoke")
            .ok()
            .and_then(|project| project.bin(None, "invoke").ok())
            .unwrap_or_else(|| "function".to_owned()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(send(&args.host, args.port, &function, body, content_type))
}

async fn send(host: &str, port: u16, function: &str, body: Vec<u8>, content_type: &str) -> anyhow::Result<ExitCode> {
    let stream = tokio::net::TcpStream::connect((host, port)).await.with_context(|| {
        format!(
            "`cargo fc invoke`: nothing listens on {host}:{port}: start the function with `cargo fc start` \
             (or say `--port`)"
        )
    })?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request_id = crate::start::request_id();
    // The API path reaches `cargo fc start`; the control path makes a runtime itself take
    // it as `/invoke`.
    let request = http::Request::post(format!("/2023-03-30/functions/{function}/invocations"))
        .header("host", format!("{host}:{port}"))
        .header("content-type", content_type)
        .header("x-fc-control-path", "/invoke")
        .header("x-fc-request-id", &request_id)
        .body(Full::new(Bytes::from(body)))?;
    let response = sender.send_request(request).await.context("`cargo fc invoke`: the call failed")?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.context("`cargo fc invoke`: the answer broke off")?.to_bytes();
    let failed = parts.headers.contains_key("x-fc-error-type")
        || parts.headers.get("x-fc-status").is_some_and(|v| v != "200")
        || !parts.status.is_success();
    if failed {
        print_error(parts.status, &body);
        return Ok(ExitCode::FAILURE);
    }
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(json) => println!("{}", serde_json::to_string_pretty(&json)?),
        Err(_) if body.is_empty() => {}
        Err(_) => println!("{}", String::from_utf8_lossy(&body)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The function's error: its type and message, then its frames.
fn print_error(status: http::StatusCode, body: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        ui::error(&format!("the call failed with {status}: {}", String::from_utf8_lossy(body)));
        return;
    };
    let kind = json["errorType"].as_str().or(json["errorCode"].as_str()).unwrap_or("Error");
    let message = json["errorMessage"].as_str().unwrap_or("");
    anstream::println!("{}: {message}", ui::red(kind));
    if let Some(frames) = json["stackTrace"].as_array() {
        for frame in frames {
            let label = frame["label"].as_str().unwrap_or("?");
            match (frame["path"].as_str(), frame["line"].as_u64()) {
                (Some(path), Some(line)) => println!("    at {label} ({path}:{line})"),
                (Some(path), None) => println!("    at {label} ({path})"),
                _ => println!("    at {label}"),
            }
        }
    }
    ui::error(&format!("the function failed ({kind})"));
}
