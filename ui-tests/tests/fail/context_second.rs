#[fc::handler]
fn handler(_name: String, _ctx: &fc::Context) {}

fn main() {}
