struct Order {
    id: u64,
}

#[fc::handler]
async fn handler(_ctx: &fc::Context, _order: Order) {}

fn main() {}
