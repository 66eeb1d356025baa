//! HTTP functions: the caller's request, forwarded by the platform with
//! `x-fc-control-path: /http-invoke`, served by a handler of `http` types or by any tower
//! `Service` (an axum `Router`, say); and the FC 3.0 HTTP-trigger event, with conversions
//! to and from `http` types so an event function can serve it through the same router.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use serde::{Deserialize, Serialize};
use tower_service::Service;

use crate::error::{FunctionError, IntoFunctionError};
use crate::handler::BoxFuture;

/// A boxed error, as bodies and services report them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of an HTTP function's request: streamed from the caller as it arrives, or
/// held whole (built from an HTTP-trigger event, or by a test).
pub struct Body {
    inner: Inner,
}

enum Inner {
    Incoming(hyper::body::Incoming),
    Full(Option<Bytes>),
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body { inner: Inner::Full(None) }
    }

    pub(crate) fn incoming(incoming: hyper::body::Incoming) -> Self {
        Body { inner: Inner::Incoming(incoming) }
    }

    /// Reads the whole body.
    pub async fn to_bytes(self) -> Result<Bytes, BodyError> {
        Ok(self.collect().await.map_err(BodyError)?.to_bytes())
    }
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Incoming(_) => f.write_str("Body(streaming)"),
            Inner::Full(bytes) => write!(f, "Body({} bytes)", bytes.as_ref().map_or(0, Bytes::len)),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body { inner: Inner::Full((!bytes.is_empty()).then_some(bytes)) }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().inner {
            Inner::Incoming(incoming) => Pin::new(incoming).poll_frame(cx).map_err(Into::into),
            Inner::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Incoming(incoming) => incoming.is_end_stream(),
            Inner::Full(bytes) => bytes.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Incoming(incoming) => incoming.size_hint(),
            Inner::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
        }
    }
}

/// A request body that could not be read (the caller went away, say).
#[derive(Debug)]
pub struct BodyError(BoxError);

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read the request body: {}", self.0)
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// The body of an HTTP function's answer, streamed to the caller.
pub type ResponseBody = UnsyncBoxBody<Bytes, BoxError>;

/// What an HTTP handler returns: an `http::Response` with any body of `Bytes`, or a
/// `String`, `&'static str`, `Vec<u8>`, `Bytes` (200 with that body), a `StatusCode`
/// (an empty body), `()` (an empty 200), or a `(StatusCode, body)` pair.
#[diagnostic::on_unimplemented(
    message = "`#[fc::handler]` cannot answer an HTTP request with `{Self}`",
    label = "not convertible into an HTTP response",
    note = "return `http::Response<B>` with a body of `Bytes`, or `String`, `Vec<u8>`, `fc::Bytes`, `http::StatusCode`, `(StatusCode, body)` or `()`"
)]
pub trait IntoHttpResponse {
    /// The response.
    fn into_http_response(self) -> Response<ResponseBody>;
}

impl<B> IntoHttpResponse for Response<B>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn into_http_response(self) -> Response<ResponseBody> {
        self.map(|body| UnsyncBoxBody::new(body.map_err(Into::into)))
    }
}

fn full(bytes: Bytes) -> ResponseBody {
    UnsyncBoxBody::new(http_body_util::Full::new(bytes).map_err(|never: Infallible| match never {}))
}

macro_rules! body_response {
    ($($ty:ty),*) => {$(
        impl IntoHttpResponse for $ty {
            fn into_http_response(self) -> Response<ResponseBody> {
                Response::new(full(Bytes::from(self)))
            }
        }
    )*};
}
body_response!(String, &'static str, Vec<u8>, Bytes);

impl IntoHttpResponse for () {
    fn into_http_response(self) -> Response<ResponseBody> {
        Response::new(full(Bytes::new()))
    }
}

impl IntoHttpResponse for StatusCode {
    fn into_http_response(self) -> Response<ResponseBody> {
        let mut response = ().into_http_response();
        *response.status_mut() = self;
        response
    }
}

impl<T: IntoHttpResponse> IntoHttpResponse for (StatusCode, T) {
    fn into_http_response(self) -> Response<ResponseBody> {
        let mut response = self.1.into_http_response();
        *response.status_mut() = self.0;
        response
    }
}

/// An HTTP function with its type erased, as the runtime stores it. Not a public API.
#[doc(hidden)]
pub type HttpHandler = Arc<dyn Fn(Request<Body>) -> BoxFuture<HttpOutcome> + Send + Sync>;

/// What an HTTP function's call produced. Not a public API.
#[doc(hidden)]
pub type HttpOutcome = Result<Response<ResponseBody>, FunctionError>;

/// A tower service that can be the HTTP function: any `Service<http::Request<fc::Body>>`
/// answering an `http::Response` with a body of `Bytes` — an axum `Router` among them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot serve HTTP functions",
    note = "an HTTP function is a `tower::Service<http::Request<fc::Body>>` that answers `http::Response<B>`, `B: http_body::Body<Data = Bytes>`, such as an axum `Router`"
)]
pub trait HttpService {
    #[doc(hidden)]
    fn into_http_handler(self) -> HttpHandler;
}

impl<S, B> HttpService for S
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn into_http_handler(self) -> HttpHandler {
        Arc::new(move |request| {
            let mut service = self.clone();
            Box::pin(async move {
                std::future::poll_fn(|cx| service.poll_ready(cx)).await.map_err(service_error)?;
                let response = service.call(request).await.map_err(service_error)?;
                Ok(response.into_http_response())
            })
        })
    }
}

fn service_error(error: impl Into<BoxError>) -> FunctionError {
    error.into().into_function_error().with_status(500)
}

/// Calls `service` with an FC 3.0 HTTP-trigger event and answers with the trigger's
/// response: an event function serving HTTP-trigger events through the same router as the
/// HTTP function.
///
/// ```ignore
/// use fc::http::{HttpTriggerEvent, HttpTriggerResponse};
///
/// #[fc::handler]
/// async fn trigger(event: HttpTriggerEvent) -> fc::Result<HttpTriggerResponse> {
///     fc::http::serve_event(app(), event).await // `app()` builds the axum `Router`
/// }
/// ```
pub async fn serve_event<S: HttpService>(
    service: S,
    event: HttpTriggerEvent,
) -> Result<HttpTriggerResponse, crate::Error> {
    let request = Request::try_from(event)?;
    let handler = service.into_http_handler();
    let response =
        handler(request).await.map_err(|e| crate::Error::new(e.error_type().to_owned(), e.message().to_owned()))?;
    HttpTriggerResponse::from_response(response).await
}

/// The FC 3.0 HTTP-trigger event: an HTTP request delivered to an event function.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct HttpTriggerEvent {
    /// The event format's version (`v1`).
    pub version: String,
    /// The request path, without the query.
    pub raw_path: String,
    /// The request body: text, or base64 when `is_base64_encoded`.
    pub body: String,
    /// Whether `body` is base64.
    pub is_base64_encoded: bool,
    /// The request headers (repeated ones joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// The query parameters.
    pub query_parameters: BTreeMap<String, String>,
    /// Where the request came from.
    pub request_context: HttpTriggerRequestContext,
}

/// The `requestContext` of an [`HttpTriggerEvent`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct HttpTriggerRequestContext {
    /// The account.
    pub account_id: String,
    /// The domain called.
    pub domain_name: String,
    /// The domain's first label.
    pub domain_prefix: String,
    /// The HTTP request line and client.
    pub http: HttpTriggerHttp,
    /// The request id.
    pub request_id: String,
    /// When the request arrived, as text.
    pub time: String,
    /// When the request arrived, in milliseconds since the epoch (as text).
    pub time_epoch: String,
}

/// The `requestContext.http` of an [`HttpTriggerEvent`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct HttpTriggerHttp {
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The protocol (`HTTP/1.1`).
    pub protocol: String,
    /// The client's address.
    pub source_ip: String,
    /// The client's `User-Agent`.
    pub user_agent: String,
}

/// The answer to an [`HttpTriggerEvent`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct HttpTriggerResponse {
    /// The status code.
    pub status_code: u16,
    /// The response headers (repeated ones joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// Whether `body` is base64.
    pub is_base64_encoded: bool,
    /// The body: text, or base64 when `is_base64_encoded`.
    pub body: String,
}

fn invalid(what: &str, error: impl std::fmt::Display) -> crate::Error {
    crate::Error::new("InvalidHttpTriggerEvent", format!("{what}: {error}"))
}

fn decode_body(body: &str, base64: bool) -> Result<Bytes, crate::Error> {
    if base64 {
        let decoded = base64::engine::general_purpose::STANDARD.decode(body).map_err(|e| invalid("body", e))?;
        Ok(Bytes::from(decoded))
    } else {
        Ok(Bytes::copy_from_slice(body.as_bytes()))
    }
}

/// A body as the event formats carry it: text when it is UTF-8, else base64.
fn encode_body(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(bytes), true),
    }
}

fn percent_encode(text: &str, out: &mut String) {
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The headers of an event or a trigger's response, as `http` headers.
fn header_map(headers: &BTreeMap<String, String>) -> Result<http::HeaderMap, crate::Error> {
    let mut map = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| invalid("header name", e))?;
        let value = HeaderValue::from_str(value).map_err(|e| invalid("header value", e))?;
        map.append(name, value);
    }
    Ok(map)
}

fn join_headers(headers: &http::HeaderMap) -> BTreeMap<String, String> {
    let mut joined: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        joined
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    joined
}

impl TryFrom<HttpTriggerEvent> for Request<Body> {
    type Error = crate::Error;

    fn try_from(event: HttpTriggerEvent) -> Result<Self, Self::Error> {
        let method =
            if event.request_context.http.method.is_empty() { "GET" } else { &event.request_context.http.method };
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| invalid("method", e))?;
        let path =
            if event.raw_path.is_empty() { event.request_context.http.path.as_str() } else { event.raw_path.as_str() };
        let mut uri = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        for (i, (key, value)) in event.query_parameters.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            percent_encode(key, &mut uri);
            uri.push('=');
            percent_encode(value, &mut uri);
        }
        let mut request =
            Request::builder().method(method).uri(&uri).body(Body::empty()).map_err(|e| invalid("request", e))?;
        *request.headers_mut() = header_map(&event.headers)?;
        *request.body_mut() = Body::from(decode_body(&event.body, event.is_base64_encoded)?);
        Ok(request)
    }
}

impl HttpTriggerEvent {
    /// The event for an HTTP request, reading its body whole.
    pub async fn from_request<B>(request: Request<B>) -> Result<Self, crate::Error>
    where
        B: HttpBody<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        let bytes = body.collect().await.map_err(|e| invalid("body", e.into()))?.to_bytes();
        let (body, is_base64_encoded) = encode_body(&bytes);
        let query_parameters = parts
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(key), percent_decode(value))
            })
            .collect();
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        Ok(HttpTriggerEvent {
            version: "v1".to_owned(),
            raw_path: parts.uri.path().to_owned(),
            body,
            is_base64_encoded,
            headers: join_headers(&parts.headers),
            query_parameters,
            request_context: HttpTriggerRequestContext {
                http: HttpTriggerHttp {
                    method: parts.method.as_str().to_owned(),
                    path: parts.uri.path().to_owned(),
                    protocol: format!("{:?}", parts.version),
                    user_agent,
                    ..Default::default()
                },
                ..Default::default()
            },
        })
    }
}

impl HttpTriggerResponse {
    /// The trigger's response for an HTTP response, reading its body whole.
    pub async fn from_response<B>(response: Response<B>) -> Result<Self, crate::Error>
    where
        B: HttpBody<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map_err(|e| invalid("response body", e.into()))?.to_bytes();
        let (body, is_base64_encoded) = encode_body(&bytes);
        Ok(HttpTriggerResponse {
            status_code: parts.status.as_u16(),
            headers: join_headers(&parts.headers),
            is_base64_encoded,
            body,
        })
    }
}

impl TryFrom<HttpTriggerResponse> for Response<Body> {
    type Error = crate::Error;

    fn try_from(answer: HttpTriggerResponse) -> Result<Self, Self::Error> {
        let mut response =
            Response::builder().status(answer.status_code).body(Body::empty()).map_err(|e| invalid("response", e))?;
        *response.headers_mut() = header_map(&answer.headers)?;
        *response.body_mut() = Body::from(decode_body(&answer.body, answer.is_base64_encoded)?);
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_coding_round_trips() {
        let mut encoded = String::new();
        percent_encode("a b&c=d/é", &mut encoded);
        assert_eq!(encoded, "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(percent_decode(&encoded), "a b&c=d/é");
        assert_eq!(percent_decode("x+y%zz%4"), "x y%zz%4");
    }

    #[tokio::test]
    async fn events_and_requests_convert_both_ways() {
        let event: HttpTriggerEvent = serde_json::from_value(serde_json::json!({
            "version": "v1",
            "rawPath": "/items/7",
            "body": base64::engine::general_purpose::STANDARD.encode([0xff, 0x00, 0x01]),
            "isBase64Encoded": true,
            "headers": {"content-type": "application/octet-stream", "x-a": "1"},
            "queryParameters": {"q": "a b", "page": "2"},
            "requestContext": {"accountId": "123", "domainName": "d", "domainPrefix": "p",
                "http": {"method": "PUT", "path": "/items/7", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "curl"},
                "requestId": "r", "time": "t", "timeEpoch": "1"}
        }))
        .unwrap();
        let request = Request::try_from(event.clone()).unwrap();
        assert_eq!(request.method(), Method::PUT);
        assert_eq!(request.uri(), "/items/7?page=2&q=a%20b");
        assert_eq!(request.headers()["x-a"], "1");
        let back = HttpTriggerEvent::from_request(request).await.unwrap();
        assert_eq!(back.body, event.body);
        assert!(back.is_base64_encoded);
        assert_eq!(back.query_parameters, event.query_parameters);
        assert_eq!(back.headers, event.headers);

        let response = Response::builder()
            .status(201)
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2")
            .body("made".to_owned())
            .unwrap();
        let answer = HttpTriggerResponse::from_response(response).await.unwrap();
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            serde_json::json!({
                "statusCode": 201, "headers": {"set-cookie": "a=1, b=2"}, "isBase64Encoded": false, "body": "made"
            })
        );
        let response = Response::try_from(answer).unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(response.into_body().to_bytes().await.unwrap(), "made");
    }
}
