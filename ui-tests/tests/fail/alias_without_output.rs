type Result = std::result::Result<String, std::io::Error>;

#[fc::handler]
fn handler() -> Result {
    Ok(String::new())
}

fn main() {}
