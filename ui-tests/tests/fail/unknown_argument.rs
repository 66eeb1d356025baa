#[fc::handler(port = 9000)]
fn handler() {}

fn main() {}
