//! The FC 3.0 HTTP trigger's event format: an HTTP request delivered to an event function
//! as JSON ([`HttpTriggerEvent`]), and the answer it expects ([`HttpTriggerResponse`]),
//! with conversions to and from `http` types so that an event function serves it with the
//! same router an HTTP function would ([`serve_event`]).
//!
//! ```
//! use fc_events::http::HttpTriggerEvent;
//!
//! let event: HttpTriggerEvent = serde_json::from_str(r#"{
//!     "version": "v1", "rawPath": "/items/7", "body": "", "isBase64Encoded": false,
//!     "headers": {"x-a": "1"}, "queryParameters": {"q": "a b"},
//!     "requestContext": {"http": {"method": "GET", "path": "/items/7"}}
//! }"#)?;
//! let request = http::Request::try_from(event)?;
//! assert_eq!(request.uri(), "/items/7?q=a%20b");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{Method, Request, Response, header};
use serde::{Deserialize, Serialize};

use crate::serve::{self, BoxError, InvalidEvent, ServeError};

/// Calls a tower `service` (an axum `Router`, say) with an HTTP-trigger event, and
/// answers with the trigger's response.
///
/// ```
/// # async fn example() -> Result<(), fc_events::ServeError> {
/// use fc_events::http::{HttpTriggerEvent, serve_event};
///
/// // Any `tower::Service<http::Request<Full<Bytes>>>`; here a function made one.
/// let service = tower::service_fn(|request: http::Request<http_body_util::Full<bytes::Bytes>>| async move {
///     Ok::<_, std::convert::Infallible>(http::Response::new(format!("you asked for {}", request.uri().path())))
/// });
/// let event = HttpTriggerEvent { raw_path: "/a".into(), ..Default::default() };
/// let answer = serve_event(service, event).await?;
/// assert_eq!(answer.body, "you asked for /a");
/// # Ok(()) }
/// ```
pub async fn serve_event<S, B>(service: S, event: HttpTriggerEvent) -> Result<HttpTriggerResponse, ServeError>
where
    S: tower_service::Service<Request<http_body_util::Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    serve::serve_event(service, event).await
}

/// The FC 3.0 HTTP trigger's event: an HTTP request delivered to an event function.
///
/// ```
/// let event = fc_events::http::HttpTriggerEvent { raw_path: "/hello".into(), ..Default::default() };
/// assert_eq!(event.body_bytes().unwrap(), "");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
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

impl HttpTriggerEvent {
    /// The body's bytes, decoded from base64 when it is encoded.
    pub fn body_bytes(&self) -> Result<Bytes, InvalidEvent> {
        serve::decode_body(&self.body, self.is_base64_encoded)
    }
}

/// The `requestContext` of an [`HttpTriggerEvent`].
///
/// ```
/// let context = fc_events::http::HttpTriggerRequestContext { time_epoch: "1700000000000".into(), ..Default::default() };
/// assert_eq!(context.time().unwrap().timestamp(), 1_700_000_000);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
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
    /// When the request arrived, as text (`2023-03-29T07:05:52.085Z`).
    pub time: String,
    /// When the request arrived, in milliseconds since the epoch (as text).
    pub time_epoch: String,
}

impl HttpTriggerRequestContext {
    /// When the request arrived: `time_epoch`, else `time`.
    pub fn time(&self) -> Option<crate::Time> {
        self.time_epoch
            .trim()
            .parse()
            .ok()
            .and_then(crate::encoding::epoch_millis)
            .or_else(|| crate::encoding::rfc3339(&self.time))
    }
}

/// The `requestContext.http` of an [`HttpTriggerEvent`].
///
/// ```
/// let http = fc_events::http::HttpTriggerHttp { method: "GET".into(), ..Default::default() };
/// assert_eq!(http.method, "GET");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
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
///
/// ```
/// let answer = fc_events::http::HttpTriggerResponse::from(http::Response::new(bytes::Bytes::from("hi")));
/// assert_eq!((answer.status_code, answer.body.as_str()), (200, "hi"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
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

serve::response_conversions!(HttpTriggerResponse);

impl TryFrom<HttpTriggerEvent> for Request<Bytes> {
    type Error = InvalidEvent;

    fn try_from(event: HttpTriggerEvent) -> Result<Self, Self::Error> {
        let method = match event.request_context.http.method.as_str() {
            "" => "GET",
            method => method,
        };
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| InvalidEvent::new("method", e))?;
        let path = if event.raw_path.is_empty() { &event.request_context.http.path } else { &event.raw_path };
        let uri = serve::uri(path, event.query_parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut request = Request::builder()
            .method(method)
            .uri(&uri)
            .body(Bytes::new())
            .map_err(|e| InvalidEvent::new("request", e))?;
        *request.headers_mut() = serve::header_map(&event.headers)?;
        *request.body_mut() = serve::decode_body(&event.body, event.is_base64_encoded)?;
        Ok(request)
    }
}

impl HttpTriggerEvent {
    /// The event for an HTTP request, reading its body whole.
    pub async fn from_request<B>(request: Request<B>) -> Result<Self, InvalidEvent>
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        let bytes = serve::collect(body).await?;
        let (body, is_base64_encoded) = serve::encode_body(&bytes);
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        Ok(HttpTriggerEvent {
            version: "v1".to_owned(),
            raw_path: parts.uri.path().to_owned(),
            body,
            is_base64_encoded,
            headers: serve::join_headers(&parts.headers),
            query_parameters: serve::query(&parts.uri).collect(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn query_parameters_are_percent_coded_both_ways() {
        let mut event = HttpTriggerEvent { raw_path: "/q".to_owned(), ..Default::default() };
        event.query_parameters.insert("a b&c".to_owned(), "d=/é~".to_owned());
        let request = Request::try_from(event).unwrap();
        assert_eq!(request.uri(), "/q?a%20b%26c=d%3D%2F%C3%A9~");
        let back = HttpTriggerEvent::from_request(request.map(http_body_util::Full::new)).await.unwrap();
        assert_eq!(back.query_parameters["a b&c"], "d=/é~");
        let request = Request::get("/q?x+y=%zz%4&empty").body(http_body_util::Empty::<Bytes>::new()).unwrap();
        let back = HttpTriggerEvent::from_request(request).await.unwrap();
        assert_eq!(back.query_parameters["x y"], "%zz%4");
        assert_eq!(back.query_parameters["empty"], "");
    }

    #[tokio::test]
    async fn events_and_requests_convert_both_ways() {
        use base64::Engine as _;
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
        let request = Request::<Bytes>::try_from(event.clone()).unwrap();
        assert_eq!(request.method(), Method::PUT);
        assert_eq!(request.uri(), "/items/7?page=2&q=a%20b");
        assert_eq!(request.headers()["x-a"], "1");
        assert_eq!(request.body().as_ref(), [0xff, 0x00, 0x01]);
        let back = HttpTriggerEvent::from_request(request.map(http_body_util::Full::new)).await.unwrap();
        assert_eq!(back.body, event.body);
        assert!(back.is_base64_encoded);
        assert_eq!(back.query_parameters, event.query_parameters);
        assert_eq!(back.headers, event.headers);

        let response = Response::builder()
            .status(201)
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2")
            .body(http_body_util::Full::new(Bytes::from("made")))
            .unwrap();
        let answer = HttpTriggerResponse::from_response(response).await.unwrap();
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            serde_json::json!({
                "statusCode": 201, "headers": {"set-cookie": "a=1, b=2"}, "isBase64Encoded": false, "body": "made"
            })
        );
        let response = Response::<Bytes>::try_from(answer).unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(response.body(), "made");
    }

    #[test]
    fn invalid_events_say_which_part() {
        let event = HttpTriggerEvent {
            request_context: HttpTriggerRequestContext {
                http: HttpTriggerHttp { method: "GE T".into(), ..Default::default() },
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(Request::<Bytes>::try_from(event).unwrap_err().part(), "method");
        let event = HttpTriggerEvent { body: "not base64!".into(), is_base64_encoded: true, ..Default::default() };
        assert_eq!(Request::<Bytes>::try_from(event).unwrap_err().part(), "body");
    }
}
