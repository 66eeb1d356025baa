//! `fc-context`: an async handler that reads every accessor of its `Context` (the
//! credentials, the function's and the service's names, the timeouts, the tracing
//! headers and baggage, the remaining time) and answers how many of them were present.
//! Compared with `hello` sent the same headers, it shows what a full context read costs.

use fc::Context;

#[fc::handler]
async fn read_all(ctx: &Context) -> usize {
    let credentials = ctx.credentials();
    let strings = [
        Some(ctx.request_id()).filter(|id| !id.is_empty()),
        credentials.access_key_id(),
        credentials.access_key_secret(),
        credentials.security_token(),
        ctx.function_name(),
        ctx.function_handler(),
        ctx.initializer(),
        ctx.service_name(),
        ctx.log_project(),
        ctx.log_store(),
        ctx.qualifier(),
        ctx.version_id(),
        ctx.region(),
        ctx.account_id(),
        ctx.instance_id(),
        ctx.code_path(),
        ctx.span_context(),
        ctx.jaeger_endpoint(),
        ctx.pre_freeze_handler(),
        ctx.pre_stop_handler(),
    ];
    let numbers = [ctx.function_memory_mb(), ctx.retry_count()];
    let durations = [ctx.function_timeout(), ctx.initialization_timeout(), ctx.remaining_time()];
    strings.iter().flatten().count()
        + numbers.iter().flatten().count()
        + durations.iter().flatten().count()
        + ctx.baggage().len()
}

fn main() -> std::io::Result<()> {
    fc::run()
}
