#[derive(Debug)]
struct Failure;

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

impl std::error::Error for Failure {}

#[fc::handler]
async fn handler() -> (String, Failure) {
    (String::new(), Failure)
}

fn main() {}
