//! Errors: the [`Error`] type handlers may return, and how any error, a bad input or a
//! panic becomes the platform's `{"errorMessage", "errorType", "stackTrace"}` answer.

use std::any::{Any, type_name};
use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// A function error with an explicit `errorType`, or any `std::error::Error` with its
/// type's name kept.
///
/// `?` converts every `std::error::Error + Send + Sync + 'static` into it, recording the
/// error's type name for `errorType`. [`Error::new`] sets `errorType` and `errorMessage`
/// explicitly.
///
/// ```
/// fn check(age: i64) -> fc::Result<i64> {
///     if age < 0 {
///         return Err(fc::Error::new("ValidationError", "age must not be negative"));
///     }
///     let parsed: i64 = "42".parse()?; // a `ParseIntError` keeps its name
///     Ok(parsed + age)
/// }
/// assert_eq!(check(-1).unwrap_err().error_type(), "ValidationError");
/// ```
pub struct Error {
    repr: Repr,
}

enum Repr {
    Explicit { error_type: Cow<'static, str>, message: Cow<'static, str> },
    Wrapped { type_name: &'static str, error: Box<dyn StdError + Send + Sync> },
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error reported with the given `errorType` and `errorMessage`.
    pub fn new(error_type: impl Into<Cow<'static, str>>, message: impl Into<Cow<'static, str>>) -> Self {
        Error { repr: Repr::Explicit { error_type: error_type.into(), message: message.into() } }
    }

    /// An error with the given message, reported with `errorType` `Error`.
    pub fn msg(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new("Error", message)
    }

    /// The `errorType` this error is reported with.
    pub fn error_type(&self) -> Cow<'_, str> {
        match &self.repr {
            Repr::Explicit { error_type, .. } => Cow::Borrowed(error_type),
            Repr::Wrapped { type_name, .. } => Cow::Owned(bare_type_name(type_name)),
        }
    }

    /// The `errorMessage` this error is reported with.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The wrapped error, when this error was converted from one.
    pub fn source_error(&self) -> Option<&(dyn StdError + Send + Sync + 'static)> {
        match &self.repr {
            Repr::Wrapped { error, .. } => Some(&**error),
            Repr::Explicit { .. } => None,
        }
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        Error { repr: Repr::Wrapped { type_name: type_name::<E>(), error: Box::new(error) } }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Explicit { message, .. } => f.write_str(message),
            Repr::Wrapped { error, .. } => fmt::Display::fmt(error, f),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Explicit { error_type, message } => {
                f.debug_struct("Error").field("error_type", error_type).field("message", message).finish()
            }
            Repr::Wrapped { error, .. } => fmt::Debug::fmt(error, f),
        }
    }
}

/// What a boxed [`Error`] is inside a `Box<dyn std::error::Error>`.
struct Boxed(Error);

impl fmt::Debug for Boxed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Boxed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for Boxed {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.0.repr {
            Repr::Wrapped { error, .. } => error.source(),
            Repr::Explicit { .. } => None,
        }
    }
}

impl From<Error> for Box<dyn StdError + Send + Sync + 'static> {
    fn from(error: Error) -> Self {
        Box::new(Boxed(error))
    }
}

impl From<Error> for Box<dyn StdError + 'static> {
    fn from(error: Error) -> Self {
        Box::new(Boxed(error))
    }
}

/// One frame of a panic's `stackTrace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFrame {
    /// The source file, when known.
    pub path: Option<String>,
    /// The line in [`path`](Self::path), when known.
    pub line: Option<u32>,
    /// The function.
    pub label: String,
}

impl Serialize for StackFrame {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("StackFrame", 3)?;
        s.serialize_field("path", &self.path)?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("label", &self.label)?;
        s.end()
    }
}

/// A failed call as the platform is told of it: the JSON error body
/// `{"errorMessage", "errorType", "stackTrace"}` and the HTTP status.
#[derive(Debug, Clone)]
pub struct FunctionError {
    pub(crate) error_type: String,
    pub(crate) message: String,
    pub(crate) stack_trace: Option<Vec<StackFrame>>,
    pub(crate) status: u16,
    /// Whether the answer closes the connection (a body left unread that the caller
    /// would send next).
    pub(crate) close_connection: bool,
}

impl FunctionError {
    /// A failure with the given `errorType` and `errorMessage`, answered with status 404.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        FunctionError {
            error_type: error_type.into(),
            message: message.into(),
            stack_trace: None,
            status: 404,
            close_connection: false,
        }
    }

    pub(crate) fn closing_connection(mut self, close: bool) -> Self {
        self.close_connection = close;
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub(crate) fn with_stack_trace(mut self, frames: Vec<StackFrame>) -> Self {
        self.stack_trace = Some(frames);
        self
    }

    /// `errorType`.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// `errorMessage`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `stackTrace`, present for panics.
    pub fn stack_trace(&self) -> Option<&[StackFrame]> {
        self.stack_trace.as_deref()
    }

    /// The HTTP status of the answer (404, or 413 for an oversize body, 405 for a wrong
    /// method).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The JSON error body.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|_| br#"{"errorMessage":"","errorType":"Error"}"#.to_vec())
    }
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

/// A `FunctionError` passes through tower layers (whose errors are boxed) and comes out
/// as it went in: [`IntoFunctionError`] takes it back out of the box.
impl StdError for FunctionError {}

impl Serialize for FunctionError {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let len = if self.stack_trace.is_some() { 3 } else { 2 };
        let mut s = serializer.serialize_struct("FunctionError", len)?;
        s.serialize_field("errorMessage", &self.message)?;
        s.serialize_field("errorType", &self.error_type)?;
        if let Some(frames) = &self.stack_trace {
            s.serialize_field("stackTrace", frames)?;
        }
        s.end()
    }
}

/// An error type a handler may return.
///
/// Implemented for every type that converts into `Box<dyn std::error::Error + Send +
/// Sync>` (every `std::error::Error + Send + Sync`, [`Error`], `anyhow::Error`,
/// `Box<dyn Error + Send + Sync>`, `String`, `&str`) and for `Box<dyn std::error::Error>`.
/// `M` only tells the two implementations apart.
///
/// `errorType` is the error type's bare name (`ValidationError` for
/// `my_crate::errors::ValidationError`; a type named `Error` keeps its module, as in
/// `io::Error`). Where the type is only known at run time — `Box<dyn Error>` and
/// `anyhow::Error` (whose root cause is named) — a few common std types are recognised
/// and otherwise the name its `Debug` output starts with is used (a derived `Debug`
/// starts with the type's or the variant's name), else `Error`. `String` and `&str`
/// errors are reported as `Error`. `errorMessage` is the error's `Display`; for
/// `anyhow::Error` it is the alternate form, `outer context: inner cause`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be reported as a function error",
    label = "not an error type the runtime can report",
    note = "implement `std::error::Error` for it, or return `fc::Error`, `anyhow::Error` or `Box<dyn std::error::Error + Send + Sync>`"
)]
pub trait IntoFunctionError<M = ViaSendSync> {
    /// The report of this error.
    fn into_function_error(self) -> FunctionError;
}

/// Marks the [`IntoFunctionError`] implementation for `Send + Sync` errors.
#[doc(hidden)]
pub enum ViaSendSync {}

/// Marks the [`IntoFunctionError`] implementation for `Box<dyn Error>`.
#[doc(hidden)]
pub enum ViaLocalBox {}

impl<E> IntoFunctionError<ViaSendSync> for E
where
    E: Into<Box<dyn StdError + Send + Sync>> + 'static,
{
    fn into_function_error(self) -> FunctionError {
        let name = type_name::<E>();
        let mut slot = Some(self);
        let any: &mut dyn Any = &mut slot;
        if let Some(error) = any.downcast_mut::<Option<FunctionError>>().and_then(Option::take) {
            return error;
        }
        if let Some(error) = any.downcast_mut::<Option<Error>>().and_then(Option::take) {
            return FunctionError::new(error.error_type(), error.to_string());
        }
        if let Some(error) = any.downcast_mut::<Option<anyhow::Error>>().and_then(Option::take) {
            return FunctionError::new(dyn_error_name(error.root_cause()), format!("{error:#}"));
        }
        let Some(error) = slot else {
            return FunctionError::new("Error", "");
        };
        let error: Box<dyn StdError + Send + Sync> = error.into();
        let error = match error.downcast::<FunctionError>() {
            Ok(function_error) => return *function_error,
            Err(error) => error,
        };
        if name.starts_with("alloc::boxed::Box<dyn ") {
            let (error_type, message) = describe_dyn(&*error);
            return FunctionError::new(error_type, message);
        }
        let error_type = if name == "alloc::string::String" || name == "&str" || name.starts_with("alloc::borrow::Cow<")
        {
            "Error".to_owned()
        } else {
            bare_type_name(name)
        };
        FunctionError::new(error_type, error.to_string())
    }
}

impl IntoFunctionError<ViaLocalBox> for Box<dyn StdError> {
    fn into_function_error(self) -> FunctionError {
        let error = match self.downcast::<FunctionError>() {
            Ok(function_error) => return *function_error,
            Err(error) => error,
        };
        let (error_type, message) = describe_dyn(&*error);
        FunctionError::new(error_type, message)
    }
}

/// The `errorType` and `errorMessage` of an error whose type is known only at run time.
///
/// An error whose sources add to its message — an `anyhow::Error` with context, boxed —
/// is reported as anyhow reports it: `outer: …: cause`, named for its root cause. A
/// source whose message ends its parent's (`cannot save: disk full` over `disk full`)
/// adds nothing, and an error whose sources all add nothing keeps its own name.
fn describe_dyn(error: &(dyn StdError + 'static)) -> (String, String) {
    let mut message = error.to_string();
    let mut named = error;
    let mut parent = message.clone();
    let mut cause = error.source();
    while let Some(source) = cause {
        let text = source.to_string();
        // `cannot save: disk full` over `disk full` already says it.
        if !parent.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
            named = source;
        }
        parent = text;
        cause = source.source();
    }
    // The root cause names the error once the sources said something of their own.
    if !std::ptr::addr_eq(named, error) {
        let mut root = named;
        while let Some(source) = root.source() {
            root = source;
        }
        named = root;
    }
    (dyn_error_name(named), message)
}

/// The name of an error whose type is known only at run time.
fn dyn_error_name(error: &(dyn StdError + 'static)) -> String {
    if let Some(Boxed(inner)) = error.downcast_ref::<Boxed>() {
        return inner.error_type().into_owned();
    }
    macro_rules! known {
        ($($ty:ty => $name:literal),* $(,)?) => {
            $(if error.is::<$ty>() { return $name.to_owned(); })*
        };
    }
    known! {
        std::io::Error => "io::Error",
        std::fmt::Error => "fmt::Error",
        std::num::ParseIntError => "ParseIntError",
        std::num::ParseFloatError => "ParseFloatError",
        std::num::TryFromIntError => "TryFromIntError",
        std::str::ParseBoolError => "ParseBoolError",
        std::str::Utf8Error => "Utf8Error",
        std::string::FromUtf8Error => "FromUtf8Error",
        serde_json::Error => "serde_json::Error",
    }
    name_from_debug(&format!("{error:?}")).unwrap_or_else(|| "Error".to_owned())
}

/// The identifier a `Debug` output starts with, if it looks like a derived `Debug`
/// (`Name`, `Name { … }`, `Name(…)`).
fn name_from_debug(debug: &str) -> Option<String> {
    let end = debug.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(debug.len());
    let (ident, rest) = debug.split_at(end);
    let starts_upper = ident.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let well_formed = rest.is_empty() || rest.starts_with(" {") || rest.starts_with('(');
    (starts_upper && well_formed).then(|| ident.to_owned())
}

/// `my_crate::errors::ValidationError` → `ValidationError`; `std::io::error::Error` →
/// `error::Error`… with the module of a type named `Error` kept; generic arguments are
/// shortened the same way.
pub(crate) fn bare_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment_start = 0;
    let bytes = full.as_bytes();
    let mut i = 0;
    let mut path: Vec<&str> = Vec::new();
    let flush = |path: &mut Vec<&str>, out: &mut String| {
        if let Some(last) = path.last() {
            if *last == "Error" && path.len() >= 2 {
                let module = path[path.len() - 2];
                // `std::io::error::Error` is `io::Error` to its users.
                let module = if module == "error" && path.len() >= 3 { path[path.len() - 3] } else { module };
                out.push_str(module);
                out.push_str("::");
            }
            out.push_str(last);
        }
        path.clear();
    };
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            i += 1;
            continue;
        }
        if c == b':' && bytes.get(i + 1) == Some(&b':') {
            path.push(&full[segment_start..i]);
            i += 2;
            segment_start = i;
            continue;
        }
        path.push(&full[segment_start..i]);
        flush(&mut path, &mut out);
        out.push(c as char);
        i += 1;
        segment_start = i;
    }
    path.push(&full[segment_start..]);
    flush(&mut path, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct ValidationError {
        #[allow(dead_code)]
        field: &'static str,
    }
    impl fmt::Display for ValidationError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("invalid input")
        }
    }
    impl StdError for ValidationError {}

    #[test]
    fn bare_names() {
        assert_eq!(bare_type_name("my_crate::errors::ValidationError"), "ValidationError");
        assert_eq!(bare_type_name("std::io::error::Error"), "io::Error");
        assert_eq!(bare_type_name("serde_json::error::Error"), "serde_json::Error");
        assert_eq!(bare_type_name("a::Wrapper<b::Inner, c::d::Error>"), "Wrapper<Inner, d::Error>");
        assert_eq!(bare_type_name("Plain"), "Plain");
    }

    #[test]
    fn every_error_kind_is_named() {
        let typed = ValidationError { field: "x" }.into_function_error();
        assert_eq!((typed.error_type(), typed.message()), ("ValidationError", "invalid input"));

        let boxed: Box<dyn StdError + Send + Sync> = Box::new(ValidationError { field: "x" });
        assert_eq!(boxed.into_function_error().error_type(), "ValidationError");

        let io: Box<dyn StdError + Send + Sync> = Box::new(std::io::Error::other("disk"));
        assert_eq!(io.into_function_error().error_type(), "io::Error");

        let text: Box<dyn StdError + Send + Sync> = "plain".into();
        let text = text.into_function_error();
        assert_eq!((text.error_type(), text.message()), ("Error", "plain"));

        let explicit = Error::new("QuotaExceeded", "too many").into_function_error();
        assert_eq!((explicit.error_type(), explicit.message()), ("QuotaExceeded", "too many"));

        let converted: Error = "x".parse::<i32>().unwrap_err().into();
        assert_eq!(converted.into_function_error().error_type(), "ParseIntError");

        let any = anyhow::Error::new(ValidationError { field: "x" }).context("while checking");
        let any = any.into_function_error();
        assert_eq!((any.error_type(), any.message()), ("ValidationError", "while checking: invalid input"));

        // In a box, an `anyhow::Error` keeps its causes and its root cause's name.
        let boxed: Box<dyn StdError + Send + Sync> =
            anyhow::Error::new(ValidationError { field: "x" }).context("while checking").into();
        let boxed = boxed.into_function_error();
        assert_eq!((boxed.error_type(), boxed.message()), ("ValidationError", "while checking: invalid input"));
        let local: Box<dyn StdError> =
            anyhow::Error::new(ValidationError { field: "x" }).context("outer").context("outermost").into();
        let local = local.into_function_error();
        assert_eq!((local.error_type(), local.message()), ("ValidationError", "outermost: outer: invalid input"));
        // An error whose message already tells its source's keeps its message and name.
        #[derive(Debug)]
        struct Wrapper(std::io::Error);
        impl fmt::Display for Wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "cannot save: {}", self.0)
            }
        }
        impl StdError for Wrapper {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped: Box<dyn StdError + Send + Sync> = Box::new(Wrapper(std::io::Error::other("disk full")));
        let wrapped = wrapped.into_function_error();
        assert_eq!((wrapped.error_type(), wrapped.message()), ("Wrapper", "cannot save: disk full"));

        let adhoc = anyhow::anyhow!("no such user").into_function_error();
        assert_eq!((adhoc.error_type(), adhoc.message()), ("Error", "no such user"));

        assert_eq!(String::from("s").into_function_error().error_type(), "Error");
        let in_box: Box<dyn StdError + Send + Sync> = Error::new("Custom", "m").into();
        assert_eq!(in_box.into_function_error().error_type(), "Custom");
        let local: Box<dyn StdError> = Box::new(ValidationError { field: "x" });
        assert_eq!(local.into_function_error().error_type(), "ValidationError");

        // Through a layer's boxed error and back, with its status and frames.
        let original = FunctionError::new("Elsewhere", "m").with_status(413);
        let boxed: Box<dyn StdError + Send + Sync> = original.clone().into();
        let back = boxed.into_function_error();
        assert_eq!((back.error_type(), back.message(), back.status()), ("Elsewhere", "m", 413));
        assert_eq!(original.into_function_error().status(), 413);
    }

    #[test]
    fn json_shape() {
        let e = FunctionError::new("T", "m\"q");
        assert_eq!(String::from_utf8(e.to_json()).unwrap(), r#"{"errorMessage":"m\"q","errorType":"T"}"#);
    }
}
