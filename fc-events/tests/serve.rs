//! API Gateway and HTTP-trigger events served by a real axum router (`serve_event`): the
//! method, path, query, headers and body reach the route; its status, headers and body
//! come back in the trigger's response; an event that makes no request is an error.

use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use fc_events::ServeError;
use fc_events::apigateway::{self, ApiGatewayEvent};
use fc_events::http::{self as trigger, HttpTriggerEvent};
use std::collections::HashMap;

fn app() -> Router {
    Router::new()
        .route(
            "/users/{id}",
            get(|Path(id): Path<u32>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap| async move {
                let who = headers.get("x-who").and_then(|v| v.to_str().ok()).unwrap_or("?").to_owned();
                ([("x-user", id.to_string())], format!("user {id}, full={}, asked by {who}", q["full"]))
            }),
        )
        .route("/echo", post(|body: axum::body::Bytes| async move { (StatusCode::CREATED, body) }))
}

#[tokio::test]
async fn api_gateway_events_reach_the_router_and_its_answer_comes_back() {
    let event: ApiGatewayEvent = serde_json::from_value(serde_json::json!({
        "path": "/users/7", "httpMethod": "GET", "headers": {"x-who": "gateway"},
        "queryParameters": {"full": "a b"}, "pathParameters": {"id": "7"}, "body": "", "isBase64Encoded": false
    }))
    .unwrap();
    let answer = apigateway::serve_event(app(), event).await.unwrap();
    assert_eq!(answer.status_code, 200);
    assert_eq!(answer.body, "user 7, full=a b, asked by gateway");
    assert_eq!(answer.headers["x-user"], "7");
    assert!(!answer.is_base64_encoded);

    // A binary body goes in as base64 and comes back as base64.
    let event = ApiGatewayEvent {
        path: "/echo".into(),
        http_method: "POST".into(),
        body: "AP8B".into(),
        is_base64_encoded: true,
        ..Default::default()
    };
    let answer = apigateway::serve_event(app(), event).await.unwrap();
    assert_eq!((answer.status_code, answer.body.as_str(), answer.is_base64_encoded), (201, "AP8B", true));
    assert_eq!(answer.body_bytes().unwrap().as_ref(), [0x00, 0xff, 0x01]);

    let missing = ApiGatewayEvent { path: "/nowhere".into(), ..Default::default() };
    assert_eq!(apigateway::serve_event(app(), missing).await.unwrap().status_code, 404);

    let bad =
        ApiGatewayEvent { path: "/echo".into(), body: "%%%".into(), is_base64_encoded: true, ..Default::default() };
    match apigateway::serve_event(app(), bad).await {
        Err(ServeError::Invalid(error)) => assert_eq!(error.part(), "body"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn http_trigger_events_reach_the_router_and_its_answer_comes_back() {
    let mut event: HttpTriggerEvent = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/http-event.json")).unwrap(),
    )
    .unwrap();
    event.raw_path = "/users/12".into();
    event.query_parameters.insert("full".into(), "yes".into());
    event.headers.insert("x-who".into(), "trigger".into());
    let answer = trigger::serve_event(app(), event).await.unwrap();
    assert_eq!((answer.status_code, answer.body.as_str()), (200, "user 12, full=yes, asked by trigger"));
    assert_eq!(answer.headers["x-user"], "12");
}
