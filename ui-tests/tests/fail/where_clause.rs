#[fc::handler]
fn handler(_input: String) where String: Clone {}

fn main() {}
