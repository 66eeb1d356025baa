#[fc::handler]
fn handler(_ctx: &mut fc::Context) {}

fn main() {}
