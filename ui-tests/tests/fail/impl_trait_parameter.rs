#[fc::handler]
fn handler(_input: impl serde::de::DeserializeOwned) {}

fn main() {}
