//! The external tools, in one place: finding a tool (with how to install
//! it when it is missing), running it with its output logged to a file and
//! a one-line summary of its first error on failure, the Verilator warning
//! waivers, and the parsers of what yosys and nextpnr report.
//!
//! Every runner of the workspace goes through here: the lint and synthesis
//! checks ([crate::verilog]), the Verilator and Icarus simulators (mosaic-sim)
//! and the board flow (`mosaic build`, mosaic-host).
//!
//! | piece            | file          | used by                                |
//! |------------------|---------------|----------------------------------------|
//! | [find_tool]      | `lookup.rs`   | every runner; `--search-path` in tests |
//! | [run_logged]     | `run.rs`      | lint, synth, Verilator, Icarus, flow   |
//! | [first_error]    | `run.rs`      | the summary of a failed run            |
//! | [VERILATOR_WAIVERS] | here       | lint and the Verilator build           |
//! | [YosysStats]     | `yosys.rs`    | synth checks, `mosaic build`           |
//! | [PnrReport]      | `nextpnr.rs`  | `mosaic build`                         |
//!
//! `testdata/` holds real output of the installed tools (yosys 0.23,
//! Verilator 5.006, Icarus 11, nextpnr-ice40 0.4, g++ through Verilator's
//! makefile) on `testdata/counter_ram.v` and on small broken designs; the
//! tests below parse it, and the same designs are also run live.

mod lookup;
mod nextpnr;
mod run;
mod yosys;

pub use lookup::{find_any, find_tool, install_hint, require_tool};
pub use nextpnr::{pnr_stage, PnrReport, Used};
pub use run::{first_error, run_logged};
pub use yosys::YosysStats;

use std::path::PathBuf;
use thiserror::Error;

/// A tool that is not installed, a failed run, or a file that could not be
/// written or read. Each message is one line: what is wrong, what to do.
#[derive(Debug, Error)]
pub enum ToolError {
    #[error("`{tool}` not found on PATH: install it with `{install}` (or run `bash .ci/setup.sh`)")]
    Missing { tool: String, install: String },
    #[error("{tool} failed: {summary} (full log: {})", log.display())]
    Failed { tool: String, summary: String, log: PathBuf },
    #[error("i/o error on {}: {err}", path.display())]
    Io { path: PathBuf, err: std::io::Error },
}

impl ToolError {
    /// An [ToolError::Io] on `path`, for `map_err`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ToolError {
        let path = path.into();
        move |err| ToolError::Io { path, err }
    }
}

/// Verilator warnings that rust-hdl's generator produces by construction
/// (unused stub bits, width-mismatched constants, combinational loops it
/// resolves itself, ...), waived for lint and the simulation build alike.
/// `-Wno-fatal` keeps any other warning a warning: only `%Error` fails.
pub const VERILATOR_WAIVERS: &[&str] = &[
    "-Wno-fatal",
    "-Wno-WIDTH",
    "-Wno-UNUSED",
    "-Wno-DECLFILENAME",
    "-Wno-UNDRIVEN",
    "-Wno-PINCONNECTEMPTY",
    "-Wno-CASEINCOMPLETE",
    "-Wno-MULTIDRIVEN",
    "-Wno-UNOPTFLAT",
    "-Wno-LATCH",
    "-Wno-CMPCONST",
    "-Wno-UNSIGNED",
];
