// A `Result` under an alias with another name is answered as a `Result`: its value as
// JSON, its error reported.
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

type Answer<T> = Result<T, Refused>;

#[fc::handler]
async fn handler(n: u32) -> Answer<u32> {
    if n == 0 { Err(Refused) } else { Ok(n * 2) }
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("21").ok(), "42");
    assert_eq!(fc_ui_tests::invoke("0").error("Refused"), "refused");
}
