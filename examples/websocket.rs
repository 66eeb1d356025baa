//! `websocket`: an HTTP function with a WebSocket route. `/ws` echoes every text message
//! (`echo: <text>`) for as long as the socket is open; the call's context is there, as in
//! any route.

use axum::Router;
use axum::extract::Extension;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;

async fn ws(upgrade: WebSocketUpgrade, Extension(ctx): Extension<fc::Context>) -> Response {
    let request_id = ctx.request_id().to_owned();
    upgrade.on_upgrade(move |socket| echo(socket, request_id))
}

async fn echo(mut socket: WebSocket, request_id: String) {
    log::info!("socket {request_id} open");
    while let Some(Ok(message)) = socket.recv().await {
        match message {
            Message::Text(text) => {
                let answer = format!("echo: {}", text.as_str());
                if socket.send(Message::Text(answer.into())).await.is_err() {
                    break;
                }
            }
            Message::Close(frame) => {
                log::info!("socket {request_id} closed: {:?}", frame.map(|f| f.code));
                break;
            }
            _ => {}
        }
    }
    log::info!("socket {request_id} ended");
}

fn main() -> std::io::Result<()> {
    let app = Router::new().route("/ws", get(ws)).route("/", get(|| async { "websocket example: connect to /ws" }));
    fc::Runtime::new().http(app).run()
}
