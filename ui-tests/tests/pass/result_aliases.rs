// `Result` through aliases: `std::io::Result<T>` here, `fc::Result<T>` and
// `anyhow::Result<T>` in the Go cases.
#[fc::handler]
fn handler(path: String) -> std::io::Result<u64> {
    Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("no {path}")))
}

fn main() {
    assert_eq!(fc_ui_tests::invoke(r#""/x""#).error("io::Error"), "no /x");
}
