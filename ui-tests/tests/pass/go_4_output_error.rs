// Go: func () (Out, error)
#[derive(serde::Serialize)]
struct Status {
    healthy: bool,
}

#[fc::handler]
async fn handler() -> Result<Status, std::fmt::Error> {
    Ok(Status { healthy: true })
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("").ok(), r#"{"healthy":true}"#);
}
