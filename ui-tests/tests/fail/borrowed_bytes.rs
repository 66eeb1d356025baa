#[fc::handler]
fn handler(_ctx: &fc::Context, _body: &[u8]) {}

fn main() {}
