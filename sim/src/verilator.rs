//! Verilator runner for the register-port cores: runs the generated Verilog
//! of the link core (or the BERT core) compiled to C++ by Verilator, driven
//! through its register port by a [Script], for link sizes the rust-hdl simulation is too slow for.
//!
//! The same [Script] runs in the rust-hdl direct harness ([run_rust]), so the
//! two simulators can be compared line for line on one scenario.
//!
//! A model is built once per Verilog text ([VerilatorModel::build]): the
//! directory `target/verilator/<name>-<hash>` is reused when the Verilog (and
//! the [BuildOptions]) have not changed. The C++ main reads the script from a
//! file, so one build runs any number of scripts. The build is two steps,
//! timed apart: Verilator turns the Verilog into C++ (single-threaded), then
//! make compiles the C++ (`-j` = available cores).
//!
//! Script ops are sequential (each starts after the previous one ends):
//! `Run(n)` idle clocks; `Write`/`Read` a register and wait for its ack (as
//! the UART bridge does); `Snapshot` pulses the snapshot input; `WaitLeds`
//! runs until an LED bit reaches a level; `Mark` reports the cycle count.

use crate::harness::Harness;
use crate::reg_ports::RegPorts;
use mosaic_gateware::toolchain::{require_tool, run_logged, ToolError, VERILATOR_WAIVERS};
use mosaic_gateware::verilog::{ports, target_dir};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Clocks a register access may take before it is an error.
const ACK_TIMEOUT: u64 = mosaic_gateware::control::bridge::REG_ACK_TIMEOUT;

/// One step of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `n` clocks with the register port idle.
    Run(u64),
    /// Register write; waits for the ack.
    Write { addr: u16, value: u32 },
    /// Register read; waits for the ack and records the value.
    Read { addr: u16 },
    /// Pulses `snapshot` for one clock, then one idle clock.
    Snapshot,
    /// Runs until `leds[bit] == level`, at most `max` clocks; records the
    /// clocks waited (or a timeout).
    WaitLeds { bit: u8, level: bool, max: u64 },
    /// Records the cycle count.
    Mark,
}

/// What an op that reports something reported, in script order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A read: its value, or Err(()) when the core flagged the address unmapped.
    Read { addr: u16, value: Result<u32, ()> },
    /// A wait: clocks waited, None on timeout.
    Wait(Option<u64>),
    /// A mark: cycles since the start of the script.
    Mark(u64),
}

/// A script and what it produced.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub events: Vec<Event>,
    /// Clocks simulated.
    pub cycles: u64,
    /// Wall time of the simulation alone (no build, no start-up).
    pub elapsed: Duration,
}

impl Outcome {
    /// Values of the reads, in order (unmapped reads panic: a script bug).
    pub fn reads(&self) -> Vec<u32> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Read { addr, value } => Some(value.unwrap_or_else(|_| panic!("read of {addr:#x}: unmapped"))),
                _ => None,
            })
            .collect()
    }
    /// Results of the waits, in order.
    pub fn waits(&self) -> Vec<Option<u64>> {
        self.events.iter().filter_map(|e| if let Event::Wait(w) = e { Some(*w) } else { None }).collect()
    }
    /// Cycle counts of the marks, in order.
    pub fn marks(&self) -> Vec<u64> {
        self.events.iter().filter_map(|e| if let Event::Mark(c) = e { Some(*c) } else { None }).collect()
    }
    /// Simulated clocks per wall second.
    pub fn clocks_per_sec(&self) -> f64 {
        self.cycles as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

pub(crate) fn script_text(ops: &[Op]) -> String {
    let mut s = String::new();
    for op in ops {
        let line = match op {
            Op::Run(n) => format!("N {n}"),
            Op::Write { addr, value } => format!("W {addr} {value}"),
            Op::Read { addr } => format!("R {addr}"),
            Op::Snapshot => "S".to_string(),
            Op::WaitLeds { bit, level, max } => format!("U {bit} {} {max}", *level as u8),
            Op::Mark => "M".to_string(),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// The C++ main: executes a script file (argv[1]) on the model, printing one
/// line per reported event and `E <cycles> <seconds>` at the end.
const MAIN_CPP: &str = include_str!("verilator_script_main.cpp");

/// What every main of this crate starts with: the model, its clock count, `tick`.
pub(crate) const COMMON_CPP: &str = include_str!("verilator_common.cpp");

/// The C++ main with the bridge's acknowledge timeout in it (a read held
/// for a snapshot round of 100 lanes takes ~200 clocks).
fn main_cpp() -> String {
    format!("{COMMON_CPP}{}", MAIN_CPP.replace("@ACK_TIMEOUT@", &ACK_TIMEOUT.to_string()))
}

/// How a model's C++ is produced and compiled. The default is Verilator's
/// own (`-O2` in Verilator, 20000 statements per .cpp file, C++ `-Os` for
/// the per-clock code): the fastest model, for links up to N = 100.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BuildOptions {
    /// C++ optimisation of the per-clock code (Verilator's `OPT_FAST`, e.g.
    /// "-O0"); None keeps Verilator's `-Os`.
    pub opt_fast: Option<&'static str>,
    /// Statements per .cpp file (`--output-split`); None keeps Verilator's
    /// 20000. Every file includes the model's class header, which is large
    /// for a large design, so fewer files parse it fewer times.
    pub output_split: Option<u32>,
}

impl BuildOptions {
    /// A quick C++ build for very large designs: no C++ optimisation of the
    /// per-clock code, few large files. The model runs slower; see link_bench's
    /// N = 400 section for the trade-off measured at N = 400.
    pub const QUICK: BuildOptions = BuildOptions { opt_fast: Some("-O0"), output_split: Some(400_000) };
}

/// A built Verilator model of one link core.
#[derive(Clone, Debug)]
pub struct VerilatorModel {
    pub dir: PathBuf,
    pub exe: PathBuf,
    /// Wall time of the build (zero when a previous build was reused):
    /// `verilate_time + compile_time`.
    pub build_time: Duration,
    /// Verilog to C++ (Verilator itself).
    pub verilate_time: Duration,
    /// C++ to the executable (make and the C++ compiler).
    pub compile_time: Duration,
    /// Size of the generated C++ (.cpp and .h files), bytes, and its file count.
    pub cpp_bytes: u64,
    pub cpp_files: usize,
}

/// Total size and number of the C++ sources and headers in `dir`.
fn cpp_size(dir: &Path) -> (u64, usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return (0, 0) };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "cpp" || x == "h"))
        .fold((0, 0), |(b, n), e| (b + e.metadata().map(|m| m.len()).unwrap_or(0), n + 1))
}

impl VerilatorModel {
    /// Builds (or reuses) the model of `verilog` (top module `top`, as
    /// `generate_verilog` writes it) under `target/verilator/<name>-<hash>`,
    /// with Verilator's default C++ build.
    /// Errors: verilator missing ([ToolError::Missing]), or a failed build.
    pub fn build(name: &str, verilog: &str) -> Result<VerilatorModel, ToolError> {
        Self::build_with(name, verilog, BuildOptions::default())
    }

    /// As [VerilatorModel::build], with the C++ build set by `opts`.
    pub fn build_with(name: &str, verilog: &str, opts: BuildOptions) -> Result<VerilatorModel, ToolError> {
        Self::build_main(name, verilog, opts, &main_cpp())
    }

    /// As [VerilatorModel::build_with], with `main` as the C++ main (the
    /// script executor by default; the virtual board has its own).
    pub fn build_main(name: &str, verilog: &str, opts: BuildOptions, main: &str) -> Result<VerilatorModel, ToolError> {
        require_tool("verilator")?;
        let mut hasher = DefaultHasher::new();
        verilog.hash(&mut hasher);
        main.hash(&mut hasher);
        // Default builds keep the hash (and directory) they always had.
        if opts != BuildOptions::default() {
            opts.hash(&mut hasher);
        }
        let base = target_dir().join("verilator");
        let dir = std::path::absolute(base.join(format!("{name}-{:016x}", hasher.finish())))
            .unwrap_or_else(|_| base.join(name));
        let obj = |d: &Path| d.join("obj");
        if obj(&dir).join("vtop").is_file() {
            let exe = obj(&dir).join("vtop");
            let (cpp_bytes, cpp_files) = cpp_size(&obj(&dir));
            return Ok(VerilatorModel {
                dir,
                exe,
                build_time: Duration::ZERO,
                verilate_time: Duration::ZERO,
                compile_time: Duration::ZERO,
                cpp_bytes,
                cpp_files,
            });
        }
        // Build in a private directory and rename it into place, so two
        // builds of the same model cannot clobber each other: two processes
        // (the pid), or two tests of one process (the counter).
        static BUILDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let build = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let final_dir = dir;
        let dir = final_dir.with_extension(format!("tmp-{}-{build}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(ToolError::io(&dir))?;
        for (file, text) in [("top.v", verilog), ("main.cpp", main)] {
            std::fs::write(dir.join(file), text).map_err(ToolError::io(dir.join(file)))?;
        }
        let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).to_string();
        let t = Instant::now();
        let mut verilate = Command::new("verilator");
        verilate.args(["--cc", "--exe", "-O2", "--top-module", "top"]).args(VERILATOR_WAIVERS);
        if let Some(n) = opts.output_split {
            verilate.args(["--output-split".to_string(), n.to_string()]);
        }
        if ports(verilog).iter().any(|p| p.name == "tx_stream$data") {
            // The link core's host stream: the main ties it off.
            verilate.args(["-CFLAGS", "-DMOSAIC_STREAM"]);
        }
        verilate.args(["--Mdir", "obj", "-o", "vtop", "top.v", "main.cpp"]);
        run_logged("verilator", &mut verilate, &dir, None, &mut |_| {})?;
        let verilate_time = t.elapsed();
        let (cpp_bytes, cpp_files) = cpp_size(&obj(&dir));
        // What `verilator --build -j N` runs.
        let t = Instant::now();
        let mut make = Command::new("make");
        make.args(["-C", "obj", "-f", "Vtop.mk", "-j", &jobs]);
        if let Some(o) = opts.opt_fast {
            make.arg(format!("OPT_FAST={o}"));
        }
        run_logged("make", &mut make, &dir, None, &mut |_| {})?;
        let compile_time = t.elapsed();
        if !obj(&dir).join("vtop").is_file() {
            let log = dir.join("make.log");
            return Err(ToolError::Failed { tool: "make".into(), summary: "no executable built".into(), log });
        }
        if !obj(&final_dir).join("vtop").is_file() {
            // A leftover without a model (an interrupted build): replace it.
            let _ = std::fs::remove_dir_all(&final_dir);
        }
        if std::fs::rename(&dir, &final_dir).is_err() {
            // Another process finished the same model first: use theirs.
            let _ = std::fs::remove_dir_all(&dir);
        }
        let exe = obj(&final_dir).join("vtop");
        if !exe.is_file() {
            let err = std::io::Error::new(std::io::ErrorKind::NotFound, "built model missing after rename");
            return Err(ToolError::Io { path: exe, err });
        }
        Ok(VerilatorModel {
            dir: final_dir,
            exe,
            build_time: verilate_time + compile_time,
            verilate_time,
            compile_time,
            cpp_bytes,
            cpp_files,
        })
    }

    /// Runs `ops` on a fresh instance of the model (reset for 3 clocks first,
    /// as [run_rust] does).
    pub fn run(&self, ops: &[Op]) -> Result<Outcome, ToolError> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let sfile = self.dir.join(format!("script-{}-{n}.txt", std::process::id()));
        std::fs::write(&sfile, script_text(ops)).map_err(ToolError::io(&sfile))?;
        let out = Command::new(&self.exe).arg(&sfile).output().map_err(ToolError::io(&self.exe))?;
        let _ = std::fs::remove_file(&sfile);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        // The model's own output is kept only when the run failed.
        let failed = |summary: String| {
            let log = sfile.with_extension("log");
            let _ = std::fs::write(&log, format!("{text}{}", String::from_utf8_lossy(&out.stderr)));
            ToolError::Failed { tool: "vtop".into(), summary, log }
        };
        if !out.status.success() {
            let why = text.lines().find(|l| l.starts_with('X')).unwrap_or("non-zero exit").to_string();
            return Err(failed(why));
        }
        parse_output(&text).map_err(failed)
    }
}

pub(crate) fn parse_output(text: &str) -> Result<Outcome, String> {
    let mut o = Outcome::default();
    let mut ended = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let num = |i: usize| -> Result<u64, String> {
            f.get(i).and_then(|s| s.parse().ok()).ok_or_else(|| format!("bad line `{line}`"))
        };
        match f.first().copied() {
            Some("R") => {
                let value = if num(3)? != 0 { Err(()) } else { Ok(num(2)? as u32) };
                o.events.push(Event::Read { addr: num(1)? as u16, value });
            }
            Some("U") => o.events.push(Event::Wait(if f.get(1) == Some(&"-") { None } else { Some(num(1)?) })),
            Some("M") => o.events.push(Event::Mark(num(1)?)),
            Some("E") => {
                o.cycles = num(1)?;
                let secs: f64 = f.get(2).and_then(|s| s.parse().ok()).ok_or_else(|| format!("bad line `{line}`"))?;
                o.elapsed = Duration::from_secs_f64(secs);
                ended = true;
            }
            _ => return Err(format!("unexpected output line `{line}`")),
        }
    }
    if ended {
        Ok(o)
    } else {
        Err("the model stopped before the end of the script".into())
    }
}

fn idle<C: RegPorts>(u: &mut C) {
    u.idle();
}

/// Runs `ops` on `core` in the rust-hdl direct harness, with the same reset
/// and register-port timing as the Verilator main. Panics (as the model
/// exits) on a write error or a missing ack.
pub fn run_rust<C: RegPorts>(core: C, ops: &[Op]) -> Outcome {
    let mut h = Harness::new(core, C::clock);
    h.cycle(|u| {
        idle(u);
        u.reset().next = true
    });
    h.cycle(|u| u.reset().next = true);
    h.cycle(idle);
    run_rust_on(&mut h, ops)
}

/// As [run_rust], on a harness already running (no reset).
pub fn run_rust_on<C: RegPorts>(h: &mut Harness<C>, ops: &[Op]) -> Outcome {
    let start = h.cycles();
    let t0 = Instant::now();
    let mut o = Outcome::default();
    for op in ops {
        match *op {
            Op::Run(n) => {
                for _ in 0..n {
                    h.cycle(idle);
                }
            }
            Op::Write { .. } | Op::Read { .. } => {
                let (addr, value, write) = match *op {
                    Op::Write { addr, value } => (addr, value, true),
                    Op::Read { addr } => (addr, 0, false),
                    _ => unreachable!(),
                };
                h.cycle(|u| {
                    idle(u);
                    u.reg_addr().next = (addr as u64).into();
                    u.reg_wdata().next = (value as u64).into();
                    if write {
                        u.reg_write().next = true;
                    } else {
                        u.reg_read().next = true;
                    }
                });
                let mut acked = false;
                for _ in 0..ACK_TIMEOUT {
                    let (ack, err, v) = h.uut.reg_reply();
                    if ack {
                        if write {
                            assert!(!err, "register write of {addr:#x} refused");
                        } else {
                            o.events.push(Event::Read { addr, value: if err { Err(()) } else { Ok(v) } });
                        }
                        h.cycle(idle);
                        acked = true;
                        break;
                    }
                    h.cycle(idle);
                }
                assert!(acked, "register access of {addr:#x}: no ack within {ACK_TIMEOUT} clocks");
            }
            Op::Snapshot => {
                h.cycle(|u| {
                    idle(u);
                    u.snapshot().next = true
                });
                h.cycle(idle);
            }
            Op::WaitLeds { bit, level, max } => {
                let s = h.cycles();
                let at = |h: &Harness<C>| h.uut.led_bits().get_bit(bit as usize) == level;
                while h.cycles() - s < max && !at(h) {
                    h.cycle(idle);
                }
                o.events.push(Event::Wait(at(h).then(|| h.cycles() - s)));
            }
            Op::Mark => o.events.push(Event::Mark(h.cycles() - start)),
        }
    }
    o.cycles = h.cycles() - start;
    o.elapsed = t0.elapsed();
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_and_output_round_trip() {
        let ops = [
            Op::Run(5),
            Op::Write { addr: 0x10, value: 5 },
            Op::Read { addr: 0x13 },
            Op::Snapshot,
            Op::WaitLeds { bit: 0, level: true, max: 99 },
            Op::Mark,
        ];
        assert_eq!(script_text(&ops), "N 5\nW 16 5\nR 19\nS\nU 0 1 99\nM\n");
        let o = parse_output("R 19 65537 0\nR 20 0 1\nU 42\nU -\nM 77\nE 100 0.5\n").unwrap();
        assert_eq!(
            o.events,
            vec![
                Event::Read { addr: 19, value: Ok(65537) },
                Event::Read { addr: 20, value: Err(()) },
                Event::Wait(Some(42)),
                Event::Wait(None),
                Event::Mark(77)
            ]
        );
        assert_eq!((o.cycles, o.elapsed), (100, Duration::from_millis(500)));
        assert!(parse_output("R 19 1 0\n").is_err(), "a truncated run must be an error");
    }
}
