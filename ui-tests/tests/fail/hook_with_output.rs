#[fc::initializer]
fn init() -> Result<String, std::io::Error> {
    Ok(String::new())
}

#[fc::pre_freeze]
async fn freeze() -> u32 {
    0
}

fn main() {}
