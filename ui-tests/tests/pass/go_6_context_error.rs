// Go: func (Context) error
#[fc::handler]
fn handler(ctx: &fc::Context) -> Result<(), String> {
    if ctx.request_id() == "ui-1" { Err(format!("seen {}", ctx.request_id())) } else { Ok(()) }
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("").error("Error"), "seen ui-1");
}
