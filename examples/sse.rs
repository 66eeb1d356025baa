//! `sse`: server-sent events from an HTTP function. `GET /events?n=N` streams N events,
//! one every 100 ms (`&interval_ms=` to change it), each written to the caller as it is
//! produced.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Extension, Query};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use serde::Deserialize;

#[derive(Deserialize)]
struct Params {
    n: u64,
    #[serde(default = "default_interval")]
    interval_ms: u64,
}

fn default_interval() -> u64 {
    100
}

async fn events(
    Extension(ctx): Extension<fc::Context>,
    Query(params): Query<Params>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let interval = Duration::from_millis(params.interval_ms);
    let request_id = ctx.request_id().to_owned();
    let stream = futures_util::stream::unfold(0, move |i| {
        let request_id = request_id.clone();
        async move {
            if i >= params.n {
                return None;
            }
            if i > 0 && !interval.is_zero() {
                tokio::time::sleep(interval).await;
            }
            if params.n <= 100 {
                log::info!("{request_id}: producing event {i}");
            }
            Some((Ok(Event::default().id(i.to_string()).data(format!("event {i}"))), i + 1))
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn main() -> std::io::Result<()> {
    fc::Runtime::new().http(Router::new().route("/events", get(events))).run()
}
