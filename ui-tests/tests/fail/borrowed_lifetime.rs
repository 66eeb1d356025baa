use std::borrow::Cow;

#[fc::handler]
fn handler(_name: Cow<'static, str>) {}

fn main() {}
