use std::collections::{BTreeMap, HashMap};

struct Order {
    _id: u64,
}

struct Receipt;

#[fc::handler]
async fn handler(_orders: Vec<Order>) -> Option<Receipt> {
    None
}

mod maps {
    #[fc::handler]
    async fn by_name(_orders: super::HashMap<String, super::Order>) -> super::BTreeMap<String, super::Receipt> {
        super::BTreeMap::new()
    }
}

fn main() {}
