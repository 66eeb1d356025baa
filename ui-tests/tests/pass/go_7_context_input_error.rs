// Go: func (Context, In) error; the context taken by value.
#[fc::handler]
async fn handler(ctx: fc::Context, name: String) -> anyhow::Result<()> {
    anyhow::ensure!(!name.is_empty(), "empty name in {}", ctx.request_id());
    Ok(())
}

fn main() {
    assert_eq!(fc_ui_tests::invoke(r#""ann""#).ok(), "");
    assert_eq!(fc_ui_tests::invoke(r#""""#).error("Error"), "empty name in ui-1");
}
