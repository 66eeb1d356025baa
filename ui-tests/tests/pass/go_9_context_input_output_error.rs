// Go: func (Context, In) (Out, error)
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Words {
    text: String,
}

#[fc::handler]
async fn handler(_ctx: &fc::Context, words: Words) -> fc::Result<BTreeMap<String, usize>> {
    let mut counts = BTreeMap::new();
    for word in words.text.split_whitespace() {
        *counts.entry(word.to_owned()).or_default() += 1;
    }
    Ok(counts)
}

fn main() {
    assert_eq!(fc_ui_tests::invoke(r#"{"text": "a b a"}"#).ok(), r#"{"a":2,"b":1}"#);
}
