//! `hello`: input `{"key": "value"}`, output the JSON string `"hello, value!"`.

use serde::Deserialize;

#[derive(Deserialize)]
struct Event {
    key: String,
}

#[fc::handler]
async fn hello(ctx: &fc::Context, event: Event) -> String {
    log::info!("saying hello to {} in {}", event.key, ctx.function_name().unwrap_or("a local function"));
    format!("hello, {}!", event.key)
}

fn main() -> std::io::Result<()> {
    fc::run()
}
