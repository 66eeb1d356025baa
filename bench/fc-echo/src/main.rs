//! `fc-echo`: answers the raw request body with the same bytes.

#[fc::handler]
async fn echo(body: Vec<u8>) -> Vec<u8> {
    body
}

fn main() -> std::io::Result<()> {
    fc::run()
}
