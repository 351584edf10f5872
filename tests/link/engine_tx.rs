//! The time-shared TX engine against today's per-lane transmitter: the
//! same block plan per physical lane (data words, idles, marker rounds, an
//! unused spare) goes through `TxFeed` + `LaneTx` per lane (fed as `LinkTx`
//! feeds them) and through `TxLanes` (one `TxEngine` + a `BlockSer` per
//! lane); every lane's line must be the same bit for bit, 64 line bits
//! (64 x OSR clocks) later on every lane, and equal the software block
//! encoder's line of the blocks planned (markers with the lane's id and
//! the BIP-8 of its period). And the RX engine (`RxLanes`) locks on the
//! TX engine's lines, learns every lane id and counts one flipped line bit
//! as exactly 3 BIP errors, nothing else.

use mosaic_gateware::link::engine::tx_lanes::TxLanes;
use mosaic_gateware::link::engine::tx_max_lanes;
use mosaic_gateware::link::marker::{bip_fold, marker_payload};
use mosaic_gateware::link::tx_feed::TxFeed;
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::phy::block_format::IDLE_PAYLOAD;
use mosaic_gateware::phy::lane_tx::LaneTx;
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5, yosys_synth_ice40};
use mosaic_sim::models::BlockEncoder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

const OSR: usize = 3;
const M: usize = 8;

fn params(lanes: usize, spares: usize, osr: usize, marker_period: usize) -> LinkParams {
    LinkParams { lanes, spares, osr, marker_period, deskew_depth: 4 }
}

/// Both transmitters side by side; `ids` is the lane map (physical -> logical).
#[derive(LogicBlock)]
struct Both {
    clock: Signal<In, Clock>,
    reset: Signal<In, Bit>,
    we: Vec<Signal<In, Bit>>,
    wdata: Vec<Signal<In, Bits<64>>>,
    marker_round: Signal<In, Bit>,
    old_tx: Vec<LaneTx>,
    old_feed: Vec<TxFeed>,
    new: TxLanes,
    ids: Vec<Constant<Bits<12>>>,
    /// The lane map's registered read, as a block RAM would answer.
    id_q: DFF<Bits<12>>,
}

impl Both {
    fn new(p: &LinkParams, ids: &[u64]) -> Self {
        let lanes = p.physical_lanes();
        Self {
            clock: Default::default(),
            reset: Default::default(),
            we: (0..lanes).map(|_| Default::default()).collect(),
            wdata: (0..lanes).map(|_| Default::default()).collect(),
            marker_round: Default::default(),
            old_tx: (0..lanes).map(|_| LaneTx::new(p.osr)).collect(),
            old_feed: (0..lanes).map(|_| TxFeed::default()).collect(),
            new: TxLanes::try_new(p).unwrap(),
            ids: ids.iter().map(|&i| Constant::new(i.into())).collect(),
            id_q: Default::default(),
        }
    }
}

impl Logic for Both {
    fn update(&mut self) {
        for q in 0..self.old_tx.len() {
            let (tx, feed) = (&mut self.old_tx[q], &mut self.old_feed[q]);
            feed.clock.next = self.clock.val();
            feed.reset.next = self.reset.val();
            feed.wdata.next = self.wdata[q].val();
            feed.we.next = self.we[q].val();
            feed.take.next = tx.block_take.val();
            feed.marker_round.next = self.marker_round.val();
            feed.lane_id.next = self.ids[q].val();
            tx.clock.next = self.clock.val();
            tx.reset.next = self.reset.val();
            tx.block_data.next = feed.block_data.val();
            tx.block_ctrl.next = feed.block_ctrl.val();
            tx.cfg_prbs_enable.next = false;
            tx.cfg_prbs_pattern.next = 0.into();
        }
        self.new.clock.next = self.clock.val();
        self.new.reset.next = self.reset.val();
        self.id_q.clock.next = self.clock.val();
        self.id_q.d.next = 0xFFF.into();
        for q in 0..self.ids.len() {
            if self.new.map.lane.val().index() == q {
                self.id_q.d.next = self.ids[q].val();
            }
        }
        self.new.map.id.next = self.id_q.q.val();
    }
}

/// A lane's plan for its data rounds, in order.
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// A data word.
    Data(u64),
    /// Nothing dealt: the lane sends an idle block.
    Idle,
    /// An idle dealt as a control word (the new path only; the old one
    /// cannot carry control words and sends its own idle instead).
    IdleWord,
}

/// The blocks a lane must send: a marker every M blocks (block 0 first)
/// with its id and the BIP-8 of its period, the plan in between.
fn expected_blocks(plan: &[Plan], id: u64, blocks: usize, m: usize) -> Vec<(bool, u64)> {
    let (mut out, mut bip, mut next) = (vec![], 0u8, 0);
    for k in 0..blocks {
        if k % m == 0 {
            out.push((true, marker_payload(id, bip)));
            bip = 0;
            continue;
        }
        let b = match plan[next] {
            Plan::Data(d) => (false, d),
            Plan::Idle | Plan::IdleWord => (true, IDLE_PAYLOAD),
        };
        next += 1;
        bip ^= bip_fold(b.1);
        out.push(b);
    }
    out
}

fn cycle<B: Block>(uut: &mut B, clock: impl Fn(&mut B) -> &mut Signal<In, Clock>) {
    clock(uut).next = Clock { clk: false };
    simulate(uut, 1000);
    clock(uut).next = Clock { clk: true };
    simulate(uut, 1000);
}

/// The line bits of per-clock samples taken after each edge, starting
/// with the bit that goes out on clock `first` (its last clock, registered).
fn line_bits(samples: &[bool], osr: usize, first: usize) -> Vec<bool> {
    samples.iter().skip(first + osr / 2).step_by(osr).copied().collect()
}

struct Run {
    old: Vec<Vec<bool>>,
    new: Vec<Vec<bool>>,
    takes_new: Vec<usize>,
}

/// Runs both transmitters for `clocks` clocks on `plans`; line samples per lane.
fn run(p: &LinkParams, ids: &[u64], plans: &[Vec<Plan>], clocks: usize) -> Run {
    let lanes = p.physical_lanes();
    let mut uut = Both::new(p, ids);
    uut.connect_all();
    uut.reset.next = true;
    cycle(&mut uut, |u| &mut u.clock);
    uut.reset.next = false;
    let (mut old_next, mut new_next) = (vec![0usize; lanes], vec![0usize; lanes]);
    let mut old_pending = vec![true; lanes];
    let mut new_stage: Vec<Option<(u64, bool)>> = vec![None; lanes];
    let stage_of = |e: Plan| match e {
        Plan::Data(d) => Some((d, false)),
        Plan::Idle => None,
        Plan::IdleWord => Some((IDLE_PAYLOAD, true)),
    };
    for q in 0..lanes {
        new_stage[q] = stage_of(plans[q][0]);
        new_next[q] = 1;
    }
    let mut block_index = 0;
    let mut run = Run { old: vec![vec![]; lanes], new: vec![vec![]; lanes], takes_new: vec![0; lanes] };
    for _ in 0..clocks {
        uut.marker_round.next = block_index == 0;
        for q in 0..lanes {
            // Old: stage the next planned word the clock after a data round's take.
            uut.we[q].next = false;
            if old_pending[q] {
                old_pending[q] = false;
                if let Plan::Data(d) = plans[q][old_next[q]] {
                    uut.we[q].next = true;
                    uut.wdata[q].next = d.into();
                }
                old_next[q] += 1;
            }
            let w = &mut uut.new.words[q];
            w.valid.next = new_stage[q].is_some();
            w.payload.next = new_stage[q].map_or(0, |s| s.0).into();
            w.ctrl.next = new_stage[q].is_some_and(|s| s.1);
        }
        uut.clock.next = Clock { clk: false };
        simulate(&mut uut, 1000);
        let old_take = uut.old_tx[0].block_take.val();
        for q in 0..lanes {
            assert_eq!(uut.old_tx[q].block_take.val(), old_take, "LaneTx lanes run in lockstep");
            if old_take && block_index != 0 {
                old_pending[q] = true;
            }
            if uut.new.words[q].take.val() {
                new_stage[q] = stage_of(plans[q][new_next[q]]);
                new_next[q] += 1;
                run.takes_new[q] += 1;
            }
        }
        if old_take {
            block_index = (block_index + 1) % p.marker_period;
        }
        uut.clock.next = Clock { clk: true };
        simulate(&mut uut, 1000);
        assert!(!uut.new.underrun.val(), "a serializer ran out of blocks");
        for q in 0..lanes {
            run.old[q].push(uut.old_tx[q].tx_line.val());
            run.new[q].push(uut.new.lines[q].val());
        }
    }
    run
}

fn random_plans(rng: &mut ChaCha8Rng, lanes: usize, unused: &[usize], len: usize) -> Vec<Vec<Plan>> {
    (0..lanes)
        .map(|q| {
            (0..len)
                .map(|_| match rng.gen_range(0..10) {
                    _ if unused.contains(&q) => Plan::Idle,
                    0 => Plan::Idle,
                    1 => Plan::IdleWord,
                    _ => Plan::Data(rng.gen()),
                })
                .collect()
        })
        .collect()
}

#[test]
fn engine_and_per_lane_transmitter_send_the_same_line_bits() {
    // 4 data lanes mapped out of order and one unused spare (id 0xFFF).
    let p = params(4, 1, OSR, M);
    let ids = [2u64, 0, 3, 1, 0xFFF];
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let plans = random_plans(&mut rng, 5, &[4], 64);
    let blocks = 30;
    let clocks = (blocks + 2) * 66 * OSR;
    let r = run(&p, &ids, &plans, clocks);
    // The new lines are the old ones 64 x OSR clocks later (see TxLanes),
    // exactly, on every lane, over the whole run.
    let lag = 64 * OSR;
    for q in 0..5 {
        let (old, new) = (&r.old[q], &r.new[q]);
        assert!(new[..lag].iter().all(|&b| !b), "lane {q}: zeros before the first block");
        let mismatches: Vec<usize> = (0..clocks - lag).filter(|&t| old[t] != new[t + lag]).collect();
        assert!(
            mismatches.is_empty(),
            "lane {q}: lines differ at old clocks {:?}..",
            &mismatches[..mismatches.len().min(5)]
        );
        // Both equal the software encoder's line of the planned blocks.
        let want = BlockEncoder::new().encode_all(&expected_blocks(&plans[q], ids[q], blocks, M));
        let got = line_bits(new, OSR, 66 * OSR + OSR - 1);
        assert_eq!(&got[..want.len()], &want[..], "lane {q}: not the planned blocks");
        // One take per data round sent (the last partial round may be in flight).
        let data_rounds = (blocks + 1) - (blocks + 1).div_ceil(M);
        assert!(r.takes_new[q].abs_diff(data_rounds) <= 1, "lane {q}: {} takes", r.takes_new[q]);
    }
}

#[test]
fn max_lanes_at_osr_1_never_underrun_and_send_their_markers() {
    let lanes = tx_max_lanes(1);
    assert_eq!(lanes, 62);
    let p = params(lanes - 2, 2, 1, 8);
    let ids: Vec<u64> = (0..lanes as u64).map(|q| if q < 60 { 59 - q } else { 0xFFF }).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(62);
    let plans = random_plans(&mut rng, lanes, &[60, 61], 24);
    let blocks = 17;
    let r = run(&p, &ids, &plans, (blocks + 2) * 66);
    for q in 0..lanes {
        let want = BlockEncoder::new().encode_all(&expected_blocks(&plans[q], ids[q], blocks, 8));
        let got = line_bits(&r.new[q], 1, 66);
        assert_eq!(&got[..want.len()], &want[..], "lane {q}");
    }
}

#[test]
fn more_lanes_than_the_schedule_bound_are_refused_with_a_message() {
    assert_eq!(
        TxLanes::try_new(&params(63, 0, 1, 16)).err().unwrap().to_string(),
        "lanes + spares (N + S) must be at most 62 for one TX engine at OSR 1 \
         (a lane needs a block every 66 x OSR clocks), not 63"
    );
    assert_eq!(tx_max_lanes(3), 194);
    assert_eq!(tx_max_lanes(8), 256);
    assert!(TxLanes::try_new(&params(60, 2, 1, 16)).is_ok());
}

#[test]
fn tx_lanes_synthesize_with_state_in_block_ram_and_fewer_luts_per_lane() {
    // Today's per-lane transmit path: LaneTx + TxFeed.
    let old_tx = verilog_of(&mut LaneTx::new(OSR));
    let old_feed = verilog_of(&mut TxFeed::default());
    let old_ice = yosys_synth_ice40("old_lane_tx", &old_tx).unwrap().luts
        + yosys_synth_ice40("old_tx_feed", &old_feed).unwrap().luts;
    let old_ecp = yosys_synth_ecp5("old_lane_tx", &old_tx).unwrap().luts
        + yosys_synth_ecp5("old_tx_feed", &old_feed).unwrap().luts;
    println!("LaneTx + TxFeed per lane: {old_ice} iCE40 LUT4, {old_ecp} ECP5 LUT4");
    let mut rows = vec![];
    for lanes in [8u64, 32] {
        let name = format!("tx_lanes_{lanes}");
        let v = verilog_of(&mut TxLanes::try_new(&params(lanes as usize, 0, OSR, 64)).unwrap());
        verilator_lint(&name, &v).unwrap();
        let ice = yosys_synth_ice40(&name, &v).unwrap();
        let ecp = yosys_synth_ecp5(&name, &v).unwrap();
        println!(
            "TxLanes {lanes} lanes: iCE40 {} LUT4 {} FF {} SB_RAM40_4K; ECP5 {} LUT4 {} FF {} DP16KD {} LUT-RAM",
            ice.luts, ice.ffs, ice.brams, ecp.luts, ecp.ffs, ecp.brams, ecp.lutrams
        );
        // The 83-bit state RAM must be block RAM, not LUT RAM or flip-flops.
        assert!(ice.brams >= 1 && ecp.brams >= 1, "{lanes} lanes: state RAM not in block RAM: {ice:?} {ecp:?}");
        assert_eq!(ecp.lutrams, 0);
        rows.push((lanes, ice, ecp));
    }
    let (l8, i8, e8) = &rows[0];
    let (l32, i32_, e32) = &rows[1];
    let per_lane = |a: u64, b: u64| (b as f64 - a as f64) / (l32 - l8) as f64;
    let (ice_lane, ecp_lane) = (per_lane(i8.luts, i32_.luts), per_lane(e8.luts, e32.luts));
    println!(
        "TxLanes per lane: {ice_lane:.0} iCE40 LUT4 (fixed {:.0}), {ecp_lane:.0} ECP5 LUT4 (fixed {:.0})",
        i8.luts as f64 - ice_lane * *l8 as f64,
        e8.luts as f64 - ecp_lane * *l8 as f64
    );
    assert!(ecp_lane < old_ecp as f64, "per-lane ECP5 LUTs {ecp_lane:.0} not under today's {old_ecp}");
    assert!(ice_lane < old_ice as f64, "per-lane iCE40 LUTs {ice_lane:.0} not under today's {old_ice}");
}

#[test]
fn the_rx_engine_locks_on_the_tx_engine_and_counts_one_flipped_bit_as_three_bip_errors() {
    use mosaic_gateware::control::regmap::RegMap;
    use mosaic_gateware::link::engine::rx_lanes::RxLanes;
    let p = params(4, 1, OSR, M);
    let ids = [2u64, 0, 3, 1, 0xFFF];
    let mut rng = ChaCha8Rng::seed_from_u64(58);
    let plans = random_plans(&mut rng, 5, &[4], 128);
    let blocks = 100;
    let mut lines = run(&p, &ids, &plans, (blocks + 2) * 66 * OSR).new;
    // One line bit of lane 1 flipped: payload bit 20 of block 90 (mid-period,
    // long after lock). The descrambler makes it 3 payload errors in that
    // period, at distinct BIP bits.
    let k = 66 + 90 * 66 + 2 + 20;
    for s in &mut lines[1][OSR * k + OSR - 1..OSR * k + 2 * OSR - 1] {
        *s = !*s;
    }
    let mut rx = RxLanes::try_new(&p).unwrap();
    rx.connect_all();
    let step = |rx: &mut RxLanes| {
        rx.clock.next = Clock { clk: false };
        simulate(rx, 1000);
        rx.clock.next = Clock { clk: true };
        simulate(rx, 1000);
    };
    rx.reset.next = true;
    step(&mut rx);
    rx.reset.next = false;
    let mut data = vec![vec![]; 5];
    for t in 0..lines[0].len() {
        for (input, line) in rx.lines.iter_mut().zip(&lines) {
            input.next = line[t];
        }
        rx.clock.next = Clock { clk: false };
        simulate(&mut rx, 1000);
        let o = &rx.out;
        if o.valid.val() && o.marker_lock.val() && !o.ctrl.val() {
            data[o.lane.val().index()].push(o.payload.val().to_u64());
        }
        rx.clock.next = Clock { clk: true };
        simulate(&mut rx, 1000);
    }
    rx.snapshot.next = true;
    step(&mut rx);
    rx.snapshot.next = false;
    while rx.busy.val() {
        step(&mut rx);
    }
    let map = RegMap::new(&p);
    let id_lsb = map.field("LANE_STATUS", "logical_id").lsb;
    let mlock_lsb = map.field("LANE_STATUS", "marker_lock").lsb;
    for q in 0..5 {
        rx.read.lane.next = (q as u64).into();
        step(&mut rx);
        let rd = &rx.read;
        let status = rd.status.val().to_u64();
        assert_eq!((status >> mlock_lsb) & 1, 1, "lane {q}: marker lock");
        assert_eq!((status >> id_lsb) & 0xFFF, ids[q], "lane {q}: lane id");
        assert_eq!(rd.sync_errors.val().to_u64(), 0, "lane {q}: sync errors");
        assert_eq!(rd.lock_losses.val().to_u64(), 0, "lane {q}: lock losses");
        assert_eq!(rd.bad_markers.val().to_u64(), 0, "lane {q}: bad markers");
        assert_eq!(rd.bip_errors.val().to_u64(), if q == 1 { 3 } else { 0 }, "lane {q}: BIP errors");
        // The data words delivered once marker-locked (about the last 30
        // blocks: block lock takes 64) are a run of the plan's; lane 1's
        // carry the flip.
        let sent: Vec<u64> =
            plans[q].iter().filter_map(|e| if let Plan::Data(d) = e { Some(*d) } else { None }).collect();
        let got: Vec<u64> = data[q].iter().copied().filter(|_| q != 1).collect();
        if let Some(first) = got.first() {
            let at = sent.iter().position(|d| d == first).expect("a planned word");
            assert_eq!(&sent[at..at + got.len()], &got[..], "lane {q}: data words");
        }
        assert!(q == 1 || q == 4 || got.len() > 15, "lane {q}: only {} words delivered", got.len());
    }
}
