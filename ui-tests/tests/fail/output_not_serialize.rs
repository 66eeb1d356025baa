struct Receipt {
    total: u64,
}

#[fc::handler]
fn handler() -> Result<Receipt, std::io::Error> {
    Ok(Receipt { total: 1 })
}

fn main() {}
