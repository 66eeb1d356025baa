// Vec, Option and map inputs and outputs, each checked by its element.
use std::collections::{BTreeMap, HashMap};

#[fc::handler]
async fn handler(counts: HashMap<String, u32>) -> BTreeMap<String, Option<Vec<u32>>> {
    counts.into_iter().map(|(name, n)| (name, (n > 0).then(|| vec![n; 2]))).collect()
}

fn main() {
    assert_eq!(fc_ui_tests::invoke(r#"{"a": 1, "b": 0}"#).ok(), r#"{"a":[1,1],"b":null}"#);
}
