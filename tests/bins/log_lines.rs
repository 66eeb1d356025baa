//! Logs the text it is sent with `log::info!` and `tracing::warn!`, for the tests of
//! what a function's logging can print.

#[derive(serde::Deserialize)]
struct Input {
    text: String,
}

#[fc::handler]
async fn handler(input: Input) -> &'static str {
    log::info!("{}", input.text);
    tracing::warn!("{}", input.text);
    "logged"
}

fn main() -> std::io::Result<()> {
    fc::run()
}
