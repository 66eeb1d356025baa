struct Refused;

type Answer<T> = Result<T, Refused>;

#[fc::handler]
async fn handler() -> Answer<u32> {
    Ok(1)
}

fn main() {}
