#[fc::handler]
fn handler(_ctx: &fc::Context, _input: String, _extra: u32) {}

fn main() {}
