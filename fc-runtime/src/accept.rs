//! Accepting connections and serving them (with the protocols and settings of
//! `protocols`): the accept loop, the signals that stop it, and the connections' graceful
//! close (upgraded ones' with `upgrades`).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Waker};

use std::io;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

use crate::answer::Phase;
use crate::call::Server;
use crate::heads::Heads;
use crate::logging;
use crate::protocols::{GracefulConnection, Requests, http1_settings};
use crate::tasks::{Count, Stopping};
use crate::upgrades::Upgrades;

/// Serves connections accepted on `listener` until `shutdown` completes; then lets idle
/// connections close at once, the others once their call in flight is answered, and
/// waits for every call under way (those whose caller went away too).
pub(crate) async fn serve(
    listener: TcpListener,
    server: Arc<Server>,
    shutdown: impl Future<Output = ()> + Send,
    grace: Duration,
    connect: ServeConnection,
) {
    Stopping::get().reset();
    let connections = Arc::new(Connections { grace, ..Connections::default() });
    let upgrades = Arc::new(Upgrades::default());
    let mut failures = AcceptFailures::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                failures.recovered();
                stream
            }
            Err(error) => {
                // Out of file descriptors and the like: keep serving the connections there
                // are, and try again after a growing delay.
                let delay = failures.failed(&error);
                tokio::select! {
                    () = tokio::time::sleep(delay) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        connect(stream, &server, &connections, &upgrades);
    }
    drop(listener);
    // Connections with no call close now, and bodies still arriving are not waited for;
    // the others close once their call is answered and the answer written (within the
    // grace). They are looked at again every 100 ms, for the grace's end.
    Stopping::get().begin();
    connections.close();
    loop {
        tokio::select! {
            () = connections.wait_closed() => break,
            () = tokio::time::sleep(Duration::from_millis(100)) => connections.wake_all(),
        }
    }
    // Calls whose caller went away still run to their end.
    server.tasks.wait_idle().await;
    // WebSockets go on for the grace, then get a close frame (1001, going away); those
    // whose application does not end them within a second more are dropped.
    if upgrades.any() {
        tokio::select! {
            () = upgrades.wait_closed() => return,
            () = tokio::time::sleep(grace) => {}
        }
        upgrades.close_all();
        let _ = tokio::time::timeout(Duration::from_secs(1), upgrades.wait_closed()).await;
    }
}

/// Serves one connection: spawns its task.
pub(crate) type ServeConnection = fn(TcpStream, &Arc<Server>, &Arc<Connections>, &Arc<Upgrades>);

fn spawn<C: GracefulConnection + Unpin + Send + 'static>(connection: Watched<C>)
where
    C::Output: Send,
{
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            log::debug!("fc: connection ended with an error: {error}");
        }
    });
}

/// A connection of a program without an HTTP function: HTTP/1.1, the protocol's calls.
pub(crate) fn serve_plain(stream: TcpStream, server: &Arc<Server>, connections: &Arc<Connections>, _: &Arc<Upgrades>) {
    let phase = Arc::new(Phase::default());
    let mut builder = http1::Builder::new();
    http1_settings(&mut builder);
    let connection = builder.serve_connection(TokioIo::new(Heads::new(stream)), Requests::new(server, &phase));
    spawn(connections.watch(connection, phase));
}

/// A connection of a program with an HTTP function: upgrades to WebSocket served, and
/// (with the `http2` feature) HTTP/2 with prior knowledge (h2c, as the platform's gateway
/// speaks it) beside HTTP/1.1, told apart by the connection's first bytes
/// ([`protocols`](crate::protocols)), with no keep-alive pings and no idle timeout. The
/// HTTP function's registration is what refers to this: a program without one does not
/// carry it (nor the runtime's `tracing` subscriber, installed with the first connection:
/// see `logging::TracingEvents`).
pub(crate) fn serve_upgradable(
    stream: TcpStream,
    server: &Arc<Server>,
    connections: &Arc<Connections>,
    upgrades: &Arc<Upgrades>,
) {
    logging::install_tracing_events();
    let state = upgrades.state();
    let phase = Arc::new(Phase::new(Arc::clone(&state)));
    let requests = Requests::new(server, &phase);
    #[cfg(not(feature = "http2"))]
    let connection = crate::protocols::http1_upgradable(stream, state, requests);
    #[cfg(feature = "http2")]
    let connection = crate::protocols::Serving::new(stream, requests, state, Arc::clone(&phase));
    spawn(connections.watch(connection, phase));
}

/// Set by a SIGTERM or SIGINT from the moment [`catch_signals_early`] ran.
static EARLY_SIGNAL: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();

/// Makes SIGTERM and SIGINT the runtime's from now on (once per process): one that comes
/// before the server listens for them no longer kills the process, it makes the server
/// stop as soon as it starts.
pub(crate) fn catch_signals_early() {
    EARLY_SIGNAL.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            if let Err(error) = signal_hook::flag::register(signal, Arc::clone(&flag)) {
                logging::runtime_line(log::Level::Warn, None, &format!("fc: cannot catch signal {signal}: {error}"));
            }
        }
        flag
    });
}

/// Failures to accept a connection (out of file descriptors, say), which can last and
/// flap: the first is logged; the next ones are counted, and the count is logged once a
/// minute while they last and when accepting works again — a connection accepted at
/// least [`QUIET`](Self::QUIET) after the last failure.
#[derive(Default)]
struct AcceptFailures {
    count: u64,
    since: Option<Instant>,
    last: Option<Instant>,
    reported: Option<Instant>,
    delay: Duration,
}

impl AcceptFailures {
    const FIRST_DELAY: Duration = Duration::from_millis(10);
    const MAX_DELAY: Duration = Duration::from_secs(1);
    const REMINDER: Duration = Duration::from_secs(60);
    const QUIET: Duration = Duration::from_millis(500);

    /// Counts a failure; returns how long to wait before the next try.
    fn failed(&mut self, error: &io::Error) -> Duration {
        let now = Instant::now();
        self.count += 1;
        self.last = Some(now);
        match (self.since, self.reported) {
            (None, _) => {
                self.since = Some(now);
                self.reported = Some(now);
                self.delay = Self::FIRST_DELAY;
                let message = format!(
                    "fc: accept failed: {error}; retrying after a delay that grows to {} s, quietly until it works again",
                    Self::MAX_DELAY.as_secs()
                );
                logging::runtime_line(log::Level::Error, None, &message);
            }
            (Some(since), Some(reported)) if now.duration_since(reported) >= Self::REMINDER => {
                self.reported = Some(now);
                let message = format!(
                    "fc: accept still failing: {error}; {} failures in {} s",
                    self.count,
                    now.duration_since(since).as_secs()
                );
                logging::runtime_line(log::Level::Error, None, &message);
            }
            _ => self.delay = (self.delay * 2).min(Self::MAX_DELAY),
        }
        self.delay
    }

    /// A connection was accepted.
    fn recovered(&mut self) {
        let (Some(since), Some(last)) = (self.since, self.last) else { return };
        if last.elapsed() < Self::QUIET {
            // At the limit, one connection in and the next one refused: still failing.
            return;
        }
        let message = format!(
            "fc: accepting connections again after {} failures in {} ms",
            self.count,
            last.duration_since(since).as_millis()
        );
        logging::runtime_line(log::Level::Warn, None, &message);
        *self = AcceptFailures::default();
    }
}

/// Registers for SIGTERM and SIGINT now; the future completes on either, or at once if
/// one came since [`catch_signals_early`]. After it, a second one exits the process at
/// once, with status 128 + the signal's number.
pub(crate) fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let early = EARLY_SIGNAL.get().cloned();
    Ok(async move {
        // Read after registering above: a signal since is seen one way or the other.
        if !early.is_some_and(|flag| flag.load(Ordering::SeqCst)) {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        // A second signal: no more waiting.
        tokio::spawn(async move {
            let signal = tokio::select! {
                _ = term.recv() => signal_hook::consts::SIGTERM,
                _ = int.recv() => signal_hook::consts::SIGINT,
            };
            let message = "fc: a second signal: exiting now, without waiting for the calls in flight";
            logging::runtime_line(log::Level::Warn, None, message);
            std::process::exit(128 + signal);
        });
    })
}

/// The open connections, and the signal that asks them to close once their call in
/// flight is answered (idle ones close at once).
///
/// The shutdown signal costs one atomic load per poll of a connection: a connection
/// hands its task's waker over once, when it is first polled, and is woken through it
/// when the shutdown starts.
#[derive(Default)]
pub(crate) struct Connections {
    closing: AtomicBool,
    open: Count,
    next_id: AtomicUsize,
    wakers: Mutex<HashMap<usize, Waker>>,
    /// How long a closing connection may go on writing an answer.
    grace: Duration,
}

impl Connections {
    /// Watches `conn` until it ends: asks it to close when [`close`](Self::close) is called.
    pub(crate) fn watch<C: GracefulConnection + Unpin>(self: &Arc<Self>, conn: C, phase: Arc<Phase>) -> Watched<C> {
        self.open.enter();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        Watched { conn, connections: Arc::clone(self), id, registered: false, closing: false, phase, answer_seen: None }
    }

    /// Asks every connection to close: at once when it has no call, else once its call
    /// is answered (and the answer written, within the grace).
    pub(crate) fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.wake_all();
    }

    /// Wakes every connection, to look at its phase again.
    pub(crate) fn wake_all(&self) {
        let wakers: Vec<Waker> = self.wakers.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Completes once every connection has ended.
    pub(crate) async fn wait_closed(&self) {
        self.open.wait_zero().await;
    }
}

/// A connection watched by [`Connections`].
pub(crate) struct Watched<C: GracefulConnection + Unpin> {
    conn: C,
    connections: Arc<Connections>,
    id: usize,
    registered: bool,
    closing: bool,
    phase: Arc<Phase>,
    /// When, closing, this connection was first seen writing its answer: its grace
    /// counts from then.
    answer_seen: Option<Instant>,
}

impl<C: GracefulConnection + Unpin> Future for Watched<C> {
    type Output = C::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<C::Output> {
        let this = self.get_mut();
        if !this.closing {
            if !this.registered {
                // The connection is polled by its own task only: this waker stays valid.
                let mut wakers = this.connections.wakers.lock().unwrap_or_else(|e| e.into_inner());
                wakers.insert(this.id, cx.waker().clone());
                this.registered = true;
            }
            // Read after registering: a `close` that drained the wakers before this
            // connection registered has set the flag before it did.
            if this.connections.closing.load(Ordering::SeqCst) {
                this.closing = true;
                Pin::new(&mut this.conn).graceful_shutdown();
            }
        }
        let polled = Pin::new(&mut this.conn).poll(cx);
        if polled.is_pending() && this.closing && this.may_close() {
            // No call (none yet, or part of a request), or an answer past its grace:
            // dropping the connection closes it.
            return Poll::Ready(Ok(()));
        }
        polled
    }
}

impl<C: GracefulConnection + Unpin> Watched<C> {
    /// Whether this closing connection may be closed now: it has no call, or has been
    /// writing its answer for longer than the grace.
    fn may_close(&mut self) -> bool {
        if self.phase.is_multiplexed() {
            // HTTP/2: its streams end as hyper closes it gracefully; past the grace, it
            // is dropped.
            return self.answer_seen.get_or_insert_with(Instant::now).elapsed() >= self.connections.grace;
        }
        match self.phase.get() {
            Phase::IDLE => true,
            Phase::ANSWER => self.answer_seen.get_or_insert_with(Instant::now).elapsed() >= self.connections.grace,
            _ => {
                self.answer_seen = None;
                false
            }
        }
    }
}

impl<C: GracefulConnection + Unpin> Drop for Watched<C> {
    fn drop(&mut self) {
        if self.registered {
            self.connections.wakers.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
        }
        self.connections.open.leave();
    }
}
