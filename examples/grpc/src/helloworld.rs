//! `helloworld.proto` in Rust: its messages, the `Greeter` trait, the server that routes
//! a gRPC request to the trait's method, and a client. (What tonic-build would generate,
//! written out.)

#![allow(dead_code)]

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_util::Stream;
use tonic::codegen::{BoxFuture, Service, StdError, http};
use tonic::{Request, Response, Status, Streaming};

#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloRequest {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(uint32, tag = "2")]
    pub count: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloReply {
    #[prost(string, tag = "1")]
    pub message: String,
}

/// A stream of replies.
pub type ReplyStream = Pin<Box<dyn Stream<Item = Result<HelloReply, Status>> + Send + 'static>>;

/// The service.
#[tonic::async_trait]
pub trait Greeter: Send + Sync + 'static {
    async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status>;
    async fn say_hellos(&self, request: Request<HelloRequest>) -> Result<Response<ReplyStream>, Status>;
    async fn collect_hellos(&self, request: Request<Streaming<HelloRequest>>) -> Result<Response<HelloReply>, Status>;
    async fn chat(&self, request: Request<Streaming<HelloRequest>>) -> Result<Response<ReplyStream>, Status>;
}

/// The server: a tower service of gRPC requests.
pub struct GreeterServer<G> {
    inner: Arc<G>,
}

impl<G> GreeterServer<G> {
    pub fn new(greeter: G) -> Self {
        GreeterServer { inner: Arc::new(greeter) }
    }
}

impl<G> Clone for GreeterServer<G> {
    fn clone(&self) -> Self {
        GreeterServer { inner: Arc::clone(&self.inner) }
    }
}

fn codec() -> tonic_prost::ProstCodec<HelloReply, HelloRequest> {
    tonic_prost::ProstCodec::default()
}

impl<G: Greeter, B> Service<http::Request<B>> for GreeterServer<G>
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let inner = Arc::clone(&self.inner);
        match request.uri().path() {
            "/helloworld.Greeter/SayHello" => {
                struct Unary<G>(Arc<G>);
                impl<G: Greeter> tonic::server::UnaryService<HelloRequest> for Unary<G> {
                    type Response = HelloReply;
                    type Future = BoxFuture<Response<HelloReply>, Status>;
                    fn call(&mut self, request: Request<HelloRequest>) -> Self::Future {
                        let inner = Arc::clone(&self.0);
                        Box::pin(async move { inner.say_hello(request).await })
                    }
                }
                Box::pin(async move { Ok(tonic::server::Grpc::new(codec()).unary(Unary(inner), request).await) })
            }
            "/helloworld.Greeter/SayHellos" => {
                struct ServerStreaming<G>(Arc<G>);
                impl<G: Greeter> tonic::server::ServerStreamingService<HelloRequest> for ServerStreaming<G> {
                    type Response = HelloReply;
                    type ResponseStream = ReplyStream;
                    type Future = BoxFuture<Response<ReplyStream>, Status>;
                    fn call(&mut self, request: Request<HelloRequest>) -> Self::Future {
                        let inner = Arc::clone(&self.0);
                        Box::pin(async move { inner.say_hellos(request).await })
                    }
                }
                Box::pin(async move {
                    Ok(tonic::server::Grpc::new(codec()).server_streaming(ServerStreaming(inner), request).await)
                })
            }
            "/helloworld.Greeter/CollectHellos" => {
                struct ClientStreaming<G>(Arc<G>);
                impl<G: Greeter> tonic::server::ClientStreamingService<HelloRequest> for ClientStreaming<G> {
                    type Response = HelloReply;
                    type Future = BoxFuture<Response<HelloReply>, Status>;
                    fn call(&mut self, request: Request<Streaming<HelloRequest>>) -> Self::Future {
                        let inner = Arc::clone(&self.0);
                        Box::pin(async move { inner.collect_hellos(request).await })
                    }
                }
                Box::pin(async move {
                    Ok(tonic::server::Grpc::new(codec()).client_streaming(ClientStreaming(inner), request).await)
                })
            }
            "/helloworld.Greeter/Chat" => {
                struct Bidi<G>(Arc<G>);
                impl<G: Greeter> tonic::server::StreamingService<HelloRequest> for Bidi<G> {
                    type Response = HelloReply;
                    type ResponseStream = ReplyStream;
                    type Future = BoxFuture<Response<ReplyStream>, Status>;
                    fn call(&mut self, request: Request<Streaming<HelloRequest>>) -> Self::Future {
                        let inner = Arc::clone(&self.0);
                        Box::pin(async move { inner.chat(request).await })
                    }
                }
                Box::pin(async move { Ok(tonic::server::Grpc::new(codec()).streaming(Bidi(inner), request).await) })
            }
            _ => Box::pin(async move {
                let mut response = http::Response::new(tonic::body::Body::default());
                let headers = response.headers_mut();
                headers.insert("grpc-status", http::HeaderValue::from(tonic::Code::Unimplemented as i32));
                headers.insert("content-type", http::HeaderValue::from_static("application/grpc"));
                Ok(response)
            }),
        }
    }
}

impl<G> tonic::server::NamedService for GreeterServer<G> {
    const NAME: &'static str = "helloworld.Greeter";
}

/// A client (cheap to clone: the clones share its channel).
#[derive(Clone)]
pub struct GreeterClient<T> {
    inner: tonic::client::Grpc<T>,
}

impl<T> GreeterClient<T>
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<StdError>,
    T::ResponseBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    <T::ResponseBody as http_body::Body>::Error: Into<StdError> + Send,
{
    pub fn new(channel: T) -> Self {
        GreeterClient { inner: tonic::client::Grpc::new(channel) }
    }

    async fn ready(&mut self) -> Result<(), Status> {
        self.inner.ready().await.map_err(|e| Status::unknown(format!("service not ready: {}", e.into())))
    }

    fn codec() -> tonic_prost::ProstCodec<HelloRequest, HelloReply> {
        tonic_prost::ProstCodec::default()
    }

    pub async fn say_hello(
        &mut self,
        request: impl tonic::IntoRequest<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        self.ready().await?;
        let path = http::uri::PathAndQuery::from_static("/helloworld.Greeter/SayHello");
        self.inner.unary(request.into_request(), path, Self::codec()).await
    }

    pub async fn say_hellos(
        &mut self,
        request: impl tonic::IntoRequest<HelloRequest>,
    ) -> Result<Response<Streaming<HelloReply>>, Status> {
        self.ready().await?;
        let path = http::uri::PathAndQuery::from_static("/helloworld.Greeter/SayHellos");
        self.inner.server_streaming(request.into_request(), path, Self::codec()).await
    }

    pub async fn collect_hellos(
        &mut self,
        request: impl tonic::IntoStreamingRequest<Message = HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        self.ready().await?;
        let path = http::uri::PathAndQuery::from_static("/helloworld.Greeter/CollectHellos");
        self.inner.client_streaming(request.into_streaming_request(), path, Self::codec()).await
    }

    pub async fn chat(
        &mut self,
        request: impl tonic::IntoStreamingRequest<Message = HelloRequest>,
    ) -> Result<Response<Streaming<HelloReply>>, Status> {
        self.ready().await?;
        let path = http::uri::PathAndQuery::from_static("/helloworld.Greeter/Chat");
        self.inner.streaming(request.into_streaming_request(), path, Self::codec()).await
    }
}
