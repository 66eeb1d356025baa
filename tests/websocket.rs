//! WebSocket through the runtime, with a real client (tokio-tungstenite): the `websocket`
//! example's `/ws` echoes text both ways, with the control path and without it, the call's
//! context there; an idle socket stays open; at SIGTERM an open socket keeps working for
//! the grace, then gets a close frame 1001 (going away), and the process exits.

mod common;

use std::time::Duration;

use common::Server;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const WEBSOCKET: &str = env!("CARGO_BIN_EXE_websocket");

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn connect(server: &Server, control_path: bool, request_id: &str) -> Socket {
    let mut request = format!("ws://127.0.0.1:{}/ws", server.port).into_client_request().unwrap();
    request.headers_mut().insert("x-fc-request-id", request_id.parse().unwrap());
    if control_path {
        request.headers_mut().insert("x-fc-control-path", "/http-invoke".parse().unwrap());
    }
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    let (socket, response) = tokio_tungstenite::client_async(request, stream).await.unwrap();
    assert_eq!(response.status(), 101);
    socket
}

async fn echo(socket: &mut Socket, text: &str) {
    socket.send(Message::text(text)).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(answer, Message::text(format!("echo: {text}")));
}

#[tokio::test]
async fn text_flows_both_ways_with_and_without_the_control_path() {
    let server = Server::start(WEBSOCKET, &[]);
    let mut with = connect(&server, true, "ws-1").await;
    let mut without = connect(&server, false, "ws-2").await;
    for i in 0..20 {
        echo(&mut with, &format!("with {i}")).await;
        echo(&mut without, &format!("without {i}")).await;
    }
    // A message of 100 KB, and an idle pause.
    echo(&mut with, &"x".repeat(100_000)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    echo(&mut with, "after a pause").await;
    // The call's context was there: the socket's log lines carry its request id.
    server.wait_for_line(|l| l.contains("[INFO] socket ws-1 open"));
    server.wait_for_line(|l| l.contains("[INFO] socket ws-2 open"));
    with.close(Some(CloseFrame { code: CloseCode::Normal, reason: "done".into() })).await.unwrap();
    server.wait_for_line(|l| l.contains("socket ws-1 closed: Some(1000)"));
    // Plain HTTP goes on beside the sockets.
    let reply = server.send(common::get("/").empty()).await;
    assert_eq!(reply.assert_http_ok().text(), "websocket example: connect to /ws");
    echo(&mut without, "still open").await;
}

#[tokio::test]
async fn at_sigterm_open_sockets_get_going_away_after_the_grace_and_the_process_exits() {
    let mut server = Server::start(WEBSOCKET, &[]);
    let mut socket = connect(&server, true, "ws-3").await;
    echo(&mut socket, "before").await;
    server.signal(libc::SIGTERM);
    // Within the grace (10 s by default), the socket works as before.
    tokio::time::sleep(Duration::from_secs(1)).await;
    echo(&mut socket, "during the grace").await;
    let next = tokio::time::timeout(Duration::from_secs(20), socket.next())
        .await
        .expect("a close frame within the grace and a second");
    let close = match next {
        Some(Ok(Message::Close(frame))) => frame,
        Some(Ok(other)) => panic!("expected a close frame, got {other:?}"),
        Some(Err(error)) => panic!("expected a close frame, got {error}:\n{}\n{}", server.stdout(), server.stderr()),
        None => panic!("the socket ended without a close frame"),
    };
    assert_eq!(close.map(|f| f.code), Some(CloseCode::Away));
    let status = server.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "{status}");
    assert!(server.stdout().contains("socket ws-3 closed: Some(1001)"), "{}", server.stdout());
}
