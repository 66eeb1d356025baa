//! `hello`: input `{"key": "value"}`, output the JSON string `"hello, value!"`.

use fc::{Context, Json};
use serde::Deserialize;

#[derive(Deserialize)]
struct Event {
    key: String,
}

async fn hello(ctx: Context, Json(event): Json<Event>) -> Json<String> {
    log::info!(
        "saying hello to {} in {}",
        event.key,
        ctx.function_name().unwrap_or("a local function")
    );
    Json(format!("hello, {}!", event.key))
}

fn main() -> std::io::Result<()> {
    fc::Runtime::new().handler(hello).run()
}
