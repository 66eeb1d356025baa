// An HTTP handler that answers nothing: an empty 200. Hooks beside it keep working.
#[fc::handler]
async fn handler(_request: http::Request<fc::http::Body>) {}

#[fc::pre_freeze]
fn freeze() {}

fn main() {
    assert_eq!(fc_ui_tests::call("DELETE", "/anything", "").http_ok(), "");
    assert_eq!(fc_ui_tests::call("GET", "/pre-freeze", "").ok(), "");
}
