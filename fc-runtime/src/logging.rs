//! Logs on stdout in the platform's format: the runtime's `FC … Start/End` lines, failure
//! reports, and user log lines from the `log` and `tracing` facades as
//! `2026-11-21T08:00:00.123Z <requestId> [INFO] message`.
//!
//! The platform's log service takes each line of stdout as a record. So that nothing a
//! function logs can pass for a line of the runtime's or of another request's, every line
//! of a message gets the message's own prefix, control characters other than the tab are
//! escaped (`\r`, `\u{1b}`), and a request id that is not a plain token is printed with
//! its other bytes percent-escaped.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::context::{self, CallKind};
use crate::error::FunctionError;

/// Formats a time as `2026-11-21T08:00:00.123Z` (UTC, milliseconds).
pub fn format_timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let millis = since_epoch.subsec_millis();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day), for the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// What stands for the request id in a line outside a call, or of a call without one.
const NO_REQUEST_ID: &str = "-";

/// The bytes a request id may show as they are, by value (one load a byte).
const PLAIN: [bool; 256] = {
    let mut plain = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        plain[byte] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'=' | b'@');
        byte += 1;
    }
    plain
};

fn is_plain(byte: u8) -> bool {
    PLAIN[byte as usize]
}

/// A request id as log lines print it: as it is when it is a plain token (letters,
/// digits, `-_.:/+=@`), else with every other byte percent-escaped, so that it can
/// neither end a line nor pass for another field.
pub(crate) fn printable_request_id(id: &str) -> Cow<'_, str> {
    // `fold`, not `all`: no branch a byte.
    if id.bytes().fold(true, |plain, byte| plain & is_plain(byte)) {
        return Cow::Borrowed(id);
    }
    let mut escaped = String::with_capacity(id.len() * 3);
    for byte in id.bytes() {
        if is_plain(byte) {
            escaped.push(byte as char);
        } else {
            escaped.push_str(&format!("%{byte:02X}"));
        }
    }
    Cow::Owned(escaped)
}

/// Writes `text` with its control characters (but the tab) escaped.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\t' => out.push(c),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
}

/// Writes one whole line to stdout; a closed stdout is ignored.
pub(crate) fn write_line(line: &str) {
    write_bytes(line.as_bytes());
}

fn write_bytes(line: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line);
    let _ = out.flush();
}

/// Writes `parts`, joined, as one line: one `write` for the whole line, as with
/// [`write_line`], without formatting or allocating once the thread's buffer has grown.
fn write_parts(parts: &[&[u8]]) {
    thread_local! {
        static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let written = LINE.try_with(|line| {
        let Ok(mut line) = line.try_borrow_mut() else { return false };
        line.clear();
        parts.iter().for_each(|part| line.extend_from_slice(part));
        write_bytes(&line);
        if line.capacity() > 1024 {
            *line = Vec::new();
        }
        true
    });
    if written != Ok(true) {
        write_bytes(&parts.concat());
    }
}

/// `FC <kind> <phase> RequestId: `, for each kind's [`CallKind::log_name`].
macro_rules! line_prefix {
    ($kind:expr, $phase:literal) => {
        match $kind {
            CallKind::Invoke | CallKind::Http => concat!("FC Invoke ", $phase, " RequestId: "),
            CallKind::Initialize => concat!("FC Initialize ", $phase, " RequestId: "),
            CallKind::PreFreeze => concat!("FC PreFreeze ", $phase, " RequestId: "),
            CallKind::PreStop => concat!("FC PreStop ", $phase, " RequestId: "),
        }
    };
}

/// `FC Invoke Start RequestId: <id>`, the id as [`printable_request_id`] gives it.
pub(crate) fn call_start(kind: CallKind, request_id: &str) {
    write_parts(&[line_prefix!(kind, "Start").as_bytes(), request_id.as_bytes(), b"\n"]);
}

/// `FC Invoke End RequestId: <id>`, with `, Error: Unhandled function error` on failure;
/// the id as [`printable_request_id`] gives it (a plain id's bytes are the same).
pub(crate) fn call_end(kind: CallKind, request_id: &[u8], failed: bool) {
    let end: &[u8] = if failed { b", Error: Unhandled function error\n" } else { b"\n" };
    write_parts(&[line_prefix!(kind, "End").as_bytes(), request_id, end]);
}

/// `<time> <requestId> [ERROR] <the JSON error body>` (JSON: one line), the id as
/// [`printable_request_id`] gives it.
pub(crate) fn failure(request_id: &str, error: &FunctionError) {
    let json = error.to_json();
    let json = String::from_utf8_lossy(&json);
    let request_id = if request_id.is_empty() { NO_REQUEST_ID } else { request_id };
    write_line(&format!("{} {request_id} [ERROR] {json}\n", format_timestamp(SystemTime::now())));
}

/// A line of the runtime's own, at `level`, for the call `request_id` if any.
pub(crate) fn runtime_line(level: log::Level, request_id: Option<&str>, message: &str) {
    write_line(&user_line(level, request_id, &message));
}

fn level_name(level: log::Level) -> &'static str {
    match level {
        log::Level::Error => "ERROR",
        log::Level::Warn => "WARN",
        log::Level::Info => "INFO",
        log::Level::Debug | log::Level::Trace => "DEBUG",
    }
}

/// The lines of one log record: each line of `message` with the prefix
/// `<time> <requestId> [LEVEL] `, control characters escaped.
fn user_line(level: log::Level, request_id: Option<&str>, message: &dyn std::fmt::Display) -> String {
    let time = format_timestamp(SystemTime::now());
    let level = level_name(level);
    let id = match request_id {
        Some(id) if !id.is_empty() => printable_request_id(id),
        _ => Cow::Borrowed(NO_REQUEST_ID),
    };
    let text = message.to_string();
    let prefix = format!("{time} {id} [{level}] ");
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return format!("{prefix}{text}\n");
    }
    // One line break at the end ends the message; it is not a line of its own.
    let body = text.strip_suffix('\n').unwrap_or(&text);
    let mut out = String::with_capacity(text.len() + prefix.len() * 2 + 8);
    for line in body.split('\n') {
        out.push_str(&prefix);
        push_escaped(&mut out, line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out
}

/// The logger behind the `log` facade (and `tracing`'s, through its `log` feature or
/// [`TracingEvents`], when the program sets no subscriber of its own).
struct Logger {
    level: log::LevelFilter,
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = context::with_current_request_id(|id| user_line(record.level(), id, record.args()));
        write_line(&line);
    }

    fn flush(&self) {
        let _ = std::io::stdout().flush();
    }
}

/// The level set by `FC_LOG_LEVEL` or `RUST_LOG` (`error`, `warn`, `info`, `debug`,
/// `trace`, `off`), else `default`.
pub(crate) fn level_from_env(default: log::LevelFilter) -> log::LevelFilter {
    ["FC_LOG_LEVEL", "RUST_LOG"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
        .unwrap_or(default)
}

/// Installs the logger unless the program has installed one; returns whether it did.
pub(crate) fn install(level: log::LevelFilter) -> bool {
    let installed = log::set_boxed_logger(Box::new(Logger { level })).is_ok();
    if installed {
        log::set_max_level(level);
    }
    installed
}

/// Installs [`TracingEvents`] unless the program has installed a `tracing` subscriber (once
/// a process). Serving an HTTP function's first connection does it: only programs with an
/// HTTP function carry it.
pub(crate) fn install_tracing_events() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing::subscriber::set_global_default(TracingEvents);
    });
}

/// The `tracing` subscriber of a program with an HTTP function that installs none before
/// the runtime starts: each event becomes a record of the `log` facade (which the runtime's
/// logger, or the program's, writes), its message first and its other fields after it as
/// `name=value`, as `tracing`'s `log` feature writes them for other programs. Spans are not
/// recorded: the HTTP/2 server opens several for every gRPC call, and through the `log`
/// feature they cost each call about 15,000 instructions. What is enabled is decided once
/// per call site, at the level the runtime started with, so that a disabled span or event
/// costs next to nothing.
struct TracingEvents;

impl tracing::Subscriber for TracingEvents {
    fn register_callsite(&self, metadata: &'static tracing::Metadata<'static>) -> tracing::subscriber::Interest {
        if self.enabled(metadata) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(match log::max_level() {
            log::LevelFilter::Off => tracing::level_filters::LevelFilter::OFF,
            log::LevelFilter::Error => tracing::level_filters::LevelFilter::ERROR,
            log::LevelFilter::Warn => tracing::level_filters::LevelFilter::WARN,
            log::LevelFilter::Info => tracing::level_filters::LevelFilter::INFO,
            log::LevelFilter::Debug => tracing::level_filters::LevelFilter::DEBUG,
            log::LevelFilter::Trace => tracing::level_filters::LevelFilter::TRACE,
        })
    }

    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.is_event() && log_level(*metadata.level()) <= log::max_level()
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let metadata = event.metadata();
        let mut fields = EventFields::default();
        event.record(&mut fields);
        log::logger().log(
            &log::Record::builder()
                .level(log_level(*metadata.level()))
                .target(metadata.target())
                .module_path(metadata.module_path())
                .file(metadata.file())
                .line(metadata.line())
                .args(format_args!("{}{}", fields.message, fields.others))
                .build(),
        );
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

fn log_level(level: tracing::Level) -> log::Level {
    match level {
        tracing::Level::ERROR => log::Level::Error,
        tracing::Level::WARN => log::Level::Warn,
        tracing::Level::INFO => log::Level::Info,
        tracing::Level::DEBUG => log::Level::Debug,
        tracing::Level::TRACE => log::Level::Trace,
    }
}

/// An event's text: its message, and ` name=value` for each other field.
#[derive(Default)]
struct EventFields {
    message: String,
    others: String,
}

impl tracing::field::Visit for EventFields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write as _;
        let _ = match field.name() {
            "message" => write!(self.message, "{value:?}"),
            name => write!(self.others, " {name}={value:?}"),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tracing_spans_are_not_recorded_and_events_are() {
        use tracing::Subscriber as _;
        tracing::subscriber::with_default(TracingEvents, || {
            let span = tracing::info_span!("call", request_id = "r-1");
            assert!(span.is_disabled());
            let event = tracing::Metadata::new(
                "event",
                "target",
                tracing::Level::ERROR,
                None,
                None,
                None,
                tracing::field::FieldSet::new(&[], tracing::callsite::Identifier(&CALLSITE)),
                tracing::metadata::Kind::EVENT,
            );
            log::set_max_level(log::LevelFilter::Warn);
            assert!(TracingEvents.enabled(&event));
            log::set_max_level(log::LevelFilter::Off);
            assert!(!TracingEvents.enabled(&event));
        });
    }

    struct Callsite;
    static CALLSITE: Callsite = Callsite;
    impl tracing::callsite::Callsite for Callsite {
        fn set_interest(&self, _: tracing::subscriber::Interest) {}
        fn metadata(&self) -> &tracing::Metadata<'_> {
            unreachable!()
        }
    }

    #[test]
    fn timestamps() {
        let t = UNIX_EPOCH + Duration::from_millis(1_584_072_409_099);
        assert_eq!(format_timestamp(t), "2020-03-13T04:06:49.099Z");
        assert_eq!(format_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(format_timestamp(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn call_line_prefixes_use_the_log_names() {
        for kind in [CallKind::Invoke, CallKind::Http, CallKind::Initialize, CallKind::PreFreeze, CallKind::PreStop] {
            assert_eq!(line_prefix!(kind, "Start"), format!("FC {} Start RequestId: ", kind.log_name()));
            assert_eq!(line_prefix!(kind, "End"), format!("FC {} End RequestId: ", kind.log_name()));
        }
    }

    #[test]
    fn every_line_of_a_message_has_its_prefix_and_controls_are_escaped() {
        let forged =
            "first\nFC Invoke End RequestId: other, Error: Unhandled function error\r\n\u{1b}[31mred\tcell\r\n";
        let out = user_line(log::Level::Info, Some("r-1"), &forged);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        for line in &lines {
            assert!(line.len() > 24 && line[24..].starts_with(" r-1 [INFO] "), "{line}");
        }
        assert!(lines[0].ends_with(" r-1 [INFO] first"));
        assert!(lines[1].ends_with(" r-1 [INFO] FC Invoke End RequestId: other, Error: Unhandled function error"));
        assert!(lines[2].ends_with(" r-1 [INFO] \\u{1b}[31mred\tcell"), "{}", lines[2]);
        // A lone carriage return inside a line is escaped.
        assert!(user_line(log::Level::Warn, None, &"a\rb").ends_with("Z - [WARN] a\\rb\n"));
    }

    #[test]
    fn request_ids_that_are_not_plain_tokens_are_escaped() {
        assert_eq!(printable_request_id("1-2_3.a:b/c+d=e@f"), "1-2_3.a:b/c+d=e@f");
        assert_eq!(printable_request_id("a b [ERROR] x"), "a%20b%20%5BERROR%5D%20x");
        assert_eq!(printable_request_id("100%"), "100%25");
        assert_eq!(printable_request_id("é"), "%C3%A9");
        let line = user_line(log::Level::Info, Some("evil\n2026 other [INFO]"), &"m");
        assert!(line.ends_with(" evil%0A2026%20other%20%5BINFO%5D [INFO] m\n"), "{line}");
    }

    #[test]
    fn user_lines() {
        let line = user_line(log::Level::Warn, Some("r-1"), &"careful");
        assert!(line.ends_with(" r-1 [WARN] careful\n"), "{line}");
        assert_eq!(line.len(), "2020-03-13T04:06:49.099Z r-1 [WARN] careful\n".len());
        assert!(user_line(log::Level::Info, None, &"x").ends_with("Z - [INFO] x\n"));
        assert!(user_line(log::Level::Info, Some(""), &"x").ends_with("Z - [INFO] x\n"));
    }
}
