type HandlerResult = Result<String, std::io::Error>;

#[fc::handler]
fn handler() -> HandlerResult {
    Ok(String::new())
}

fn main() {}
