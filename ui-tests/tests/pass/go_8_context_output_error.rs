// Go: func (Context) (Out, error)
#[fc::handler]
fn handler(ctx: &fc::Context) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    Ok(ctx.request_id().to_uppercase())
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("").ok(), r#""UI-1""#);
}
