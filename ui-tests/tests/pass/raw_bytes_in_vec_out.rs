// The raw body in as `fc::Bytes`, out as `Vec<u8>`: no JSON either way.
#[fc::handler]
async fn handler(body: fc::Bytes) -> Vec<u8> {
    body.iter().rev().copied().collect()
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("not json").ok(), "nosj ton");
}
