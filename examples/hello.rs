//! `hello`: input `{"key": "value"}`, output the JSON string `"hello, value!"`.

use serde::Deserialize;

#[derive(Deserialize)]
struct Event {
    key: String,
}

#[fc::handler]
async fn hello(_ctx: &fc::Context, event: Event) -> String {
    format!("hello, {}!", event.key)
}

fn main() -> std::io::Result<()> {
    fc::run()
}
