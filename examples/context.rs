//! `context`: a sync handler (it runs on the blocking pool) that answers with everything its `Context` holds, as JSON.
//! Input `{"panic": "message"}` makes it panic with that message, `{"sleep_ms": N}` makes
//! it block its thread for N ms first. It logs its context's `Debug` on every call.

use std::collections::BTreeMap;

use fc::Context;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
struct Input {
    panic: Option<String>,
    /// Blocks the handler's thread this long first.
    sleep_ms: Option<u64>,
}

#[derive(Serialize)]
struct Report {
    request_id: String,
    access_key_id: Option<String>,
    has_access_key_secret: bool,
    has_security_token: bool,
    function_name: Option<String>,
    function_handler: Option<String>,
    function_memory_mb: Option<u32>,
    function_timeout_ms: Option<u128>,
    initializer: Option<String>,
    initialization_timeout_ms: Option<u128>,
    service_name: Option<String>,
    log_project: Option<String>,
    log_store: Option<String>,
    qualifier: Option<String>,
    version_id: Option<String>,
    region: Option<String>,
    account_id: Option<String>,
    retry_count: Option<u32>,
    instance_id: Option<String>,
    span_context: Option<String>,
    baggage: BTreeMap<String, String>,
    jaeger_endpoint: Option<String>,
    pre_freeze_handler: Option<String>,
    pre_stop_handler: Option<String>,
    remaining_time_ms: Option<u128>,
    debug: String,
}

#[fc::handler]
fn report(ctx: &Context, input: Option<Input>) -> Report {
    let input = input.unwrap_or_default();
    log::info!("context: {ctx:?}");
    if let Some(ms) = input.sleep_ms {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    if let Some(message) = input.panic {
        panic!("{message}");
    }
    let owned = |v: Option<&str>| v.map(str::to_owned);
    let credentials = ctx.credentials();
    Report {
        request_id: ctx.request_id().to_owned(),
        access_key_id: owned(credentials.access_key_id()),
        has_access_key_secret: credentials.access_key_secret().is_some(),
        has_security_token: credentials.security_token().is_some(),
        function_name: owned(ctx.function_name()),
        function_handler: owned(ctx.function_handler()),
        function_memory_mb: ctx.function_memory_mb(),
        function_timeout_ms: ctx.function_timeout().map(|d| d.as_millis()),
        initializer: owned(ctx.initializer()),
        initialization_timeout_ms: ctx.initialization_timeout().map(|d| d.as_millis()),
        service_name: owned(ctx.service_name()),
        log_project: owned(ctx.log_project()),
        log_store: owned(ctx.log_store()),
        qualifier: owned(ctx.qualifier()),
        version_id: owned(ctx.version_id()),
        region: owned(ctx.region()),
        account_id: owned(ctx.account_id()),
        retry_count: ctx.retry_count(),
        instance_id: owned(ctx.instance_id()),
        span_context: owned(ctx.span_context()),
        baggage: ctx.baggage().clone().into_iter().collect(),
        jaeger_endpoint: owned(ctx.jaeger_endpoint()),
        pre_freeze_handler: owned(ctx.pre_freeze_handler()),
        pre_stop_handler: owned(ctx.pre_stop_handler()),
        remaining_time_ms: ctx.remaining_time().map(|d| d.as_millis()),
        debug: format!("{ctx:?}"),
    }
}

fn main() -> std::io::Result<()> {
    fc::run()
}
