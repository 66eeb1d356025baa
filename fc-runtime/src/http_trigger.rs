//! The FC 3.0 HTTP-trigger event: an HTTP request delivered to an event function as
//! JSON, and its answer, with conversions to and from `http` types so that an event
//! function serves it through the same router as an HTTP function.

use std::collections::BTreeMap;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, Response, header};
use http_body::Body as HttpBody;
use http_body_util::BodyExt;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::http_function::{Body, BoxError, HttpService};

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
pub async fn serve_event<S: HttpService>(service: S, event: HttpTriggerEvent) -> Result<HttpTriggerResponse, Error> {
    let request = Request::try_from(event)?;
    let handler = service.into_http_handler();
    let response = handler(request).await.map_err(|e| Error::new(e.error_type().to_owned(), e.message().to_owned()))?;
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

fn invalid(what: &str, error: impl std::fmt::Display) -> Error {
    Error::new("InvalidHttpTriggerEvent", format!("{what}: {error}"))
}

fn decode_body(body: &str, base64: bool) -> Result<Bytes, Error> {
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

/// What a query's keys and values keep unencoded: RFC 3986's unreserved characters.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The headers of an event or a trigger's response, as `http` headers.
fn header_map(headers: &BTreeMap<String, String>) -> Result<http::HeaderMap, Error> {
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
    type Error = Error;

    fn try_from(event: HttpTriggerEvent) -> Result<Self, Self::Error> {
        let method =
            if event.request_context.http.method.is_empty() { "GET" } else { &event.request_context.http.method };
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| invalid("method", e))?;
        let path =
            if event.raw_path.is_empty() { event.request_context.http.path.as_str() } else { event.raw_path.as_str() };
        let mut uri = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        for (i, (key, value)) in event.query_parameters.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            uri.extend(utf8_percent_encode(key, QUERY_COMPONENT));
            uri.push('=');
            uri.extend(utf8_percent_encode(value, QUERY_COMPONENT));
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
    pub async fn from_request<B>(request: Request<B>) -> Result<Self, Error>
    where
        B: HttpBody<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        let bytes = body.collect().await.map_err(|e| invalid("body", e.into()))?.to_bytes();
        let (body, is_base64_encoded) = encode_body(&bytes);
        let query_parameters = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
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
    pub async fn from_response<B>(response: Response<B>) -> Result<Self, Error>
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
    type Error = Error;

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

    #[tokio::test]
    async fn query_parameters_are_percent_coded_both_ways() {
        let mut event = HttpTriggerEvent { raw_path: "/q".to_owned(), ..Default::default() };
        event.query_parameters.insert("a b&c".to_owned(), "d=/é~".to_owned());
        let request = Request::try_from(event).unwrap();
        assert_eq!(request.uri(), "/q?a%20b%26c=d%3D%2F%C3%A9~");
        let back = HttpTriggerEvent::from_request(request).await.unwrap();
        assert_eq!(back.query_parameters["a b&c"], "d=/é~");
        let request = Request::get("/q?x+y=%zz%4&empty").body(Body::empty()).unwrap();
        let back = HttpTriggerEvent::from_request(request).await.unwrap();
        assert_eq!(back.query_parameters["x y"], "%zz%4");
        assert_eq!(back.query_parameters["empty"], "");
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
