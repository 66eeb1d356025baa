//! The API Gateway trigger: an HTTP request that an API Gateway API passes to the function
//! as JSON ([`ApiGatewayEvent`]), and the answer it expects ([`ApiGatewayResponse`]), with
//! conversions to and from `http` types so that a function serves it with an HTTP router
//! ([`serve_event`]).
//!
//! ```
//! use fc_events::apigateway::ApiGatewayEvent;
//!
//! let event: ApiGatewayEvent = serde_json::from_str(r#"{
//!     "path": "/users/7", "httpMethod": "GET", "headers": {"accept": "application/json"},
//!     "queryParameters": {"full": "yes"}, "pathParameters": {"id": "7"},
//!     "body": "", "isBase64Encoded": false
//! }"#)?;
//! assert_eq!(event.path_parameters["id"], "7");
//! let request = http::Request::try_from(event)?;
//! assert_eq!(request.uri(), "/users/7?full=yes");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{Method, Request, Response};
use serde::{Deserialize, Serialize};

use crate::serve::{self, BoxError, InvalidEvent, ServeError};

/// Calls a tower `service` (an axum `Router`, say) with an API Gateway event, and answers
/// with the response API Gateway expects.
///
/// ```
/// # async fn example() -> Result<(), fc_events::ServeError> {
/// use fc_events::apigateway::{ApiGatewayEvent, serve_event};
///
/// let service = tower::service_fn(|request: http::Request<http_body_util::Full<bytes::Bytes>>| async move {
///     Ok::<_, std::convert::Infallible>(http::Response::new(format!("{} {}", request.method(), request.uri())))
/// });
/// let event = ApiGatewayEvent { path: "/a".into(), http_method: "POST".into(), ..Default::default() };
/// let answer = serve_event(service, event).await?;
/// assert_eq!((answer.status_code, answer.body.as_str()), (200, "POST /a"));
/// # Ok(()) }
/// ```
pub async fn serve_event<S, B>(service: S, event: ApiGatewayEvent) -> Result<ApiGatewayResponse, ServeError>
where
    S: tower_service::Service<Request<http_body_util::Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    serve::serve_event(service, event).await
}

/// An API Gateway trigger's event: the HTTP request the API received.
///
/// ```
/// let event = fc_events::apigateway::ApiGatewayEvent { body: "aGk=".into(), is_base64_encoded: true, ..Default::default() };
/// assert_eq!(event.body_bytes().unwrap(), "hi");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiGatewayEvent {
    /// The request path.
    pub path: String,
    /// The method.
    pub http_method: String,
    /// The request headers, the gateway's own (`X-Ca-*`) included.
    pub headers: BTreeMap<String, String>,
    /// The query parameters.
    pub query_parameters: BTreeMap<String, String>,
    /// The path parameters the API's path template matched.
    pub path_parameters: BTreeMap<String, String>,
    /// The request body: text, or base64 when `is_base64_encoded`.
    pub body: String,
    /// Whether `body` is base64 (read from `true`/`false` or their strings).
    #[serde(with = "crate::encoding::lenient_bool")]
    pub is_base64_encoded: bool,
}

impl ApiGatewayEvent {
    /// The body's bytes, decoded from base64 when it is encoded.
    pub fn body_bytes(&self) -> Result<Bytes, InvalidEvent> {
        serve::decode_body(&self.body, self.is_base64_encoded)
    }

    /// The event for an HTTP request, reading its body whole (a test's input).
    pub async fn from_request<B>(request: Request<B>) -> Result<Self, InvalidEvent>
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        let bytes = serve::collect(body).await?;
        let (body, is_base64_encoded) = serve::encode_body(&bytes);
        Ok(ApiGatewayEvent {
            path: parts.uri.path().to_owned(),
            http_method: parts.method.as_str().to_owned(),
            headers: serve::join_headers(&parts.headers),
            query_parameters: serve::query(&parts.uri).collect(),
            path_parameters: BTreeMap::new(),
            body,
            is_base64_encoded,
        })
    }
}

impl TryFrom<ApiGatewayEvent> for Request<Bytes> {
    type Error = InvalidEvent;

    fn try_from(event: ApiGatewayEvent) -> Result<Self, Self::Error> {
        let method = if event.http_method.is_empty() { "GET" } else { &event.http_method };
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| InvalidEvent::new("method", e))?;
        let uri = serve::uri(&event.path, event.query_parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut request =
            Request::builder().method(method).uri(&uri).body(Bytes::new()).map_err(|e| InvalidEvent::new("path", e))?;
        *request.headers_mut() = serve::header_map(&event.headers)?;
        *request.body_mut() = serve::decode_body(&event.body, event.is_base64_encoded)?;
        Ok(request)
    }
}

/// The answer API Gateway expects from the function.
///
/// ```
/// let answer = fc_events::apigateway::ApiGatewayResponse::from(http::Response::new(bytes::Bytes::from_static(&[0xff])));
/// assert!(answer.is_base64_encoded);
/// assert_eq!(answer.body_bytes().unwrap().as_ref(), [0xff]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiGatewayResponse {
    /// Whether `body` is base64.
    #[serde(with = "crate::encoding::lenient_bool")]
    pub is_base64_encoded: bool,
    /// The status code.
    pub status_code: u16,
    /// The response headers (repeated ones joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// The body: text, or base64 when `is_base64_encoded`.
    pub body: String,
}

serve::response_conversions!(ApiGatewayResponse);
