// An HTTP handler: the context and the request, answering an `http::Response`.
use http::{Request, Response};

#[fc::handler]
async fn handler(ctx: &fc::Context, request: Request<fc::http::Body>) -> fc::Result<Response<String>> {
    let query = request.uri().query().unwrap_or("").to_owned();
    let body = request.into_body().to_bytes().await?;
    let text = format!("{} {} {}", ctx.request_id(), query, String::from_utf8_lossy(&body));
    Ok(Response::builder().status(201).header("x-made", "yes").body(text)?)
}

fn main() {
    let reply = fc_ui_tests::call("PUT", "/things?a=1", "payload");
    assert_eq!((reply.status, reply.fc_status.as_str(), reply.body.as_str()), (201, "", "ui-1 a=1 payload"));
}
