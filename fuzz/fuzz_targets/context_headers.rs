//! `fc::Context::from_headers` and every accessor, on arbitrary request headers.
//!
//! Checks that nothing panics, that the accessors agree with the headers they read, and
//! that the `Debug` output never shows the access key secret or the security token.

#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

/// The headers the context reads (and a few it does not).
const KNOWN: &[&str] = &[
    "x-fc-request-id",
    "x-fc-access-key-id",
    "x-fc-access-key-secret",
    "x-fc-security-token",
    "x-fc-function-name",
    "x-fc-function-handler",
    "x-fc-function-memory",
    "x-fc-function-timeout",
    "x-fc-function-initializer",
    "x-fc-initialization-timeout",
    "x-fc-instance-lifecycle-pre-freeze-handler",
    "x-fc-instance-lifecycle-pre-stop-handler",
    "x-fc-service-name",
    "x-fc-service-logproject",
    "x-fc-service-logstore",
    "x-fc-qualifier",
    "x-fc-version-id",
    "x-fc-region",
    "x-fc-account-id",
    "x-fc-retry-count",
    "x-fc-tracing-opentracing-span-context",
    "x-fc-tracing-opentracing-span-baggages",
    "x-fc-tracing-jaeger-endpoint",
    "x-fc-control-path",
    "authorization",
    "content-type",
];

const SECRET_HEADERS: &[&str] = &["x-fc-access-key-secret", "x-fc-security-token"];

#[derive(Arbitrary, Debug)]
enum Name {
    Known(u8),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Value {
    Raw(Vec<u8>),
    /// A number-like value, for the numeric headers.
    Number(f64),
    Integer(i64),
    /// A base64-encoded JSON object, for the baggage header.
    Baggage(Vec<(String, String)>),
    /// Raw bytes base64-encoded (possibly not JSON).
    Base64(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    headers: Vec<(Name, Value)>,
}

fn name_of(name: &Name) -> Option<HeaderName> {
    match name {
        Name::Known(i) => Some(HeaderName::from_static(KNOWN[*i as usize % KNOWN.len()])),
        Name::Raw(bytes) => HeaderName::from_bytes(bytes).ok(),
    }
}

fn value_of(value: &Value) -> Option<HeaderValue> {
    let bytes = match value {
        Value::Raw(bytes) => bytes.clone(),
        Value::Number(n) => n.to_string().into_bytes(),
        Value::Integer(n) => n.to_string().into_bytes(),
        Value::Baggage(pairs) => {
            let map: serde_json::Map<String, serde_json::Value> =
                pairs.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
            let json = serde_json::to_vec(&map).unwrap();
            base64::engine::general_purpose::STANDARD.encode(json).into_bytes()
        }
        Value::Base64(bytes) => base64::engine::general_purpose::STANDARD.encode(bytes).into_bytes(),
    };
    HeaderValue::from_bytes(&bytes).ok()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// What the context should read for `name`: the first value, when it is UTF-8.
fn first_str<'a>(map: &'a HeaderMap, name: &str) -> Option<&'a str> {
    map.get(name).and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

fn seconds(value: Option<&str>) -> Option<Duration> {
    let secs: f64 = value?.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0 && secs < 1e9).then(|| Duration::from_secs_f64(secs))
}

fuzz_target!(|input: Input| {
    let mut map = HeaderMap::new();
    for (name, value) in &input.headers {
        if let (Some(name), Some(value)) = (name_of(name), value_of(value)) {
            map.append(name, value);
        }
    }

    let ctx = fc::Context::from_headers(map.clone());
    assert_eq!(ctx.kind(), fc::CallKind::Invoke);

    // Every accessor; none may panic.
    let request_id = ctx.request_id();
    assert_eq!(request_id, first_str(&map, "x-fc-request-id").unwrap_or(""));
    let credentials = ctx.credentials();
    if let Some(secret) = first_str(&map, "x-fc-access-key-secret") {
        assert_eq!(credentials.access_key_secret(), Some(secret));
    }
    if let Some(token) = first_str(&map, "x-fc-security-token") {
        assert_eq!(credentials.security_token(), Some(token));
    }
    if let Some(id) = first_str(&map, "x-fc-access-key-id") {
        assert_eq!(credentials.access_key_id(), Some(id));
    }
    let _ = format!("{credentials:?}");
    let _ = ctx.function_name();
    let _ = ctx.function_handler();
    if let Some(mb) = first_str(&map, "x-fc-function-memory").and_then(|v| v.trim().parse::<u32>().ok()) {
        assert_eq!(ctx.function_memory_mb(), Some(mb));
    }
    let timeout = ctx.function_timeout();
    assert_eq!(timeout, seconds(first_str(&map, "x-fc-function-timeout")));
    let init_timeout = ctx.initialization_timeout();
    assert_eq!(init_timeout, seconds(first_str(&map, "x-fc-initialization-timeout")));
    assert_eq!(ctx.initializer(), first_str(&map, "x-fc-function-initializer"));
    assert_eq!(ctx.pre_freeze_handler(), first_str(&map, "x-fc-instance-lifecycle-pre-freeze-handler"));
    assert_eq!(ctx.pre_stop_handler(), first_str(&map, "x-fc-instance-lifecycle-pre-stop-handler"));
    assert_eq!(ctx.service_name(), first_str(&map, "x-fc-service-name"));
    assert_eq!(ctx.log_project(), first_str(&map, "x-fc-service-logproject"));
    assert_eq!(ctx.log_store(), first_str(&map, "x-fc-service-logstore"));
    assert_eq!(ctx.qualifier(), first_str(&map, "x-fc-qualifier"));
    assert_eq!(ctx.version_id(), first_str(&map, "x-fc-version-id"));
    let _ = ctx.region();
    let _ = ctx.account_id();
    assert_eq!(
        ctx.retry_count(),
        first_str(&map, "x-fc-retry-count").and_then(|v| v.trim().parse::<u32>().ok())
    );
    let _ = ctx.instance_id();
    let _ = ctx.code_path();
    assert_eq!(ctx.span_context(), first_str(&map, "x-fc-tracing-opentracing-span-context"));
    let baggage = ctx.baggage();
    assert!(std::ptr::eq(baggage, ctx.baggage()), "baggage is decoded once");
    assert_eq!(ctx.jaeger_endpoint(), first_str(&map, "x-fc-tracing-jaeger-endpoint"));
    let deadline = ctx.deadline();
    assert_eq!(deadline.is_some(), timeout.is_some());
    if let Some(remaining) = ctx.remaining_time() {
        assert!(remaining <= timeout.unwrap());
    }
    for (name, _) in &input.headers {
        if let Name::Raw(bytes) = name {
            if let Ok(name) = std::str::from_utf8(bytes) {
                let _ = ctx.header(name);
            }
        }
    }
    assert_eq!(ctx.headers().len(), map.len());
    let _ = ctx.clone();

    let debug = format!("{ctx:?}");

    // The same headers with every secret replaced: a secret found in this output comes
    // from the other headers (or the formatting itself), not from a leak.
    let mut scrubbed = map.clone();
    for name in SECRET_HEADERS {
        if let http::header::Entry::Occupied(mut entry) = scrubbed.entry(*name) {
            for value in entry.iter_mut() {
                *value = HeaderValue::from_static("x");
            }
        }
    }
    let reference = format!("{:?}", fc::Context::from_headers(scrubbed));

    for secret_name in SECRET_HEADERS {
        for secret in map.get_all(*secret_name) {
            let secret = secret.as_bytes();
            if secret.len() < 8 || contains(reference.as_bytes(), secret) {
                continue;
            }
            let elsewhere = map.iter().any(|(name, value)| {
                contains(name.as_str().as_bytes(), secret)
                    || (!SECRET_HEADERS.contains(&name.as_str()) && contains(value.as_bytes(), secret))
            });
            if elsewhere {
                continue;
            }
            assert!(
                !contains(debug.as_bytes(), secret),
                "the Debug output shows the value of {secret_name}: {debug}"
            );
        }
    }
});
