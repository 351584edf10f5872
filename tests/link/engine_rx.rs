//! The time-shared RX engine against independent references: the same line
//! samples go into a per-lane `LaneRx` (bit recovery, block lock,
//! descrambler: the single-lane PHY) followed by the software marker lock
//! model (`mosaic_sim::models::MarkerLockModel`), and into `RxLanes` (bit
//! recovery + 66-bit front ends + one engine); every lane's delivered
//! blocks (payload, header kind, marker state after the block, marker and
//! BIP strobes) and its four counters must be equal, and the counters equal
//! what the injected errors must cost. PRBS mode is checked against
//! `LaneRx`'s bit-serial checker and the exact cost of the injected errors.

use mosaic_gateware::control::regmap::RegMap;
use mosaic_gateware::link::engine::max_lanes;
use mosaic_gateware::link::engine::rx_engine::RxEngine;
use mosaic_gateware::link::engine::rx_lanes::RxLanes;
use mosaic_gateware::link::link_rx::LinkRx;
use mosaic_gateware::link::marker::{bip_fold, marker_payload};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::phy::lane_rx::LaneRx;
use mosaic_gateware::phy::prbs::PrbsPattern;
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5, yosys_synth_ice40};
use mosaic_sim::models::{samples_from_bits, BlockEncoder, MarkerLockModel, PrbsModel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

const OSR: usize = 3;
const M: usize = 16;

/// Both receivers side by side on the same lines (the reference's marker
/// lock runs in software beside it, see [run]).
#[derive(LogicBlock)]
struct Both {
    clock: Signal<In, Clock>,
    reset: Signal<In, Bit>,
    lines: Vec<Signal<In, Bit>>,
    /// The reference lanes' polarity, from the marker model.
    invert: Vec<Signal<In, Bit>>,
    snapshot: Signal<In, Bit>,
    prbs: Signal<In, Bit>,
    pattern: Signal<In, Bits<3>>,
    old_rx: Vec<LaneRx>,
    new: RxLanes,
}

impl Both {
    fn new(lanes: usize) -> Self {
        let p = LinkParams { lanes, spares: 0, osr: OSR, marker_period: M, deskew_depth: 4 };
        Self {
            clock: Default::default(),
            reset: Default::default(),
            lines: (0..lanes).map(|_| Default::default()).collect(),
            invert: (0..lanes).map(|_| Default::default()).collect(),
            snapshot: Default::default(),
            prbs: Default::default(),
            pattern: Default::default(),
            old_rx: (0..lanes).map(|_| LaneRx::new(OSR)).collect(),
            new: RxLanes::try_new(&p).unwrap(),
        }
    }
}

impl Logic for Both {
    fn update(&mut self) {
        for q in 0..self.lines.len() {
            let rx = &mut self.old_rx[q];
            rx.clock.next = self.clock.val();
            rx.reset.next = self.reset.val();
            rx.rx_line.next = self.lines[q].val();
            rx.cfg_invert.next = self.invert[q].val();
            rx.cfg_prbs_enable.next = self.prbs.val();
            rx.cfg_prbs_pattern.next = self.pattern.val();
            rx.cfg_freeze.next = false;
            rx.cfg_clear.next = false;
            self.new.lines[q].next = self.lines[q].val();
        }
        self.new.clock.next = self.clock.val();
        self.new.reset.next = self.reset.val();
        self.new.restart.next = false;
        self.new.clear.next = false;
        self.new.snapshot.next = self.snapshot.val();
        self.new.cfg_prbs_enable.next = self.prbs.val();
        self.new.cfg_prbs_pattern.next = self.pattern.val();
        self.new.cfg_bip_threshold.next = 0.into();
        self.new.bip_epoch.next = false;
        self.new.scan_lane.next = 0.into();
    }
}

/// One delivered block as the deskew side sees it.
#[derive(Clone, Debug, PartialEq)]
struct Delivered {
    payload: u64,
    ctrl: bool,
    bad: bool,
    marker_lock: bool,
    lane_id: u64,
    marker_seen: bool,
    bip_bad: bool,
}

#[derive(Clone, Debug, PartialEq, Default)]
struct Counters {
    sync_errors: u64,
    lock_losses: u64,
    bip_errors: u64,
    bad_markers: u64,
}

/// What is done to a lane's line bits.
#[derive(Clone, Default)]
struct Impair {
    /// Junk bits before the first block (skew; framing must be hunted).
    skew: usize,
    /// Flip sync-header bit 0 of these blocks.
    header_flips: Vec<usize>,
    /// Flip payload bit `.1` of block `.0` (markers included).
    payload_flips: Vec<(usize, usize)>,
    /// Insert one extra bit before this block (block lock must slip).
    insert_before: Option<usize>,
}

/// A lane's line bits: data blocks with a few idles, a marker with the
/// lane id and the BIP of the period every M blocks.
fn lane_bits(rng: &mut ChaCha8Rng, id: u64, blocks: usize, imp: &Impair) -> Vec<bool> {
    let mut enc = BlockEncoder::new();
    let mut bits: Vec<bool> = (0..imp.skew).map(|_| rng.gen()).collect();
    let mut bip = 0u8;
    for k in 0..blocks {
        let (ctrl, payload) = if k % M == M - 1 {
            let m = marker_payload(id, bip);
            bip = 0;
            (true, m)
        } else if k % 7 == 3 {
            bip ^= bip_fold(0x1E);
            (true, 0x1E)
        } else {
            let d: u64 = rng.gen();
            bip ^= bip_fold(d);
            (false, d)
        };
        if imp.insert_before == Some(k) {
            bits.push(true);
        }
        let at = bits.len();
        enc.encode(ctrl, payload, &mut bits);
        if imp.header_flips.contains(&k) {
            bits[at] = !bits[at];
        }
        for &(b, i) in &imp.payload_flips {
            if b == k {
                bits[at + 2 + i] = !bits[at + 2 + i];
            }
        }
    }
    bits
}

fn cycle(uut: &mut Both) {
    mosaic_gateware::sim_clock::cycle(uut, |u| &mut u.clock);
}

struct Run {
    old_blocks: Vec<Vec<Delivered>>,
    new_blocks: Vec<Vec<Delivered>>,
    old_counts: Vec<Counters>,
    new_counts: Vec<Counters>,
    old_lock: Vec<(bool, u64)>,
    new_lock: Vec<(bool, u64)>,
    old_inverted: Vec<bool>,
    new_inverted: Vec<bool>,
}

/// Runs both receivers over the lanes' samples, then reads their counters.
fn run(lines: &[Vec<bool>]) -> Run {
    let n = lines.len();
    let mut uut = Both::new(n);
    uut.connect_all();
    uut.reset.next = true;
    cycle(&mut uut);
    cycle(&mut uut);
    uut.reset.next = false;
    let mut r = Run {
        old_blocks: vec![vec![]; n],
        new_blocks: vec![vec![]; n],
        old_counts: vec![],
        new_counts: vec![],
        old_lock: vec![],
        new_lock: vec![],
        old_inverted: vec![],
        new_inverted: vec![],
    };
    let mut model: Vec<MarkerLockModel> = (0..n).map(|_| MarkerLockModel::new(M)).collect();
    let len = lines.iter().map(|l| l.len()).min().unwrap();
    for t in 0..len {
        for (q, line) in lines.iter().enumerate() {
            uut.lines[q].next = line[t];
            uut.invert[q].next = model[q].inverted;
        }
        uut.clock.next = Clock { clk: false };
        assert!(simulate(&mut uut, 1000));
        for (q, m) in model.iter_mut().enumerate() {
            let rx = &uut.old_rx[q];
            // A loss of block lock overrides what the block did.
            let ev = rx
                .block_valid
                .val()
                .then(|| m.block(rx.block_data.val().to_u64(), rx.block_ctrl.val(), rx.block_bad.val()));
            if !rx.block_lock.val() {
                m.block_lock_lost();
            }
            if let Some(ev) = ev {
                let (payload, ctrl, bad) = (rx.block_data.val().to_u64(), rx.block_ctrl.val(), rx.block_bad.val());
                r.old_blocks[q].push(Delivered {
                    payload,
                    ctrl,
                    bad,
                    marker_lock: m.locked,
                    lane_id: m.lane_id,
                    marker_seen: ev.marker_seen,
                    bip_bad: ev.bip_bad,
                });
            }
        }
        let o = &uut.new.out;
        if o.valid.val() {
            r.new_blocks[o.lane.val().index()].push(Delivered {
                payload: o.payload.val().to_u64(),
                ctrl: o.ctrl.val(),
                bad: o.bad.val(),
                marker_lock: o.marker_lock.val(),
                lane_id: o.lane_id.val().to_u64(),
                marker_seen: o.marker_seen.val(),
                bip_bad: o.bip_bad.val(),
            });
        }
        uut.clock.next = Clock { clk: true };
        assert!(simulate(&mut uut, 1000));
    }
    // The lines end in a clean tail, so no counter moves any more: snapshot.
    // (The last block of a lane cut short at the end still arrives, on both
    // sides: the model goes on seeing blocks.)
    let step = |uut: &mut Both, model: &mut Vec<MarkerLockModel>| {
        cycle(uut);
        for (q, m) in model.iter_mut().enumerate() {
            let rx = &uut.old_rx[q];
            if rx.block_valid.val() {
                m.block(rx.block_data.val().to_u64(), rx.block_ctrl.val(), rx.block_bad.val());
            }
            if !rx.block_lock.val() {
                m.block_lock_lost();
            }
        }
    };
    uut.snapshot.next = true;
    step(&mut uut, &mut model);
    uut.snapshot.next = false;
    while uut.new.busy.val() {
        step(&mut uut, &mut model);
    }
    for q in 0..n {
        r.old_counts.push(Counters {
            sync_errors: uut.old_rx[q].sync_errors.val().to_u64(),
            lock_losses: uut.old_rx[q].lock_losses.val().to_u64(),
            bip_errors: model[q].bip_errors as u64,
            bad_markers: model[q].bad_markers as u64,
        });
        r.old_lock.push((model[q].locked, model[q].lane_id));
        uut.new.read.lane.next = (q as u64).into();
        step(&mut uut, &mut model);
        let rd = &uut.new.read;
        r.new_counts.push(Counters {
            sync_errors: rd.sync_errors.val().to_u64(),
            lock_losses: rd.lock_losses.val().to_u64(),
            bip_errors: rd.bip_errors.val().to_u64(),
            bad_markers: rd.bad_markers.val().to_u64(),
        });
        let status = rd.status.val().to_u64();
        // The whole LANE_STATUS word, once the decode ORs in the front end's bit lock.
        let map = RegMap::new(&LinkParams { lanes: n, spares: 0, osr: OSR, marker_period: M, deskew_depth: 4 });
        let at = |f: &str| map.field("LANE_STATUS", f).lsb;
        let bit_lock = (uut.new.bit_lock[q].val() as u64) << at("bit_lock");
        let expected = (uut.old_rx[q].bit_lock.val() as u64) << at("bit_lock")
            | (uut.old_rx[q].block_lock.val() as u64) << at("block_lock")
            | (model[q].locked as u64) << at("marker_lock")
            | (model[q].inverted as u64) << at("inverted")
            | model[q].lane_id << at("logical_id");
        assert_eq!(status | bit_lock, expected, "lane {q}: LANE_STATUS");
        r.new_lock.push(((status >> 2) & 1 == 1, (status >> 16) & 0xFFF));
        r.old_inverted.push(model[q].inverted);
        r.new_inverted.push((status >> 4) & 1 == 1);
    }
    r
}

#[test]
fn engine_and_per_lane_receiver_agree_block_for_block_and_count_for_count() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    // Block lock needs 64 blocks (and a slip, on average two blocks, per bit
    // of misframing) and marker lock a marker: impairments start after 7
    // periods; 10 clean periods at the end let a slipped lane relock and
    // every counter settle. Skews are whole blocks plus a few bits.
    let blocks = 22 * M;
    let ids = [3u64, 0, 5, 1, 4, 2];
    let imps = [
        Impair { skew: 7, ..Default::default() },
        Impair { skew: 66 + 3, header_flips: vec![120, 150, 151], ..Default::default() },
        // Bit 10 of a block: descrambled errors at 10, 49 and 68 (bit 4 of
        // the next block), BIP bits 2, 1 and 4: three BIP errors each.
        Impair { skew: 132 + 5, payload_flips: vec![(117, 10), (165, 10)], ..Default::default() },
        // Id bit 30 of two markers: two bad markers, and the errors 39 and
        // 58 bits on (bits 5 and 24 of the next block) cost 2 BIP bits each.
        Impair { skew: 198 + 2, payload_flips: vec![(7 * M + M - 1, 30), (9 * M + M - 1, 30)], ..Default::default() },
        Impair { skew: 2, insert_before: Some(120), ..Default::default() },
        Impair {
            skew: 66 + 9,
            header_flips: vec![140],
            payload_flips: vec![(149, 10), (8 * M + M - 1, 30)],
            ..Default::default()
        },
    ];
    let lines: Vec<Vec<bool>> = ids
        .iter()
        .zip(&imps)
        .map(|(&id, imp)| {
            let mut bits = lane_bits(&mut rng, id, blocks, imp);
            // Every lane ends at the same time (the skew is at the front).
            bits.truncate(blocks * 66);
            samples_from_bits(&bits, OSR)
        })
        .collect();
    let r = run(&lines);
    for (q, &id) in ids.iter().enumerate() {
        let (old, new) = (&r.old_blocks[q], &r.new_blocks[q]);
        // The engine may be one block behind at the cut (it visits a lane
        // up to a round after the block completes).
        assert!(old.len().abs_diff(new.len()) <= 1, "lane {q}: {} blocks vs {}", old.len(), new.len());
        let k = old.len().min(new.len());
        assert!(k > 10 * M, "lane {q}: only {k} blocks delivered");
        for i in 0..k {
            assert_eq!(new[i], old[i], "lane {q}, delivered block {i}");
        }
        assert_eq!(r.new_counts[q], r.old_counts[q], "lane {q}: counters");
        assert_eq!(r.new_lock[q], r.old_lock[q], "lane {q}: marker lock and id");
        assert_eq!(r.new_lock[q], (true, id), "lane {q}: locked to its id at the end");
    }
    // What the injected errors must cost (the same for both, checked above).
    let c = |s, l, b, m| Counters { sync_errors: s, lock_losses: l, bip_errors: b, bad_markers: m };
    assert_eq!(r.new_counts[0], c(0, 0, 0, 0));
    assert_eq!(r.new_counts[1], c(3, 0, 0, 0));
    assert_eq!(r.new_counts[2], c(0, 0, 6, 0));
    assert_eq!(r.new_counts[3], c(0, 0, 4, 2));
    assert_eq!(r.new_counts[4].lock_losses, 1, "the inserted bit loses block lock once");
    assert!(r.new_counts[4].sync_errors >= 16, "and costs at least 16 sync errors");
    assert_eq!(r.new_counts[5], c(1, 0, 5, 1));
}

#[test]
fn an_inverted_lane_is_found_and_corrected_like_today() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let blocks = 12 * M;
    let imp = Impair { skew: 66 + 4, ..Default::default() };
    let normal = lane_bits(&mut rng, 6, blocks, &imp);
    let inverted: Vec<bool> = lane_bits(&mut rng, 2, blocks, &imp).iter().map(|b| !b).collect();
    let r = run(&[samples_from_bits(&normal, OSR), samples_from_bits(&inverted, OSR)]);
    assert_eq!(r.new_inverted, vec![false, true]);
    assert_eq!(r.old_inverted, r.new_inverted);
    assert_eq!(r.new_lock, vec![(true, 6), (true, 2)]);
    assert_eq!(r.new_counts, vec![Counters::default(); 2]);
    // Today's path inverts the line in front of bit recovery, so a header in
    // flight at the toggle can be split (one sync error); the engine corrects
    // whole blocks and counts nothing.
    assert_eq!(r.old_counts[0], Counters::default());
    assert!(r.old_counts[1].sync_errors <= 1);
    assert_eq!(Counters { sync_errors: 0, ..r.old_counts[1].clone() }, Counters::default());
    // Today's path inverts the line at the toggle, so the blocks in flight
    // then differ; from marker lock on (the next marker) both agree.
    for q in 0..2 {
        let locked = |v: &[Delivered]| v.iter().filter(|d| d.marker_lock).cloned().collect::<Vec<_>>();
        let (old, new) = (locked(&r.old_blocks[q]), locked(&r.new_blocks[q]));
        let k = old.len().min(new.len());
        assert!(k > 4 * M && old.len().abs_diff(new.len()) <= 1, "lane {q}: {} vs {}", old.len(), new.len());
        assert_eq!(new[..k], old[..k], "lane {q}");
        assert!(new.iter().all(|d| !d.bad), "lane {q}: invalid headers after the correction");
    }
}

/// RxLanes on its lines, one sample per lane and clock from `t` on.
struct LanesRun {
    uut: RxLanes,
    lines: Vec<Vec<bool>>,
    t: usize,
}

impl LanesRun {
    fn cycle(&mut self) {
        for (q, line) in self.lines.iter().enumerate() {
            self.uut.lines[q].next = line[self.t];
        }
        self.t += 1;
        mosaic_gateware::sim_clock::cycle(&mut self.uut, |u| &mut u.clock);
    }

    /// Snapshot, then every lane's counters from the read port (the lines
    /// go on meanwhile: a held line would be counted as bad headers).
    fn read_counters(&mut self) -> Vec<Counters> {
        self.uut.snapshot.next = true;
        self.cycle();
        self.uut.snapshot.next = false;
        while self.uut.busy.val() {
            self.cycle();
        }
        (0..self.lines.len())
            .map(|q| {
                self.uut.read.lane.next = (q as u64).into();
                self.cycle();
                let rd = &self.uut.read;
                Counters {
                    sync_errors: rd.sync_errors.val().to_u64(),
                    lock_losses: rd.lock_losses.val().to_u64(),
                    bip_errors: rd.bip_errors.val().to_u64(),
                    bad_markers: rd.bad_markers.val().to_u64(),
                }
            })
            .collect()
    }
}

#[test]
fn max_lanes_at_osr_1_all_lock_and_count_exactly_then_clear() {
    // OSR 1: a block every 66 clocks exactly, the tightest schedule; every
    // lane hunts a different bit offset (slips) and carries one header and
    // one payload error.
    let lanes = max_lanes(1);
    let mut rng = ChaCha8Rng::seed_from_u64(60);
    let blocks = 14 * M;
    let lines: Vec<Vec<bool>> = (0..lanes)
        .map(|q| {
            let imp = Impair {
                // A few bits of misframing each (two blocks of hunting a bit).
                skew: q % 11,
                header_flips: vec![150 + q % 5],
                payload_flips: vec![(165 + q % 3, 10)],
                ..Default::default()
            };
            // Clean blocks beyond the run keep the lines going while the
            // counters are read.
            lane_bits(&mut rng, (q as u64 * 7) % 61, blocks + 16, &imp)
        })
        .collect();
    let p = LinkParams { lanes, spares: 0, osr: 1, marker_period: M, deskew_depth: 4 };
    let mut uut = RxLanes::try_new(&p).unwrap();
    uut.connect_all();
    uut.reset.next = true;
    let mut r = LanesRun { uut, lines, t: 0 };
    r.cycle();
    r.uut.reset.next = false;
    let mut delivered = vec![0usize; lanes];
    while r.t < blocks * 66 {
        r.cycle();
        if r.uut.out.valid.val() {
            delivered[r.uut.out.lane.val().index()] += 1;
        }
    }
    let c = r.read_counters();
    for q in 0..lanes {
        assert!(r.uut.marker_lock[q].val(), "lane {q} not marker-locked");
        assert_eq!(c[q], Counters { sync_errors: 1, lock_losses: 0, bip_errors: 3, bad_markers: 0 }, "lane {q}");
        assert!(delivered[q] > 8 * M, "lane {q}: {} blocks", delivered[q]);
    }
    r.uut.read.lane.next = 9.into();
    r.cycle();
    assert_eq!((r.uut.read.status.val().to_u64() >> 16) & 0xFFF, 63 % 61, "lane 9's id");
    r.uut.clear.next = true;
    r.cycle();
    r.uut.clear.next = false;
    assert_eq!(r.read_counters(), vec![Counters::default(); lanes], "cleared");
}

#[test]
fn max_lanes_bound_is_refused_with_a_message() {
    assert_eq!(max_lanes(1), 60);
    assert_eq!(max_lanes(3), 188);
    assert_eq!(max_lanes(8), 256);
    let p = |lanes, osr, marker_period| LinkParams { lanes, spares: 0, osr, marker_period, deskew_depth: 4 };
    let e = RxEngine::try_new(&p(max_lanes(3) + 1, 3, 64)).err().expect("189 lanes at OSR 3 must be refused");
    assert_eq!(
        e.to_string(),
        "lanes + spares (N + S) must be at most 188 for one RX engine at OSR 3 (a lane gives a block every 66 x OSR clocks), not 189"
    );
    assert!(RxEngine::try_new(&p(max_lanes(3), 3, 64)).is_ok());
    // The link's own rules come first.
    assert_eq!(
        RxEngine::try_new(&p(4, 3, 3)).err().unwrap().to_string(),
        "marker_period (M) must be in 4..=65536 blocks, not 3"
    );
}

#[test]
fn prbs_mode_checks_every_lane_in_the_engine_like_the_per_lane_checker() {
    // PRBS31 on three lanes at different phases: lane 0 clean, lane 1 three
    // flipped bits (one error each: the check free-runs once locked), lane 2
    // a burst of 40 that must drop the lock, which then comes back.
    let pattern = PrbsPattern::Prbs31;
    let blocks = 40;
    let flips: [Vec<usize>; 3] =
        [vec![], vec![20 * 66 + 5, 25 * 66 + 40, 25 * 66 + 41], (30 * 66..30 * 66 + 40).collect()];
    let lines: Vec<Vec<bool>> = (0..3u64)
        .map(|q| {
            let mut bits: Vec<bool> =
                PrbsModel::with_history(pattern, 0x1234_5677 * (q + 1)).take((blocks + 12) * 66).collect();
            for &k in &flips[q as usize] {
                bits[k] = !bits[k];
            }
            samples_from_bits(&bits, OSR)
        })
        .collect();
    let mut uut = Both::new(3);
    uut.connect_all();
    uut.prbs.next = true;
    uut.pattern.next = (pattern.code() as u64).into();
    uut.reset.next = true;
    cycle(&mut uut);
    uut.reset.next = false;
    let end = blocks * 66 * OSR;
    let mut t = 0;
    let step = |uut: &mut Both, t: &mut usize| {
        for (q, line) in lines.iter().enumerate() {
            uut.lines[q].next = line[*t];
        }
        *t += 1;
        cycle(uut);
    };
    while t < end {
        step(&mut uut, &mut t);
    }
    let old: Vec<(bool, u64, u64)> = (0..3)
        .map(|q| {
            let rx = &uut.old_rx[q];
            (rx.prbs_lock.val(), rx.prbs_errors.val().to_u64(), rx.prbs_bits.val().to_u64())
        })
        .collect();
    uut.snapshot.next = true;
    step(&mut uut, &mut t);
    uut.snapshot.next = false;
    while uut.new.busy.val() {
        step(&mut uut, &mut t);
    }
    let map = RegMap::new(&LinkParams { lanes: 3, spares: 0, osr: OSR, marker_period: M, deskew_depth: 4 });
    let at_prbs = map.field("LANE_STATUS", "prbs_lock").lsb;
    let mut new = vec![];
    for q in 0..3 {
        uut.new.read.lane.next = (q as u64).into();
        step(&mut uut, &mut t);
        let rd = &uut.new.read;
        new.push((
            (rd.status.val().to_u64() >> at_prbs) & 1 == 1,
            rd.prbs_errors.val().to_u64(),
            rd.bits.val().to_u64(),
        ));
        // Link mode is off: no block lock, no marker lock.
        assert_eq!(rd.status.val().to_u64() & !(1 << at_prbs), 0, "lane {q}: only the PRBS lock");
        assert_eq!((rd.sync_errors.val().to_u64(), rd.lock_losses.val().to_u64()), (0, 0), "lane {q}");
    }
    for q in 0..3 {
        assert!(new[q].0 && old[q].0, "lane {q}: both checkers locked at the end: {:?} {:?}", new[q], old[q]);
        // Whole blocks while locked: all but the few before lock (bit
        // recovery, one block to fill the history, one to lock), and on
        // lane 2 the relock.
        assert_eq!(new[q].2 % 66, 0, "lane {q}: bits {}", new[q].2);
        let lost = if q == 2 { 4 } else { 0 };
        assert!(
            new[q].2 >= (blocks as u64 - 6 - lost) * 66 && new[q].2 <= blocks as u64 * 66,
            "lane {q}: bits {}",
            new[q].2
        );
    }
    assert_eq!((new[0].1, old[0].1), (0, 0), "lane 0: clean");
    assert_eq!((new[1].1, old[1].1), (3, 3), "lane 1: one error per flipped bit");
    assert!(new[2].1 >= 16 && old[2].1 >= 16, "lane 2: the burst is counted: {} {}", new[2].1, old[2].1);
}

#[test]
fn link_rx_synthesizes_at_8_and_16_lanes_in_fewer_luts_per_lane_than_lane_rx() {
    // LinkRx whole (front ends, engine, deskew bookkeeping and RAM,
    // discovery, aligner, gearbox) at OSR 3; the per-lane slope is the
    // issue's measure. Figures in link_rx.rs's module docs. For scale, the
    // single-lane PHY (LaneRx): the first link's per-lane receive path was
    // LaneRx plus a per-lane aligner (740 iCE40 / 559 ECP5 LUT4 together).
    let old_rx = verilog_of(&mut LaneRx::new(OSR));
    let old_ice = yosys_synth_ice40("old_lane_rx", &old_rx).unwrap().luts;
    let old_ecp = yosys_synth_ecp5("old_lane_rx", &old_rx).unwrap().luts;
    println!("LaneRx per lane: {old_ice} iCE40 LUT4, {old_ecp} ECP5 LUT4");
    let mut rows = vec![];
    // 8 and 16 lanes: enough for the slope at a third of the synthesis time of 8 and 32.
    for lanes in [8usize, 16] {
        let p = LinkParams { lanes, spares: 0, osr: OSR, marker_period: 64, deskew_depth: 4 };
        let name = format!("link_rx_{lanes}");
        let v = verilog_of(&mut LinkRx::try_new(&p).unwrap());
        verilator_lint(&name, &v).unwrap();
        let ice = yosys_synth_ice40(&name, &v).unwrap();
        let ecp = yosys_synth_ecp5(&name, &v).unwrap();
        println!(
            "LinkRx {lanes} lanes: iCE40 {} LUT4 {} FF {} SB_RAM40_4K; ECP5 {} LUT4 {} FF {} DP16KD {} LUT-RAM",
            ice.luts, ice.ffs, ice.brams, ecp.luts, ecp.ffs, ecp.brams, ecp.lutrams
        );
        // The engine's state, counts, snapshot and status RAMs (167, 192,
        // 192, 16 bits x 256) in block RAM, not LUT RAM or flip-flops (the
        // deskew RAM's few words of (N + S) x D may go to LUT RAM).
        assert!(ecp.brams >= 6 && ice.brams >= 6, "{lanes} lanes: engine RAMs not in block RAM: {ice:?} {ecp:?}");
        rows.push((lanes as f64, ice.luts as f64, ecp.luts as f64));
    }
    let (l8, i8_, e8) = rows[0];
    let (l16, i16_, e16) = rows[1];
    let (ice_lane, ecp_lane) = ((i16_ - i8_) / (l16 - l8), (e16 - e8) / (l16 - l8));
    println!(
        "LinkRx per lane: {ice_lane:.0} iCE40 LUT4 (fixed {:.0}), {ecp_lane:.0} ECP5 LUT4 (fixed {:.0})",
        i8_ - ice_lane * l8,
        e8 - ecp_lane * l8
    );
    // The whole per-lane link receive path in less than the single-lane PHY.
    assert!(ice_lane < old_ice as f64, "per-lane iCE40 LUTs {ice_lane:.0} not under LaneRx's {old_ice}");
    assert!(ecp_lane < old_ecp as f64, "per-lane ECP5 LUTs {ecp_lane:.0} not under LaneRx's {old_ecp}");
    // The budget for the whole link, TX included, is 400 ECP5 LUT4 a lane.
    assert!(ecp_lane < 400.0 && ice_lane < 400.0, "per lane: {ice_lane:.0} iCE40, {ecp_lane:.0} ECP5");
}

#[test]
fn link_rx_refuses_more_lanes_than_one_engine_serves() {
    let p = LinkParams { lanes: 60, spares: 1, osr: 1, marker_period: 64, deskew_depth: 4 };
    let e = LinkRx::try_new(&p).err().expect("61 lanes at OSR 1 must be refused").to_string();
    assert_eq!(
        e,
        "lanes + spares (N + S) must be at most 60 for one RX engine at OSR 1 (a lane gives a block every 66 x OSR clocks), not 61"
    );
    assert!(LinkRx::try_new(&LinkParams { spares: 0, ..p }).is_ok());
    let panic = std::panic::catch_unwind(|| LinkRx::new(&p)).err().expect("new must panic");
    assert_eq!(panic.downcast_ref::<String>().map(String::as_str), Some(format!("LinkRx: {e}").as_str()));
}
