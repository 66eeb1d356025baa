//! Every shape the attributes accept compiles and serves calls; every shape they reject
//! fails to compile with the message in the case's `.stderr`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/pass/*.rs");
    cases.compile_fail("tests/fail/*.rs");
}
