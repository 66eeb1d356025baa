#[fc::handler]
fn handler<T: serde::de::DeserializeOwned>(_input: T) {}

fn main() {}
