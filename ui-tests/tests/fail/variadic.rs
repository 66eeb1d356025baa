#[fc::handler]
unsafe extern "C" fn handler(_first: i32, _rest: ...) {}

fn main() {}
