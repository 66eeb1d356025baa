struct Oops;

#[fc::handler]
fn handler() -> Result<String, Oops> {
    Err(Oops)
}

fn main() {}
