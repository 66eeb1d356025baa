// Go: func () error
#[derive(Debug)]
struct Unavailable;

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("try again later")
    }
}

impl std::error::Error for Unavailable {}

#[fc::handler]
async fn handler() -> Result<(), Unavailable> {
    Err(Unavailable)
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("").error("Unavailable"), "try again later");
}
