// The glue compiles under strict lints and with user items named like std's.
#![forbid(unused_variables, non_snake_case, unsafe_code)]
#![deny(warnings, unused_qualifications, unreachable_pub)]

#[allow(dead_code)]
struct Ok;
#[allow(dead_code)]
struct Box;
#[allow(dead_code)]
mod core {}

#[allow(dead_code)]
fn __fc_call() {}

mod nested {
    #[fc::handler]
    pub(crate) fn handler(ctx: &fc::Context, n: u8) -> Result<u8, std::num::TryFromIntError> {
        let _ = ctx;
        u8::try_from(u16::from(n) * 2)
    }
}

fn main() {
    assert_eq!(fc_ui_tests::invoke("21").ok(), "42");
    assert_eq!(fc_ui_tests::invoke("200").error("TryFromIntError"), "out of range integral type conversion attempted");
    let _ = nested::handler;
}
