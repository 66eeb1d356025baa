// An input and an output, no error.
#[derive(serde::Deserialize)]
struct Event {
    key: String,
}

#[fc::handler]
async fn handler(event: Event) -> String {
    format!("hello, {}!", event.key)
}

fn main() {
    assert_eq!(fc_ui_tests::invoke(r#"{"key": "value"}"#).ok(), r#""hello, value!""#);
    // Callable directly, as from a unit test.
    let direct = futures_lite_block_on(handler(Event { key: "direct".into() }));
    assert_eq!(direct, "hello, direct!");
}

fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}
