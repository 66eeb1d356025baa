//! What `cargo fc` writes for people: status lines in cargo's style, errors, and a spinner
//! on long steps. Colours and the spinner turn off when the output is not a terminal (and
//! colours with `NO_COLOR`).

use std::io::IsTerminal as _;
use std::time::Duration;

use anstream::eprintln;
use anstyle::{AnsiColor, Effects, Style};
use indicatif::{ProgressBar, ProgressStyle};

const GREEN: Style = AnsiColor::Green.on_default().effects(Effects::BOLD);
const CYAN: Style = AnsiColor::Cyan.on_default().effects(Effects::BOLD);
const RED: Style = AnsiColor::Red.on_default().effects(Effects::BOLD);
const YELLOW: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);

/// `clap`'s help in the same colours.
pub(crate) fn clap_styles() -> clap::builder::Styles {
    clap::builder::Styles::styled().header(GREEN).usage(GREEN).literal(CYAN).placeholder(AnsiColor::Cyan.on_default())
}

/// `    Verb message`, the verb right-aligned in green, on stderr.
pub(crate) fn status(verb: &str, message: &str) {
    eprintln!("{GREEN}{verb:>12}{GREEN:#} {message}");
}

/// `warning: message`, on stderr.
pub(crate) fn warn(message: &str) {
    eprintln!("{YELLOW}warning{YELLOW:#}: {message}");
}

/// `error: message`, on stderr.
pub(crate) fn error(message: &str) {
    eprintln!("{RED}error{RED:#}: {message}");
}

/// A bold red `label` for a line on stdout.
pub(crate) fn red(label: &str) -> String {
    format!("{RED}{label}{RED:#}")
}

/// A spinner with a message, on stderr when it is a terminal; otherwise the message is
/// written once as a status line.
pub(crate) struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub(crate) fn new(verb: &str, message: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            status(verb, message);
            return Spinner(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner:.green} {prefix:.green.bold} {wide_msg}").expect("a valid template"),
        );
        bar.set_prefix(verb.to_owned());
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner(Some(bar))
    }

    /// What the step is doing now (shown only on a terminal).
    pub(crate) fn set(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(message.to_owned());
        }
    }

    /// Ends the spinner.
    pub(crate) fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Bytes in MB (10⁶), as the benchmark writes sizes.
pub(crate) fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB ({bytes} bytes)", bytes as f64 / 1e6)
}
