//! A direct simulation harness: steps a rust-hdl block one clock at a time
//! without rust-hdl's threaded testbench (which is ~500x slower).
//!
//! Per [Harness::cycle]: the caller's closure sets inputs (`.next`), then
//! the clock goes low and the circuit settles, then high and it settles
//! again; outputs read after `cycle` returns are the values after that
//! rising edge. A circuit that does not settle is reported with the cycle
//! number (a combinational loop or oscillation).
//!
//! VCD: [Harness::with_vcd] writes `target/vcd/<name>.vcd`; `MOSAIC_VCD=1`
//! in the environment does it for every harness, naming the file
//! `<block type>-<pid>-<serial>.vcd`.
//! Without VCD a cycle allocates nothing, so the harness is fit for timing.
//!
//! ```text
//! let mut h = harness!(PrbsGen::new());
//! h.cycle(|u| u.enable.next = true);
//! let bit = h.uut.prbs_out.val();
//! ```

use rust_hdl::core::check_error::CheckError;
use rust_hdl::core::vcd_probe::VCDProbe;
use rust_hdl::prelude::*;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use thiserror::Error;

/// Settling iterations allowed per clock phase before giving up.
pub const MAX_SETTLE_ITERS: usize = 100;
/// VCD time per clock cycle, in ps (a nominal 100 MHz).
pub const VCD_CYCLE_PS: u64 = 10_000;

/// Why a harness could not run.
#[derive(Debug, Error)]
pub enum HarnessError {
    #[error("{block}: circuit failed to converge within {iters} iterations at cycle {cycle} (clock {edge}); look for a combinational loop or oscillation")]
    NoConvergence { block: &'static str, cycle: u64, edge: &'static str, iters: usize },
    #[error("{block}: rust-hdl check failed: {check:?}")]
    Check { block: &'static str, check: CheckError },
    #[error("cannot write VCD {path}: {err}")]
    Vcd { path: String, err: std::io::Error },
}

/// Accessor of a block's clock input (usually `|u| &mut u.clock`).
pub type ClockOf<B> = fn(&mut B) -> &mut Signal<In, Clock>;

/// Steps a block `B` clock by clock. `uut` is public: set inputs and read
/// outputs on it directly.
pub struct Harness<B: Block> {
    /// The unit under test.
    pub uut: B,
    clock_of: ClockOf<B>,
    cycles: u64,
    vcd: Option<VCDProbe<BufWriter<File>>>,
    vcd_path: Option<PathBuf>,
}

/// `harness!(block)` = `Harness::new(block, |u| &mut u.clock)`.
#[macro_export]
macro_rules! harness {
    ($uut:expr) => {
        $crate::harness::Harness::new($uut, |u| &mut u.clock)
    };
}

fn short_type_name<B>() -> &'static str {
    let full = std::any::type_name::<B>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Where VCD files go: `target/vcd/` (never the source tree).
pub fn vcd_dir() -> PathBuf {
    mosaic_gateware::verilog::target_dir().join("vcd")
}

impl<B: Block> Harness<B> {
    /// Connects and checks `uut` (panics with the rust-hdl check error if it
    /// fails), clock low. Honors `MOSAIC_VCD=1`.
    pub fn new(uut: B, clock_of: ClockOf<B>) -> Self {
        match Self::try_new(uut, clock_of) {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        }
    }

    /// As [Harness::new], returning errors.
    pub fn try_new(mut uut: B, clock_of: ClockOf<B>) -> Result<Self, HarnessError> {
        uut.connect_all();
        check_all(&uut).map_err(|check| HarnessError::Check { block: short_type_name::<B>(), check })?;
        Self::start(uut, clock_of)
    }

    /// Without rust-hdl's static checks (connectivity, logic loops): for a
    /// block they reject wrongly. Non-convergence is still reported per cycle.
    pub fn try_new_unchecked(mut uut: B, clock_of: ClockOf<B>) -> Result<Self, HarnessError> {
        uut.connect_all();
        Self::start(uut, clock_of)
    }

    fn start(mut uut: B, clock_of: ClockOf<B>) -> Result<Self, HarnessError> {
        clock_of(&mut uut).next = Clock { clk: false };
        let mut h = Self { uut, clock_of, cycles: 0, vcd: None, vcd_path: None };
        h.settle("initial")?;
        if std::env::var("MOSAIC_VCD").map(|v| v == "1").unwrap_or(false) {
            // Tests run in parallel: number the files so none is overwritten.
            static SERIAL: AtomicUsize = AtomicUsize::new(0);
            let n = SERIAL.fetch_add(1, Ordering::Relaxed);
            let name = format!("{}-{}-{n}", short_type_name::<B>().to_lowercase(), std::process::id());
            h = h.try_with_vcd(&name)?;
        }
        Ok(h)
    }

    /// Writes a VCD of every following cycle to `target/vcd/<name>.vcd`.
    pub fn with_vcd(self, name: &str) -> Self {
        match self.try_with_vcd(name) {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        }
    }

    /// As [Harness::with_vcd], returning errors.
    pub fn try_with_vcd(mut self, name: &str) -> Result<Self, HarnessError> {
        let dir = vcd_dir();
        let path = dir.join(format!("{name}.vcd"));
        let io = |err| HarnessError::Vcd { path: path.display().to_string(), err };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let file = File::create(&path).map_err(io)?;
        let mut probe = write_vcd_header(BufWriter::new(file), &self.uut);
        probe.timestamp(self.cycles * VCD_CYCLE_PS).map_err(io)?;
        self.vcd = Some(write_vcd_dump(probe, &self.uut));
        self.vcd_path = Some(path);
        Ok(self)
    }

    /// The VCD file being written, if any.
    pub fn vcd_path(&self) -> Option<&PathBuf> {
        self.vcd_path.as_ref()
    }

    /// Clock cycles run so far.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    fn settle(&mut self, edge: &'static str) -> Result<(), HarnessError> {
        if simulate(&mut self.uut, MAX_SETTLE_ITERS) {
            Ok(())
        } else {
            Err(HarnessError::NoConvergence {
                block: short_type_name::<B>(),
                cycle: self.cycles,
                edge,
                iters: MAX_SETTLE_ITERS,
            })
        }
    }

    fn record(&mut self, t: u64) {
        if let Some(mut probe) = self.vcd.take() {
            // A failed VCD write must not stop the simulation; it is a debug aid.
            let _ = probe.timestamp(t);
            self.vcd = Some(write_vcd_change(probe, &self.uut));
        }
    }

    /// One clock cycle, returning an error if the circuit does not settle.
    pub fn try_cycle(&mut self, set_inputs: impl FnOnce(&mut B)) -> Result<(), HarnessError> {
        set_inputs(&mut self.uut);
        (self.clock_of)(&mut self.uut).next = Clock { clk: false };
        self.settle("low")?;
        self.record(self.cycles * VCD_CYCLE_PS);
        (self.clock_of)(&mut self.uut).next = Clock { clk: true };
        self.settle("high")?;
        self.record(self.cycles * VCD_CYCLE_PS + VCD_CYCLE_PS / 2);
        self.cycles += 1;
        Ok(())
    }

    /// One clock cycle: `set_inputs` sets `.next` of inputs, then a full
    /// clock (low, settle, high, settle). Panics if the circuit does not settle.
    pub fn cycle(&mut self, set_inputs: impl FnOnce(&mut B)) {
        if let Err(e) = self.try_cycle(set_inputs) {
            panic!("{e}");
        }
    }

    /// `n` cycles, calling `set_inputs(uut, i)` before each (i = 0..n).
    pub fn run(&mut self, n: u64, mut set_inputs: impl FnMut(&mut B, u64)) {
        for i in 0..n {
            self.cycle(|u| set_inputs(u, i));
        }
    }

    /// The unit under test, consuming the harness (the VCD file is flushed
    /// and closed).
    pub fn into_inner(self) -> B {
        self.uut
    }
}
