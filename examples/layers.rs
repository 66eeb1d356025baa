//! `layers`: tower layers around the event handler and every lifecycle hook — a tracing
//! span per call that carries the call's kind and request id, and a timeout.
//!
//! ```sh
//! cargo run --bin layers
//! curl -s localhost:9000/invoke -H 'x-fc-request-id: r-1' -d '{"sleep_ms": 10}'    # "done"
//! curl -s localhost:9000/invoke -H 'x-fc-request-id: r-2' -d '{"sleep_ms": 5000}'  # Elapsed
//! ```

use std::time::Duration;

use serde::Deserialize;
use tower::{Service, ServiceBuilder};
use tracing::Instrument;

#[derive(Deserialize)]
struct Work {
    sleep_ms: u64,
}

#[fc::handler]
async fn handler(work: Work) -> &'static str {
    tracing::info!("working for {} ms", work.sleep_ms);
    tokio::time::sleep(Duration::from_millis(work.sleep_ms)).await;
    "done"
}

#[fc::initializer]
async fn init() {
    tracing::info!("initializing");
}

#[fc::pre_freeze]
async fn freeze() {
    tracing::info!("freezing");
}

/// Runs each call in a span named `call`, with the call's kind and request id.
fn span_per_call(
    inner: fc::FunctionService,
) -> impl Service<fc::Invocation, Response = fc::Payload, Error = fc::FunctionError, Future: Send> + Clone {
    tower::service_fn(move |call: fc::Invocation| {
        let span = tracing::info_span!(
            "call",
            kind = %call.kind().log_name(),
            request_id = %call.context().request_id()
        );
        let mut inner = inner.clone();
        async move { inner.call(call).await }.instrument(span)
    })
}

fn main() -> std::io::Result<()> {
    // Events and spans to stdout, as the platform's log collection reads it.
    tracing_subscriber::fmt().with_target(false).init();
    fc::Runtime::new().layer(ServiceBuilder::new().timeout(Duration::from_secs(1)).layer_fn(span_per_call)).run()
}
