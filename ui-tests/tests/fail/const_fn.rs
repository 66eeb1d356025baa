#[fc::handler]
const fn handler() {}

fn main() {}
