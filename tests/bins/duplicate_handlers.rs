//! Two `#[fc::handler]` functions and two pre-stop hooks in one program: it must refuse
//! to start, naming every one of them.

#[fc::handler]
fn first() {}

#[fc::handler]
async fn second() -> u32 {
    2
}

#[fc::pre_stop]
fn stop_one() {}

#[fc::pre_stop]
fn stop_two() {}

#[fc::pre_freeze]
fn freeze() {}

fn main() -> std::io::Result<()> {
    fc::run()
}
