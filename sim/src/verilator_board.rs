//! The virtual board's Verilator engine: the board top's generated Verilog
//! compiled by Verilator (once, cached under `target/verilator/` by the
//! hash of its text) with a main that simulates the host's serial line
//! itself (`verilator_uart_main.cpp`), run as a child process. The Rust side
//! sends the bytes the host wrote and asks for batches of clocks; the model
//! answers with the bytes the board sent. rust-hdl's simulator runs a 16 + 2
//! board at ~1.5k clocks/s; the same board in Verilator runs ~100x faster.

use crate::verilator::{BuildOptions, VerilatorModel};
use mosaic_gateware::toolchain::ToolError;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The C++ main for a top with `lanes` physical lanes at `divisor` clocks
/// per UART bit; `loop_pins` wires each TX lane to its RX lane (a cable).
pub fn uart_main(lanes: usize, divisor: u32, loop_pins: bool) -> String {
    let mut pins = String::new();
    if loop_pins {
        // Verilator spells rust-hdl's `tx_lines$3` as `tx_lines__0243`.
        for k in 0..lanes {
            writeln!(pins, "    top->rx_lines__024{k} = top->tx_lines__024{k};").unwrap();
        }
    }
    let main = include_str!("verilator_uart_main.cpp")
        .replace("@DIVISOR@", &divisor.to_string())
        .replace("@LOOP_PINS@", &pins);
    format!("{}{main}", crate::verilator::COMMON_CPP)
}

/// How a board model is compiled: the per-clock C++ at `-O2` instead of
/// Verilator's `-Os`. A virtual board is built once and then runs for as
/// long as it is used, so the slower compile pays: at 16 + 2 the model runs
/// 30-40% more clocks per CPU second (board_bench, README). The options are
/// part of the cache key, beside the Verilog and the main.
pub const BOARD_BUILD: BuildOptions = BuildOptions { opt_fast: Some("-O2"), output_split: None };

/// Builds (or finds in the cache) the model of a board top.
pub fn build(
    name: &str,
    verilog: &str,
    lanes: usize,
    divisor: u32,
    loop_pins: bool,
) -> Result<VerilatorModel, ToolError> {
    VerilatorModel::build_main(name, verilog, BOARD_BUILD, &uart_main(lanes, divisor, loop_pins))
}

/// A running board model.
pub struct BoardProcess {
    child: Child,
    /// Shared with [BoardProcess::feeder]'s writer, which may queue host
    /// bytes while a batch runs (the model polls its stdin during a batch).
    stdin: Arc<Mutex<ChildStdin>>,
    stdout: BufReader<ChildStdout>,
    cycles: u64,
    busy: bool,
    line: String,
}

impl BoardProcess {
    /// Starts `model` (reset, then waiting for the first batch).
    pub fn spawn(model: &VerilatorModel) -> std::io::Result<BoardProcess> {
        let mut child = Command::new(&model.exe).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Ok(BoardProcess {
            child,
            stdin: Arc::new(Mutex::new(stdin)),
            stdout,
            cycles: 0,
            busy: false,
            line: String::new(),
        })
    }

    /// Queues bytes for the board's UART input.
    pub fn push(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        push_bytes(&self.stdin, bytes)
    }

    /// A writer of host bytes that works while a batch runs (from another
    /// thread): the model takes them at its next look at stdin.
    pub fn feeder(&self) -> impl FnMut(&[u8]) -> std::io::Result<()> + Send + 'static {
        let stdin = self.stdin.clone();
        move |bytes| push_bytes(&stdin, bytes)
    }

    /// Runs up to `n` clocks; bytes the board sent are appended to `out`.
    /// The batch ends early once a reply is complete (the main's QUIET).
    pub fn run(&mut self, n: u32, out: &mut Vec<u8>) -> Result<(), String> {
        let gone = |e: std::io::Error| format!("the Verilator model stopped: {e}");
        {
            let mut stdin = self.stdin.lock().unwrap_or_else(|p| p.into_inner());
            writeln!(stdin, "R {n}").and_then(|_| stdin.flush()).map_err(gone)?;
        }
        self.line.clear();
        self.stdout.read_line(&mut self.line).map_err(gone)?;
        let f: Vec<&str> = self.line.split_whitespace().collect();
        let bad = || format!("the Verilator model answered {:?}", self.line.trim());
        if f.len() != 4 || f[0] != "O" {
            return Err(bad());
        }
        self.cycles = f[1].parse().map_err(|_| bad())?;
        self.busy = f[2] == "1";
        if f[3] != "-" {
            let hex = f[3].as_bytes();
            for pair in hex.chunks(2) {
                let s = std::str::from_utf8(pair).map_err(|_| bad())?;
                out.push(u8::from_str_radix(s, 16).map_err(|_| bad())?);
            }
        }
        Ok(())
    }

    /// A byte is on either line (after the last batch).
    pub fn busy(&self) -> bool {
        self.busy
    }

    /// Clocks simulated, reset included.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }
}

impl Drop for BoardProcess {
    fn drop(&mut self) {
        let mut stdin = self.stdin.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(stdin, "Q");
        let _ = stdin.flush();
        drop(stdin);
        let _ = self.child.wait();
    }
}

/// Writes `bytes` to the model as one "B" line (one write, so that lines
/// from two threads never interleave).
fn push_bytes(stdin: &Mutex<ChildStdin>, bytes: &[u8]) -> std::io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    let mut msg = String::with_capacity(3 + 2 * bytes.len());
    msg.push_str("B ");
    for b in bytes {
        write!(msg, "{b:02x}").unwrap();
    }
    msg.push('\n');
    let mut stdin = stdin.lock().unwrap_or_else(|p| p.into_inner());
    stdin.write_all(msg.as_bytes())?;
    stdin.flush()
}
