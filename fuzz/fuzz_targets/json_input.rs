//! The JSON input of event handlers, `fc::Json<T>` as a `FromInvocation` argument (what
//! the attribute's JSON inputs go through too), for several `T`.
//!
//! It must never panic; a failure must be a `DeserializeError` with a message; and it must
//! agree with `serde_json` itself (an empty or blank body reads as `null`).

#![no_main]

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde::de::DeserializeOwned;

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    name: String,
    count: Option<u32>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    attributes: HashMap<String, Untagged>,
    kind: Kind,
    #[serde(default)]
    ratio: Option<f64>,
    #[serde(default)]
    children: Vec<Event>,
    #[serde(default)]
    tagged: Option<Tagged>,
    #[serde(default)]
    untagged: Option<Untagged>,
    #[serde(flatten)]
    rest: BTreeMap<String, serde_json::Value>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Plain,
    Number(i64),
    Pair(u8, Option<String>),
    Nested { inner: Option<Box<Event>>, list: Vec<Option<i32>> },
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum Tagged {
    A { x: i8 },
    B { y: Vec<bool> },
    C,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Untagged {
    Int(i128),
    Text(String),
    List(Vec<Untagged>),
    Map(HashMap<String, Option<Untagged>>),
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Strict {
    id: u64,
    #[serde(default)]
    flags: Option<[bool; 3]>,
    #[serde(default)]
    unit: (),
}

fn is_blank(data: &[u8]) -> bool {
    data.iter().all(u8::is_ascii_whitespace)
}

/// Parses `body` as `T`, checks the failure's shape, and that the outcome agrees with
/// `serde_json`'s.
fn check<T: DeserializeOwned>(body: &Bytes) -> Option<T> {
    let parsed = <fc::Json<T> as fc::FromInvocation>::from_invocation(&fc::Context::default(), body).map(|fc::Json(v)| v);
    let direct: Result<T, _> = if is_blank(body) { serde_json::from_slice(b"null") } else { serde_json::from_slice(body) };
    match parsed {
        Ok(value) => {
            assert!(direct.is_ok(), "json_input accepted what serde_json rejects: {:?}", direct.err());
            Some(value)
        }
        Err(error) => {
            assert_eq!(error.error_type(), "DeserializeError");
            assert!(!error.message().is_empty());
            assert!(error.message().starts_with("invalid input"), "{}", error.message());
            assert!(direct.is_err(), "json_input rejected what serde_json accepts: {}", error.message());
            let json: serde_json::Value = serde_json::from_slice(&error.to_json()).unwrap();
            assert_eq!(json["errorType"], "DeserializeError");
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let body = Bytes::copy_from_slice(data);

    let value = check::<serde_json::Value>(&body);
    if let Some(value) = &value {
        let expected: serde_json::Value =
            if is_blank(data) { serde_json::Value::Null } else { serde_json::from_slice(data).unwrap() };
        assert_eq!(value, &expected);
    }
    let _ = check::<Event>(&body);
    let _ = check::<Strict>(&body);
    let _ = check::<Option<Event>>(&body);
    if let Some(text) = check::<String>(&body) {
        assert_eq!(Some(serde_json::Value::String(text)), value);
    }
    let _ = check::<Vec<u8>>(&body);
    if let Some(n) = check::<u64>(&body) {
        assert_eq!(value.as_ref().and_then(serde_json::Value::as_u64), Some(n));
    }
    let _ = check::<()>(&body);
    let _ = check::<Option<HashMap<String, Vec<Option<f64>>>>>(&body);
});
