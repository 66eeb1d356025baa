//! FC 3.0 HTTP-trigger events and responses: `fc::http::HttpTriggerEvent` parsed from
//! arbitrary JSON, and events and responses built from arbitrary values, converted to and
//! from `http` types.
//!
//! No conversion may panic; a failed one says which part of the event is invalid; a
//! successful one keeps the method, path, query, headers and body (checked by converting back).

#![no_main]

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use fc::http::{Body, HttpTriggerEvent, HttpTriggerResponse};
use libfuzzer_sys::fuzz_target;

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "", "get", "M-SEARCH", "BAD METHOD"];
const PATHS: &[&str] = &["/", "", "/items/7", "items", "/a b", "/a?b=1", "/a#frag", "/%41", "//x", "/é", "*"];
const HEADERS: &[&str] = &["content-type", "X-Custom", "set-cookie", "host", "bad header", "", "x-a"];

/// Polls a future that does not wait on anything (the bodies here are held whole).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    for _ in 0..16 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("a conversion of a whole body did not complete");
}

fn pick(u: &mut Unstructured<'_>, known: &[&str]) -> arbitrary::Result<String> {
    if u.arbitrary()? { Ok(known[u.choose_index(known.len())?].to_owned()) } else { u.arbitrary() }
}

fn headers(u: &mut Unstructured<'_>) -> arbitrary::Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for _ in 0..u.int_in_range(0..=4)? {
        map.insert(pick(u, HEADERS)?, u.arbitrary()?);
    }
    Ok(map)
}

fn body(u: &mut Unstructured<'_>) -> arbitrary::Result<(String, bool)> {
    match u.int_in_range(0..=2)? {
        0 => Ok((u.arbitrary()?, false)),
        1 => Ok((base64::engine::general_purpose::STANDARD.encode(<Vec<u8>>::arbitrary(u)?), true)),
        _ => Ok((u.arbitrary()?, true)),
    }
}

fn event(u: &mut Unstructured<'_>) -> arbitrary::Result<HttpTriggerEvent> {
    let mut event = HttpTriggerEvent::default();
    event.version = "v1".to_owned();
    event.raw_path = pick(u, PATHS)?;
    (event.body, event.is_base64_encoded) = body(u)?;
    event.headers = headers(u)?;
    for _ in 0..u.int_in_range(0..=3)? {
        event.query_parameters.insert(u.arbitrary()?, u.arbitrary()?);
    }
    event.request_context.http.method = pick(u, METHODS)?;
    event.request_context.http.path = pick(u, PATHS)?;
    Ok(event)
}

fn response(u: &mut Unstructured<'_>) -> arbitrary::Result<HttpTriggerResponse> {
    let mut response = HttpTriggerResponse::default();
    response.status_code = if u.arbitrary()? { u.int_in_range(100..=599)? } else { u.arbitrary()? };
    response.headers = headers(u)?;
    (response.body, response.is_base64_encoded) = body(u)?;
    Ok(response)
}

fn decoded(body: &str, base64: bool) -> Vec<u8> {
    if base64 { base64::engine::general_purpose::STANDARD.decode(body).unwrap() } else { body.as_bytes().to_vec() }
}

/// The headers as the `http` types keep them: names in lower case, repeated ones joined.
fn lowercased(headers: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        out.entry(name.to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    out
}

fn check_event(event: HttpTriggerEvent) {
    // Serialization round trip.
    let json = serde_json::to_vec(&event).unwrap();
    let again: HttpTriggerEvent = serde_json::from_slice(&json).unwrap();
    assert_eq!(again, event);

    let request = match http::Request::<bytes::Bytes>::try_from(event.clone()) {
        Ok(request) => request.map(Body::from),
        Err(error) => {
            assert!(!error.part().is_empty() && error.to_string().len() > error.part().len() + 2, "{error}");
            return;
        }
    };
    let method = if event.request_context.http.method.is_empty() { "GET" } else { &event.request_context.http.method };
    assert_eq!(request.method().as_str(), method);
    let path = if event.raw_path.is_empty() { &event.request_context.http.path } else { &event.raw_path };
    let path = if path.starts_with('/') { path.clone() } else { format!("/{path}") };
    // A `?` or `#` in the path starts the query or the fragment: the path alone is not kept.
    let plain = !path.contains(['?', '#']);
    if plain {
        assert_eq!(request.uri().path(), path);
    }
    assert_eq!(request.headers().keys_len(), lowercased(&event.headers).len());
    let body = decoded(&event.body, event.is_base64_encoded);

    let back = ready(HttpTriggerEvent::from_request(request)).expect("a whole body reads");
    assert_eq!(back.request_context.http.method, method);
    if plain {
        assert_eq!(back.raw_path, path);
        assert_eq!(back.query_parameters, event.query_parameters);
    }
    assert_eq!(back.headers, lowercased(&event.headers));
    assert_eq!(decoded(&back.body, back.is_base64_encoded), body);
    assert_eq!(back.is_base64_encoded, std::str::from_utf8(&body).is_err());
}

fn check_response(answer: HttpTriggerResponse) {
    let json = serde_json::to_vec(&answer).unwrap();
    let again: HttpTriggerResponse = serde_json::from_slice(&json).unwrap();
    assert_eq!(again, answer);

    let response = match http::Response::<bytes::Bytes>::try_from(answer.clone()) {
        Ok(response) => response.map(Body::from),
        Err(error) => {
            assert!(!error.part().is_empty() && error.to_string().len() > error.part().len() + 2, "{error}");
            return;
        }
    };
    assert!((100..=999).contains(&answer.status_code));
    assert_eq!(response.status().as_u16(), answer.status_code);
    let body = decoded(&answer.body, answer.is_base64_encoded);

    let back = ready(HttpTriggerResponse::from_response(response)).expect("a whole body reads");
    assert_eq!(back.status_code, answer.status_code);
    assert_eq!(back.headers, lowercased(&answer.headers));
    assert_eq!(decoded(&back.body, back.is_base64_encoded), body);
}

fuzz_target!(|data: &[u8]| {
    // The bytes as a JSON event (and as a JSON response).
    if let Ok(event) = serde_json::from_slice::<HttpTriggerEvent>(data) {
        check_event(event);
    }
    if let Ok(answer) = serde_json::from_slice::<HttpTriggerResponse>(data) {
        check_response(answer);
    }

    // The bytes as the values of an event and a response.
    let mut u = Unstructured::new(data);
    if let Ok(event) = event(&mut u) {
        check_event(event);
    }
    if let Ok(answer) = response(&mut u) {
        check_response(answer);
    }
});
