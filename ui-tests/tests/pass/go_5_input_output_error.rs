// Go: func (In) (Out, error)
#[derive(serde::Deserialize)]
struct Sum {
    a: i64,
    b: i64,
}

#[fc::handler]
fn handler(sum: Sum) -> Result<i64, fc::Error> {
    sum.a.checked_add(sum.b).ok_or_else(|| fc::Error::new("Overflow", "the sum does not fit"))
}

fn main() {
    assert_eq!(fc_ui_tests::invoke(r#"{"a": 1, "b": 2}"#).ok(), "3");
    let overflow = format!(r#"{{"a": {}, "b": 1}}"#, i64::MAX);
    assert_eq!(fc_ui_tests::invoke(&overflow).error("Overflow"), "the sum does not fit");
}
