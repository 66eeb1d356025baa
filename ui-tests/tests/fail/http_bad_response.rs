#[fc::handler]
fn handler(_request: http::Request<fc::http::Body>) -> u32 {
    7
}

fn main() {}
