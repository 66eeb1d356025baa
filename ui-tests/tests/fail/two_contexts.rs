#[fc::handler]
fn handler(_ctx: &fc::Context, _again: fc::Context) {}

fn main() {}
