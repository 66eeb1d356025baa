//! gRPC through the runtime with a real tonic client: the `grpc` example served over
//! h2c on the runtime's port, every kind of call (unary, server, client and bidirectional
//! streaming), errors as `grpc-status`/`grpc-message` trailers, the call's context in the
//! request, 100 concurrent streams on one connection, and HTTP/1.1 on the same port.

#[path = "../../../tests/common/mod.rs"]
mod common;
#[path = "../src/helloworld.rs"]
mod helloworld;

use common::{Server, get};
use helloworld::{GreeterClient, HelloRequest};
use tokio_stream::StreamExt as _;
use tonic::transport::{Channel, Endpoint};

const GRPC: &str = env!("CARGO_BIN_EXE_grpc");

async fn client(server: &Server) -> GreeterClient<Channel> {
    let channel = Endpoint::from_shared(format!("http://127.0.0.1:{}", server.port)).unwrap().connect().await.unwrap();
    GreeterClient::new(channel)
}

fn hello(name: &str, count: u32) -> HelloRequest {
    HelloRequest { name: name.to_owned(), count }
}

#[tokio::test]
async fn every_kind_of_call_works_with_the_context_and_trailers() {
    let server = Server::start(GRPC, &[]);
    let mut greeter = client(&server).await;

    // Unary, with the platform's headers (as the gateway sends them) and without.
    let mut request = tonic::Request::new(hello("fc", 0));
    request.metadata_mut().insert("x-fc-request-id", "grpc-1".parse().unwrap());
    request.metadata_mut().insert("x-fc-control-path", "/http-invoke".parse().unwrap());
    let reply = greeter.say_hello(request).await.unwrap();
    assert_eq!(reply.into_inner().message, "hello, fc! (grpc-1)");
    assert_eq!(greeter.say_hello(hello("plain", 0)).await.unwrap().into_inner().message, "hello, plain! ()");

    // An error: its status and message reach the caller as trailers.
    let status = greeter.say_hello(hello("", 0)).await.unwrap_err();
    assert_eq!((status.code(), status.message()), (tonic::Code::InvalidArgument, "a name is needed"));

    // Server streaming.
    let mut replies = greeter.say_hellos(hello("many", 5)).await.unwrap().into_inner();
    let mut messages = Vec::new();
    while let Some(reply) = replies.next().await {
        messages.push(reply.unwrap().message);
    }
    assert_eq!(messages, (0..5).map(|i| format!("hello #{i}, many!")).collect::<Vec<_>>());

    // Client streaming.
    let names = tokio_stream::iter(["a", "b", "c"].map(|n| hello(n, 0)));
    assert_eq!(greeter.collect_hellos(names).await.unwrap().into_inner().message, "hello, a, b, c!");

    // Bidirectional: each reply arrives before the next request is sent.
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let mut replies = greeter.chat(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    for name in ["x", "y", "z"] {
        tx.send(hello(name, 0)).await.unwrap();
        assert_eq!(replies.next().await.unwrap().unwrap().message, format!("hi, {name}"));
    }
    drop(tx);
    assert!(replies.next().await.is_none());

    // The runtime's log lines name the calls.
    server.wait_for_line(|l| l == "FC Invoke Start RequestId: grpc-1");
}

#[tokio::test]
async fn a_hundred_concurrent_streams_share_one_connection_beside_http1() {
    let server = Server::start(GRPC, &[]);
    let greeter = client(&server).await;
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let mut greeter = greeter.clone();
            tokio::spawn(async move {
                let mut replies = greeter.say_hellos(hello(&format!("n{i}"), 3)).await.unwrap().into_inner();
                let mut count = 0;
                while let Some(reply) = replies.next().await {
                    reply.unwrap();
                    count += 1;
                }
                count
            })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap(), 3);
    }
    // HTTP/1.1 on the same port: the service answers a plain request too.
    let reply = server.send(get("/helloworld.Greeter/Nothing").control_path("/http-invoke").empty()).await;
    assert_eq!((reply.status, reply.header("grpc-status")), (200, Some("12")));
}

/// Writes `first`, then, after a pause, `rest` on a new connection; returns what the server
/// sent back within a second.
fn in_two_pieces(server: &Server, first: &[u8], rest: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(1))).unwrap();
    stream.write_all(first).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    stream.write_all(rest).unwrap();
    let mut received = Vec::new();
    let mut buf = [0; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        received.extend_from_slice(&buf[..n]);
    }
    received
}

#[test]
fn a_connection_whose_first_bytes_come_in_pieces_is_told_apart_all_the_same() {
    let server = Server::start(GRPC, &[]);
    // HTTP/2's preface cut in two, then an empty SETTINGS frame: the server's first frame
    // is its own SETTINGS (type 4, on stream 0).
    let settings = [0, 0, 0, 4, 0, 0, 0, 0, 0];
    let received = in_two_pieces(&server, b"PRI * HTTP/2.0\r\n", &[&b"\r\nSM\r\n\r\n"[..], &settings].concat());
    assert!(received.len() >= 9, "{received:?}");
    assert_eq!((received[3], &received[5..9]), (4, &[0, 0, 0, 0][..]), "{received:?}");
    // An HTTP/1.1 request whose first byte could begin the preface, and comes alone.
    let rest = b"OST /helloworld.Greeter/Nothing HTTP/1.1\r\nx-fc-control-path: /http-invoke\r\n\
                 content-length: 0\r\nconnection: close\r\n\r\n";
    let received = String::from_utf8(in_two_pieces(&server, b"P", rest)).unwrap();
    assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
    assert!(received.to_ascii_lowercase().contains("grpc-status: 12\r\n"), "{received}");
}
