//! `tonic-server`: the `grpc` example's `Greeter` (the very service, compiled in) on
//! tonic's own server, as a user would serve it without fc. The benchmark compares the
//! `grpc` example against it.

#[allow(dead_code)]
#[path = "../../../../examples/grpc/src/main.rs"]
mod example;

fn port() -> u16 {
    ["FC_CUSTOM_LISTEN_PORT", "FC_SERVER_PORT"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
        .unwrap_or(9000)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .add_service(example::service())
        .serve(([0, 0, 0, 0], port()).into())
        .await?;
    Ok(())
}
