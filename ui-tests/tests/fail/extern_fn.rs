#[fc::handler]
extern "C" fn handler() {}

fn main() {}
