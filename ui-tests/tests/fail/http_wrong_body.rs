#[fc::handler]
async fn handler(_request: http::Request<String>) -> String {
    String::new()
}

fn main() {}
