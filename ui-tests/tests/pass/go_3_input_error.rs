// Go: func (In) error
#[derive(serde::Deserialize)]
struct Order {
    quantity: u32,
}

#[fc::handler]
fn handler(order: Order) -> Result<(), std::io::Error> {
    if order.quantity == 0 {
        return Err(std::io::Error::other("nothing ordered"));
    }
    Ok(())
}

fn main() {
    assert_eq!(fc_ui_tests::invoke(r#"{"quantity": 2}"#).ok(), "");
    assert_eq!(fc_ui_tests::invoke(r#"{"quantity": 0}"#).error("io::Error"), "nothing ordered");
    assert!(fc_ui_tests::invoke(r#"{"quantity": "x"}"#).error("DeserializeError").contains("`quantity`"));
}
