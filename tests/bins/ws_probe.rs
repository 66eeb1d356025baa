//! Not an example: a WebSocket client for the scripts (tokio-tungstenite), which checks
//! the `websocket` example's echo through whatever is in front of it.
//!
//!     ws-probe URL IDLE_SECONDS
//!
//! Connects (with the `x-fc-*` headers the platform would add), has 20 messages echoed,
//! stays idle for IDLE_SECONDS, has 20 more echoed, and closes. Exits 1 on any failure.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

async fn echo(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    text: &str,
) -> Result<(), String> {
    socket.send(Message::text(text)).await.map_err(|e| format!("send: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
        Ok(Some(Ok(Message::Text(answer)))) if answer.as_str() == format!("echo: {text}") => Ok(()),
        other => Err(format!("expected `echo: {text}`, got {other:?}")),
    }
}

async fn probe(url: &str, idle: u64) -> Result<(), String> {
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert("x-fc-request-id", "ws-probe".parse().unwrap());
    let (mut socket, response) =
        tokio_tungstenite::connect_async(request).await.map_err(|e| format!("connect: {e}"))?;
    if response.status() != 101 {
        return Err(format!("the upgrade was answered {}", response.status()));
    }
    for i in 0..20 {
        echo(&mut socket, &format!("before {i}")).await?;
    }
    tokio::time::sleep(Duration::from_secs(idle)).await;
    for i in 0..20 {
        echo(&mut socket, &format!("after {i}")).await?;
    }
    socket.close(None).await.map_err(|e| format!("close: {e}"))?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(idle)) = (args.get(1), args.get(2).and_then(|s| s.parse().ok())) else {
        eprintln!("usage: ws-probe URL IDLE_SECONDS");
        return std::process::ExitCode::from(2);
    };
    match probe(url, idle).await {
        Ok(()) => {
            println!("ws-probe: 40 messages echoed across an idle gap of {idle} s");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("ws-probe: FAIL: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
