//! The runtime's routing of a request, `fc::__private::route_name`, against a model.
//!
//! With an `x-fc-control-path` header, only its exact protocol values route anywhere but
//! `not-found`; without one, the four protocol paths route to themselves and every other
//! path goes to the HTTP function, if there is one.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "/invoke",
    "/initialize",
    "/pre-freeze",
    "/pre-stop",
    "/http-invoke",
    "/",
    "",
    "/invoke/",
    "/Invoke",
    "invoke",
    "/invoke ",
    "/invoke\0",
    "//invoke",
    "/initialize?x=1",
    "/pre_freeze",
    "/pre-stop/",
    "/http-invoke/x",
];

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Raw(String),
    /// A known value with arbitrary bytes around it.
    Around(u8, String, String),
}

impl Text {
    fn bytes(&self) -> Vec<u8> {
        self.text().into_bytes()
    }

    fn text(&self) -> String {
        match self {
            Text::Known(i) => PATHS[*i as usize % PATHS.len()].to_owned(),
            Text::Raw(s) => s.clone(),
            Text::Around(i, before, after) => format!("{before}{}{after}", PATHS[*i as usize % PATHS.len()]),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    control: Option<Text>,
    /// Raw control bytes (possibly not UTF-8), used instead of `control` when set.
    raw_control: Option<Vec<u8>>,
    path: Text,
    serves_http: bool,
}

fn protocol(target: &[u8]) -> Option<&'static str> {
    match target {
        b"/invoke" => Some("invoke"),
        b"/initialize" => Some("initialize"),
        b"/pre-freeze" => Some("pre-freeze"),
        b"/pre-stop" => Some("pre-stop"),
        _ => None,
    }
}

fuzz_target!(|input: Input| {
    let control = input.raw_control.clone().or_else(|| input.control.as_ref().map(Text::bytes));
    let path = input.path.text();
    let route = fc::__private::route_name(control.as_deref(), &path, input.serves_http);

    let expected = match &control {
        Some(control) => match protocol(control) {
            Some(name) => name,
            None if control.as_slice() == b"/http-invoke" => "http",
            None => "not-found",
        },
        None => match protocol(path.as_bytes()) {
            Some(name) => name,
            None if input.serves_http => "http",
            None => "not-found",
        },
    };
    assert_eq!(
        route, expected,
        "control {:?}, path {path:?}, serves_http {}",
        control.as_deref().map(String::from_utf8_lossy),
        input.serves_http
    );

    // With a control path, the request's own path and whether the program serves HTTP
    // do not matter.
    if let Some(control) = &control {
        assert_eq!(route, fc::__private::route_name(Some(control), "/invoke", !input.serves_http));
        assert_eq!(route, fc::__private::route_name(Some(control), "/elsewhere", input.serves_http));
    }
    // Only the exact protocol paths (and, with a control header, `/http-invoke`) are
    // anything but `http`/`not-found`.
    if !matches!(route, "http" | "not-found") {
        let target = control.as_deref().unwrap_or(path.as_bytes());
        assert_eq!(protocol(target), Some(route));
    }
});
