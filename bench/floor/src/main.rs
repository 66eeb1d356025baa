//! The floor: the least a server can do and still answer the platform's `POST /invoke`
//! for the `hello` function. No routing, no context, no error JSON, no timer; header
//! names made at compile time, log lines built without formatting.

use std::io::Write;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::TcpListener;

#[derive(Deserialize)]
struct Event {
    key: String,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-fc-request-id");
const X_FC_STATUS: HeaderName = HeaderName::from_static("x-fc-status");

/// `FC Invoke <what> RequestId: <id>` to stdout in one write, stdout locked.
fn log_line(what: &str, id: &[u8]) {
    let mut line = Vec::with_capacity(32 + id.len());
    line.extend_from_slice(b"FC Invoke ");
    line.extend_from_slice(what.as_bytes());
    line.extend_from_slice(b" RequestId: ");
    line.extend_from_slice(id);
    line.push(b'\n');
    let _ = std::io::stdout().lock().write_all(&line);
}

async fn invoke(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let id = request.headers().get(REQUEST_ID).cloned().unwrap_or(HeaderValue::from_static(""));
    log_line("Start", id.as_bytes());
    let body = request.into_body().collect().await?.to_bytes();
    let (status, reply) = match serde_json::from_slice::<Event>(&body) {
        Ok(event) => {
            let reply = serde_json::to_vec(&format!("hello, {}!", event.key)).unwrap_or_default();
            (StatusCode::OK, reply)
        }
        Err(e) => (StatusCode::NOT_FOUND, serde_json::to_vec(&e.to_string()).unwrap_or_default()),
    };
    log_line("End", id.as_bytes());
    let mut response = Response::new(Full::new(Bytes::from(reply)));
    *response.status_mut() = status;
    let status_value = if status == StatusCode::OK { "200" } else { "404" };
    response.headers_mut().insert(X_FC_STATUS, HeaderValue::from_static(status_value));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
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
            // The protocol demands as many header fields as 8 KB of caller headers hold,
            // plus the platform's: the same limit as fc's.
            let mut builder = http1::Builder::new();
            builder.keep_alive(true).header_read_timeout(None).max_headers(2048 + 64);
            let _ = builder.serve_connection(TokioIo::new(stream), service_fn(invoke)).await;
        });
    }
}
