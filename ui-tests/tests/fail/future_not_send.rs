use std::rc::Rc;

#[fc::handler]
async fn handler() -> u32 {
    let shared = Rc::new(1);
    tokio::task::yield_now().await;
    *shared
}

fn main() {}
