// The runtime crate under another name, through `crate = "…"`.
mod platform {
    pub use fc as runtime;
}

use platform::runtime as serverless;

#[serverless::handler(crate = "serverless")]
fn handler(n: i32) -> i32 {
    n * 2
}

#[platform::runtime::pre_stop(crate = "platform::runtime")]
fn stop(_ctx: &serverless::Context) {}

fn main() {
    assert_eq!(fc_ui_tests::invoke("21").ok(), "42");
}
