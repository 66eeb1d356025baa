//! A connection's bytes on their way to hyper (`fc::__private::read_in_pieces`, the
//! runtime's `heads`): whatever the bytes, however they arrive.
//!
//! Nothing panics; what hyper reads does not depend on how the stream was cut into pieces
//! or on hyper's buffer size; and a stream with too few lines for any head to have more
//! than 100 fields reaches hyper unchanged.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

/// Heads the fuzzer can build on: plain, chunked and upgraded requests, many fields.
const PARTS: &[&str] = &[
    "POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello",
    "POST /a HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\n\r\n\r\nx\r\n0\r\n\r\n",
    "GET / HTTP/1.1\r\nupgrade: websocket\r\n\r\n",
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "\r\n",
    "h: v\r\n",
    "\r\n\r\n",
    "content-length: 3\r\n",
    "GET /many HTTP/1.1\r\n",
];

#[derive(Arbitrary, Debug)]
enum Part {
    Known(u8),
    /// A field line repeated (up to 255 times).
    Fields(u8, String),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    parts: Vec<Part>,
    piece: u8,
    buffer: u16,
}

fuzz_target!(|input: Input| {
    let mut stream = Vec::new();
    for part in &input.parts {
        match part {
            Part::Known(i) => stream.extend_from_slice(PARTS[*i as usize % PARTS.len()].as_bytes()),
            Part::Fields(n, name) => {
                for i in 0..*n {
                    stream.extend_from_slice(format!("{name}{i}: v\r\n").as_bytes());
                }
            }
            Part::Raw(bytes) => stream.extend_from_slice(bytes),
        }
    }
    let whole = fc::__private::read_in_pieces(&stream, stream.len().max(1), 1 << 16);
    let cut = fc::__private::read_in_pieces(&stream, 1 + input.piece as usize, 1 + input.buffer as usize % 9000);
    assert_eq!(whole, cut, "the stream read whole and in pieces of {}", 1 + input.piece as usize);
    if stream.iter().filter(|&&b| b == b'\n').count() <= 101 {
        assert_eq!(whole, stream);
    }
});
