struct Orders;

impl Orders {
    #[fc::handler]
    async fn handler(order_id: u64) -> u64 {
        order_id
    }
}

fn main() {}
