//! `cargo fc new NAME [--http]`: a function crate ready to build, test, run and deploy.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;

use crate::ui;

/// Where the runtime comes from when no `--fc-path` is given.
const RUNTIME_GIT: &str = "https://github.com/fc-rs/fc-rs";

#[derive(Args)]
pub(crate) struct NewArgs {
    /// The crate's name (and directory).
    name: String,
    /// An HTTP function (an axum app) rather than an event function.
    #[arg(long)]
    http: bool,
    /// Depend on a local checkout of fc-rs (its directory) rather than on its git repository.
    #[arg(long, value_name = "DIR")]
    fc_path: Option<PathBuf>,
}

pub(crate) fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    let name = args.name.trim_end_matches('/');
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphabetic());
    if !valid {
        bail!(
            "`cargo fc new {name}`: a function's name is a crate name: letters, digits, `-` and `_`, \
             starting with a letter"
        );
    }
    let dir = Path::new(name);
    if dir.exists() {
        bail!("`cargo fc new {name}`: `{}` already exists: choose another name, or remove it", dir.display());
    }
    let runtime = match &args.fc_path {
        Some(path) => {
            let runtime = path.join("fc-runtime");
            let runtime = runtime.canonicalize().with_context(|| {
                format!(
                    "`cargo fc new --fc-path {}`: no fc-runtime in it (a checkout of fc-rs has one)",
                    path.display()
                )
            })?;
            format!("path = {:?}", runtime.display().to_string())
        }
        None => format!("git = \"{RUNTIME_GIT}\""),
    };
    let files = if args.http { http_files(name, &runtime) } else { event_files(name, &runtime) };
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("could not create {}", parent.display()))?;
        }
        fs::write(&path, text).with_context(|| format!("could not write {}", path.display()))?;
    }
    let kind = if args.http { "HTTP function" } else { "event function" };
    ui::status("Created", &format!("{kind} `{name}`"));
    eprintln!(
        "\nNext:\n  cd {name}\n  cargo test                  the unit test, through the test kit\n  \
         cargo fc start              serve it on localhost:8000 as Function Compute would\n  \
         {}\n  cargo fc build              target/fc/{name}/code.zip\n  \
         s deploy                    with Serverless Devs (s.yaml)",
        if args.http { "curl localhost:8000/hello/fc" } else { "cargo fc invoke --data '{\"name\": \"fc\"}'" }
    );
    Ok(ExitCode::SUCCESS)
}

fn cargo_toml(name: &str, runtime: &str, http: bool) -> String {
    let http_deps = if http {
        "axum = { version = \"0.8\", default-features = false, features = [\"json\", \"tokio\", \"http1\", \"query\"] }\n"
    } else {
        ""
    };
    let dev_deps =
        if http { "\n[dev-dependencies]\ntokio = { version = \"1\", features = [\"macros\", \"rt\"] }\n" } else { "" };
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
fc = {{ package = "fc-runtime", {runtime} }}
{http_deps}log = "0.4"
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
{dev_deps}
# What `cargo fc build` uses (it sets these even if they are missing here): a small
# binary, and panics that the runtime can catch and report.
[profile.release]
lto = true
codegen-units = 1
strip = true
panic = "unwind"
"#
    )
}

const GITIGNORE: &str = "/target\n";

fn s_yaml(name: &str, http: bool) -> String {
    let triggers = if http {
        r#"      triggers:
        - triggerName: http
          triggerType: http
          triggerConfig:
            authType: anonymous
            methods: [GET, POST, PUT, DELETE, HEAD, PATCH]
"#
    } else {
        r#"      # Triggers: an OSS one, say (the handler then takes fc::events::oss::OssEvent).
      # triggers:
      #   - triggerName: uploads
      #     triggerType: oss
      #     triggerConfig:
      #       events: ["oss:ObjectCreated:*"]
      #       filter: {key: {prefix: "uploads/"}}
      #     sourceArn: acs:oss:${vars.region}:${config('AccountID')}:my-bucket
      #     invocationRole: acs:ram::${config('AccountID')}:role/aliyunosseventnotificationrole
"#
    };
    format!(
        r#"# Serverless Devs: `cargo fc build`, then `s deploy`.
edition: 3.0.0
name: {name}
access: default

vars:
  region: cn-hangzhou

resources:
  {name}:
    component: fc3
    props:
      region: ${{vars.region}}
      functionName: {name}
      description: {name}, in Rust with fc-rs
      runtime: custom.debian10
      code: ./target/fc/{name}/code.zip
      handler: index.handler
      memorySize: 128
      timeout: 60
      instanceConcurrency: 1
      customRuntimeConfig:
        command:
          - ./bootstrap
        port: 9000
      instanceLifecycleConfig:
        initializer:
          handler: index.initializer
          timeout: 30
        preStop:
          handler: index.preStop
          timeout: 10
{triggers}"#
    )
}

/// The lifecycle hooks both templates have (the ones `s.yaml` configures).
const HOOKS: &str = r#"/// Runs once per instance, before the first call.
#[fc::initializer]
async fn initializer() {
    log::info!("initializing");
}

/// Runs before the instance stops.
#[fc::pre_stop]
async fn pre_stop() {
    log::info!("stopping");
}
"#;

fn event_files(name: &str, runtime: &str) -> Vec<(&'static str, String)> {
    let main = format!(
        r##"//! `{name}`: a Function Compute event function.

use serde::{{Deserialize, Serialize}};

#[derive(Deserialize)]
struct Event {{
    name: String,
}}

#[derive(Serialize)]
struct Greeting {{
    message: String,
}}

/// `POST /invoke`: the event, parsed from JSON; the answer, written as JSON.
#[fc::handler]
async fn handler(ctx: &fc::Context, event: Event) -> fc::Result<Greeting> {{
    log::info!("greeting {{}} (function {{}})", event.name, ctx.function_name().unwrap_or("local"));
    Ok(Greeting {{ message: format!("hello, {{}}!", event.name) }})
}}

{HOOKS}
fn main() -> std::io::Result<()> {{
    fc::run()
}}

#[cfg(test)]
mod tests {{
    use fc::testing::TestFunction;

    #[test]
    fn greets_by_name() {{
        let ctx = fc::Context::builder().request_id("test-1").function_name("{name}").build();
        let answer = TestFunction::handler().call_blocking(&ctx, r#"{{"name": "fc"}}"#);
        assert_eq!(answer.json::<serde_json::Value>()["message"], "hello, fc!");
    }}

    #[test]
    fn a_bad_event_is_a_clear_error() {{
        let answer = TestFunction::handler().call_blocking(&fc::Context::default(), r#"{{"nom": "fc"}}"#);
        assert_eq!(answer.error().unwrap().error_type(), "DeserializeError");
    }}
}}
"##
    );
    vec![
        ("Cargo.toml", cargo_toml(name, runtime, false)),
        ("src/main.rs", main),
        ("s.yaml", s_yaml(name, false)),
        (".gitignore", GITIGNORE.to_owned()),
    ]
}

fn http_files(name: &str, runtime: &str) -> Vec<(&'static str, String)> {
    let main = format!(
        r##"//! `{name}`: a Function Compute HTTP function, an axum app.

use axum::extract::{{Extension, Path}};
use axum::routing::get;
use axum::{{Json, Router}};
use serde::Serialize;

#[derive(Serialize)]
struct Greeting {{
    message: String,
    request_id: String,
}}

fn app() -> Router {{
    Router::new().route("/", get(|| async {{ "hello from {name}" }})).route("/hello/{{name}}", get(hello))
}}

async fn hello(Extension(ctx): Extension<fc::Context>, Path(name): Path<String>) -> Json<Greeting> {{
    log::info!("greeting {{name}}");
    Json(Greeting {{ message: format!("hello, {{name}}!"), request_id: ctx.request_id().to_owned() }})
}}

{HOOKS}
fn main() -> std::io::Result<()> {{
    fc::Runtime::new().http(app()).run()
}}

#[cfg(test)]
mod tests {{
    use super::app;

    #[tokio::test]
    async fn greets_by_name() {{
        let ctx = fc::Context::builder().request_id("test-1").build();
        let request = axum::http::Request::get("/hello/fc").body(fc::http::Body::empty()).unwrap();
        let response = fc::testing::call_http(app(), &ctx, request).await;
        assert_eq!(response.status(), 200);
        let greeting: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(greeting["message"], "hello, fc!");
        assert_eq!(greeting["request_id"], "test-1");
    }}
}}
"##
    );
    vec![
        ("Cargo.toml", cargo_toml(name, runtime, true)),
        ("src/main.rs", main),
        ("s.yaml", s_yaml(name, true)),
        (".gitignore", GITIGNORE.to_owned()),
    ]
}
