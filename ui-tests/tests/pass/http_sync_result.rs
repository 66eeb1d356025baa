// A sync HTTP handler, without the context, returning a `Result` of something that
// converts into a response.
use http::{Request, StatusCode};

#[fc::handler]
fn handler(request: Request<fc::http::Body>) -> Result<(StatusCode, String), std::io::Error> {
    match request.uri().path() {
        "/fail" => Err(std::io::Error::other("no such thing")),
        path => Ok((StatusCode::ACCEPTED, format!("sync {path}"))),
    }
}

fn main() {
    let reply = fc_ui_tests::call("GET", "/thing", "");
    assert_eq!((reply.status, reply.body.as_str()), (202, "sync /thing"));
    assert_eq!(fc_ui_tests::call("GET", "/fail", "").error_with_status(500, "io::Error"), "no such thing");
}
