//! Programs written with the attributes, over real HTTP (the examples use them too; see
//! the other test files): what happens when an attribute is on two functions.

use std::process::Command;

const DUPLICATES: &str = env!("CARGO_BIN_EXE_duplicate-handlers");

#[test]
fn an_attribute_on_two_functions_stops_the_program_at_startup_naming_both() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = Command::new(DUPLICATES).env("FC_SERVER_PORT", port.to_string()).output().unwrap();
    assert!(!output.status.success(), "it started");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = "fc: `#[fc::handler]` is on 2 functions, `first` at tests/bins/duplicate_handlers.rs:5 and \
         `second` at tests/bins/duplicate_handlers.rs:8; a program has at most one; \
         `#[fc::pre_stop]` is on 2 functions, `stop_one` at tests/bins/duplicate_handlers.rs:13 and \
         `stop_two` at tests/bins/duplicate_handlers.rs:16; a program has at most one";
    assert!(stdout.contains(&format!(" - [ERROR] {expected}\n")), "{stdout}");
    assert!(stderr.contains(expected), "{stderr}");
    // It never listened.
    assert!(!stdout.contains("FunctionCompute rust runtime inited."), "{stdout}");
}
