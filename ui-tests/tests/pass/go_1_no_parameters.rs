// Go: func ()
#[fc::handler]
fn handler() {}

fn main() {
    assert_eq!(fc_ui_tests::invoke("").ok(), "");
    handler(); // still an ordinary function
}
