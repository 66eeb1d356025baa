// The context alone, an output, explicit `-> ()` elsewhere.
#[fc::handler]
fn handler(ctx: fc::Context) -> Option<u32> {
    ctx.function_memory_mb()
}

#[fc::pre_freeze]
fn freeze() -> () {}

fn main() {
    assert_eq!(fc_ui_tests::invoke("").ok(), "null");
    assert_eq!(fc_ui_tests::call("GET", "/pre-freeze", "").ok(), "");
    let ctx = fc::Context::default();
    assert_eq!(handler(ctx), None);
}
