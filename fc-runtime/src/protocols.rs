//! The HTTP protocols a connection is served with: HTTP/1.1's settings, how a connection
//! closes gracefully, and (with the `http2` feature) HTTP/2 with prior knowledge (h2c, as
//! the platform's gateway carries gRPC) beside HTTP/1.1 on one port. For the latter, a
//! connection's first bytes are peeked, not read, and the connection is then served by
//! hyper's HTTP/2 server straight on its TCP stream, or by the HTTP/1.1 server over the
//! header framing ([`Heads`](crate::heads::Heads)) and the upgrade-aware
//! [`Socket`](crate::upgrades::Socket): neither protocol's reads go through a layer that
//! replays the bytes used to tell them apart, and HTTP/2's reads and writes go through no
//! layer at all. Every connection's requests go to the server through [`Requests`], which
//! marks the connection's phase as each call goes and its answer is written.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use http::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::answer::{Body, Phase};
use crate::call::{Reply, Server};
use crate::heads::Heads;
use crate::upgrades::{Socket, State};

#[cfg(feature = "http2")]
pub(crate) use detect::Serving;

/// The service of one connection's requests: each marks the connection's phase, and its
/// reply ([`Tracked`]) marks it again as the answer goes.
#[derive(Clone)]
pub(crate) struct Requests {
    server: Arc<Server>,
    phase: Arc<Phase>,
}

impl Requests {
    pub(crate) fn new(server: &Arc<Server>, phase: &Arc<Phase>) -> Self {
        Requests { server: Arc::clone(server), phase: Arc::clone(phase) }
    }
}

impl hyper::service::Service<http::Request<Incoming>> for Requests {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Tracked;

    fn call(&self, request: http::Request<Incoming>) -> Tracked {
        self.phase.set(Phase::CALL);
        Tracked { reply: Server::handle(&self.server, request), phase: Some(Arc::clone(&self.phase)) }
    }
}

/// A call's reply that marks its connection's phase: an answer once it is there, idle
/// once the answer's body has been written (or dropped); and, for a WebSocket request
/// answered `101 Switching Protocols`, the connection upgraded.
pub(crate) struct Tracked {
    reply: Reply,
    phase: Option<Arc<Phase>>,
}

impl Future for Tracked {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let Ok(mut response) = std::task::ready!(Pin::new(&mut self.reply).poll(cx));
        if response.status() == http::StatusCode::SWITCHING_PROTOCOLS
            && response
                .headers()
                .get(http::header::UPGRADE)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
            && let Some(state) = self.phase.as_ref().and_then(|phase| phase.upgrade.as_ref())
        {
            state.upgraded();
        }
        if let Some(phase) = self.phase.take() {
            phase.set(Phase::ANSWER);
            response.body_mut().mark_idle_when_written(phase);
        }
        Poll::Ready(Ok(response))
    }
}

/// An HTTP/1.1 connection that can be upgraded to a WebSocket.
pub(crate) type Http1Upgradable = http1::UpgradeableConnection<TokioIo<Heads<Socket>>, Requests>;

/// Serves `stream` as HTTP/1.1 with upgrades, over the header framing and the socket whose
/// state is `state`.
pub(crate) fn http1_upgradable(stream: TcpStream, state: Arc<State>, requests: Requests) -> Http1Upgradable {
    let mut builder = http1::Builder::new();
    http1_settings(&mut builder);
    builder.serve_connection(TokioIo::new(Heads::new(Socket::new(stream, state))), requests).with_upgrades()
}

/// The HTTP/1.1 settings. Keep-alive connections stay open for as long as the client
/// wants them. hyper closes an idle connection once its header-read timeout (30 s by
/// default, armed whenever a timer is set) expires; the platform reuses pooled connections
/// after long idle gaps, and a POST that crosses such a close on the wire fails with a 502
/// that the platform does not retry. So: no timer, and no header-read timeout, stated
/// explicitly so that adding a timer later cannot bring the default back.
///
/// A client may shut its write side once its request is sent (a half-close): it still gets
/// its answer.
///
/// An answer's head and body go out in one buffer, with one `write`, rather than as a
/// vectored write of several: answers are mostly small, and copying them costs less than
/// the queue of buffers (a streamed body's chunks are still written as they come).
///
/// hyper keeps its default limit of 100 header fields, which it parses without allocating:
/// [`Heads`](crate::heads::Heads), between the socket and hyper, folds the fields of a head
/// that has more (up to [`MAX_HEADER_FIELDS`](crate::heads::MAX_HEADER_FIELDS), what the
/// platform lets through) into one, which the call takes apart again.
pub(crate) fn http1_settings(builder: &mut http1::Builder) {
    builder.keep_alive(true).header_read_timeout(None).half_close(true).writev(false);
}

/// A connection that can be asked to close once its call in flight is answered.
pub(crate) trait GracefulConnection: Future<Output = Result<(), Self::Error>> {
    /// Why it ended, if it failed.
    type Error: std::fmt::Display;
    /// Asks it to close.
    fn graceful_shutdown(self: Pin<&mut Self>);
}

impl<I, S, B> GracefulConnection for http1::Connection<I, S>
where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + 'static,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Error = hyper::Error;

    fn graceful_shutdown(self: Pin<&mut Self>) {
        http1::Connection::graceful_shutdown(self);
    }
}

impl<I, S, B> GracefulConnection for http1::UpgradeableConnection<I, S>
where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Error = hyper::Error;

    fn graceful_shutdown(self: Pin<&mut Self>) {
        http1::UpgradeableConnection::graceful_shutdown(self);
    }
}

/// Telling HTTP/2 with prior knowledge from HTTP/1.1, and serving each.
#[cfg(feature = "http2")]
mod detect {
    use std::future::Future;
    use std::io;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context as TaskContext, Poll};
    use std::time::Duration;

    use hyper::server::conn::http2;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use tokio::io::ReadBuf;
    use tokio::net::TcpStream;

    use super::{GracefulConnection, Http1Upgradable, Requests, http1_upgradable};
    use crate::answer::Phase;
    use crate::upgrades::State;

    /// What an HTTP/2 client with prior knowledge sends first.
    const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    /// How long to wait before looking again at a connection that has sent part of the
    /// preface (the rest is normally a segment behind); doubled up to [`MAX_WAIT`].
    const FIRST_WAIT: Duration = Duration::from_millis(1);
    const MAX_WAIT: Duration = Duration::from_millis(100);

    /// A connection of a program with an HTTP function, served as HTTP/2 or HTTP/1.1 once its
    /// first bytes say which.
    #[allow(
        clippy::large_enum_variant,
        reason = "it lives in its connection's task; a boxed HTTP/1.1 connection would cost a pointer hop at every poll"
    )]
    pub(crate) enum Serving {
        /// Its first bytes are not there yet.
        Detecting(Detecting),
        Http1(Http1Upgradable),
        /// Boxed: it is not `Unpin`.
        Http2(Pin<Box<http2::Connection<TokioIo<TcpStream>, Requests, TokioExecutor>>>),
        /// Asked to close before it said which.
        Closed,
    }

    /// A connection whose protocol is not known yet, and what serving it takes.
    pub(crate) struct Detecting {
        stream: Option<TcpStream>,
        requests: Option<Requests>,
        /// Its socket's state, should it be HTTP/1.1 (the connection's [`Phase`] holds it too).
        state: Arc<State>,
        phase: Arc<Phase>,
        /// Set while waiting for the rest of a preface.
        wait: Option<(Pin<Box<tokio::time::Sleep>>, Duration)>,
    }

    impl Serving {
        /// Serves `stream` with `requests`, once its first bytes say how. `state` is the socket
        /// state in `phase`.
        pub(crate) fn new(stream: TcpStream, requests: Requests, state: Arc<State>, phase: Arc<Phase>) -> Self {
            Serving::Detecting(Detecting { stream: Some(stream), requests: Some(requests), state, phase, wait: None })
        }
    }

    /// A connection's protocol, as its first bytes say.
    #[derive(Debug, PartialEq, Eq)]
    enum Protocol {
        Http1,
        Http2,
        /// A part of HTTP/2's preface: more is needed.
        Unknown,
    }

    /// What `seen`, a connection's first bytes so far, say of its protocol. Anything but
    /// HTTP/2's preface is left to the HTTP/1.1 server (the end of the stream and bytes that
    /// are no HTTP included), which answers or ends it as HTTP/1.1 does.
    fn protocol(seen: &[u8]) -> Protocol {
        if seen.is_empty() || !PREFACE.starts_with(seen) {
            Protocol::Http1
        } else if seen.len() == PREFACE.len() {
            Protocol::Http2
        } else {
            Protocol::Unknown
        }
    }

    impl Detecting {
        /// The connection's protocol, once its first bytes are there (peeked: they stay in the
        /// socket for the server that reads them).
        fn poll_protocol(&mut self, cx: &mut TaskContext<'_>) -> Poll<io::Result<Protocol>> {
            loop {
                if let Some((sleep, _)) = &mut self.wait {
                    std::task::ready!(sleep.as_mut().poll(cx));
                }
                let Some(stream) = &self.stream else { return Poll::Ready(Ok(Protocol::Http1)) };
                let mut bytes = [0; PREFACE.len()];
                let mut buf = ReadBuf::new(&mut bytes);
                std::task::ready!(stream.poll_peek(cx, &mut buf))?;
                let protocol = protocol(buf.filled());
                if protocol != Protocol::Unknown {
                    return Poll::Ready(Ok(protocol));
                }
                // Peeking again now would find the same bytes: wait a little, then look.
                let wait = self.wait.take().map_or(FIRST_WAIT, |(_, wait)| (wait * 2).min(MAX_WAIT));
                self.wait = Some((Box::pin(tokio::time::sleep(wait)), wait));
            }
        }

        /// Starts serving the detected `protocol`.
        fn serve(&mut self, protocol: Protocol) -> Serving {
            let (Some(stream), Some(requests)) = (self.stream.take(), self.requests.take()) else {
                return Serving::Closed;
            };
            if protocol == Protocol::Http2 {
                self.phase.multiplexed();
                let mut builder = http2::Builder::new(TokioExecutor::new());
                // No keep-alive pings and no idle timeout: the platform keeps the connection.
                builder.max_concurrent_streams(Some(1000)).keep_alive_interval(None);
                Serving::Http2(Box::pin(builder.serve_connection(TokioIo::new(stream), requests)))
            } else {
                Serving::Http1(http1_upgradable(stream, Arc::clone(&self.state), requests))
            }
        }
    }

    impl Future for Serving {
        type Output = Result<(), hyper::Error>;

        fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
            let this = self.get_mut();
            loop {
                match this {
                    Serving::Detecting(detecting) => {
                        let protocol = match std::task::ready!(detecting.poll_protocol(cx)) {
                            Ok(protocol) => protocol,
                            Err(error) => {
                                log::debug!("fc: connection ended before its first request: {error}");
                                return Poll::Ready(Ok(()));
                            }
                        };
                        *this = detecting.serve(protocol);
                    }
                    Serving::Http1(connection) => return Pin::new(connection).poll(cx),
                    Serving::Http2(connection) => return connection.as_mut().poll(cx),
                    Serving::Closed => return Poll::Ready(Ok(())),
                }
            }
        }
    }

    impl GracefulConnection for Serving {
        type Error = hyper::Error;

        fn graceful_shutdown(self: Pin<&mut Self>) {
            let this = self.get_mut();
            match this {
                // No request yet: nothing to finish.
                Serving::Detecting(_) => *this = Serving::Closed,
                Serving::Http1(connection) => Pin::new(connection).graceful_shutdown(),
                Serving::Http2(connection) => connection.as_mut().graceful_shutdown(),
                Serving::Closed => {}
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_first_bytes_tell_the_protocols_apart() {
            assert_eq!(protocol(b""), Protocol::Http1);
            assert_eq!(protocol(b"GET / HTTP/1.1\r\n"), Protocol::Http1);
            assert_eq!(protocol(b"POST /invoke HTTP/1.1\r\nhost: x\r\n"), Protocol::Http1);
            assert_eq!(protocol(b"PUT /x HTTP/1.1\r\n"), Protocol::Http1);
            assert_eq!(protocol(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), Protocol::Http1);
            assert_eq!(protocol(b"P"), Protocol::Unknown);
            assert_eq!(protocol(b"PRI * HTTP/2.0\r\n"), Protocol::Unknown);
            assert_eq!(protocol(PREFACE), Protocol::Http2);
            assert_eq!(protocol(b"PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n"), Protocol::Http1);
        }
    }
}
