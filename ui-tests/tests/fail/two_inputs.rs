#[fc::handler]
fn handler(_name: String, _age: u32) {}

fn main() {}
