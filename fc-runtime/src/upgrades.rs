//! Connections that an HTTP function upgraded to WebSocket: the socket every connection
//! is served over ([`Socket`]), which learns when its connection was upgraded, follows the
//! frames both ways from then on, and at shutdown ends the WebSocket with a close frame
//! (1001, going away) rather than a reset.
//!
//! At the close, the runtime writes the close frame to the client itself, between two of
//! the application's frames (after the one it is writing, if any); from then on the
//! application's writes are dropped, and it reads a close frame from the client, so that
//! its socket ends as after any close. Before the shutdown, an upgraded connection has no
//! timeout of any kind.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::tasks::Count;

/// The server's close frame: opcode 8, status 1001 (going away).
const SERVER_GOING_AWAY: [u8; 4] = [0x88, 0x02, 0x03, 0xe9];

/// A client's close frame, masked as a client's frames are (with a zero key), status 1001:
/// what the application reads once the runtime has closed its WebSocket.
const CLIENT_GOING_AWAY: [u8; 8] = [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe9];

/// The upgraded connections of a server.
#[derive(Default)]
pub(crate) struct Upgrades {
    /// Upgraded sockets still open.
    live: Count,
    sockets: Mutex<HashMap<usize, Arc<State>>>,
    next_id: AtomicUsize,
}

/// What a socket, its connection and the shutdown share.
pub(crate) struct State {
    stream: Arc<TcpStream>,
    /// The connection answered a WebSocket upgrade with `101 Switching Protocols`.
    upgraded: AtomicBool,
    /// The frames the server writes, and whether the runtime has closed the WebSocket.
    out: Mutex<Outgoing>,
    /// The task reading the upgraded socket, to wake for the close.
    reader: Mutex<Option<Waker>>,
}

#[derive(Default)]
struct Outgoing {
    /// How much of the `\r\n\r\n` that ends the `101` answer's head has been written:
    /// the frames start after it.
    head_end: usize,
    frames: Frames,
    /// The shutdown asked for the close; it is written at the next frame boundary.
    closing: bool,
    /// The close frame is written: the application's writes are dropped.
    closed: bool,
    /// Bytes of the close frame still to write.
    close_left: usize,
}

impl Outgoing {
    /// Writes what is left of the close frame, at a frame boundary; true once it is all out.
    /// Follows `bytes` written by the application (the answer's head first).
    fn advance(&mut self, mut bytes: &[u8]) {
        while self.head_end < 4 {
            let Some((&byte, rest)) = bytes.split_first() else { return };
            bytes = rest;
            self.head_end = match (self.head_end, byte) {
                (0 | 2, b'\r') => self.head_end + 1,
                (1 | 3, b'\n') => self.head_end + 1,
                (_, b'\r') => 1,
                _ => 0,
            };
        }
        self.frames.advance(bytes);
    }

    fn write_close(&mut self, stream: &TcpStream) -> io::Result<bool> {
        if !self.closing || self.head_end < 4 || !self.frames.at_boundary() {
            return Ok(false);
        }
        if !self.closed {
            self.closed = true;
            self.close_left = SERVER_GOING_AWAY.len();
        }
        while self.close_left > 0 {
            match stream.try_write(&SERVER_GOING_AWAY[SERVER_GOING_AWAY.len() - self.close_left..]) {
                Ok(n) => self.close_left -= n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

impl Upgrades {
    /// A socket for a connection accepted on `stream`.
    pub(crate) fn socket(self: &Arc<Self>, stream: TcpStream) -> Socket {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(State {
            stream: Arc::new(stream),
            upgraded: AtomicBool::new(false),
            out: Mutex::new(Outgoing::default()),
            reader: Mutex::new(None),
        });
        Socket { state, upgrades: Arc::clone(self), id, incoming: Frames::default(), ended: false }
    }

    /// The connection of `state` was upgraded to a WebSocket: from now on its socket is
    /// followed, and the shutdown waits for it.
    pub(crate) fn upgraded(&self, id: usize, state: &Arc<State>) {
        if !state.upgraded.swap(true, Ordering::AcqRel) {
            self.live.enter();
            self.sockets.lock().unwrap_or_else(|e| e.into_inner()).insert(id, Arc::clone(state));
        }
    }

    /// Whether any upgraded socket is open.
    pub(crate) fn any(&self) -> bool {
        !self.sockets.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// Ends every upgraded socket with a close frame (1001): written now where the
    /// application is between two frames, else as soon as it has written the one it is
    /// writing.
    pub(crate) fn close_all(&self) {
        let sockets: Vec<Arc<State>> =
            self.sockets.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        for state in sockets {
            {
                let mut out = state.out.lock().unwrap_or_else(|e| e.into_inner());
                out.closing = true;
                let _ = out.write_close(&state.stream);
            }
            if let Some(waker) = state.reader.lock().unwrap_or_else(|e| e.into_inner()).take() {
                waker.wake();
            }
        }
    }

    /// Completes once every upgraded socket is closed.
    pub(crate) async fn wait_closed(&self) {
        self.live.wait_zero().await;
    }
}

/// Where the frames begin, followed byte by byte: a frame is a header (2 bytes, then 2
/// or 8 of extended length, then 4 of mask if masked) and its payload.
#[derive(Default)]
struct Frames {
    header: Vec<u8>,
    payload_left: u64,
}

impl Frames {
    fn at_boundary(&self) -> bool {
        self.header.is_empty() && self.payload_left == 0
    }

    fn advance(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.payload_left > 0 {
                let n = self.payload_left.min(bytes.len() as u64);
                self.payload_left -= n;
                bytes = &bytes[n as usize..];
                continue;
            }
            self.header.push(bytes[0]);
            bytes = &bytes[1..];
            if self.header.len() < 2 {
                continue;
            }
            let short = u64::from(self.header[1] & 0x7f);
            let extended = match short {
                126 => 2,
                127 => 8,
                _ => 0,
            };
            let mask = if self.header[1] & 0x80 != 0 { 4 } else { 0 };
            if self.header.len() < 2 + extended + mask {
                continue;
            }
            self.payload_left = match extended {
                0 => short,
                _ => self.header[2..2 + extended].iter().fold(0, |n, &b| (n << 8) | u64::from(b)),
            };
            self.header.clear();
        }
    }
}

/// A connection's socket: the TCP stream, with what upgraded connections need.
pub(crate) struct Socket {
    state: Arc<State>,
    upgrades: Arc<Upgrades>,
    id: usize,
    /// The client's frames, once upgraded.
    incoming: Frames,
    /// The application has read the runtime's close: its side of the stream is over.
    ended: bool,
}

impl Socket {
    /// The state its connection marks when it is upgraded, with its id.
    pub(crate) fn state(&self) -> (usize, Arc<State>) {
        (self.id, Arc::clone(&self.state))
    }

    fn read_stream(&self, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            std::task::ready!(self.state.stream.poll_read_ready(cx))?;
            match self.state.stream.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn write_stream(
        &self,
        cx: &mut TaskContext<'_>,
        write: impl Fn(&TcpStream) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            std::task::ready!(self.state.stream.poll_write_ready(cx))?;
            match write(&self.state.stream) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
        }
    }
}

impl AsyncRead for Socket {
    fn poll_read(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.state.upgraded.load(Ordering::Acquire) {
            return this.read_stream(cx, buf);
        }
        if this.ended {
            // The end of the client's stream, as far as the application is concerned.
            return Poll::Ready(Ok(()));
        }
        let closed = this.state.out.lock().unwrap_or_else(|e| e.into_inner()).closed;
        if closed && this.incoming.at_boundary() && buf.remaining() >= CLIENT_GOING_AWAY.len() {
            buf.put_slice(&CLIENT_GOING_AWAY);
            this.ended = true;
            return Poll::Ready(Ok(()));
        }
        *this.state.reader.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        let before = buf.filled().len();
        let polled = this.read_stream(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.incoming.advance(&buf.filled()[before..]);
        }
        polled
    }
}

impl AsyncWrite for Socket {
    fn poll_write(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !this.state.upgraded.load(Ordering::Acquire) {
            return this.write_stream(cx, |stream| stream.try_write(buf));
        }
        let mut out = this.state.out.lock().unwrap_or_else(|e| e.into_inner());
        if out.closed {
            // After the runtime's close frame, nothing more of the application's.
            if let Err(e) = out.write_close(&this.state.stream) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        let written = std::task::ready!(this.write_stream(cx, |stream| stream.try_write(buf)))?;
        out.advance(&buf[..written]);
        // A close asked for while this frame was being written goes right after it.
        out.write_close(&this.state.stream)?;
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.state.upgraded.load(Ordering::Acquire) {
            // Upgraded: one buffer at a time, followed.
            let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &**b);
            return self.poll_write(cx, first);
        }
        self.write_stream(cx, |stream| stream.try_write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(socket2::SockRef::from(&*self.state.stream).shutdown(std::net::Shutdown::Write))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        if self.state.upgraded.load(Ordering::Acquire) {
            self.upgrades.sockets.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
            self.upgrades.live.leave();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answers_head_comes_before_the_frames() {
        let mut out = Outgoing::default();
        out.advance(b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r");
        assert_eq!(out.head_end, 3);
        out.advance(b"\n\x81\x02h");
        assert!(out.head_end == 4 && !out.frames.at_boundary());
        out.advance(b"i");
        assert!(out.frames.at_boundary());
    }

    #[test]
    fn frame_boundaries_are_followed_across_reads() {
        let mut frames = Frames::default();
        assert!(frames.at_boundary());
        // A masked text frame of 5 bytes, then one of 300 (extended length), split anyhow.
        let mut bytes = vec![0x81, 0x85, 1, 2, 3, 4, b'h', b'e', b'l', b'l', b'o'];
        bytes.extend_from_slice(&[0x82, 0xfe, 0x01, 0x2c, 9, 9, 9, 9]);
        bytes.extend(std::iter::repeat_n(7u8, 300));
        for cut in [1, 3, 7, 11, 12, 15, 19, 200] {
            let mut frames = Frames::default();
            frames.advance(&bytes[..cut]);
            assert_eq!(frames.at_boundary(), cut == 11, "cut at {cut}");
            frames.advance(&bytes[cut..]);
            assert!(frames.at_boundary(), "whole, cut at {cut}");
        }
        // A 64-bit length.
        frames.advance(&[0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4]);
        assert_eq!(frames.payload_left, 65536);
    }
}
