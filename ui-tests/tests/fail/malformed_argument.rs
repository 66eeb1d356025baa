#[fc::initializer(crate = fc)]
fn init() {}

fn main() {}
