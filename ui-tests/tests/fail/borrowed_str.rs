#[fc::handler]
fn handler(_name: &str) {}

fn main() {}
