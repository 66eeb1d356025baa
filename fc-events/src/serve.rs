//! What the HTTP-shaped events (the HTTP trigger's, API Gateway's) share: their
//! conversions' errors and pieces, and calling a tower service with one.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// An error a service, or its response's body, may fail with.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An event (or a response of one) that does not make a valid HTTP message: which part,
/// and why.
///
/// ```
/// use fc_events::http::HttpTriggerEvent;
///
/// let mut event = HttpTriggerEvent::default();
/// event.request_context.http.method = "NOT A METHOD".into();
/// let error = http::Request::<bytes::Bytes>::try_from(event).unwrap_err();
/// assert_eq!(error.part(), "method");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEvent {
    part: &'static str,
    reason: String,
}

impl InvalidEvent {
    pub(crate) fn new(part: &'static str, reason: impl fmt::Display) -> Self {
        InvalidEvent { part, reason: reason.to_string() }
    }

    /// The part of the event that is invalid: `method`, `header name`, `body`, ….
    pub fn part(&self) -> &str {
        self.part
    }
}

impl fmt::Display for InvalidEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.part, self.reason)
    }
}

impl std::error::Error for InvalidEvent {}

/// Why a `serve_event` failed.
///
/// ```
/// # async fn example() {
/// use fc_events::{ServeError, apigateway::{ApiGatewayEvent, serve_event}};
///
/// let failing = tower::service_fn(|_: http::Request<http_body_util::Full<bytes::Bytes>>| async {
///     Err::<http::Response<String>, _>(std::io::Error::other("database down"))
/// });
/// let error = serve_event(failing, ApiGatewayEvent::default()).await.unwrap_err();
/// assert!(matches!(error, ServeError::Service(_)));
/// assert_eq!(error.to_string(), "the service failed: database down");
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The event does not make a valid request, or the answer a valid response.
    Invalid(InvalidEvent),
    /// The service failed.
    Service(Box<dyn std::error::Error + Send + Sync>),
    /// The response's body failed while it was read.
    Body(Box<dyn std::error::Error + Send + Sync>),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Invalid(error) => write!(f, "invalid event: {error}"),
            ServeError::Service(error) => write!(f, "the service failed: {error}"),
            ServeError::Body(error) => write!(f, "the response body failed: {error}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Invalid(error) => Some(error),
            ServeError::Service(error) | ServeError::Body(error) => Some(&**error),
        }
    }
}

impl From<InvalidEvent> for ServeError {
    fn from(error: InvalidEvent) -> Self {
        ServeError::Invalid(error)
    }
}

/// Calls `service` once it is ready with the request `event` makes, reads the response's
/// body whole, and answers with the trigger's response type `R`.
pub(crate) async fn serve_event<E, R, S, B>(mut service: S, event: E) -> Result<R, ServeError>
where
    http::Request<Bytes>: TryFrom<E, Error = InvalidEvent>,
    R: From<http::Response<Bytes>>,
    S: tower_service::Service<http::Request<http_body_util::Full<Bytes>>, Response = http::Response<B>>,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    use http_body_util::BodyExt as _;
    let request = http::Request::<Bytes>::try_from(event)?.map(http_body_util::Full::new);
    std::future::poll_fn(|cx| service.poll_ready(cx)).await.map_err(|e| ServeError::Service(e.into()))?;
    let response = service.call(request).await.map_err(|e| ServeError::Service(e.into()))?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|e| ServeError::Body(e.into()))?.to_bytes();
    Ok(R::from(http::Response::from_parts(parts, body)))
}

/// A body as the event formats carry it: text, or (padded, standard) base64 when `base64`.
pub(crate) fn decode_body(body: &str, base64: bool) -> Result<Bytes, InvalidEvent> {
    if base64 {
        let decoded =
            base64::engine::general_purpose::STANDARD.decode(body).map_err(|e| InvalidEvent::new("body", e))?;
        Ok(Bytes::from(decoded))
    } else {
        Ok(Bytes::copy_from_slice(body.as_bytes()))
    }
}

/// A body as the event formats carry it: text when it is UTF-8, else base64.
pub(crate) fn encode_body(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(bytes), true),
    }
}

/// What a query's keys and values keep unencoded: RFC 3986's unreserved characters.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `path?key=value&…`, percent-encoded.
pub(crate) fn uri<'a>(path: &str, query: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut uri = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
    for (i, (key, value)) in query.into_iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.extend(utf8_percent_encode(key, QUERY_COMPONENT));
        uri.push('=');
        uri.extend(utf8_percent_encode(value, QUERY_COMPONENT));
    }
    uri
}

/// A URI's query, decoded.
pub(crate) fn query(uri: &http::Uri) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
}

/// An event's headers as `http` headers.
pub(crate) fn header_map(headers: &BTreeMap<String, String>) -> Result<http::HeaderMap, InvalidEvent> {
    let mut map = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| InvalidEvent::new("header name", e))?;
        let value = HeaderValue::from_str(value).map_err(|e| InvalidEvent::new("header value", e))?;
        map.append(name, value);
    }
    Ok(map)
}

/// `http` headers as an event carries them: repeated ones joined with `, `.
pub(crate) fn join_headers(headers: &http::HeaderMap) -> BTreeMap<String, String> {
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

/// Reads a message's body whole.
pub(crate) async fn collect<B>(body: B) -> Result<Bytes, InvalidEvent>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    use http_body_util::BodyExt as _;
    Ok(body.collect().await.map_err(|e| InvalidEvent::new("body", e.into()))?.to_bytes())
}

/// The conversions of a trigger's response type (fields `status_code`, `headers`,
/// `is_base64_encoded`, `body`) from and to `http` responses.
macro_rules! response_conversions {
    ($answer:ident) => {
        impl $answer {
            /// The response for an HTTP response, reading its body whole.
            pub async fn from_response<B>(response: http::Response<B>) -> Result<Self, InvalidEvent>
            where
                B: http_body::Body<Data = Bytes>,
                B::Error: Into<BoxError>,
            {
                let (parts, body) = response.into_parts();
                let body = serve::collect(body).await?;
                Ok(Self::from(http::Response::from_parts(parts, body)))
            }

            /// The body's bytes, decoded from base64 when it is encoded.
            pub fn body_bytes(&self) -> Result<Bytes, InvalidEvent> {
                serve::decode_body(&self.body, self.is_base64_encoded)
            }
        }

        impl From<http::Response<Bytes>> for $answer {
            fn from(response: http::Response<Bytes>) -> Self {
                let (body, is_base64_encoded) = serve::encode_body(response.body());
                $answer {
                    status_code: response.status().as_u16(),
                    headers: serve::join_headers(response.headers()),
                    is_base64_encoded,
                    body,
                }
            }
        }

        impl TryFrom<$answer> for http::Response<Bytes> {
            type Error = InvalidEvent;

            fn try_from(answer: $answer) -> Result<Self, Self::Error> {
                let mut response = http::Response::builder()
                    .status(answer.status_code)
                    .body(Bytes::new())
                    .map_err(|e| InvalidEvent::new("status code", e))?;
                *response.headers_mut() = serve::header_map(&answer.headers)?;
                *response.body_mut() = serve::decode_body(&answer.body, answer.is_base64_encoded)?;
                Ok(response)
            }
        }
    };
}

pub(crate) use response_conversions;
