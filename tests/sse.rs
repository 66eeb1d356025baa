//! Server-sent events and streamed answers over the real protocol: the `sse` example's
//! events reach the caller one at a time, each before the next is produced, and a long
//! stream read slowly holds no memory per event in the server.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Server, get};
use http_body_util::BodyExt;

const SSE: &str = env!("CARGO_BIN_EXE_sse");

/// Milliseconds since the epoch of a log line's `2026-11-23T01:00:36.002Z`.
fn log_time_ms(stamp: &str) -> u64 {
    let (date, time) = stamp.trim_end_matches('Z').split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let (hms, ms) = time.split_once('.').unwrap();
    let t: Vec<i64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    // Days from the civil date (proleptic Gregorian).
    let (y, m) = if d[1] <= 2 { (d[0] - 1, d[1] + 9) } else { (d[0], d[1] - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]) * 1000 + ms.parse::<i64>().unwrap()) as u64
}

async fn open(server: &Server, path: &str, request_id: &str) -> hyper::body::Incoming {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let response =
        sender.send_request(get(path).control_path("/http-invoke").request_id(request_id).empty()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert!(response.headers().get("x-fc-status").is_none(), "{:?}", response.headers());
    assert!(response.headers().get("content-length").is_none(), "{:?}", response.headers());
    response.into_body()
}

#[tokio::test]
async fn each_event_reaches_the_caller_before_the_next_is_produced() {
    let server = Server::start(SSE, &[]);
    let mut body = open(&server, "/events?n=3", "s1").await;
    let mut text = String::new();
    let mut first_seen_ms = None;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame.unwrap().data_ref() {
            text.push_str(std::str::from_utf8(data).unwrap());
        }
        if first_seen_ms.is_none() && text.contains("data: event 0\n\n") {
            first_seen_ms = Some(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64);
        }
    }
    for i in 0..3 {
        assert!(text.contains(&format!("id: {i}\ndata: event {i}\n\n")), "{text}");
    }
    // The server's own clock says when it produced event 1: after the caller had event 0.
    let line = server.wait_for_line(|l| l.contains("[INFO] s1: producing event 1"));
    let produced_ms = log_time_ms(line.split(' ').next().unwrap());
    let seen_ms = first_seen_ms.expect("event 0 arrived");
    assert!(seen_ms <= produced_ms, "event 0 arrived at {seen_ms}, after event 1 was produced at {produced_ms}");
}

#[tokio::test]
async fn a_long_stream_read_slowly_holds_no_memory_per_event() {
    let server = Server::start(SSE, &[]);
    let mut warm = open(&server, "/events?n=2&interval_ms=0", "warm").await;
    while warm.frame().await.is_some() {}
    let before = common::memory_kib(server.pid(), "VmHWM");
    let events = 200_000;
    let mut body = open(&server, &format!("/events?n={events}&interval_ms=0"), "long").await;
    let (mut bytes, mut frames, mut seen, mut tail) = (0usize, 0usize, 0usize, Vec::new());
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame.unwrap().data_ref() {
            bytes += data.len();
            // Events counted across frame boundaries.
            tail.extend_from_slice(data);
            seen += tail.windows(2).filter(|w| w == b"\n\n").count();
            let keep = tail.len().min(1);
            tail.drain(..tail.len() - keep);
        }
        // Slowly at first: a server that kept events would hold them meanwhile.
        frames += 1;
        if frames < 1000 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    assert_eq!(seen, events);
    let grown = common::memory_kib(server.pid(), "VmHWM").saturating_sub(before);
    assert!(bytes > 5 << 20, "{bytes} bytes");
    assert!(grown < 4 * 1024, "the server's peak memory grew by {grown} KiB over {bytes} bytes of events");
}
