// A pair is an output like any other, written as a JSON array (in a `Result` too).
#[fc::handler]
fn handler(n: u32) -> Result<(u32, String), std::io::Error> {
    Ok((n + 1, format!("n = {n}")))
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("41").ok(), r#"[42,"n = 41"]"#);
}
