//! Panics: the hook that captures a panic's location and frames while user code runs,
//! the catch, and the report (message, location, the user's stack frames). Panics outside
//! user code are left to the previous panic hook. Running user code is `user_code`'s.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Once, OnceLock};

use crate::error::{FunctionError, StackFrame};

/// `errorType` of a panic.
pub(crate) const PANIC_ERROR_TYPE: &str = "Panic";

thread_local! {
    /// Set while this thread runs handler code whose panics the runtime catches.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// What the hook captured of the last caught panic on this thread.
    static CAPTURED: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

struct Captured {
    file: String,
    line: u32,
    /// The return addresses of the panicking thread's frames, innermost first.
    ips: Vec<usize>,
}

/// How many frames a panic's capture keeps: the user's are near the top.
const MAX_FRAMES: usize = 128;

/// Installs the panic hook once. Panics outside handler code reach the previous hook.
pub(crate) fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.try_with(Cell::get).unwrap_or(false) {
                let (file, line) = info.location().map_or((String::new(), 0), |l| (l.file().to_owned(), l.line()));
                // Only the addresses now: naming the frames is the report's (and only of the
                // frames it needs).
                let mut ips = Vec::with_capacity(64);
                backtrace::trace(|frame| {
                    ips.push(frame.ip() as usize);
                    ips.len() < MAX_FRAMES
                });
                let captured = Captured { file, line, ips };
                let _ = CAPTURED.try_with(|c| c.replace(Some(captured)));
            } else {
                previous(info);
            }
        }));
    });
}

/// Whether this binary can catch panics at all.
pub(crate) const PANICS_ABORT: bool = cfg!(panic = "abort");

struct CatchingGuard {
    previous: bool,
}

impl CatchingGuard {
    fn enter() -> Self {
        CatchingGuard { previous: CATCHING.with(|c| c.replace(true)) }
    }
}

impl Drop for CatchingGuard {
    fn drop(&mut self) {
        let previous = self.previous;
        let _ = CATCHING.try_with(|c| c.set(previous));
    }
}

/// Runs `f`, turning a panic in it into a [`FunctionError`] with the panic's message,
/// location and the user's frames (what the hook captured while `f` ran).
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, FunctionError> {
    let catching = CatchingGuard::enter();
    if !catching.previous {
        // Forget what an earlier panic left (one the user's code caught itself, say), so
        // that a panic which does not reach the hook (`resume_unwind`) is not reported
        // with another panic's location.
        let _ = CAPTURED.try_with(|c| c.take());
    }
    catch_unwind(AssertUnwindSafe(f)).map_err(report)
}

/// The report of a caught panic with `payload`, using what the hook captured.
fn report(payload: Box<dyn Any + Send>) -> FunctionError {
    // The payload's `Display` (an `fc::Error` payload) and `Drop` are user code: keep
    // their panics from unwinding out of here.
    let message = catch_unwind(AssertUnwindSafe(|| payload_message(&*payload)))
        .unwrap_or_else(|_| "panicked, and formatting the panic's payload panicked too".to_owned());
    let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
    let captured = CAPTURED.try_with(|c| c.take()).ok().flatten();
    let frames = match captured {
        Some(c) => {
            let raw = catch_unwind(AssertUnwindSafe(|| resolve(&c.ips))).unwrap_or_default();
            stack_trace(&c.file, c.line, &raw)
        }
        None => Vec::new(),
    };
    FunctionError::new(PANIC_ERROR_TYPE, message).with_stack_trace(frames)
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(e) = payload.downcast_ref::<crate::Error>() {
        e.to_string()
    } else {
        "panicked with a payload that is not a string".to_owned()
    }
}

/// A frame, named.
#[derive(Debug, Default, PartialEq)]
struct RawFrame {
    function: Option<String>,
    file: Option<String>,
    line: Option<u32>,
}

/// Names the frames at `ips`, up to the first of the runtime's (the user's end there).
///
/// An optimised build names them from the executable's symbol table, read once: its debug
/// information covers std only, and reading it costs tens of milliseconds and tens of
/// megabytes for good. A debug build reads the debug information, for files and lines
/// (and keeps it, so that its later panics are quick).
fn resolve(ips: &[usize]) -> Vec<RawFrame> {
    let mut frames = Vec::new();
    for &ip in ips {
        let before = frames.len();
        if cfg!(debug_assertions) {
            backtrace::resolve(ip as *mut std::ffi::c_void, |symbol| {
                frames.push(RawFrame {
                    function: symbol.name().map(|name| format!("{name:#}")),
                    file: symbol.filename().map(|path| path.display().to_string()),
                    line: symbol.lineno(),
                });
            });
        } else {
            frames.push(RawFrame { function: crate::symbols::function_at(ip), ..RawFrame::default() });
        }
        if frames.len() == before {
            frames.push(RawFrame::default());
        }
        let past_user = frames[before..]
            .iter()
            .any(|f| f.function.as_deref().is_some_and(|name| is_runtime(name) && !is_panic_machinery(name)));
        if past_user {
            break;
        }
    }
    frames
}

/// Parses `Backtrace [{ fn: "name", file: "path", line: 12 }, { fn: <unknown> }, …]`, the
/// `Debug` output of std's `Backtrace`: frames for the tests.
#[cfg(test)]
fn parse_backtrace(debug: &str) -> Vec<RawFrame> {
    const START: &str = "{ fn: ";
    let mut frames = Vec::new();
    let mut rest = debug;
    while let Some(at) = rest.find(START) {
        rest = &rest[at + START.len()..];
        let end = rest.find(START).unwrap_or(rest.len());
        let entry = &rest[..end];
        let (function, after) = if let Some(quoted) = entry.strip_prefix('"') {
            // The name is written as is (not escaped) and ends before `, file:` or ` }`.
            let stop = quoted.find("\", file: ").or_else(|| quoted.rfind("\" }")).unwrap_or(quoted.len());
            (Some(quoted[..stop].to_owned()), &quoted[stop..])
        } else {
            (None, entry)
        };
        let file = after.find(", file: \"").map(|i| {
            let text = &after[i + ", file: \"".len()..];
            let stop = text.find("\", line: ").or_else(|| text.rfind("\" }")).unwrap_or(text.len());
            text[..stop].to_owned()
        });
        let line = after.find(", line: ").and_then(|i| {
            let digits: String = after[i + ", line: ".len()..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        });
        frames.push(RawFrame { function, file, line });
        rest = &rest[end..];
    }
    frames
}

/// Frames of the machinery that runs a panic, and of the runtime's hook.
fn is_panic_machinery(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "std::panicking::",
        "std::panic::",
        "core::panicking::",
        "core::panic::",
        "std::sys::backtrace::",
        "std::backtrace::",
        "std::backtrace_rs::",
        "rust_begin_unwind",
        "__rustc::rust_begin_unwind",
        "fc::panic::",
        "backtrace::",
        "<backtrace::",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Frames of the runtime that called the user's code: the user's frames end there.
fn is_runtime(name: &str) -> bool {
    const PREFIXES: &[&str] =
        &["fc::", "<fc::", "tokio::", "<tokio::", "hyper::", "<hyper::", "std::rt::", "std::thread::"];
    // `__fc_` names the glue that the attribute macros generate.
    PREFIXES.iter().any(|p| name.starts_with(p)) || name.contains(" as fc::") || name.contains("::__fc_")
}

/// Plumbing between the user's frames (`Pin::poll`, `FnOnce::call_once`, …).
fn is_plumbing(name: &str) -> bool {
    const PREFIXES: &[&str] = &["core::", "<core::", "std::", "<std::", "alloc::", "<alloc::", "__rust"];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Source from crates.io or git dependencies, or from std: a framework's plumbing (axum's,
/// tower's) between the runtime and the user's code. The panic's own location is kept
/// even there.
fn is_dependency(path: &str) -> bool {
    path.contains("/.cargo/registry/") || path.contains("/.cargo/git/") || path.starts_with("/rustc/")
}

fn clean_label(name: &str) -> String {
    let mut label = name;
    while let Some(stripped) = label.strip_suffix("::{{closure}}") {
        label = stripped;
    }
    label.to_owned()
}

/// A source path as the panic's location gives it: relative to the directory the program
/// runs in when it is below it (`examples/errors.rs`), else as it is.
fn clean_path(path: &str) -> String {
    static CWD: OnceLock<Option<String>> = OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok().and_then(|d| d.to_str().map(|d| format!("{d}/"))));
    let path = path.strip_prefix("./").unwrap_or(path);
    cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd)).unwrap_or(path).to_owned()
}

/// The user's frames, innermost first, with the panic's own file and line first of all.
fn stack_trace(file: &str, line: u32, raw: &[RawFrame]) -> Vec<StackFrame> {
    // The capture starts in the hook: skip it, std's panic machinery and any std frames
    // (`unwrap_failed`, a bounds check…) up to the first frame of the user's.
    let start = raw
        .iter()
        .position(|f| f.function.as_deref().is_some_and(|name| !is_panic_machinery(name) && !is_plumbing(name)))
        .unwrap_or(raw.len());
    let mut frames: Vec<StackFrame> = raw[start..]
        .iter()
        .take_while(|f| !f.function.as_deref().is_some_and(is_runtime))
        .filter_map(|f| {
            let name = f.function.as_deref()?;
            if is_plumbing(name) || f.file.as_deref().is_some_and(is_dependency) {
                return None;
            }
            Some(StackFrame { path: f.file.as_deref().map(clean_path), line: f.line, label: clean_label(name) })
        })
        .collect();
    // Without debug info the path does not tell a dependency's frames (a framework's
    // plumbing) from the user's: the crate does. The user's is the innermost frame's.
    if let Some(user) = frames.first().map(|f| f.label.clone()) {
        let user = label_crate(&user).to_owned();
        let mut first = true;
        frames.retain(|f| std::mem::take(&mut first) || f.path.is_some() || label_crate(&f.label) == user);
    }
    // `f::{{closure}}` and `f` (an async fn's body and its caller) read the same.
    frames.dedup_by(|b, a| a.label == b.label && (b.path.is_none() || a.path == b.path));
    let here = clean_path(file);
    match frames.first_mut() {
        Some(first) if first.path.is_none() => {
            // No debug info: the innermost user frame is where the panic happened.
            first.path = Some(here);
            first.line = Some(line);
        }
        Some(first) if first.path.as_deref() == Some(here.as_str()) && first.line == Some(line) => {}
        _ => frames.insert(0, StackFrame { path: Some(here), line: Some(line), label: "panic".to_owned() }),
    }
    frames
}

/// The crate a function's label names: `app` for `app::f`, `<app::T as …>::f`, and for
/// `<T as app::Trait>::f` when `T` names no crate.
fn label_crate(label: &str) -> &str {
    let ident_end = |text: &str| text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    match label.strip_prefix('<') {
        Some(inner) => {
            let end = ident_end(inner);
            if inner[end..].starts_with("::") {
                &inner[..end]
            } else if let Some(at) = inner.find(" as ") {
                let trait_path = &inner[at + " as ".len()..];
                &trait_path[..ident_end(trait_path)]
            } else {
                ""
            }
        }
        None => &label[..ident_end(label)],
    }
}

/// Labels the frames of a panic in the function registered as `function`
/// (`crate::module::name`, from its attribute) that tell nothing better: the attribute's
/// glue, into which an optimised build inlines the function, and the placeholder of a
/// panic found in no named frame.
pub(crate) fn name_function_frames(error: &mut FunctionError, function: &str) {
    let Some(frames) = error.stack_trace.as_mut() else { return };
    let named = frames.iter().any(|f| f.label == function);
    for (i, frame) in frames.iter_mut().enumerate() {
        let glue = frame.label.contains("::_::") || frame.label.contains("__INVENTORY") || frame.label.ends_with("::_");
        if glue || (i == 0 && !named && frame.label == "panic") {
            frame.label = function.to_owned();
        }
    }
    frames.dedup_by(|b, a| a.label == b.label && (b.path.is_none() || a.path == b.path));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_std_backtrace_debug() {
        let text = r#"Backtrace [{ fn: "fc::panic::install_hook::{{closure}}::{{closure}}", file: "./fc-runtime/src/panic.rs", line: 40 }, { fn: "<alloc::boxed::Box<dyn for<'a, 'b> core::ops::function::Fn<(&'a std::panic::PanicHookInfo<'b>,), Output = ()> + core::marker::Sync + core::marker::Send> as core::ops::function::Fn<(&std::panic::PanicHookInfo,)>>::call", file: "/rustc/x/library/alloc/src/boxed.rs", line: 2254 }, { fn: "std::panicking::begin_panic_handler::{{closure}}", file: "/rustc/x/library/std/src/panicking.rs", line: 697 }, { fn: "core::panicking::panic_fmt", file: "/rustc/x/library/core/src/panicking.rs", line: 75 }, { fn: "errors::handler::{{closure}}", file: "./examples/errors.rs", line: 22 }, { fn: "<core::pin::Pin<P> as core::future::future::Future>::poll" }, { fn: "errors::main::{{closure}}", file: "./examples/errors.rs", line: 40 }, { fn: "<fc::panic::Guarded<F> as core::future::future::Future>::poll", file: "fc-runtime/src/panic.rs", line: 90 }, { fn: "std::panicking::catch_unwind", file: "/rustc/x/library/std/src/panicking.rs", line: 544 }, { fn: <unknown> }, { fn: "main" }]"#;
        let raw = parse_backtrace(text);
        assert_eq!(raw.len(), 11);
        assert_eq!(raw[4].file.as_deref(), Some("./examples/errors.rs"));
        assert_eq!(raw[9], RawFrame { function: None, file: None, line: None });
        let frames = stack_trace("examples/errors.rs", 22, &raw);
        assert_eq!(
            frames,
            vec![
                StackFrame { path: Some("examples/errors.rs".into()), line: Some(22), label: "errors::handler".into() },
                StackFrame { path: Some("examples/errors.rs".into()), line: Some(40), label: "errors::main".into() },
            ]
        );
    }

    #[test]
    fn frames_without_debug_info_keep_the_users_crate_only() {
        let raw = parse_backtrace(
            r#"Backtrace [{ fn: "core::panicking::panic_fmt" }, { fn: "http::panics::{{closure}}" }, { fn: "http::helper" }, { fn: "<F as axum::handler::Handler<((),),S>>::call::{{closure}}" }, { fn: "<axum::util::MapIntoResponseFuture<F> as core::future::future::Future>::poll" }, { fn: "<http::Stream as core::future::future::Future>::poll" }, { fn: "fc::user_code::run_sync" }]"#,
        );
        let labels: Vec<String> = stack_trace("examples/http.rs", 100, &raw).into_iter().map(|f| f.label).collect();
        assert_eq!(labels, ["http::panics", "http::helper", "<http::Stream as core::future::future::Future>::poll"]);
        assert_eq!(label_crate("<F as axum::handler::Handler<S>>::call"), "axum");
        assert_eq!(label_crate("<app::T as core::fmt::Debug>::fmt"), "app");
        assert_eq!(label_crate("app::f"), "app");
    }

    #[test]
    fn a_functions_frames_take_its_path_where_they_tell_nothing_better() {
        let mut error = FunctionError::new(PANIC_ERROR_TYPE, "boom").with_stack_trace(vec![StackFrame {
            path: Some("src/main.rs".into()),
            line: Some(7),
            label: "panic".into(),
        }]);
        name_function_frames(&mut error, "app::handler");
        assert_eq!(error.stack_trace().unwrap()[0].label, "app::handler");
        let mut error = FunctionError::new(PANIC_ERROR_TYPE, "boom").with_stack_trace(vec![
            StackFrame { path: Some("src/main.rs".into()), line: Some(7), label: "app::helper".into() },
            StackFrame { path: None, line: None, label: "app::_::_::__INVENTORY::{{closure}}".into() },
        ]);
        name_function_frames(&mut error, "app::handler");
        let labels: Vec<&str> = error.stack_trace().unwrap().iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["app::helper", "app::handler"]);
    }

    #[test]
    fn stripped_binaries_still_name_the_panic_location() {
        let raw = parse_backtrace("Backtrace [{ fn: <unknown> }, { fn: <unknown> }]");
        let frames = stack_trace("src/main.rs", 7, &raw);
        assert_eq!(frames, vec![StackFrame { path: Some("src/main.rs".into()), line: Some(7), label: "panic".into() }]);
    }

    #[test]
    fn catches_sync_panics_with_location() {
        install_hook();
        let error = catch(|| -> () { panic!("boom {}", 1) }).unwrap_err();
        assert_eq!(error.error_type(), PANIC_ERROR_TYPE);
        assert_eq!(error.message(), "boom 1");
        let first = &error.stack_trace().unwrap()[0];
        assert_eq!(first.path.as_deref(), Some("fc-runtime/src/panic.rs"));
        let non_string = catch(|| std::panic::panic_any(42_u8)).unwrap_err();
        assert_eq!(non_string.message(), "panicked with a payload that is not a string");
    }

    #[test]
    fn a_panic_that_skips_the_hook_is_not_given_another_panics_location() {
        install_hook();
        // User code that catches a panic of its own leaves a capture behind…
        let inner = catch(|| std::panic::catch_unwind(|| panic!("caught by the user")).is_err());
        assert!(inner.unwrap());
        // …which a later `resume_unwind` (no hook) must not be reported with.
        let error = catch(|| std::panic::resume_unwind(Box::new("resumed"))).unwrap_err();
        assert_eq!(error.message(), "resumed");
        assert_eq!(error.stack_trace(), Some(&[][..]));
    }

    #[test]
    fn a_payload_whose_display_panics_is_still_reported() {
        #[derive(Debug)]
        struct Loud;
        impl std::fmt::Display for Loud {
            fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                panic!("display panicked")
            }
        }
        impl std::error::Error for Loud {}
        install_hook();
        let error = catch(|| std::panic::panic_any(crate::Error::from(Loud))).unwrap_err();
        assert_eq!(error.message(), "panicked, and formatting the panic's payload panicked too");
        // And the process goes on catching panics.
        assert!(catch(|| panic!("again")).is_err());
    }
}
