//! Request heads on their way from the socket to hyper: many header fields without a
//! per-request allocation.
//!
//! hyper parses a head's fields into arrays on the stack when it allows at most 100 fields
//! (its default), and into two arrays on the heap, allocated and freed for every request,
//! when it allows more. The platform lets a caller send 8 KB of headers and adds its own,
//! up to [`MAX_HEADER_FIELDS`] fields; arrays that large cost an `mmap` and a `munmap` each
//! per request under musl's allocator, and a heap trim under glibc's: several times what
//! the rest of a call costs. So hyper keeps its default, and [`Heads`], between the socket
//! and hyper, follows the HTTP/1.1 messages of a connection. A head with more than 100
//! fields (rare) reaches hyper with its extra fields folded into one field, [`FOLDED`],
//! which [`unfold`] takes apart again before anything reads the headers. Every other byte
//! passes through as it came, without a copy.
//!
//! The connection is followed only while its framing is plain: after an upgrade, a
//! `CONNECT`, HTTP/2's preface, or a head hyper will refuse, bytes pass through untouched
//! (and a head of over 100 fields there gets hyper's 431, as does one of over
//! [`MAX_HEADER_FIELDS`] anywhere).

use std::io;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, ready};

use http::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most header fields a request may have: a caller's 8 KB of headers hold at most
/// 2,048 (`a:` and a line break each), and the platform adds its own.
pub(crate) const MAX_HEADER_FIELDS: usize = 2048 + 64;

/// The most fields hyper parses without allocating: its default limit.
const HYPER_FIELDS: usize = 100;

/// A head not complete within this many bytes is left to hyper, which refuses heads
/// larger than about 400 KB.
const HEAD_LIMIT: usize = 512 << 10;

/// The field that carries a folded head's extra fields: the process's secret, then each
/// field as `name:value`, percent-encoded, separated by spaces. (Its name is `context`'s,
/// whose scan of every request's fields notes it.)
use crate::context::FOLDED;

/// The bytes a field name may hold (RFC 9110's `tchar`).
const TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        b += 1;
    }
    table
};

/// Fields a folded head keeps as they are, whatever their place: those hyper reads.
const KEPT: &[&[u8]] =
    &[b"content-length", b"transfer-encoding", b"connection", b"upgrade", b"expect", b"host", b"te", b"keep-alive"];

/// A connection's bytes, with heads of more than 100 fields folded on the way in.
pub(crate) struct Heads<T> {
    io: T,
    framing: Framing,
}

/// What [`Heads`] knows of its connection, apart from the connection itself.
struct Framing {
    state: State,
    /// The head being read, when it has not all come yet.
    scan: Scan,
    /// Bytes taken back from hyper: an incomplete head, and what came after it.
    held: Vec<u8>,
    /// Bytes for hyper, read or folded, not yet handed over (from `ready_at` on).
    ready: Vec<u8>,
    ready_at: usize,
}

/// Where a connection's next byte is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At a head (or the empty lines before one).
    Head,
    /// In a body of known length: this many bytes left.
    Body(u64),
    /// In a chunked body.
    Chunked(Chunk),
    /// No longer followed: bytes pass through.
    Through,
}

/// Where a chunked body's next byte is: hyper's own states for it, so that the body ends
/// where hyper says it does (a chunk's size, after which its data and `\r\n`; the last
/// chunk, then trailer lines, each ending `\r\n`, then `\r\n`). Whatever hyper refuses
/// ends the following ([`State::Through`]): hyper closes the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Before a chunk's size.
    Start,
    /// In a chunk's size: its value so far.
    Size(u64),
    /// White space after the size.
    SizeSpace(u64),
    /// An extension after the size.
    Extension(u64),
    /// The size line's `\n`.
    SizeLf(u64),
    /// In a chunk's data: this many bytes left.
    Data(u64),
    /// The data's `\r`, then its `\n`.
    DataCr,
    DataLf,
    /// After the last chunk, or after a trailer line: `\r` ends the body, anything else
    /// starts a trailer line.
    EndCr,
    /// In a trailer line; then its `\n`.
    Trailer,
    TrailerLf,
    /// The body's last `\n`.
    EndLf,
}

const CHUNK_START: Chunk = Chunk::Start;

impl<T> Heads<T> {
    pub(crate) fn new(io: T) -> Self {
        let framing =
            Framing { state: State::Head, scan: Scan::default(), held: Vec::new(), ready: Vec::new(), ready_at: 0 };
        Heads { io, framing }
    }
}

impl Framing {
    /// Follows `bytes`, the connection's next bytes. Returns how many of them go to hyper
    /// as they are: all of them, or those before a head that has not all come or that is
    /// to be folded (with `scan` in its place within that head).
    fn walk(&mut self, bytes: &[u8]) -> usize {
        let mut at = 0;
        while at < bytes.len() {
            match &mut self.state {
                State::Through => return bytes.len(),
                State::Body(left) => {
                    let n = (*left).min((bytes.len() - at) as u64);
                    *left -= n;
                    at += n as usize;
                    if *left == 0 {
                        self.state = State::Head;
                    }
                }
                State::Chunked(chunk) => {
                    let (used, next) = chunk.walk(&bytes[at..]);
                    at += used;
                    if let Some(next) = next {
                        self.state = next;
                    }
                }
                State::Head => {
                    if self.scan.pos == 0 {
                        // Empty lines before a request line: hyper skips them too.
                        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
                            at += 1;
                        }
                        if at == bytes.len() {
                            break;
                        }
                    }
                    match self.scan.resume(&bytes[at..]) {
                        None => return at,
                        Some(head) if head.fold => {
                            self.scan = Scan::default();
                            return at;
                        }
                        Some(head) => {
                            at += head.end;
                            self.state = head.next;
                            self.scan = Scan::default();
                        }
                    }
                }
            }
        }
        at
    }

    /// Moves what `held` holds to `ready`: each head once it is complete (folded if it
    /// must be), with what follows it. Rare: only a head that came in pieces or is folded
    /// takes this way.
    #[cold]
    #[inline(never)]
    fn settle(&mut self) {
        let held = std::mem::take(&mut self.held);
        let mut at = 0;
        while at < held.len() {
            // `held[at..]` starts at a head.
            let Some(head) = self.scan.resume(&held[at..]) else {
                if held.len() - at > HEAD_LIMIT {
                    self.state = State::Through;
                    self.ready.extend_from_slice(&held[at..]);
                    at = held.len();
                }
                break;
            };
            let end = at + head.end;
            match head.fold.then(|| fold(&held[at..end])).flatten() {
                Some(folded) => self.ready.extend_from_slice(&folded),
                None => self.ready.extend_from_slice(&held[at..end]),
            }
            self.state = head.next;
            self.scan = Scan::default();
            at = end;
            let passed = self.walk(&held[at..]);
            self.ready.extend_from_slice(&held[at..at + passed]);
            at += passed;
        }
        self.held = held;
        self.held.drain(..at);
    }

    /// Hands `ready` bytes to `buf`, as many as fit.
    fn hand_over(&mut self, buf: &mut ReadBuf<'_>) {
        let n = (self.ready.len() - self.ready_at).min(buf.remaining());
        buf.put_slice(&self.ready[self.ready_at..self.ready_at + n]);
        self.ready_at += n;
        if self.ready_at == self.ready.len() {
            self.ready.clear();
            self.ready_at = 0;
        }
    }

    /// After a read that added `buf.filled()[start..]` while nothing was held: keeps back
    /// what hyper must not have yet. `true` when hyper has something (bytes, or the
    /// stream's end).
    fn arrived(&mut self, buf: &mut ReadBuf<'_>, start: usize) -> bool {
        let end = buf.filled().len();
        if end == start {
            return true;
        }
        let passed = self.walk(&buf.filled()[start..end]);
        if start + passed == end {
            return true;
        }
        self.held.extend_from_slice(&buf.filled()[start + passed..end]);
        buf.set_filled(start + passed);
        self.settle();
        passed > 0
    }

    /// More of a held head, or (empty) the stream's end, where what is held goes to hyper
    /// as it is.
    fn more(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            self.state = State::Through;
            self.ready.append(&mut self.held);
            return;
        }
        self.held.extend_from_slice(bytes);
        self.settle();
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Heads<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let Heads { io, framing } = self.get_mut();
        loop {
            if framing.ready_at < framing.ready.len() {
                framing.hand_over(buf);
                return Poll::Ready(Ok(()));
            }
            if framing.held.is_empty() {
                if framing.state == State::Through {
                    return Pin::new(io).poll_read(cx, buf);
                }
                let start = buf.filled().len();
                ready!(Pin::new(&mut *io).poll_read(cx, buf))?;
                if framing.arrived(buf, start) {
                    return Poll::Ready(Ok(()));
                }
            } else {
                // The rest of a held head: read into a buffer of ours, not hyper's, which
                // may be small (the first read of a connection that may be HTTP/2 is 24 bytes).
                let mut space = [0; 8192];
                let mut more = ReadBuf::new(&mut space);
                ready!(Pin::new(&mut *io).poll_read(cx, &mut more))?;
                framing.more(more.filled());
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Heads<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

impl Chunk {
    /// Follows `bytes` within a chunked body. Returns how many it used, and the
    /// connection's state once the body has ended (or turned out malformed).
    fn walk(&mut self, bytes: &[u8]) -> (usize, Option<State>) {
        let mut at = 0;
        while at < bytes.len() {
            if let Chunk::Data(left) = self {
                let n = (*left).min((bytes.len() - at) as u64);
                *left -= n;
                at += n as usize;
                if *left == 0 {
                    *self = Chunk::DataCr;
                }
                continue;
            }
            let byte = bytes[at];
            at += 1;
            let hex = (byte as char).to_digit(16).map(u64::from);
            *self = match (*self, byte) {
                (Chunk::Start, _) if hex.is_some() => Chunk::Size(hex.unwrap_or_default()),
                (Chunk::Size(size), _) if hex.is_some() => match size.checked_mul(16) {
                    Some(size) => Chunk::Size(size + hex.unwrap_or_default()),
                    None => return (at, Some(State::Through)),
                },
                (Chunk::Size(size) | Chunk::SizeSpace(size), b' ' | b'\t') => Chunk::SizeSpace(size),
                (Chunk::Size(size) | Chunk::SizeSpace(size) | Chunk::Extension(size), b';') => Chunk::Extension(size),
                (Chunk::Size(size) | Chunk::SizeSpace(size) | Chunk::Extension(size), b'\r') => Chunk::SizeLf(size),
                (Chunk::Extension(_), b'\n') => return (at, Some(State::Through)),
                (Chunk::Extension(size), _) => Chunk::Extension(size),
                (Chunk::SizeLf(0), b'\n') => Chunk::EndCr,
                (Chunk::SizeLf(size), b'\n') => Chunk::Data(size),
                (Chunk::DataCr, b'\r') => Chunk::DataLf,
                (Chunk::DataLf, b'\n') => Chunk::Start,
                (Chunk::EndCr, b'\r') => Chunk::EndLf,
                (Chunk::Trailer, b'\r') => Chunk::TrailerLf,
                (Chunk::EndCr | Chunk::Trailer, _) => Chunk::Trailer,
                (Chunk::TrailerLf, b'\n') => Chunk::EndCr,
                (Chunk::EndLf, b'\n') => return (at, Some(State::Head)),
                _ => return (at, Some(State::Through)),
            };
        }
        (at, None)
    }
}

/// A head being read: where the scan is, and what the lines so far said. Offsets are from
/// the head's first byte.
#[derive(Default)]
struct Scan {
    pos: usize,
    line_start: usize,
    lines: usize,
    length: Option<u64>,
    chunked: Option<bool>,
    through: bool,
}

/// A complete head.
struct Head {
    /// Its length, with the empty line that ends it.
    end: usize,
    /// Whether it has more fields than hyper parses without allocating (and no more
    /// than [`MAX_HEADER_FIELDS`]).
    fold: bool,
    /// Where the connection is after it.
    next: State,
}

impl Scan {
    /// Reads on through `head` (the head's bytes so far, from its first). `None`: it has
    /// not all come yet.
    fn resume(&mut self, head: &[u8]) -> Option<Head> {
        for lf in memchr::memchr_iter(b'\n', &head[self.pos..]) {
            let lf = self.pos + lf;
            if let Some(head) = self.line(&head[self.line_start..lf], lf + 1) {
                return Some(head);
            }
        }
        self.pos = head.len();
        None
    }

    /// A line of the head, without its line feed; `next` is where the next line starts.
    /// The head, when this is the empty line that ends it.
    fn line(&mut self, line: &[u8], next: usize) -> Option<Head> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() && self.lines > 0 {
            let fields = self.lines - 1;
            return Some(Head {
                end: next,
                fold: fields > HYPER_FIELDS && fields <= MAX_HEADER_FIELDS,
                next: self.next(),
            });
        }
        if self.lines == 0 {
            // The request line. HTTP/2's preface and `CONNECT` leave HTTP/1.1 behind.
            self.through |= line.starts_with(b"PRI ") || line.starts_with(b"CONNECT ");
        } else {
            self.field(line);
        }
        self.lines += 1;
        self.line_start = next;
        None
    }

    /// A field line: notes the fields that frame the body. Only a line that starts with one
    /// of their names and a colon is one of them (hyper refuses white space before the colon).
    fn field(&mut self, line: &[u8]) {
        let value = |name: &[u8]| {
            (line.len() > name.len() && line[name.len()] == b':' && line[..name.len()].eq_ignore_ascii_case(name))
                .then(|| trim(&line[name.len() + 1..]))
        };
        let Some(&first) = line.first() else { return };
        match first | 0x20 {
            b'c' => {
                if let Some(value) = value(b"content-length") {
                    let digits = !value.is_empty() && value.iter().all(u8::is_ascii_digit);
                    match std::str::from_utf8(value).ok().filter(|_| digits).and_then(|v| v.parse::<u64>().ok()) {
                        Some(length) if self.length.is_none_or(|seen| seen == length) => self.length = Some(length),
                        _ => self.through = true,
                    }
                }
            }
            b't' => {
                if let Some(value) = value(b"transfer-encoding") {
                    let last = value.rsplit(|&b| b == b',').next().map(trim).unwrap_or_default();
                    self.chunked = Some(last.eq_ignore_ascii_case(b"chunked"));
                }
            }
            b'u' => self.through |= value(b"upgrade").is_some(),
            _ => {}
        }
    }

    /// Where the connection is after this head: in its body, at the next head, or no
    /// longer followed (an upgrade, or framing that hyper refuses or that is ambiguous).
    fn next(&self) -> State {
        match (self.through, self.chunked, self.length) {
            (true, _, _) | (_, Some(false), _) | (_, Some(true), Some(_)) => State::Through,
            (_, Some(true), None) => State::Chunked(CHUNK_START),
            (_, None, Some(length)) if length > 0 => State::Body(length),
            _ => State::Head,
        }
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !matches!(b, b' ' | b'\t')).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

/// The process's secret, which a folded field starts with: a caller cannot forge one.
fn secret() -> &'static str {
    static SECRET: OnceLock<String> = OnceLock::new();
    SECRET.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let word = || std::collections::hash_map::RandomState::new().build_hasher().finish();
        format!("{:016x}{:016x}", word(), word())
    })
}

/// `head` (a complete head, from its request line to its empty line) with the fields past
/// hyper's limit folded into one [`FOLDED`] field. `None` when a field line is not
/// `name: value` (hyper refuses the head as it is).
#[cold]
#[inline(never)]
fn fold(head: &[u8]) -> Option<Vec<u8>> {
    let lines: Vec<&[u8]> = head.split(|&b| b == b'\n').map(|line| line.strip_suffix(b"\r").unwrap_or(line)).collect();
    let end = lines.iter().position(|line| line.is_empty())?;
    let mut fields = Vec::with_capacity(end);
    for line in &lines[1..end] {
        let colon = line.iter().position(|&b| b == b':')?;
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        // What hyper refuses stays as it is, for hyper to refuse.
        let visible = |b: &u8| matches!(b, b'\t' | b' '..=b'~' | 0x80..);
        if name.is_empty() || !name.iter().all(|&b| TOKEN[b as usize]) || !value.iter().all(visible) {
            return None;
        }
        let mut lower = [0u8; 24];
        let always = name.len() <= lower.len() && {
            let lower = &mut lower[..name.len()];
            lower.copy_from_slice(name);
            lower.make_ascii_lowercase();
            KEPT.contains(&&*lower)
        };
        fields.push((name, value, always));
    }
    // hyper's limit less the folded field: the fields it reads, then the first others.
    let mut room = (HYPER_FIELDS - 1).saturating_sub(fields.iter().filter(|field| field.2).count());
    let mut out = Vec::with_capacity(head.len() * 2 + 64);
    let mut folded = Vec::with_capacity(head.len() * 2);
    out.extend_from_slice(lines[0]);
    folded.extend_from_slice(secret().as_bytes());
    for (name, value, always) in fields {
        if always || room > 0 {
            room -= usize::from(!always);
            out.extend_from_slice(b"\r\n");
            escape(name, &mut out, false);
            out.extend_from_slice(b": ");
            escape(value, &mut out, false);
        } else {
            folded.push(b' ');
            escape(name, &mut folded, true);
            folded.push(b':');
            escape(value, &mut folded, true);
        }
    }
    out.extend_from_slice(b"\r\n");
    escape(FOLDED.as_bytes(), &mut out, false);
    out.extend_from_slice(b": ");
    escape(&folded, &mut out, false);
    out.extend_from_slice(b"\r\n\r\n");
    Some(out)
}

/// Appends `bytes` to `out`; when `escaping`, percent-encoded where they are not a
/// visible ASCII character, or are `%` or `:`.
#[inline(never)]
fn escape(bytes: &[u8], out: &mut Vec<u8>, escaping: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if !escaping || (b.is_ascii_graphic() && b != b'%' && b != b':') {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
        }
    }
}

/// What [`escape`] encoded.
fn unescape(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes.get(at + 1..at + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[at], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    out
}

/// Puts the fields of a folded head (a [`FOLDED`] field that starts with this process's
/// secret) back among `headers`, in the folded field's place. A [`FOLDED`] field without
/// the secret is a caller's own and stays as it is. Called only for a request that has a
/// [`FOLDED`] field (`context::scan` notes it), so it costs the others nothing.
#[cold]
#[inline(never)]
pub(crate) fn unfold(headers: &mut HeaderMap) {
    let secret = secret().as_bytes();
    let ours = |name: &HeaderName, value: &HeaderValue| name.as_str() == FOLDED && value.as_bytes().starts_with(secret);
    if !headers.iter().any(|(name, value)| ours(name, value)) {
        return;
    }
    // Built again, in order, with the folded fields in the place of the field that held them.
    // `HeaderMap`'s iterator names a field's first value only: the others are the last name's.
    let mut previous = None;
    for (next, value) in std::mem::take(headers) {
        let Some(name) = next.or(previous.take()).inspect(|name| previous = Some(name.clone())) else { continue };
        if !ours(&name, &value) {
            headers.append(name, value);
            continue;
        }
        for field in value.as_bytes()[secret.len()..].split(|&b| b == b' ') {
            let Some(colon) = field.iter().position(|&b| b == b':') else { continue };
            let name = HeaderName::from_bytes(&unescape(&field[..colon]));
            if let (Ok(name), Ok(value)) = (name, HeaderValue::from_bytes(&unescape(&field[colon + 1..]))) {
                headers.append(name, value);
            }
        }
    }
}

/// A stream that gives its bytes in the pieces it was made of, then its end.
struct Pieces(std::collections::VecDeque<Vec<u8>>);

impl AsyncRead for Pieces {
    fn poll_read(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(mut piece) = this.0.pop_front() {
            let n = piece.len().min(buf.remaining());
            buf.put_slice(&piece[..n]);
            if n < piece.len() {
                this.0.push_front(piece.split_off(n));
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// What hyper reads of a connection's `stream` when it arrives in pieces of `piece` bytes
/// and hyper reads `buffer` bytes at a time (the tests' and the fuzz target's way in).
/// Not a public API.
#[doc(hidden)]
pub fn read_in_pieces(stream: &[u8], piece: usize, buffer: usize) -> Vec<u8> {
    let pieces = stream.chunks(piece.max(1)).map(<[u8]>::to_vec).collect();
    let mut heads = Heads::new(Pieces(pieces));
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let (mut out, mut buf) = (Vec::new(), vec![0; buffer.max(1)]);
    loop {
        let mut read = ReadBuf::new(&mut buf);
        match Pin::new(&mut heads).poll_read(&mut cx, &mut read) {
            Poll::Ready(Ok(())) if read.filled().is_empty() => return out,
            Poll::Ready(Ok(())) => out.extend_from_slice(read.filled()),
            // `Pieces` is always ready and never fails.
            Poll::Ready(Err(_)) | Poll::Pending => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(stream: &[u8], size: usize) -> Vec<u8> {
        read_in_pieces(stream, size, 8192)
    }

    fn head(fields: usize, extra: &str) -> String {
        let mut head = String::from("POST /invoke HTTP/1.1\r\nhost: x\r\n");
        for i in 0..fields {
            head.push_str(&format!("h{i}: v {i}\r\n"));
        }
        head.push_str(extra);
        head.push_str("\r\n");
        head
    }

    /// A request's fields, in order, and its body.
    type Parsed = (Vec<(String, String)>, Vec<u8>);

    /// hyper's parse of each head of `stream`, unfolded, and the body after it (which
    /// must be a `content-length` body here).
    fn parsed(mut stream: &[u8]) -> Vec<Parsed> {
        let mut out = Vec::new();
        while !stream.is_empty() {
            let mut slots = vec![httparse::EMPTY_HEADER; HYPER_FIELDS];
            let mut request = httparse::Request::new(&mut slots);
            let httparse::Status::Complete(len) = request.parse(stream).unwrap() else { panic!("incomplete") };
            let mut map = HeaderMap::new();
            for h in request.headers.iter() {
                map.append(
                    HeaderName::from_bytes(h.name.as_bytes()).unwrap(),
                    HeaderValue::from_bytes(h.value).unwrap(),
                );
            }
            unfold(&mut map);
            let length: usize = map.get("content-length").map_or(0, |v| v.to_str().unwrap().parse().unwrap());
            let fields = map.iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()));
            out.push((fields.collect(), stream[len..len + length].to_vec()));
            stream = &stream[len + length..];
        }
        out
    }

    #[test]
    fn heads_within_hypers_limit_pass_as_they_are_in_any_pieces() {
        let mut stream = head(90, "content-length: 12\r\n").into_bytes();
        stream.extend_from_slice(b"\r\n\r\nbody\n\n\r\n");
        stream.extend_from_slice(head(3, "transfer-encoding: gzip, chunked\r\n").as_bytes());
        stream.extend_from_slice(b"5;ext=1\r\n\r\n\r\nx\r\n0\r\ntrailer: t\r\n\r\n");
        stream.extend_from_slice(b"\r\nGET / HTTP/1.1\nhost: y\n\n");
        for size in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(through(&stream, size), stream, "pieces of {size}");
        }
    }

    #[test]
    fn a_head_over_hypers_limit_is_folded_and_unfolds_to_the_same_fields() {
        let big = head(2000, "content-length: 5\r\nx-odd: a b%c:d\t\u{e9}\r\n");
        let small = head(2, "content-length: 0\r\n");
        let stream = [big.as_bytes(), b"hello", small.as_bytes(), big.as_bytes(), b"again"].concat();
        for size in [1, 5, 333, 1 << 16] {
            let seen = through(&stream, size);
            assert!(seen.len() < stream.len() + 100_000);
            let requests = parsed(&seen);
            assert_eq!(requests.len(), 3, "pieces of {size}");
            let (fields, body) = &requests[0];
            assert_eq!(body, b"hello");
            assert_eq!(fields.len(), 2003);
            assert!(fields.iter().all(|(name, _)| name != FOLDED));
            for i in [0, 98, 99, 1999] {
                assert!(fields.contains(&(format!("h{i}"), format!("v {i}"))), "h{i}");
            }
            assert!(fields.contains(&("x-odd".into(), "a b%c:d\t\u{e9}".into())));
            assert_eq!(requests[1].0.len(), 4);
            assert_eq!(requests[2].1, b"again");
        }
    }

    #[test]
    fn chunked_bodies_end_where_hyper_ends_them() {
        // A bare `\n` after the last chunk starts a trailer line, which ends only at
        // `\r\n`: the `GET` is trailer, and the `/echo` body (many lines, then an empty
        // one) is a body, not a head.
        let body = format!("GET / HTTP/1.1\n{}\n", "a:b\n".repeat(101));
        let stream = format!(
            "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\nGET / HTTP/1.1\ncontent-length: 44\r\n\r\n\
             POST /echo HTTP/1.1\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        for size in [1, 7, 4096] {
            assert_eq!(through(stream.as_bytes(), size), stream.as_bytes(), "pieces of {size}");
        }
        // Chunk extensions and white space after the size; a trailer; then a folded head.
        let stream = [
            "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3 ;a=b\r\n\n\n\n\r\n0\r\nt: 1\r\n\r\n",
            &head(150, ""),
        ]
        .concat();
        let seen = through(stream.as_bytes(), 5);
        let second = stream.find("POST /invoke").unwrap();
        assert_eq!(seen[..second], stream.as_bytes()[..second]);
        assert!(String::from_utf8_lossy(&seen[second..]).contains(FOLDED), "the second head is folded");
        assert_eq!(parsed(&seen[second..])[0].0.len(), 151);
    }

    #[test]
    fn a_head_hyper_refuses_is_not_folded_and_a_small_read_buffer_changes_nothing() {
        let bad = head(150, "x-bad: a\x01b\r\n");
        assert_eq!(through(bad.as_bytes(), 100), bad.as_bytes());
        let stream = [head(150, "content-length: 3\r\n").as_bytes(), b"abc", head(3, "").as_bytes()].concat();
        assert_eq!(read_in_pieces(&stream, 1000, 24), read_in_pieces(&stream, stream.len(), 1 << 16));
    }

    #[test]
    fn past_the_most_fields_or_after_an_upgrade_nothing_is_folded() {
        let too_many = head(MAX_HEADER_FIELDS + 1, "");
        assert_eq!(through(too_many.as_bytes(), 100), too_many.as_bytes());
        let stream = [head(1, "upgrade: websocket\r\n").as_bytes(), head(150, "").as_bytes()].concat();
        assert_eq!(through(&stream, 100), stream);
        let h2 = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04";
        let stream = [&h2[..], head(150, "").as_bytes()].concat();
        assert_eq!(through(&stream, 10), stream);
    }

    #[test]
    fn a_callers_own_folded_field_is_not_taken_apart() {
        let mut headers = HeaderMap::new();
        for i in 0..HYPER_FIELDS {
            headers.insert(HeaderName::from_bytes(format!("h{i}").as_bytes()).unwrap(), HeaderValue::from_static("v"));
        }
        headers.insert(FOLDED, HeaderValue::from_static("0123 x-fc-request-id:forged"));
        unfold(&mut headers);
        assert_eq!(headers.len(), HYPER_FIELDS + 1);
        assert!(headers.get("x-fc-request-id").is_none());
        assert_eq!(headers.get(FOLDED).unwrap(), "0123 x-fc-request-id:forged");
    }
}
