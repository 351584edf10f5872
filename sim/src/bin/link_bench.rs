//! Link core figures: line efficiency, time to link up, failover recovery
//! time, and simulation speed of the rust-hdl direct harness and of
//! Verilator, for N = 16 + 2 (default parameters) and N = 100 + 5; then N = 400 + 20 in
//! Verilator (generate, build, lock, carry traffic).
//!
//! `cargo run --release -p mosaic-sim --bin link_bench -- [--no-verilator] [--no-n400] [--n400-only] [--verilator-only] [--rust-clocks K]`
//!
//! Every figure comes from the core's own counters, read through its
//! register port by a [Script](mosaic_sim::verilator::Op) that runs the same
//! in both simulators:
//! - efficiency = delta RX_WORDS * 64 / (N * delta UPTIME_BLOCKS * 66), the
//!   payload bits delivered per line bit of the N data lanes, with the
//!   traffic generator saturating; compared with 64/66 * (M-1)/M;
//! - link up: block times from releasing the link reset (CTRL.link_reset)
//!   to LINK_STATUS.link_up, in loopback;
//! - recovery: block times from a data lane going stuck (EMU_CTRL) to the
//!   link up again through auto failover, after which frames flow again;
//! - speed: lane-bits/s = clocks/s * (N + S) / OSR.

use mosaic_gateware::control::regmap::RegMap;
use mosaic_gateware::link::core::{CoreConfig, LinkCore};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::verilog::verilog_of;
use mosaic_sim::verilator::{run_rust, BuildOptions, Op, Outcome, VerilatorModel};
use std::time::{Duration, Instant};

struct Regs(RegMap);
impl Regs {
    fn a(&self, name: &str, i: usize) -> u16 {
        self.0.get(name).unwrap_or_else(|| panic!("no register {name}")).addr_of(i).unwrap()
    }
    fn w(&self, name: &str, i: usize, value: u32) -> Op {
        Op::Write { addr: self.a(name, i), value }
    }
    fn r(&self, name: &str) -> Op {
        Op::Read { addr: self.a(name, 0) }
    }
}

/// Figures of the lock part of the scenario ([lock_ops]).
#[derive(Debug, PartialEq)]
struct Lock {
    /// Clocks from releasing the link reset to link up.
    up_clocks: u64,
    up_blocks: f64,
    efficiency: f64,
    /// Quantization bound of the efficiency (+-1 block in the window).
    efficiency_err: f64,
    /// Frames with a bad CRC or sequence / lost, at the end of the window.
    bad: u32,
    lost: u32,
}

/// Figures of the full scenario: lock, measure efficiency, kill a lane,
/// recover, check traffic.
#[derive(Debug, PartialEq)]
struct Figures {
    lock: Lock,
    recover_blocks: f64,
    good_after: u32,
    /// Totals after the recovery (frames hit by the dead lane).
    bad: u32,
    lost: u32,
    failovers: u32,
    reads: Vec<u32>,
}

/// Clocks allowed for the lock: 64 block times of block lock, up to 4 marker
/// periods of marker lock and hunt, 64 more of slack.
fn lock_max(p: &LinkParams) -> u64 {
    (64 + 4 * p.marker_period as u64 + 64) * 66 * p.osr as u64
}

/// The lock part of the scenario: link reset released in loopback with
/// auto failover and saturating traffic, wait for link up, then
/// `measure_blocks` block times of traffic between two snapshots. Reads
/// RX_WORDS, UPTIME_BLOCKS (twice), BAD_FRAMES, LOST_FRAMES; one wait.
fn lock_ops(p: &LinkParams, measure_blocks: u64) -> Vec<Op> {
    let r = Regs(RegMap::new(p));
    let bc = 66 * p.osr as u64;
    let ctrl = r.0.word("CTRL", &[("loopback", 1), ("traffic_enable", 1), ("auto_failover", 1)]);
    vec![
        r.w("CTRL", 0, ctrl | r.0.word("CTRL", &[("link_reset", 1)])),
        Op::Run(4),
        r.w("CTRL", 0, ctrl),
        Op::WaitLeds { bit: 0, level: true, max: lock_max(p) },
        Op::Run(4 * bc),
        Op::Snapshot,
        r.r("RX_WORDS"),
        r.r("UPTIME_BLOCKS"),
        Op::Run(measure_blocks * bc),
        Op::Snapshot,
        r.r("RX_WORDS"),
        r.r("UPTIME_BLOCKS"),
        r.r("BAD_FRAMES"),
        r.r("LOST_FRAMES"),
    ]
}

/// The scenario as a script: [lock_ops] with `measure_blocks` block times of
/// saturated traffic measured; lane `kill` dies afterwards.
fn scenario(p: &LinkParams, measure_blocks: u64, kill: usize) -> Vec<Op> {
    let r = Regs(RegMap::new(p));
    let bc = 66 * p.osr as u64;
    // Auto failover waits (2M + 160) block times after reset before it acts;
    // kill the lane after that, so the figure is the failover's own time.
    let holdoff = (2 * p.marker_period as u64 + 160) * bc;
    let mut ops = lock_ops(p, measure_blocks);
    ops.push(Op::Mark);
    // The lock took at least 64 block times.
    ops.push(Op::Run(holdoff.saturating_sub((64 + 4 + measure_blocks) * bc)));
    ops.extend([
        r.w("EMU_CTRL", kill, r.0.word("EMU_CTRL", &[("stuck", 1)])),
        Op::Mark,
        Op::WaitLeds { bit: 0, level: false, max: 40 * bc },
        Op::WaitLeds { bit: 0, level: true, max: lock_max(p) + holdoff },
        Op::Mark,
        Op::Snapshot,
        r.r("GOOD_FRAMES"),
        Op::Run(16 * bc),
        Op::Snapshot,
        r.r("GOOD_FRAMES"),
        r.r("BAD_FRAMES"),
        r.r("LOST_FRAMES"),
        r.r("FAILOVERS"),
    ]);
    ops
}

/// The figures of a script that starts with [lock_ops]; Err when the link
/// did not come up.
fn lock_figures(p: &LinkParams, o: &Outcome) -> Result<Lock, String> {
    let bc = 66.0 * p.osr as f64;
    let rd = o.reads();
    let w = o.waits();
    if rd.len() < 6 || w.is_empty() {
        return Err(format!("script shape: {} reads, {} waits", rd.len(), w.len()));
    }
    let up_clocks = w[0].ok_or_else(|| format!("link did not come up within {} clocks", lock_max(p)))?;
    let words = rd[2].wrapping_sub(rd[0]) as f64;
    let blocks = rd[3].wrapping_sub(rd[1]) as f64;
    let efficiency = words * 64.0 / (p.lanes as f64 * blocks * 66.0);
    // The two counters tick at different places (TX block strobe, RX words
    // in bursts of N per round), so each delta is good to +-1 block.
    let efficiency_err = efficiency * 1.0 / blocks;
    Ok(Lock { up_clocks, up_blocks: up_clocks as f64 / bc, efficiency, efficiency_err, bad: rd[4], lost: rd[5] })
}

fn figures(p: &LinkParams, o: &Outcome) -> Figures {
    let bc = 66.0 * p.osr as f64;
    let rd = o.reads();
    let w = o.waits();
    let m = o.marks();
    assert_eq!((rd.len(), w.len(), m.len()), (11, 3, 3), "script shape");
    let lock = lock_figures(p, o).unwrap_or_else(|e| panic!("{e}"));
    w[1].expect("the link never noticed the dead lane");
    w[2].expect("the link did not recover from the dead lane");
    let recover_blocks = (m[2] - m[1]) as f64 / bc;
    Figures {
        lock,
        recover_blocks,
        good_after: rd[7].wrapping_sub(rd[6]),
        bad: rd[8],
        lost: rd[9],
        failovers: rd[10],
        reads: rd,
    }
}

/// Prints the lock figures: link-up time, line efficiency and clean frames.
fn print_lock(label: &str, p: &LinkParams, f: &Lock) {
    let m = p.marker_period as f64;
    let theory = 64.0 / 66.0 * (m - 1.0) / m;
    println!("  [{label}] link up after reset: {:.1} block times ({} clocks)", f.up_blocks, f.up_clocks);
    println!(
        "  [{label}] line efficiency (N data lanes): {:.4} +- {:.4} = {:.2}% ; theory 64/66*(M-1)/M = {:.4} ; ratio {:.4} ; \
         802.3 64b/66b anchor 0.969: ratio {:.4}",
        f.efficiency,
        f.efficiency_err,
        100.0 * f.efficiency,
        theory,
        f.efficiency / theory,
        f.efficiency / 0.969
    );
    let phys = f.efficiency * p.lanes as f64 / p.physical_lanes() as f64;
    println!("  [{label}] counting the {} spares too: {:.4}", p.spares, phys);
    println!("  [{label}] after the measurement window: bad {} lost {} frames", f.bad, f.lost);
}

fn print_figures(label: &str, p: &LinkParams, f: &Figures) {
    print_lock(label, p, &f.lock);
    println!(
        "  [{label}] lane death -> traffic again (auto failover): {:.1} block times; failovers {}, \
         good frames in the next 16 blocks {}; bad {} lost {} frames (totals, hit by the dead lane)",
        f.recover_blocks, f.failovers, f.good_after, f.bad, f.lost
    );
    assert_eq!((f.lock.bad, f.lock.lost), (0, 0), "{label}: bad or lost frames on a clean link");
    assert!(f.failovers == 1 && f.good_after > 0, "{label}: no recovery through a spare");
}

/// Clocks/s of plain running with traffic (after the lock script's start).
fn speed_ops(p: &LinkParams, clocks: u64) -> Vec<Op> {
    let r = Regs(RegMap::new(p));
    vec![
        r.w("CTRL", 0, r.0.word("CTRL", &[("loopback", 1), ("traffic_enable", 1)])),
        Op::Mark,
        Op::Run(clocks),
        Op::Mark,
    ]
}

fn lane_bits_per_sec(p: &LinkParams, clocks_per_sec: f64) -> f64 {
    clocks_per_sec * p.physical_lanes() as f64 / p.osr as f64
}

fn rust_speed(p: &LinkParams, clocks: u64) -> f64 {
    let o = run_rust(LinkCore::new(&CoreConfig::new(*p)), &speed_ops(p, clocks));
    o.clocks_per_sec()
}

/// Generates the core's Verilog: its text and the generation time.
fn generate(p: &LinkParams) -> (String, Duration) {
    let t = Instant::now();
    let v = verilog_of(&mut LinkCore::new(&CoreConfig::new(*p)));
    (v, t.elapsed())
}

/// Generates and builds (or reuses) the Verilator model of the core at `p`,
/// printing the sizes and times.
fn build_with(name: &str, p: &LinkParams, opts: BuildOptions) -> Result<VerilatorModel, String> {
    let (v, gen) = generate(p);
    println!("  {name}: Verilog {:.1} MB generated in {:.1} s", v.len() as f64 / 1e6, gen.as_secs_f64());
    let m = VerilatorModel::build_with(name, &v, opts).map_err(|e| format!("verilator build of {name}: {e}"))?;
    if m.build_time.is_zero() {
        println!("  {name}: model reused from {}", m.dir.display());
    } else {
        println!(
            "  {name}: build {:.1} s = Verilog -> C++ {:.1} s ({:.1} MB of C++ in {} files) + C++ compile {:.1} s",
            m.build_time.as_secs_f64(),
            m.verilate_time.as_secs_f64(),
            m.cpp_bytes as f64 / 1e6,
            m.cpp_files,
            m.compile_time.as_secs_f64()
        );
    }
    Ok(m)
}

fn build(name: &str, p: &LinkParams) -> VerilatorModel {
    build_with(name, p, BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let verilator = !flag("--no-verilator");
    let n400 = verilator && !flag("--no-n400");
    // Verilator sections only (no rust-hdl figures or speeds; no comparison).
    let only_verilator = flag("--verilator-only");
    let rust_clocks: u64 = args
        .iter()
        .position(|a| a == "--rust-clocks")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse().expect("--rust-clocks K"))
        .unwrap_or(1500);

    let def = LinkParams::DEFAULT;
    let n100 = LinkParams { lanes: 100, spares: 5, osr: 2, marker_period: 16, deskew_depth: 2 };
    println!("link_bench: default {def:?}");
    if flag("--n400-only") {
        return finish_n400(run_n400());
    }

    // 1. Figures at default parameters, rust-hdl.
    let ops = scenario(&def, 2 * def.marker_period as u64, 3);
    let (o, fr, r16, r100) = if only_verilator {
        (Outcome::default(), None, f64::NAN, f64::NAN)
    } else {
        let (o, fr, r16, r100) = rust_figures(&def, &n100, &ops, rust_clocks);
        (o, Some(fr), r16, r100)
    };
    if !verilator {
        return;
    }

    // 3. The same scenario in Verilator: same reads, and speed.
    println!("== Verilator");
    let m16 = build("link_n16", &def);
    let ov = m16.run(&ops).unwrap_or_else(|e| panic!("{e}"));
    let fv = figures(&def, &ov);
    print_figures("verilator", &def, &fv);
    if let Some(fr) = &fr {
        println!(
            "  same script, same register reads in both simulators: {}",
            if fv.reads == fr.reads && ov.waits() == o.waits() { "yes" } else { "NO" }
        );
        if fv.reads != fr.reads {
            println!("    rust-hdl  {:?}\n    verilator {:?}", fr.reads, fv.reads);
        }
    }
    let v16 = m16.run(&speed_ops(&def, 2_000_000)).unwrap_or_else(|e| panic!("{e}")).clocks_per_sec();
    let m100 = build("link_n100", &n100);
    let v100 = m100.run(&speed_ops(&n100, 400_000)).unwrap_or_else(|e| panic!("{e}")).clocks_per_sec();
    let o100 = m100.run(&scenario(&n100, 16 * n100.marker_period as u64, 50)).unwrap_or_else(|e| panic!("{e}"));
    let f100 = figures(&n100, &o100);
    print_figures("verilator N=100", &n100, &f100);
    println!("== speed summary (lane-bits/s = clocks/s * (N+S) / OSR)");
    for (label, p, r, v) in [("N = 16 ", &def, r16, v16), ("N = 100", &n100, r100, v100)] {
        println!(
            "  {label}: rust-hdl {:.3e} lane-bits/s ({:.0} clocks/s), verilator {:.3e} lane-bits/s ({:.0} clocks/s), ratio {:.0}x",
            lane_bits_per_sec(p, r),
            r,
            lane_bits_per_sec(p, v),
            v,
            v / r
        );
    }
    println!(
        "  N=100 / N=16 lane-bits/s: rust-hdl {:.2}, verilator {:.2}",
        lane_bits_per_sec(&n100, r100) / lane_bits_per_sec(&def, r16),
        lane_bits_per_sec(&n100, v100) / lane_bits_per_sec(&def, v16)
    );

    if n400 {
        finish_n400(run_n400());
    }
}

/// N = 400 (MOSAIC's 20 x 20 array): the gatherer needs N + S <= 66 * OSR,
/// so OSR 7; M = 16, D = 2.
const N400: LinkParams = LinkParams { lanes: 400, spares: 20, osr: 7, marker_period: 16, deskew_depth: 2 };

/// The N = 400 link core, generated to Verilog, built with Verilator and run
/// from reset to link up, then M block times of saturated traffic (the lock
/// part of the scenario; the failover part would triple the clocks).
///
/// Why Verilator with [BuildOptions::QUICK] (measured on this 2-core
/// machine, shared with other jobs; lock = 37 882 clocks = 82.0 block times,
/// the same in both simulators):
/// - Verilog: 59.5 MB in ~62 s (rust-hdl's generator; most of it string
///   formatting of the module defines), 44k modules (one per instance).
/// - Verilator's own Verilog -> C++ step: 7-9 CPU min, single-threaded, more
///   than half in its V3Active stage (`--stats`); ~220 MB of C++ whatever
///   the C++ options.
/// - C++ compile: with Verilator's defaults (`-Os`, 349 files, each
///   including a 7.5 MB class header) one 0.5 MB file takes 23 s, which
///   extrapolates to ~2 CPU hours: the build that did not finish before.
///   `-O1` and 75 files: 840 CPU s, model 271 clocks/s. `-O0` and 75 files:
///   287 CPU s, 127 clocks/s (the header is most of an -O0 file's cost,
///   hence fewer, larger files: 27 files compile in ~240 s on 2 cores).
///   For the ~47k clocks here, -O0 costs the least build + run.
/// - rust-hdl's direct harness needs no build but runs 44 clocks/s: the lock
///   alone took 15 min, about what generation + build + run take here
///   (~20 min), and it does not run the generated Verilog, which is the
///   point of this section.
///
/// The model is cached (keyed by the Verilog), so a second run costs the
/// generation and the simulation only (~8 min).
fn run_n400() -> Result<(), String> {
    let p = N400;
    let t = Instant::now();
    println!("== N = 400 in Verilator: {p:?}");
    let m = build_with("link_n400", &p, BuildOptions::QUICK)?;
    let r = Regs(RegMap::new(&p));
    let mut ops = lock_ops(&p, p.marker_period as u64);
    ops.extend([r.r("GOOD_FRAMES"), r.r("LINK_STATUS")]);
    let o = m.run(&ops).map_err(|e| format!("N = 400 run: {e}"))?;
    let lock = lock_figures(&p, &o)?;
    print_lock("verilator N=400", &p, &lock);
    let rd = o.reads();
    let (good, status) = (rd[6], rd[7]);
    let found =
        r.0.get("LINK_STATUS")
            .and_then(|reg| reg.field("lanes_found"))
            .map(|f| (status >> f.lsb) & ((1 << f.width) - 1));
    let link_up = status & 1 == 1;
    println!(
        "  [verilator N=400] LINK_STATUS {status:#x}: link_up {}, lanes found {} of {}; good frames {good}",
        link_up as u8,
        found.map_or("?".to_string(), |n| n.to_string()),
        p.lanes
    );
    println!(
        "  N = 400: {:.0} clocks/s = {:.3e} lane-bits/s ({} clocks in {:.1} s); total {:.1} s (generation, build, run)",
        o.clocks_per_sec(),
        lane_bits_per_sec(&p, o.clocks_per_sec()),
        o.cycles,
        o.elapsed.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
    if !link_up || found != Some(p.lanes as u32) {
        return Err(format!("N = 400: link not up with every lane at the end (LINK_STATUS {status:#x})"));
    }
    if good == 0 || (lock.bad, lock.lost) != (0, 0) {
        return Err(format!("N = 400: traffic not clean: good {good}, bad {}, lost {}", lock.bad, lock.lost));
    }
    Ok(())
}

/// Reports a failed N = 400 section and exits non-zero.
fn finish_n400(r: Result<(), String>) {
    if let Err(e) = r {
        eprintln!("link_bench: {e}");
        std::process::exit(1);
    }
}

/// Figures and speeds in rust-hdl: (scenario outcome, figures, clocks/s N=16, clocks/s N=100).
fn rust_figures(def: &LinkParams, n100: &LinkParams, ops: &[Op], rust_clocks: u64) -> (Outcome, Figures, f64, f64) {
    let (def, n100) = (*def, *n100);
    println!("== figures, default parameters (N = {}, M = {}), rust-hdl direct harness", def.lanes, def.marker_period);
    let o = run_rust(LinkCore::new(&CoreConfig::new(def)), ops);
    let fr = figures(&def, &o);
    print_figures("rust-hdl", &def, &fr);
    let rust16_scn = o.clocks_per_sec();
    println!("  ({} clocks in {:.1} s = {:.0} clocks/s)", o.cycles, o.elapsed.as_secs_f64(), rust16_scn);

    // 2. Speed in rust-hdl.
    println!("== speed, rust-hdl direct harness ({rust_clocks} clocks)");
    let r16 = rust_speed(&def, rust_clocks);
    let r100 = rust_speed(&n100, rust_clocks / 4);
    println!("  N = 16 : {:.0} clocks/s = {:.3e} lane-bits/s", r16, lane_bits_per_sec(&def, r16));
    println!("  N = 100: {:.0} clocks/s = {:.3e} lane-bits/s (OSR {})", r100, lane_bits_per_sec(&n100, r100), n100.osr);
    (o, fr, r16, r100)
}
