#[fc::handler]
struct Handler;

fn main() {
    let _ = Handler;
}
