#[fc::handler]
unsafe fn handler() {}

fn main() {}
