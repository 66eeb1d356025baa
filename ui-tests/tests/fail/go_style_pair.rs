#[fc::handler]
fn handler(_input: String) -> (String, std::io::Error) {
    todo!()
}

fn main() {}
