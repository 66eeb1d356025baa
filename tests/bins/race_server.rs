//! `race-server`: the control case of the keep-alive tests (`scripts/keepalive/run.sh`).
//!
//! A small HTTP/1.1 keep-alive server that answers every request with 200, the body
//! `"ok"` and `x-fc-status: 200`, but breaks reused connections the way the reverse-proxy
//! keep-alive race does: once a connection has served a request and then sat idle for
//! more than `RACE_IDLE_MS` milliseconds (default 1000; 0 breaks every reuse), the next
//! request on it is read in full and the socket is closed without an answer. To the proxy
//! (or client) that sent it, this is exactly what happens when the server closes an idle
//! connection just as the next request crosses the close on the wire: the request went
//! out and the connection ended with no response. nginx answers such a non-idempotent
//! POST with 502 under `proxy_next_upstream off`; a plain client sees a broken connection.
//!
//! Unlike a server with an idle timeout, it never closes an idle connection by itself, so
//! a proxy cannot notice the close early and quietly drop the connection from its pool:
//! every reuse after an idle gap fails.
//!
//! It listens on `127.0.0.1:$FC_SERVER_PORT` (default 9000), uses only `std`, and logs one
//! line per broken connection to stderr.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The longest request head accepted, in bytes.
const MAX_HEAD: usize = 64 * 1024;

static CONNECTIONS: AtomicU64 = AtomicU64::new(0);
static ANSWERED: AtomicU64 = AtomicU64::new(0);
static BROKEN: AtomicU64 = AtomicU64::new(0);

/// What the request head says about the body and the connection.
struct Head {
    request_line: String,
    content_length: usize,
    chunked: bool,
    close: bool,
    expect_continue: bool,
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value.trim().parse().unwrap_or_else(|_| {
            eprintln!("race-server: {name}={value:?} is not a number, using {default}");
            default
        }),
        Err(_) => default,
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

/// Reads one line ending in LF; `Ok(None)` at a clean end of stream.
fn read_line(reader: &mut BufReader<TcpStream>, budget: &mut usize) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let read = reader.by_ref().take(*budget as u64 + 1).read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(None);
    }
    if read > *budget || !line.ends_with(b"\n") {
        return Err(invalid("request head too long or truncated"));
    }
    *budget -= read;
    let text = String::from_utf8_lossy(&line);
    Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()))
}

/// Reads a request head; `Ok(None)` if the peer closed the connection between requests.
fn read_head(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Head>> {
    let mut budget = MAX_HEAD;
    // Tolerate empty lines before the request line (RFC 9112 section 2.2).
    let request_line = loop {
        match read_line(reader, &mut budget)? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let http10 = request_line.ends_with("HTTP/1.0");
    let mut head = Head { request_line, content_length: 0, chunked: false, close: http10, expect_continue: false };
    loop {
        let line = read_line(reader, &mut budget)?.ok_or_else(|| invalid("connection closed inside a request head"))?;
        if line.is_empty() {
            return Ok(Some(head));
        }
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim().to_ascii_lowercase();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => head.content_length = value.parse().map_err(|_| invalid("bad content-length"))?,
            "transfer-encoding" => head.chunked = value.split(',').any(|v| v.trim() == "chunked"),
            "connection" => {
                for token in value.split(',').map(str::trim) {
                    match token {
                        "close" => head.close = true,
                        "keep-alive" if http10 => head.close = false,
                        _ => {}
                    }
                }
            }
            "expect" => head.expect_continue = value == "100-continue",
            _ => {}
        }
    }
}

/// Reads and discards the request body.
fn read_body(reader: &mut BufReader<TcpStream>, head: &Head) -> io::Result<()> {
    if !head.chunked {
        let copied = io::copy(&mut reader.by_ref().take(head.content_length as u64), &mut io::sink())?;
        if copied as usize != head.content_length {
            return Err(invalid("connection closed inside a request body"));
        }
        return Ok(());
    }
    loop {
        let mut budget = MAX_HEAD;
        let line = read_line(reader, &mut budget)?.ok_or_else(|| invalid("connection closed inside a chunk"))?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                let line = read_line(reader, &mut budget)?.ok_or_else(|| invalid("connection closed in trailers"))?;
                if line.is_empty() {
                    return Ok(());
                }
            }
        }
        let copied = io::copy(&mut reader.by_ref().take(size as u64 + 2), &mut io::sink())?;
        if copied as usize != size + 2 {
            return Err(invalid("connection closed inside a chunk"));
        }
    }
}

fn serve(stream: TcpStream, idle_limit: Duration) -> io::Result<()> {
    let id = CONNECTIONS.fetch_add(1, Ordering::Relaxed) + 1;
    let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_else(|_| "?".into());
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut served = 0u64;
    let mut last_answer = Instant::now();
    loop {
        let Some(head) = read_head(&mut reader)? else { return Ok(()) };
        let idle = last_answer.elapsed();
        if served > 0 && idle > idle_limit {
            // The race: the request has arrived on a connection that, as far as the server
            // is concerned, is gone. Take it in and close without a word.
            if !head.expect_continue {
                let _ = read_body(&mut reader, &head);
            }
            let broken = BROKEN.fetch_add(1, Ordering::Relaxed) + 1;
            eprintln!(
                "race-server: connection {id} from {peer}: request {} ({:?}) arrived after {} ms idle; \
                 closing without an answer (broken so far: {broken})",
                served + 1,
                head.request_line,
                idle.as_millis()
            );
            let _ = writer.shutdown(Shutdown::Both);
            return Ok(());
        }
        if head.expect_continue {
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        read_body(&mut reader, &head)?;
        let connection = if head.close { "close" } else { "keep-alive" };
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-fc-status: 200\r\n\
             content-length: 4\r\nconnection: {connection}\r\n\r\n\"ok\""
        );
        writer.write_all(response.as_bytes())?;
        writer.flush()?;
        served += 1;
        ANSWERED.fetch_add(1, Ordering::Relaxed);
        last_answer = Instant::now();
        if head.close {
            let _ = writer.shutdown(Shutdown::Write);
            return Ok(());
        }
    }
}

fn main() -> io::Result<()> {
    let port = env_u64("FC_SERVER_PORT", 9000);
    let port = u16::try_from(port).map_err(|_| invalid("FC_SERVER_PORT out of range"))?;
    let idle_limit = Duration::from_millis(env_u64("RACE_IDLE_MS", 1000));
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    eprintln!(
        "race-server: listening on {}; breaking reused connections idle for more than {} ms",
        listener.local_addr()?,
        idle_limit.as_millis()
    );
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                eprintln!("race-server: accept failed: {error}");
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        thread::spawn(move || {
            if let Err(error) = serve(stream, idle_limit) {
                eprintln!("race-server: connection error: {error}");
            }
        });
    }
    Ok(())
}
