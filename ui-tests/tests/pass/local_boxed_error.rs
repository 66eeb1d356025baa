// `Box<dyn Error>` (not `Send`) as the error type.
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

#[fc::handler]
fn handler() -> Result<(), Box<dyn std::error::Error>> {
    Err(Box::new(Refused))
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("").error("Refused"), "refused");
}
