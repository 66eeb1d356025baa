//! The test kit on this test program's own attribute functions: `TestFunction::handler()`
//! runs the `#[fc::handler]` below through the attribute's glue (JSON in and out, errors
//! and panics as the platform's JSON), in a plain `#[test]` and in a `#[tokio::test]`;
//! the hooks likewise; and `Context::builder()` makes the contexts.

use std::time::{Duration, Instant};

use fc::testing::TestFunction;
use fc::{CallKind, Context};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Order {
    item: String,
    quantity: u32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Receipt {
    item: String,
    total: u32,
    request_id: String,
    function: Option<String>,
}

#[fc::handler]
async fn checkout(ctx: &Context, order: Order) -> fc::Result<Receipt> {
    if order.quantity == 0 {
        return Err(fc::Error::new("EmptyOrder", "nothing to check out"));
    }
    if order.item == "bomb" {
        panic!("the {} went off", order.item);
    }
    // The context is current while the function runs, as on the server.
    let current = Context::current().expect("the call's context is current");
    assert_eq!(current.request_id(), ctx.request_id());
    Ok(Receipt {
        total: order.quantity * 3,
        item: order.item,
        request_id: ctx.request_id().to_owned(),
        function: ctx.function_name().map(str::to_owned),
    })
}

#[fc::initializer]
fn warm_up(ctx: &Context) -> Result<(), String> {
    if ctx.kind() != CallKind::Initialize {
        return Err(format!("the initializer ran as {:?}", ctx.kind()));
    }
    Ok(())
}

#[fc::pre_stop]
async fn goodbye() {
    panic!("pre-stop went wrong");
}

fn ctx() -> Context {
    Context::builder().request_id("t-1").function_name("shop").build()
}

#[test]
fn a_handler_runs_through_its_glue_in_a_plain_test() {
    let answer = TestFunction::handler().call_blocking(&ctx(), r#"{"item": "pen", "quantity": 2}"#);
    assert!(answer.is_ok());
    assert_eq!(answer.status(), 200);
    let receipt: Receipt = answer.json();
    assert_eq!(
        receipt,
        Receipt { item: "pen".into(), total: 6, request_id: "t-1".into(), function: Some("shop".into()) }
    );
    assert_eq!(answer.text(), r#"{"item":"pen","total":6,"request_id":"t-1","function":"shop"}"#);
}

#[test]
fn bad_input_errors_and_panics_are_the_platforms_json() {
    let handler = TestFunction::handler();
    let answer = handler.call_blocking(&ctx(), r#"{"item": "pen"}"#);
    let error = answer.error().unwrap();
    assert_eq!((error.error_type(), answer.status()), ("DeserializeError", 404));
    assert!(error.message().contains("missing field `quantity`"), "{error}");

    let answer = handler.call_blocking(&ctx(), r#"{"item": "pen", "quantity": 0}"#);
    let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    assert_eq!(body["errorType"], "EmptyOrder");
    assert_eq!(body["errorMessage"], "nothing to check out");

    let answer = handler.call_blocking(&ctx(), r#"{"item": "bomb", "quantity": 1}"#);
    let error = answer.error().unwrap();
    assert_eq!((error.error_type(), error.message()), ("Panic", "the bomb went off"));
    let frames = error.stack_trace().unwrap();
    assert!(format!("{frames:?}").contains("checkout"), "{frames:?}");
    let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    assert!(body["stackTrace"].as_array().is_some_and(|frames| !frames.is_empty()), "{body}");
}

#[tokio::test]
async fn a_handler_runs_in_an_async_test() {
    let answer = TestFunction::handler().call(&ctx(), r#"{"item": "ink", "quantity": 1}"#).await;
    assert_eq!(answer.json::<Receipt>().total, 3);
}

#[tokio::test]
#[should_panic(expected = "use `.call(…).await` there")]
async fn call_blocking_in_an_async_test_says_what_to_do() {
    TestFunction::handler().call_blocking(&ctx(), "{}");
}

#[test]
fn hooks_run_as_their_kind() {
    assert!(TestFunction::initializer().call_blocking(&ctx(), "").is_ok());
    let answer = TestFunction::pre_stop().call_blocking(&ctx(), "");
    assert_eq!(answer.error().unwrap().message(), "pre-stop went wrong");
}

#[test]
#[should_panic(expected = "no function of this program has `#[fc::pre_freeze]`")]
fn a_missing_function_is_named() {
    TestFunction::pre_freeze();
}

#[test]
fn builder_handlers_too() {
    let answer = TestFunction::new(|ctx: Context, body: fc::Bytes| async move {
        format!("{} got {} bytes", ctx.request_id(), body.len()).into_bytes()
    })
    .call_blocking(&ctx(), vec![0u8, 1, 2]);
    assert_eq!(answer.text(), "t-1 got 3 bytes");
}

#[test]
fn the_context_builder_sets_every_header_it_names() {
    let ctx = Context::builder()
        .request_id("r")
        .function_name("f")
        .function_handler("index.handler")
        .memory_mb(1024)
        .timeout(Duration::from_millis(2500))
        .initialization_timeout(Duration::from_secs(7))
        .credentials("STS.id", "secret", "token")
        .region("cn-shanghai")
        .account_id("123")
        .header("x-fc-qualifier", "prod")
        .build();
    assert_eq!(ctx.function_handler(), Some("index.handler"));
    assert_eq!(ctx.function_memory_mb(), Some(1024));
    assert_eq!(ctx.function_timeout(), Some(Duration::from_millis(2500)));
    assert_eq!(ctx.initialization_timeout(), Some(Duration::from_secs(7)));
    let credentials = ctx.credentials();
    assert_eq!(
        (credentials.access_key_id(), credentials.access_key_secret(), credentials.security_token()),
        (Some("STS.id"), Some("secret"), Some("token"))
    );
    assert_eq!((ctx.region(), ctx.account_id(), ctx.qualifier()), (Some("cn-shanghai"), Some("123"), Some("prod")));
    assert!(!format!("{ctx:?}").contains("secret\""), "{ctx:?}");

    // An explicit deadline.
    let deadline = Instant::now() + Duration::from_secs(5);
    let ctx = Context::builder().deadline(deadline).build();
    let off = ctx.deadline().unwrap().max(deadline) - ctx.deadline().unwrap().min(deadline);
    assert!(off < Duration::from_millis(1), "{off:?}");
    assert!(ctx.remaining_time().unwrap() <= Duration::from_secs(5));

    let ctx = Context::builder().kind(CallKind::PreFreeze).build();
    assert_eq!(ctx.kind(), CallKind::PreFreeze);
}

#[test]
#[should_panic(expected = "`Context::builder().header(\"bad name\", …)`: not a header name")]
fn a_bad_header_name_is_named() {
    let _ = Context::builder().header("bad name", "v");
}

#[tokio::test]
async fn http_functions_run_as_the_server_runs_them() {
    let app = tower::service_fn(|request: http::Request<fc::http::Body>| async move {
        if request.uri().path() == "/panic" {
            panic!("route went wrong");
        }
        let ctx = Context::current().expect("the request's context is current");
        let body = request.into_body().to_bytes().await.unwrap();
        Ok::<_, std::convert::Infallible>(http::Response::new(format!("{}: {} bytes", ctx.request_id(), body.len())))
    });
    let request = http::Request::post("/upload").body(fc::http::Body::from("12345")).unwrap();
    let response = fc::testing::call_http(app, &ctx(), request).await;
    assert_eq!((response.status().as_u16(), response.body().as_ref()), (200, &b"t-1: 5 bytes"[..]));

    let request = http::Request::get("/panic").body(fc::http::Body::empty()).unwrap();
    let response = fc::testing::call_http(app, &ctx(), request).await;
    assert_eq!(response.status(), 500);
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!((body["errorType"].as_str(), body["errorMessage"].as_str()), (Some("Panic"), Some("route went wrong")));
}
