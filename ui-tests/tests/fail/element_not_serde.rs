struct Order {
    _id: u64,
}

struct Receipt;

#[fc::handler]
async fn handler(_orders: Vec<Order>) -> Option<Receipt> {
    None
}

fn main() {}
