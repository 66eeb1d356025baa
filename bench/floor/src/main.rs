//! The floor: the least a server can do and still answer the platform's `POST /invoke`
//! for the `hello` function. No routing, no context, no error JSON, no timer.

use std::io::Write;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::TcpListener;

#[derive(Deserialize)]
struct Event {
    key: String,
}

/// One line to stdout in one write, stdout locked.
fn log_line(line: String) {
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

async fn invoke(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let id = request
        .headers()
        .get("x-fc-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    log_line(format!("FC Invoke Start RequestId: {id}\n"));
    let body = request.into_body().collect().await?.to_bytes();
    let (status, reply) = match serde_json::from_slice::<Event>(&body) {
        Ok(event) => {
            let reply = serde_json::to_vec(&format!("hello, {}!", event.key)).unwrap_or_default();
            (StatusCode::OK, reply)
        }
        Err(e) => (StatusCode::NOT_FOUND, serde_json::to_vec(&e.to_string()).unwrap_or_default()),
    };
    log_line(format!("FC Invoke End RequestId: {id}\n"));
    let response = Response::builder()
        .status(status)
        .header("x-fc-status", status.as_str())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(reply)))
        .expect("a valid response");
    Ok(response)
}

fn port() -> u16 {
    ["FC_CUSTOM_LISTEN_PORT", "FC_SERVER_PORT"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
        .unwrap_or(9000)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind(("0.0.0.0", port())).await?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => continue,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder.keep_alive(true).header_read_timeout(None);
            let _ = builder.serve_connection(TokioIo::new(stream), service_fn(invoke)).await;
        });
    }
}
