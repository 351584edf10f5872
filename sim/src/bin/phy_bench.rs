//! Lane PHY simulation speed: LaneTx -> software channel -> LaneRx, run in
//! the direct harness and in rust-hdl's threaded testbench
//! (`Simulation::add_testbench` + `wait_clock_cycle!`) on the same design
//! and stimulus; prints simulated lane-bits/s of each and their ratio, and
//! checks that both produced the same received blocks.
//!
//! `cargo run --release -p mosaic-sim --bin phy_bench -- [osr] [direct_clocks] [threaded_clocks]`

use mosaic_gateware::phy::lane_rx::LaneRx;
use mosaic_gateware::phy::lane_tx::LaneTx;
use mosaic_sim::channel::{LaneChannel, LaneImpairments};
use mosaic_sim::harness::Harness;
use rust_hdl::prelude::*;
use std::time::Instant;

/// One TX and one RX; the bench carries the line between them (through the
/// channel model) every clock.
#[derive(LogicBlock)]
struct PhyLoop {
    clock: Signal<In, Clock>,
    reset: Signal<In, Bit>,
    tx_data: Signal<In, Bits<64>>,
    rx_line: Signal<In, Bit>,
    tx: LaneTx,
    rx: LaneRx,
}

impl PhyLoop {
    fn new(osr: usize) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            tx_data: Default::default(),
            rx_line: Default::default(),
            tx: LaneTx::new(osr),
            rx: LaneRx::new(osr),
        }
    }
}

impl Logic for PhyLoop {
    #[hdl_gen]
    fn update(&mut self) {
        self.tx.clock.next = self.clock.val();
        self.tx.reset.next = self.reset.val();
        self.tx.block_data.next = self.tx_data.val();
        self.tx.block_ctrl.next = false;
        self.tx.cfg_prbs_enable.next = false;
        self.tx.cfg_prbs_pattern.next = 0.into();
        self.rx.clock.next = self.clock.val();
        self.rx.reset.next = self.reset.val();
        self.rx.rx_line.next = self.rx_line.val();
        self.rx.cfg_invert.next = false;
        self.rx.cfg_prbs_enable.next = false;
        self.rx.cfg_prbs_pattern.next = 0.into();
        self.rx.cfg_freeze.next = false;
        self.rx.cfg_clear.next = false;
    }
}

/// Stimulus: a payload that changes every clock (SplitMix64 of the clock).
fn payload(clock: u64) -> u64 {
    let mut z = clock.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn channel(osr: usize) -> LaneChannel {
    let imp = LaneImpairments { delay_bits: 7, phase: osr / 3, ..Default::default() };
    LaneChannel::new(osr, imp, 1).expect("channel parameters")
}

/// What the RX delivered: blocks, a hash of them, and whether it is locked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Outcome {
    blocks: u64,
    hash: u64,
    block_lock: bool,
}

impl Outcome {
    fn absorb(&mut self, rx: &LaneRx) {
        if rx.block_valid.val() {
            self.blocks += 1;
            self.hash = (self.hash.rotate_left(7) ^ rx.block_data.val().to_u64()).wrapping_mul(0x100_0000_01B3);
        }
        self.block_lock = rx.block_lock.val();
    }
}

/// CPU seconds used by this process so far (all threads; Linux), to tell
/// simulation cost from waiting on a busy machine.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Wall and CPU seconds of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, Option<f64>) {
    let (c0, t0) = (cpu_secs(), Instant::now());
    let r = f();
    let wall = t0.elapsed().as_secs_f64();
    let cpu = c0.and_then(|c0| cpu_secs().map(|c1| c1 - c0));
    (r, wall, cpu)
}

fn run_direct(osr: usize, clocks: u64) -> (Outcome, f64) {
    let mut h = Harness::new(PhyLoop::new(osr), |u| &mut u.clock);
    let mut ch = channel(osr);
    let mut out = Outcome::default();
    let t0 = Instant::now();
    h.cycle(|u| u.reset.next = true);
    for c in 0..clocks {
        let sample = ch.step(h.uut.tx.tx_line.val());
        h.cycle(|u| {
            u.reset.next = false;
            u.tx_data.next = payload(c).into();
            u.rx_line.next = sample;
        });
        out.absorb(&h.uut.rx);
    }
    (out, t0.elapsed().as_secs_f64())
}

fn run_threaded(osr: usize, clocks: u64) -> (Outcome, f64) {
    let mut uut = PhyLoop::new(osr);
    uut.connect_all();
    let mut sim = Simulation::new();
    sim.add_clock(5, |x: &mut Box<PhyLoop>| x.clock.next = !x.clock.val());
    let (tx_result, rx_result) = std::sync::mpsc::channel();
    sim.add_testbench(move |mut sim: Sim<PhyLoop>| {
        let mut x = sim.init()?;
        let mut ch = channel(osr);
        let mut out = Outcome::default();
        // Same edge-by-edge stimulus as the direct run: inputs change while
        // the clock is low, outputs are read after the rising edge.
        wait_clock_false!(sim, clock, x);
        x.reset.next = true;
        wait_clock_true!(sim, clock, x);
        for c in 0..clocks {
            wait_clock_false!(sim, clock, x);
            let sample = ch.step(x.tx.tx_line.val());
            x.reset.next = false;
            x.tx_data.next = payload(c).into();
            x.rx_line.next = sample;
            wait_clock_true!(sim, clock, x);
            out.absorb(&x.rx);
        }
        tx_result.send(out).unwrap();
        sim.done(x)
    });
    let t0 = Instant::now();
    sim.run(Box::new(uut), 10 * (clocks + 4) + 100).expect("threaded simulation");
    let secs = t0.elapsed().as_secs_f64();
    (rx_result.recv().expect("testbench result"), secs)
}

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .map(|a| a.parse().unwrap_or_else(|_| panic!("argument {n} must be a number, not {a}")))
        .unwrap_or(default)
}

fn main() {
    let osr = arg(1, 4) as usize;
    assert!((1..=8).contains(&osr), "osr must be in 1..=8, not {osr}");
    let direct_clocks = arg(2, 400_000);
    let threaded_clocks = arg(3, 40_000);

    // The direct run repeats the threaded run's length first, to compare results.
    let (same_len, _) = run_direct(osr, threaded_clocks);
    let ((threaded, t_secs), _, t_cpu) = timed(|| run_threaded(osr, threaded_clocks));
    assert_eq!(same_len, threaded, "direct and threaded simulations disagree");
    let ((direct, d_secs), _, d_cpu) = timed(|| run_direct(osr, direct_clocks));
    let cpu = |c: Option<f64>| c.map(|c| format!(", {c:.2} s CPU")).unwrap_or_default();

    let bits = |clocks: u64| clocks as f64 / osr as f64;
    let d_rate = bits(direct_clocks) / d_secs;
    let t_rate = bits(threaded_clocks) / t_secs;
    println!("lane PHY simulation speed, LaneTx -> channel model -> LaneRx, OSR {osr}");
    println!(
        "  direct harness:     {:>10.0} lane-bits/s ({:>9.0} clocks/s; {direct_clocks} clocks in {d_secs:.2} s{}; {} blocks received, block_lock {})",
        d_rate,
        direct_clocks as f64 / d_secs,
        cpu(d_cpu),
        direct.blocks,
        direct.block_lock
    );
    println!(
        "  threaded testbench: {:>10.0} lane-bits/s ({:>9.0} clocks/s; {threaded_clocks} clocks in {t_secs:.2} s{}; {} blocks received, block_lock {})",
        t_rate,
        threaded_clocks as f64 / t_secs,
        cpu(t_cpu),
        threaded.blocks,
        threaded.block_lock
    );
    println!(
        "  ratio direct / threaded: {:.0}x (same received blocks over the first {threaded_clocks} clocks)",
        d_rate / t_rate
    );
}
