// Shapes beside the Go ones: an explicit `-> ()`, `fc::Result<()>`, an async handler of
// the context alone returning `Box<dyn Error>`, a sync hook with the context by value,
// and outputs whose names look like other things: a pair that is not Go's `(Out, error)`
// and a struct named `…Result`.
#[derive(serde::Serialize)]
struct SearchResult {
    hits: u32,
}

#[fc::handler]
async fn handler(ctx: &fc::Context) -> Result<(SearchResult, u32), Box<dyn std::error::Error>> {
    if ctx.request_id().is_empty() {
        return Err("no request id".into());
    }
    Ok((SearchResult { hits: 3 }, 7))
}

#[fc::initializer]
fn init() -> () {}

#[fc::pre_freeze]
fn freeze(ctx: fc::Context) -> fc::Result<()> {
    if ctx.request_id() == "ui-1" { Ok(()) } else { Err(fc::Error::msg("unexpected request")) }
}

#[fc::pre_stop]
#[deprecated = "a deprecated hook still registers without warnings from the glue"]
async fn stop() {}

fn main() {
    assert_eq!(fc_ui_tests::invoke("").ok(), r#"[{"hits":3},7]"#);
    assert_eq!(fc_ui_tests::call("POST", "/initialize", "").ok(), "");
    assert_eq!(fc_ui_tests::call("GET", "/pre-freeze", "").ok(), "");
    assert_eq!(fc_ui_tests::call("GET", "/pre-stop", "").ok(), "");
}
