//! `cargo fc build`: a static `x86_64-unknown-linux-musl` release build with the
//! size-tuned settings, packaged as Function Compute takes it: `bootstrap` (mode 0755) and
//! `code.zip` with `bootstrap` at its root; with `--container`, a `Dockerfile` too.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, bail};
use clap::Args;

use crate::project::{self, Project};
use crate::{ManifestArgs, ui};

/// The target Function Compute runs.
pub(crate) const MUSL: &str = "x86_64-unknown-linux-musl";

/// What makes a release build small and keeps panics catchable, set for the build whatever
/// the crate's own profile says.
const TUNED: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_LTO", "true"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
    ("CARGO_PROFILE_RELEASE_STRIP", "true"),
    ("CARGO_PROFILE_RELEASE_PANIC", "unwind"),
];

#[derive(Args)]
pub(crate) struct BuildArgs {
    /// The binary to build, when the package has several.
    #[arg(long, value_name = "NAME")]
    bin: Option<String>,
    /// Also write a Dockerfile (FROM scratch, the binary, the port) for a custom container.
    #[arg(long)]
    container: bool,
    #[command(flatten)]
    manifest: ManifestArgs,
}

pub(crate) fn run(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(args.manifest.manifest_path.as_deref(), "build")?;
    let bin = project.bin(args.bin.as_deref(), "build")?;
    check_target()?;
    let build = project::build(
        &project,
        &bin,
        &["--release", "--target", MUSL],
        TUNED,
        &format!("`{bin}` for {MUSL} (release: lto, one codegen unit, stripped)"),
    )?;
    if !build.success {
        eprint!("{}", build.output);
        bail!(explain_failure(&build.output));
    }
    let Some(executable) = build.executable else {
        bail!("`cargo fc build`: cargo built `{bin}` but named no executable for it");
    };
    let out = project.target_dir.join("fc").join(&bin);
    let written = write_package(&executable, &out, args.container)?;
    for path in written {
        let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        ui::status("Wrote", &format!("{}: {}", path.display(), ui::megabytes(size)));
    }
    Ok(ExitCode::SUCCESS)
}

/// Fails when the musl target's standard library is not installed (when rustup manages
/// the toolchain; otherwise the build says so).
fn check_target() -> anyhow::Result<()> {
    let Ok(output) = Command::new("rustup").args(["target", "list", "--installed"]).output() else {
        return Ok(());
    };
    if output.status.success() && !String::from_utf8_lossy(&output.stdout).lines().any(|l| l.trim() == MUSL) {
        bail!(missing_target());
    }
    Ok(())
}

fn missing_target() -> String {
    format!("`cargo fc build`: the {MUSL} target is not installed: run `rustup target add {MUSL}` (once)")
}

/// What a failed build's output says went wrong, and what to do.
fn explain_failure(output: &str) -> String {
    if output.contains("can't find crate for `core`") || output.contains("can't find crate for `std`") {
        return missing_target();
    }
    let needs_c =
        ["x86_64-linux-musl-gcc", "musl-gcc", "failed to find tool", "error occurred in cc-rs", "ToolNotFound"];
    if needs_c.iter().any(|sign| output.contains(sign)) {
        let culprit = output
            .lines()
            .find_map(|line| line.split("failed to run custom build command for `").nth(1))
            .and_then(|rest| rest.split('`').next())
            .map_or_else(|| "a dependency".to_owned(), |name| format!("`{name}`"));
        let crate_name = culprit.trim_matches('`').split(' ').next().unwrap_or("NAME").to_owned();
        return format!(
            "`cargo fc build`: {culprit} compiles C code, and there is no C compiler for {MUSL} \
             (`x86_64-linux-musl-gcc`): replace it with a pure-Rust crate (see what pulls it in with \
             `cargo tree -i {crate_name} --target {MUSL}`; for TLS, rustls instead of openssl), \
             or install a musl C toolchain (Debian: `apt-get install musl-tools`)"
        );
    }
    "`cargo fc build`: the build failed (the compiler's messages are above)".to_owned()
}

/// Writes `bootstrap`, `code.zip` and (for a container) `Dockerfile` into `out`.
fn write_package(executable: &Path, out: &Path, container: bool) -> anyhow::Result<Vec<PathBuf>> {
    fs::create_dir_all(out).with_context(|| format!("could not create {}", out.display()))?;
    let bootstrap = out.join("bootstrap");
    let binary = fs::read(executable).with_context(|| format!("could not read {}", executable.display()))?;
    fs::write(&bootstrap, &binary).with_context(|| format!("could not write {}", bootstrap.display()))?;
    fs::set_permissions(&bootstrap, fs::Permissions::from_mode(0o755))?;

    let archive = out.join("code.zip");
    let file = fs::File::create(&archive).with_context(|| format!("could not write {}", archive.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options)?;
    zip.write_all(&binary)?;
    zip.finish()?;

    let mut written = vec![bootstrap, archive];
    if container {
        let dockerfile = out.join("Dockerfile");
        fs::write(&dockerfile, DOCKERFILE).with_context(|| format!("could not write {}", dockerfile.display()))?;
        written.push(dockerfile);
    }
    Ok(written)
}

/// A custom container of the static binary alone. Build it in `target/fc/<name>/`.
const DOCKERFILE: &str = "\
# A Function Compute custom container: the static binary alone.
# Build it here: docker build -t <registry>/<namespace>/<name>:<tag> .
# (A function that calls HTTPS endpoints with the system's CA certificates needs them
# copied in too; with rustls and webpki-roots it does not.)
FROM scratch
COPY bootstrap /bootstrap
ENV FC_CUSTOM_LISTEN_PORT=9000
EXPOSE 9000
ENTRYPOINT [\"/bootstrap\"]
";
