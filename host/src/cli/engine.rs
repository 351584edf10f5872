//! The simulator behind a virtual board (`--engine`), shared by `mosaic sim`
//! and `mosaic demo`: Verilator when it is installed (the board top's Verilog
//! compiled once and cached under target/verilator/), rust-hdl otherwise.

use mosaic_sim::virtual_board::{BoardOptions, Engine, Image, VirtualBoard};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// `--engine` values.
#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EngineArg {
    /// Verilator on the generated Verilog (fast; compiled on first use, then cached).
    Verilator,
    /// rust-hdl's own simulator (no build step; ~100x slower).
    RustHdl,
}

/// The engine to run: the one asked for, else the best available. A note
/// goes to stderr when Verilator is missing and rust-hdl is used instead.
pub fn choose(arg: Option<EngineArg>) -> anyhow::Result<Engine> {
    match arg {
        Some(EngineArg::RustHdl) => Ok(Engine::RustHdl),
        Some(EngineArg::Verilator) => {
            mosaic_gateware::toolchain::require_tool("verilator")
                .map_err(|e| anyhow::anyhow!("--engine verilator: {e}"))?;
            Ok(Engine::Verilator)
        }
        None => {
            let e = Engine::best_available();
            if e == Engine::RustHdl {
                eprintln!("note: verilator not found: the virtual board runs in rust-hdl's simulator (~100x slower; `bash .ci/setup.sh` installs verilator)");
            }
            Ok(e)
        }
    }
}

/// Starts a virtual board; on a terminal, shows the time a first Verilator
/// build takes (minutes; later starts find the model in the cache).
pub fn spawn(image: Image, mut opts: BoardOptions, engine: Engine) -> anyhow::Result<VirtualBoard> {
    opts.engine = engine;
    let spinner = (engine == Engine::Verilator && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        pb.set_message("virtual board: Verilator model (built once per gateware, then cached)");
        pb.enable_steady_tick(Duration::from_millis(200));
        pb
    });
    let t = Instant::now();
    let b = VirtualBoard::spawn_image(image, opts).map_err(|e| anyhow::anyhow!("cannot start the virtual board: {e}"));
    if let Some(pb) = spinner {
        pb.finish_and_clear();
        if t.elapsed() > Duration::from_secs(2) {
            eprintln!(
                "virtual board: Verilator model ready in {:.0} s (cached for the next start)",
                t.elapsed().as_secs_f64()
            );
        }
    }
    b
}
