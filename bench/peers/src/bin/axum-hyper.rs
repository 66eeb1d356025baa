//! `axum-hyper`: the `http` example's router (the very function, compiled in) served on
//! bare hyper, as a user would serve it without fc: an HTTP/1.1 connection per accepted
//! socket, keep-alive, upgrades on, the router as hyper's service. The benchmark compares
//! the `http` example against it.

#[allow(dead_code)]
#[path = "../../../../examples/http.rs"]
mod example;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use fc_bench_peers::Logged;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let app = example::app();
    let listener = TcpListener::bind(("0.0.0.0", fc_bench_peers::port())).await?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => continue,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(Logged(app.clone()));
        tokio::spawn(async move {
            let connection = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service);
            let _ = connection.with_upgrades().await;
        });
    }
}
