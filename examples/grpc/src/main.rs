//! `grpc`: a tonic service as the HTTP function, over HTTP/2 (h2c, as the platform's gRPC
//! gateway carries it) on the runtime's port. helloworld's `Greeter`: `SayHello` (unary),
//! `SayHellos` (server streaming), `CollectHellos` (client streaming), `Chat`
//! (bidirectional). Needs the runtime's `http2` feature.

mod helloworld;

use futures_util::StreamExt as _;
use helloworld::{Greeter, GreeterServer, HelloReply, HelloRequest, ReplyStream};
use tonic::{Request, Response, Status, Streaming};

/// The service. (`pub(crate)`, as [`service`]: the benchmark serves it on tonic's own
/// server, `bench/peers`.)
pub(crate) struct Hello;

/// The call's request id, from the `fc::Context` in the request's extensions. (Served
/// without fc, as the benchmark's peer serves it, the service reads the platform's header
/// itself, so that both answer the same.)
fn request_id<T>(request: &Request<T>) -> String {
    match request.extensions().get::<fc::Context>() {
        Some(ctx) => ctx.request_id().to_owned(),
        None => request.metadata().get("x-fc-request-id").and_then(|id| id.to_str().ok()).unwrap_or("").to_owned(),
    }
}

#[tonic::async_trait]
impl Greeter for Hello {
    async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> {
        let id = request_id(&request);
        let name = request.into_inner().name;
        if name.is_empty() {
            return Err(Status::invalid_argument("a name is needed"));
        }
        Ok(Response::new(HelloReply { message: format!("hello, {name}! ({id})") }))
    }

    async fn say_hellos(&self, request: Request<HelloRequest>) -> Result<Response<ReplyStream>, Status> {
        let HelloRequest { name, count } = request.into_inner();
        let replies = (0..count).map(move |i| Ok(HelloReply { message: format!("hello #{i}, {name}!") }));
        Ok(Response::new(Box::pin(futures_util::stream::iter(replies))))
    }

    async fn collect_hellos(&self, request: Request<Streaming<HelloRequest>>) -> Result<Response<HelloReply>, Status> {
        let mut names = Vec::new();
        let mut stream = request.into_inner();
        while let Some(request) = stream.next().await {
            names.push(request?.name);
        }
        Ok(Response::new(HelloReply { message: format!("hello, {}!", names.join(", ")) }))
    }

    async fn chat(&self, request: Request<Streaming<HelloRequest>>) -> Result<Response<ReplyStream>, Status> {
        let replies =
            request.into_inner().map(|request| request.map(|r| HelloReply { message: format!("hi, {}", r.name) }));
        Ok(Response::new(Box::pin(replies)))
    }
}

/// The HTTP function: the `Greeter` service.
pub(crate) fn service() -> GreeterServer<Hello> {
    GreeterServer::new(Hello)
}

fn main() -> std::io::Result<()> {
    fc::Runtime::new().http(service()).run()
}
