struct Service;

impl Service {
    #[fc::handler]
    fn handle(&self, _input: String) {}
}

fn main() {}
