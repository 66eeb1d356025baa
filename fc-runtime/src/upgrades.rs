//! Connections that an HTTP function upgraded to WebSocket: the socket every connection
//! is served over ([`Socket`]), which learns when its connection was upgraded, follows the
//! frames both ways from then on, and at shutdown ends the WebSocket with a close frame
//! (1001, going away) rather than a reset.
//!
//! At the close, the socket writes the close frame to the client between two of the
//! application's frames (after the one it is writing, if any), from the task that reads
//! the socket, which the shutdown wakes; from then on the application's writes are
//! dropped, and it reads a close frame from the client, so that its socket ends as after
//! any close. Before the shutdown, an upgraded connection has no timeout of any kind; a
//! connection that is not upgraded costs one atomic load per read or write.

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
/// what the application reads once the socket has closed its WebSocket.
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
    upgrades: Arc<Upgrades>,
    id: usize,
    /// The connection answered a WebSocket upgrade with `101 Switching Protocols`.
    upgraded: AtomicBool,
    /// The shutdown asks the WebSocket to end.
    closing: AtomicBool,
    /// The task reading the upgraded socket, which the shutdown wakes to end it.
    reader: Mutex<Option<Waker>>,
}

impl Upgrades {
    /// The state of a connection's socket, made as the connection is accepted (its
    /// [`Socket`] may be made later, once the connection is known to be HTTP/1.1).
    pub(crate) fn state(self: &Arc<Self>) -> Arc<State> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        Arc::new(State {
            upgrades: Arc::clone(self),
            id,
            upgraded: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            reader: Mutex::new(None),
        })
    }

    /// Whether any upgraded socket is open.
    pub(crate) fn any(&self) -> bool {
        !self.sockets.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// Asks every upgraded socket to end with a close frame (1001).
    pub(crate) fn close_all(&self) {
        let sockets: Vec<Arc<State>> =
            self.sockets.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        for state in sockets {
            state.closing.store(true, Ordering::Release);
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

impl State {
    /// The connection was upgraded to a WebSocket: from now on its socket is followed, and
    /// the shutdown waits for it.
    pub(crate) fn upgraded(self: &Arc<Self>) {
        if !self.upgraded.swap(true, Ordering::AcqRel) {
            self.upgrades.live.enter();
            self.upgrades.sockets.lock().unwrap_or_else(|e| e.into_inner()).insert(self.id, Arc::clone(self));
        }
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

/// What the server writes once upgraded: the `101` answer's head, then frames.
#[derive(Default)]
struct Outgoing {
    /// How much of the `\r\n\r\n` that ends the head has been written.
    head_end: usize,
    frames: Frames,
    /// Bytes of the close frame written so far; the application's writes are dropped
    /// from the first.
    close_written: Option<usize>,
}

impl Outgoing {
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

    fn between_frames(&self) -> bool {
        self.head_end == 4 && self.frames.at_boundary()
    }
}

/// A connection's socket: the TCP stream, with what upgraded connections need.
pub(crate) struct Socket {
    stream: TcpStream,
    state: Arc<State>,
    /// The client's frames, once upgraded.
    incoming: Frames,
    outgoing: Outgoing,
    /// The application has read the socket's close: its side of the stream is over.
    ended: bool,
}

impl Socket {
    /// A socket for a connection accepted on `stream`, with its [`Upgrades::state`].
    pub(crate) fn new(stream: TcpStream, state: Arc<State>) -> Self {
        Socket { stream, state, incoming: Frames::default(), outgoing: Outgoing::default(), ended: false }
    }

    /// Writes the close frame once asked to and between two frames; ready once it is out.
    fn poll_close(&mut self, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        if !self.state.closing.load(Ordering::Acquire) || !self.outgoing.between_frames() {
            return Poll::Pending;
        }
        let mut written = self.outgoing.close_written.unwrap_or(0);
        while written < SERVER_GOING_AWAY.len() {
            let n = std::task::ready!(Pin::new(&mut self.stream).poll_write(cx, &SERVER_GOING_AWAY[written..]))?;
            written += n;
            self.outgoing.close_written = Some(written);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Socket {
    fn poll_read(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.state.upgraded.load(Ordering::Acquire) {
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        if this.ended {
            // The end of the client's stream, as far as the application is concerned.
            return Poll::Ready(Ok(()));
        }
        *this.state.reader.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        if this.state.closing.load(Ordering::Acquire) {
            match this.poll_close(cx) {
                Poll::Ready(Ok(())) if this.incoming.at_boundary() && buf.remaining() >= CLIENT_GOING_AWAY.len() => {
                    buf.put_slice(&CLIENT_GOING_AWAY);
                    this.ended = true;
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                _ => {}
            }
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
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
            return Pin::new(&mut this.stream).poll_write(cx, buf);
        }
        if this.outgoing.close_written.is_some() {
            // After the close frame, nothing more of the application's.
            std::task::ready!(this.poll_close(cx))?;
            return Poll::Ready(Ok(buf.len()));
        }
        let written = std::task::ready!(Pin::new(&mut this.stream).poll_write(cx, buf))?;
        this.outgoing.advance(&buf[..written]);
        if this.state.closing.load(Ordering::Acquire) && this.outgoing.between_frames() {
            // A close asked for while this frame was being written: the reader ends it.
            if let Some(waker) = this.state.reader.lock().unwrap_or_else(|e| e.into_inner()).take() {
                waker.wake();
            }
        }
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
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        if self.state.upgraded.load(Ordering::Acquire) {
            let upgrades = &self.state.upgrades;
            upgrades.sockets.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.state.id);
            upgrades.live.leave();
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
