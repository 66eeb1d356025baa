#[fc::pre_stop]
fn stop(_ctx: &fc::Context, _reason: String) {}

fn main() {}
