//! Routing: which call a request is, from its control path (or, without one, its path)
//! and its method, or why it is none.

use http::Method;

use crate::context::CallKind;

/// Why a request is not a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// A protocol path with the wrong method; the method it is served for.
    WrongMethod(Method),
    /// `x-fc-control-path: /http-invoke`, and the program has no HTTP function.
    NoHttpFunction,
    /// No such route.
    NotFound,
}

/// The call a request is: the control path decides; the request path only when there is
/// none. Without a control path (a developer's own `curl`), a path other than the
/// protocol's goes to the HTTP function when there is one.
pub(crate) fn route(
    control: Option<&[u8]>,
    method: &Method,
    path: &str,
    serves_http: bool,
) -> Result<CallKind, Rejection> {
    let kind = target(control, path, serves_http).ok_or(Rejection::NotFound)?;
    match method_of(kind) {
        Some(expected) if *method != expected => Err(Rejection::WrongMethod(expected)),
        None if !serves_http => Err(Rejection::NoHttpFunction),
        _ => Ok(kind),
    }
}

/// The call a request is, by its control path or path alone.
fn target(control: Option<&[u8]>, path: &str, serves_http: bool) -> Option<CallKind> {
    let (target, controlled) = match control {
        Some(value) => (value, true),
        None => (path.as_bytes(), false),
    };
    match target {
        b"/invoke" => Some(CallKind::Invoke),
        b"/initialize" => Some(CallKind::Initialize),
        b"/pre-freeze" => Some(CallKind::PreFreeze),
        b"/pre-stop" => Some(CallKind::PreStop),
        b"/http-invoke" if controlled => Some(CallKind::Http),
        _ if !controlled && serves_http => Some(CallKind::Http),
        _ => None,
    }
}

/// The one method a protocol call is served for; an HTTP function takes any.
pub(crate) fn method_of(kind: CallKind) -> Option<Method> {
    match kind {
        CallKind::Invoke | CallKind::Initialize => Some(Method::POST),
        CallKind::PreFreeze | CallKind::PreStop => Some(Method::GET),
        CallKind::Http => None,
    }
}

/// The route of a request, by name, whatever its method: `invoke`, `initialize`,
/// `pre-freeze`, `pre-stop`, `http` or `not-found`. For the fuzz targets; not a public API.
#[doc(hidden)]
pub fn route_name(control: Option<&[u8]>, path: &str, serves_http: bool) -> &'static str {
    match target(control, path, serves_http) {
        Some(CallKind::Invoke) => "invoke",
        Some(CallKind::Initialize) => "initialize",
        Some(CallKind::PreFreeze) => "pre-freeze",
        Some(CallKind::PreStop) => "pre-stop",
        Some(CallKind::Http) => "http",
        None => "not-found",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_control_path_then_path_then_method() {
        let post = Method::POST;
        assert_eq!(route(Some(b"/invoke"), &post, "/anything", false), Ok(CallKind::Invoke));
        assert_eq!(route(None, &post, "/invoke", false), Ok(CallKind::Invoke));
        assert_eq!(route(None, &Method::GET, "/invoke", false), Err(Rejection::WrongMethod(Method::POST)));
        assert_eq!(route(None, &post, "/pre-stop", false), Err(Rejection::WrongMethod(Method::GET)));
        assert_eq!(route(Some(b"/http-invoke"), &post, "/invoke", true), Ok(CallKind::Http));
        assert_eq!(route(Some(b"/http-invoke"), &post, "/x", false), Err(Rejection::NoHttpFunction));
        assert_eq!(route(None, &Method::DELETE, "/x", true), Ok(CallKind::Http));
        assert_eq!(route(None, &post, "/x", false), Err(Rejection::NotFound));
        assert_eq!(route(Some(b"/elsewhere"), &post, "/x", true), Err(Rejection::NotFound));
        assert_eq!(route_name(Some(b"/http-invoke"), "/", false), "http");
    }
}
