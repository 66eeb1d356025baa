//! The crate `cargo fc` works on: its binaries and target directory (from `cargo
//! metadata`), and cargo builds of it, their progress shown and their failures explained.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

use crate::ui;

/// A crate's package, as far as `cargo fc` needs it.
pub(crate) struct Project {
    /// The package's directory.
    pub(crate) root: PathBuf,
    /// Where cargo builds.
    pub(crate) target_dir: PathBuf,
    /// Its binaries.
    pub(crate) bins: Vec<String>,
    /// `Cargo.toml`.
    pub(crate) manifest: PathBuf,
}

impl Project {
    /// The package of `manifest` (else of the current directory), read with `cargo metadata`.
    pub(crate) fn load(manifest: Option<&Path>, command: &str) -> anyhow::Result<Project> {
        let mut cargo = Command::new(cargo());
        cargo.args(["metadata", "--format-version", "1", "--no-deps"]);
        if let Some(manifest) = manifest {
            cargo.arg("--manifest-path").arg(manifest);
        }
        let output = cargo.output().context("could not run `cargo metadata`")?;
        if !output.status.success() {
            bail!(
                "`cargo fc {command}` needs a Rust crate: `cargo metadata` says: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let metadata: serde_json::Value =
            serde_json::from_slice(&output.stdout).context("`cargo metadata` wrote no JSON")?;
        let target_dir = PathBuf::from(metadata["target_directory"].as_str().unwrap_or("target"));
        let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
        let here = match manifest {
            Some(manifest) => manifest.canonicalize().ok(),
            None => std::env::current_dir().ok().map(|dir| dir.join("Cargo.toml")),
        };
        let package = packages
            .iter()
            .find(|p| p["manifest_path"].as_str().map(PathBuf::from) == here)
            .or(if packages.len() == 1 { packages.first() } else { None });
        let Some(package) = package else {
            bail!("`cargo fc {command}`: run it in the function's package directory (or say `--manifest-path`)");
        };
        let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap_or("Cargo.toml"));
        let bins = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "bin")))
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect();
        Ok(Project { root: manifest.parent().unwrap_or(Path::new(".")).to_path_buf(), target_dir, bins, manifest })
    }

    /// The binary to work on: `bin`, else the package's only one.
    pub(crate) fn bin(&self, bin: Option<&str>, command: &str) -> anyhow::Result<String> {
        let list = || self.bins.iter().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ");
        match bin {
            Some(bin) if self.bins.iter().any(|b| b == bin) => Ok(bin.to_owned()),
            Some(bin) => {
                bail!("`cargo fc {command} --bin {bin}`: the package has no binary `{bin}` (it has {})", list())
            }
            None => match self.bins.as_slice() {
                [one] => Ok(one.clone()),
                [] => bail!("`cargo fc {command}`: the package has no binary: a function is a program (`src/main.rs`)"),
                _ => bail!(
                    "`cargo fc {command}`: the package has several binaries ({}): say which with `--bin NAME`",
                    list()
                ),
            },
        }
    }
}

/// The `cargo` that runs us (`$CARGO`), else `cargo`.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// What a cargo build produced, or why it failed.
pub(crate) struct Build {
    /// The built executable of the binary asked for.
    pub(crate) executable: Option<PathBuf>,
    pub(crate) success: bool,
    /// The compiler's messages, rendered, and cargo's own output.
    pub(crate) output: String,
}

/// Runs `cargo build` with `args` (and `env`) for the package of `project`, showing its
/// progress, and finds the executable of `bin`.
pub(crate) fn build(
    project: &Project,
    bin: &str,
    args: &[&str],
    env: &[(&str, &str)],
    what: &str,
) -> anyhow::Result<Build> {
    let spinner = ui::Spinner::new("Building", what);
    let mut cargo = Command::new(cargo());
    cargo
        .arg("build")
        .arg("--manifest-path")
        .arg(&project.manifest)
        .args(["--bin", bin, "--message-format=json-diagnostic-rendered-ansi"])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cargo.spawn().context("could not run `cargo build`")?;
    let stderr = child.stderr.take().expect("piped");
    // cargo's own lines (Compiling …, errors of build scripts) arrive on stderr.
    let stderr_lines =
        std::thread::spawn(move || BufReader::new(stderr).lines().map_while(Result::ok).collect::<Vec<String>>());
    let mut executable = None;
    let mut output = String::new();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines().map_while(Result::ok) {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                if let Some(name) = message["target"]["name"].as_str() {
                    spinner.set(name);
                }
                if message["target"]["name"] == bin
                    && let Some(path) = message["executable"].as_str()
                {
                    executable = Some(PathBuf::from(path));
                }
            }
            Some("compiler-message") => {
                if let Some(rendered) = message["message"]["rendered"].as_str() {
                    output.push_str(rendered);
                }
            }
            _ => {}
        }
    }
    let status = child.wait().context("`cargo build` did not finish")?;
    for line in stderr_lines.join().unwrap_or_default() {
        output.push_str(&line);
        output.push('\n');
    }
    spinner.finish();
    Ok(Build { executable, success: status.success(), output })
}
