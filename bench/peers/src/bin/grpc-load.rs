//! `grpc-load`: unary gRPC calls (`helloworld.Greeter/SayHello`) on one HTTP/2 connection
//! (cleartext, prior knowledge), as the platform's gateway carries them to an instance,
//! with `streams` calls in flight at any time, for `seconds`. Prints one line:
//! `GRPC_RESULT calls=… duration_us=… errors=… p50_us=… p99_us=…`.
//!
//!     grpc-load PORT STREAMS SECONDS
//!
//! The client is h2 itself with each request made once: the load costs as little as it
//! can, so that the server is what is measured. Every call sends the platform's
//! `x-fc-request-id` and `x-fc-control-path: /http-invoke`; an answer counts only with
//! `grpc-status: 0` in its trailers and a reply message.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request};

/// `HelloRequest { name: "fc" }`, gRPC-framed: not compressed, 4-byte length, the message.
const MESSAGE: &[u8] = &[0, 0, 0, 0, 4, 0x0a, 2, b'f', b'c'];

fn request(port: u16, id: &str) -> Request<()> {
    Request::builder()
        .method(Method::POST)
        .uri(format!("http://127.0.0.1:{port}/helloworld.Greeter/SayHello"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("x-fc-request-id", id)
        .header("x-fc-control-path", "/http-invoke")
        .body(())
        .unwrap()
}

/// One call: `Ok` when the answer is a reply with `grpc-status: 0`.
async fn call(client: &mut h2::client::SendRequest<Bytes>, request: Request<()>) -> Result<(), String> {
    let (answer, mut send) = client.send_request(request, false).map_err(|e| e.to_string())?;
    send.send_data(Bytes::from_static(MESSAGE), true).map_err(|e| e.to_string())?;
    let answer = answer.await.map_err(|e| e.to_string())?;
    let (head, mut body) = answer.into_parts();
    if head.status != 200 {
        return Err(format!("status {}", head.status));
    }
    let mut received = 0;
    while let Some(data) = body.data().await {
        let data = data.map_err(|e| e.to_string())?;
        received += data.len();
        let _ = body.flow_control().release_capacity(data.len());
    }
    let trailers = body.trailers().await.map_err(|e| e.to_string())?;
    let status = trailers.as_ref().and_then(|t| t.get("grpc-status")).or_else(|| head.headers.get("grpc-status"));
    match status.map(|s| s.as_bytes()) {
        Some(b"0") if received > 5 => Ok(()),
        other => Err(format!("grpc-status {other:?}, {received} bytes")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [port, streams, seconds] = args.as_slice() else {
        eprintln!("usage: grpc-load PORT STREAMS SECONDS");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("PORT");
    let streams: usize = streams.parse().expect("STREAMS");
    let seconds: f64 = seconds.parse().expect("SECONDS");

    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    tcp.set_nodelay(true).unwrap();
    let (client, connection) = h2::client::Builder::new()
        .initial_window_size(1 << 20)
        .initial_connection_window_size(1 << 24)
        .handshake::<_, Bytes>(tcp)
        .await
        .expect("the HTTP/2 handshake");
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            eprintln!("grpc-load: the connection ended: {error}");
        }
    });

    let started = Instant::now();
    let end = started + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = (0..streams)
        .map(|task| {
            let mut client = client.clone();
            // Distinct request ids, made once.
            let requests: Vec<Request<()>> =
                (0..256).map(|k| request(port, &format!("bench-grpc-{task}-{k:04}-5f0c-4e1b-9a7d"))).collect();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                let mut k = 0;
                while Instant::now() < end {
                    client = client.ready().await.expect("the connection");
                    let request = requests[k % requests.len()].clone();
                    k += 1;
                    let sent = Instant::now();
                    match call(&mut client, request).await {
                        Ok(()) => latencies.push(sent.elapsed().as_micros() as u32),
                        Err(error) => {
                            if errors == 0 {
                                eprintln!("grpc-load: {error}");
                            }
                            errors += 1;
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mine, failed) = task.await.expect("a load task");
        latencies.extend(mine);
        errors += failed;
    }
    let duration = started.elapsed();
    latencies.sort_unstable();
    let at = |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)));
    println!(
        "GRPC_RESULT calls={} duration_us={} errors={} p50_us={} p99_us={}",
        latencies.len(),
        duration.as_micros(),
        errors,
        at(0.50).copied().unwrap_or(0),
        at(0.99).copied().unwrap_or(0),
    );
}
