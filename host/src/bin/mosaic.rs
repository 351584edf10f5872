//! The `mosaic` command line (see `mosaic_host::cli`).
//!
//! Errors are one line on stderr, `error: ...`, exit code 1; command-line
//! usage errors exit 2. A value that parses badly (a number, a lane) is bad
//! input, exit 1, like any other refused value.

use clap::error::ErrorKind;
use clap::Parser;
use mosaic_host::cli::{run, Cli};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                let _ = e.print();
                return ExitCode::from(2);
            }
            // clap's first line is the message; the rest is usage advice.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("error: bad command line");
            eprintln!("{first}");
            let code = if matches!(e.kind(), ErrorKind::ValueValidation | ErrorKind::InvalidValue) { 1 } else { 2 };
            return ExitCode::from(code);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let r = run(&cli, &mut out);
    let _ = out.flush();
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed stdout (`mosaic regs | head`) is not an error worth reporting.
            if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) {
                return ExitCode::SUCCESS;
            }
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}
