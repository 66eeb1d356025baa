#[fc::pre_freeze]
fn freeze() -> Result<(), u32> {
    Ok(())
}

fn main() {}
