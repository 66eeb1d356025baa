mod my {
    pub struct Context;
}

#[fc::handler]
fn handler(_ctx: &my::Context) {}

fn main() {}
