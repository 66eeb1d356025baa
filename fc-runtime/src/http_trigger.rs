//! The FC 3.0 HTTP trigger's event served by an HTTP function: [`serve_event`]. The
//! event's types and conversions are `fc::events::http`'s.

use bytes::Bytes;
use fc_events::http::{HttpTriggerEvent, HttpTriggerResponse};
use http::Request;

use crate::error::Error;
use crate::http_function::{Body, HttpService};

/// `errorType` of an event that does not make a valid request, or of an answer that does
/// not make a valid response.
const INVALID: &str = "InvalidHttpTriggerEvent";

/// Calls `service` with an FC 3.0 HTTP-trigger event and answers with the trigger's
/// response: an event function serving HTTP-trigger events through the same router as the
/// HTTP function. An event that makes no valid request fails the call with
/// `InvalidHttpTriggerEvent`; the service's own failures are reported as the HTTP
/// function's are.
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
    let request = Request::<Bytes>::try_from(event).map_err(|e| Error::new(INVALID, e.to_string()))?;
    let handler = service.into_http_handler();
    let response = handler(request.map(Body::from))
        .await
        .map_err(|e| Error::new(e.error_type().to_owned(), e.message().to_owned()))?;
    HttpTriggerResponse::from_response(response).await.map_err(|e| Error::new(INVALID, format!("response {e}")))
}
