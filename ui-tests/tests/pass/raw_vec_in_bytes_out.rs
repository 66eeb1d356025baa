// The raw body in as `Vec<u8>`, out as `fc::Bytes`, with the context and a `Result`.
#[fc::handler]
fn handler(_ctx: &fc::Context, body: Vec<u8>) -> Result<fc::Bytes, std::str::Utf8Error> {
    let text = std::str::from_utf8(&body)?;
    Ok(fc::Bytes::from(text.to_uppercase()))
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("shout").ok(), "SHOUT");
}
