//! `tonic-server`: the `grpc` example's `Greeter` (the very service, compiled in) on
//! tonic's own server, as a user would serve it without fc. The benchmark compares the
//! `grpc` example against it.

#[allow(dead_code)]
#[path = "../../../../examples/grpc/src/main.rs"]
mod example;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .layer(fc_bench_peers::CallLines)
        .add_service(example::service())
        .serve(([0, 0, 0, 0], fc_bench_peers::port()).into())
        .await?;
    Ok(())
}
