//! Lane PHY end to end: LaneTx -> software channel model -> LaneRx, stepped
//! clock by clock in the direct harness. Every count asserted here is exact:
//! the channel's bit errors are located by running a second, error-free copy
//! of the same channel beside it, and the expected sync-header, payload and
//! PRBS errors are computed from those locations.

use mosaic_gateware::phy::bit_recovery;
use mosaic_gateware::phy::block_format::BLOCK_BITS;
use mosaic_gateware::phy::block_lock::{LOCK_GOOD, UNLOCK_BAD};
use mosaic_gateware::phy::lane_rx::LaneRx;
use mosaic_gateware::phy::lane_tx::LaneTx;
use mosaic_gateware::phy::prbs::PrbsPattern;
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};
use mosaic_sim::channel::{Drift, LaneChannel, LaneImpairments};
use mosaic_sim::harness;
use mosaic_sim::harness::Harness;
use mosaic_sim::models::block::find_block_alignment;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

/// False-valid sync headers allowed during a whole hunt (65 wrong framings).
/// At a wrong framing a header is two scrambled bits, valid with p = 1/2, so
/// the count is negative-binomial(65, 1/2): mean 65, P(> 160) < 4e-11.
const HUNT_FALSE_VALID_MAX: usize = 160;

/// Upper bound, in line bits from reset release, on the time to block lock
/// with a channel delay of `delay_bits`: bit lock (one window + pipeline),
/// the delay, the partial first block, up to 65 slips (each costs one block
/// and one dropped bit), the false-valid headers of the hunt, then 64 good
/// headers.
fn lock_bound_bits(osr: usize, delay_bits: usize) -> usize {
    let bit_lock = bit_recovery::lock_clocks_bound(osr).div_ceil(osr);
    let slips = BLOCK_BITS - 1;
    bit_lock
        + delay_bits
        + BLOCK_BITS
        + slips * (BLOCK_BITS + 1)
        + HUNT_FALSE_VALID_MAX * BLOCK_BITS
        + LOCK_GOOD as usize * BLOCK_BITS
        + 2
}

/// TX + channel (+ its error-free twin) + RX, with a seeded block source.
struct Lane {
    osr: usize,
    tx: Harness<LaneTx>,
    ch: LaneChannel,
    clean: LaneChannel,
    rx: Harness<LaneRx>,
    blocks: ChaCha8Rng,
    pending: (bool, u64),
    /// Blocks taken by the TX, in order.
    sent: Vec<(bool, u64)>,
    /// Blocks delivered by the RX, in order.
    got: Vec<(bool, u64)>,
    /// Per clock: TX line, and whether the channel flipped the RX sample.
    tx_line: Vec<bool>,
    flipped: Vec<bool>,
    clocks: usize,
    prbs: Option<PrbsPattern>,
    invert: bool,
    freeze: bool,
    clear: bool,
}

impl Lane {
    fn new(osr: usize, imp: LaneImpairments, seed: u64) -> Lane {
        let tx_phase = tx_bit_phase(osr);
        let mut clean_imp = imp.clone();
        clean_imp.ber = 0.0;
        let mut lane = Lane {
            osr,
            tx: harness!(LaneTx::new(osr)),
            ch: LaneChannel::new(osr, imp, seed).unwrap().with_tx_phase(tx_phase),
            clean: LaneChannel::new(osr, clean_imp, seed).unwrap().with_tx_phase(tx_phase),
            rx: harness!(LaneRx::new(osr)),
            blocks: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed),
            pending: (false, 0),
            sent: vec![],
            got: vec![],
            tx_line: vec![],
            flipped: vec![],
            clocks: 0,
            prbs: None,
            invert: false,
            freeze: false,
            clear: false,
        };
        lane.pending = lane.next_block();
        lane.tx.cycle(|u| u.reset.next = true);
        lane.rx.cycle(|u| u.reset.next = true);
        lane
    }

    fn next_block(&mut self) -> (bool, u64) {
        (self.blocks.gen_bool(0.25), self.blocks.gen())
    }

    /// One clock of the whole lane.
    fn step(&mut self) {
        let take = self.tx.uut.block_take.val();
        let (ctrl, data) = self.pending;
        let (prbs_on, pattern) = match self.prbs {
            Some(p) => (true, p.code() as u64),
            None => (false, 0),
        };
        self.tx.cycle(|u| {
            u.reset.next = false;
            u.block_ctrl.next = ctrl;
            u.block_data.next = data.into();
            u.cfg_prbs_enable.next = prbs_on;
            u.cfg_prbs_pattern.next = pattern.into();
        });
        if take {
            self.sent.push(self.pending);
            self.pending = self.next_block();
        }
        let line = self.tx.uut.tx_line.val();
        let sample = self.ch.step(line);
        let reference = self.clean.step(line);
        self.tx_line.push(line);
        self.flipped.push(sample != reference && self.ch.impairments().stuck.is_none());
        let (invert, freeze, clear) = (self.invert, self.freeze, self.clear);
        self.rx.cycle(|u| {
            u.reset.next = false;
            u.rx_line.next = sample;
            u.cfg_invert.next = invert;
            u.cfg_prbs_enable.next = prbs_on;
            u.cfg_prbs_pattern.next = pattern.into();
            u.cfg_freeze.next = freeze;
            u.cfg_clear.next = clear;
        });
        if self.rx.uut.block_valid.val() {
            self.got.push((self.rx.uut.block_ctrl.val(), self.rx.uut.block_data.val().to_u64()));
        }
        self.clocks += 1;
    }

    fn run(&mut self, clocks: usize) {
        for _ in 0..clocks {
            self.step();
        }
    }

    fn run_bits(&mut self, bits: usize) {
        self.run(bits * self.osr);
    }

    /// Flips exactly the TX line bit `bit` (counted from the first line bit
    /// after reset, which leaves the TX 3 x OSR - 1 clocks after release)
    /// in the channel; runs up to and over it.
    fn flip_line_bit(&mut self, bit: usize) {
        let start = 3 * self.osr - 1 + bit * self.osr;
        assert!(start >= self.clocks, "bit {bit} already sent");
        while self.clocks < start {
            self.step();
        }
        self.ch.set_ber(1.0);
        self.step();
        self.ch.set_ber(0.0);
    }

    /// Where the delivered blocks start in the sent ones.
    fn first_got_in_sent(&self) -> usize {
        let first = self.got[0];
        self.sent.iter().position(|&s| s == first).expect("first delivered block was sent")
    }

    /// Runs until block lock (or `max_clocks`); returns the clock of lock.
    fn run_to_block_lock(&mut self, max_clocks: usize) -> Option<usize> {
        while self.clocks < max_clocks {
            self.step();
            if self.rx.uut.block_lock.val() {
                return Some(self.clocks);
            }
        }
        None
    }

    fn counters(&self) -> (u64, u64, u64, u64) {
        let u = &self.rx.uut;
        (
            u.sync_errors.val().to_u64(),
            u.lock_losses.val().to_u64(),
            u.prbs_errors.val().to_u64(),
            u.prbs_bits.val().to_u64(),
        )
    }

    /// Line bits as sent (error-free) and the channel's flips, both indexed
    /// by TX line bit (sampled mid-bit; the channel flips whole bits).
    fn line_bits(&self) -> (Vec<bool>, Vec<bool>) {
        let phase = tx_bit_phase(self.osr);
        let delay = self.ch.delay_clocks();
        let mut bits = vec![];
        let mut flips = vec![];
        let mut c = phase + self.osr / 2;
        while c + delay < self.clocks {
            bits.push(self.tx_line[c]);
            flips.push(self.flipped[c + delay]);
            c += self.osr;
        }
        (bits, flips)
    }

    /// The index in `sent` of the first delivered block; asserts that the
    /// delivered blocks are exactly the sent ones from there on, except
    /// where `expect_diff(index in sent)` says how they differ.
    fn check_got(&self, expect_diff: impl Fn(usize) -> (bool, u64)) -> usize {
        assert!(!self.got.is_empty(), "no block delivered");
        let first = self.got[0];
        let expect = |i: usize| {
            let (c, m) = expect_diff(i);
            (self.sent[i].0 ^ c, self.sent[i].1 ^ m)
        };
        let starts: Vec<usize> = (0..self.sent.len()).filter(|&i| expect(i) == first).collect();
        assert_eq!(starts.len(), 1, "first delivered block {first:x?} not found once among the sent");
        let j0 = starts[0];
        for (k, &g) in self.got.iter().enumerate() {
            let s = self.sent[j0 + k];
            let (ctrl_flip, mask) = expect_diff(j0 + k);
            assert_eq!(
                (g.0, g.1),
                (s.0 ^ ctrl_flip, s.1 ^ mask),
                "delivered block {k} (sent block {}) differs",
                j0 + k
            );
        }
        j0
    }
}

/// The TX clock (mod OSR) at which its line bits start, found by watching
/// a LaneTx alone (the channel's error model needs it to flip whole bits).
fn tx_bit_phase(osr: usize) -> usize {
    let mut tx = harness!(LaneTx::new(osr));
    tx.cycle(|u| u.reset.next = true);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut prev = tx.uut.tx_line.val();
    let mut phases = vec![];
    for c in 0..(40 * BLOCK_BITS * osr) {
        let d: u64 = rng.gen();
        tx.cycle(|u| {
            u.reset.next = false;
            u.block_data.next = d.into();
        });
        let now = tx.uut.tx_line.val();
        if now != prev {
            phases.push(c % osr);
        }
        prev = now;
    }
    assert!(phases.len() > 100);
    assert!(phases.iter().all(|&p| p == phases[0]), "TX bit boundaries are not OSR-periodic");
    phases[0]
}

fn imp(delay_bits: usize, phase: usize) -> LaneImpairments {
    LaneImpairments { delay_bits, phase, ..Default::default() }
}

/// Locks from every bit offset of a block, at the sampling phases that
/// `phases(offset)` lists, within the design bound, and then delivers
/// exactly the sent blocks. Returns the worst lock time in line bits.
fn lock_from_offsets(osr: usize, phases: impl Fn(usize) -> Vec<usize>) -> usize {
    let mut worst = 0;
    for offset in 0..BLOCK_BITS {
        for phase in phases(offset) {
            let seed = (osr * 1000 + phase * 100 + offset) as u64;
            let mut lane = Lane::new(osr, imp(offset, phase), seed);
            let bound = lock_bound_bits(osr, offset);
            let at = lane.run_to_block_lock(bound * osr + osr);
            let what = format!("osr {osr} phase {phase} offset {offset}");
            let at = at.unwrap_or_else(|| panic!("{what}: no block lock within {bound} bits"));
            let bits = at.div_ceil(osr);
            assert!(bits <= bound, "{what}: lock after {bits} bits > bound {bound}");
            worst = worst.max(bits);
            lane.run(4 * BLOCK_BITS * osr);
            lane.check_got(|_| (false, 0));
            assert!(lane.got.len() >= 3, "{what}: too few blocks delivered");
            assert!(lane.rx.uut.bit_lock.val());
            assert_eq!(lane.counters(), (0, 0, 0, 0), "{what}: counters");
        }
    }
    println!("osr {osr}: worst lock time {worst} line bits (bound {})", lock_bound_bits(osr, BLOCK_BITS - 1));
    worst
}

// Each offset once, the sampling phase cycling with the offset, so every
// offset and every phase is covered (~65 s of simulation for OSR 1 + 4 on
// a busy 2-core machine). The full cross product runs at OSR 3 below.

#[test]
fn lane_locks_from_every_offset_osr1() {
    lock_from_offsets(1, |_| vec![0]);
}

#[test]
fn lane_locks_from_every_offset_and_phase_osr4() {
    lock_from_offsets(4, |offset| vec![offset % 4]);
}

/// The full cross product at OSR 3: every offset x every sampling phase.
#[test]
fn lane_locks_from_every_offset_x_phase_osr3() {
    lock_from_offsets(3, |_| (0..3).collect());
}

/// Random bit errors in a window after lock: sync-header errors, and every
/// delivered block's payload and control flag, exactly as the flips imply.
#[test]
fn lane_counts_sync_errors_and_payload_errors_exactly() {
    let osr = 4;
    let mut lane = Lane::new(osr, imp(23, 1), 77);
    let bound = lock_bound_bits(osr, 23);
    lane.run_to_block_lock(bound * osr).expect("no lock");
    lane.run(2 * BLOCK_BITS * osr);
    lane.ch.set_ber(5e-3);
    lane.run(400 * BLOCK_BITS * osr);
    lane.ch.set_ber(0.0);
    lane.run(4 * BLOCK_BITS * osr);

    let (bits, flips) = lane.line_bits();
    let nflips = flips.iter().filter(|&&f| f).count() as u64;
    assert_eq!(nflips, lane.ch.flipped_bits(), "flip locations agree with the channel's own count");
    assert!(nflips > 20, "the test needs errors ({nflips})");
    let align = find_block_alignment(&bits[..200 * BLOCK_BITS], 100).expect("TX framing");
    // Per TX line block: header flips and the descrambled payload error mask
    // (one line error -> payload bits +0, +39, +58 of the payload stream).
    let nblocks = (bits.len() - align) / BLOCK_BITS;
    let mut pay_flip = vec![false; nblocks * 64];
    let mut expected_sync = 0;
    let mut hdr = vec![(false, false); nblocks];
    for b in 0..nblocks {
        let base = align + b * BLOCK_BITS;
        hdr[b] = (flips[base], flips[base + 1]);
        expected_sync += (flips[base] ^ flips[base + 1]) as u64;
        for i in 0..64 {
            pay_flip[b * 64 + i] = flips[base + 2 + i];
        }
    }
    let descrambled_err = |n: usize| pay_flip[n] ^ (n >= 39 && pay_flip[n - 39]) ^ (n >= 58 && pay_flip[n - 58]);
    let (sync, losses, _, _) = lane.counters();
    assert_eq!(losses, 0);
    assert_eq!(sync, expected_sync, "sync-header errors ({nflips} flipped bits)");
    assert!(expected_sync > 0, "the test needs header errors");

    // Map sent block index -> TX line block: the line block whose clean
    // decode equals a sent block well before the errors.
    let line_block_of_sent0 = {
        let probe = lane.sent[40];
        let decoded = mosaic_sim::models::block::decode_blocks(&bits, align);
        let m = decoded.iter().position(|d| (d.ctrl, d.data) == probe).expect("sent block on the line");
        m as isize - 40
    };
    let sent = lane.sent.clone();
    lane.check_got(|j| {
        let m = j as isize + line_block_of_sent0;
        if m < 0 || m as usize >= nblocks {
            return (false, 0); // not on the recorded line (before the errors)
        }
        let m = m as usize;
        let (f0, f1) = hdr[m];
        let (c, _) = sent[j];
        let (h0, h1) = if c { (true, false) } else { (false, true) };
        let got_ctrl = !(!(h0 ^ f0) & (h1 ^ f1));
        let mut mask = 0u64;
        for i in 0..64 {
            if descrambled_err(m * 64 + i) {
                mask |= 1 << i;
            }
        }
        (got_ctrl != c, mask)
    });

    // Frozen counters hold through a burst bad enough to drop the lock;
    // unfrozen, the loss is not counted after the fact; clear zeroes them.
    lane.freeze = true;
    lane.ch.set_ber(0.3);
    lane.run(40 * BLOCK_BITS * osr);
    assert!(!lane.rx.uut.block_lock.val(), "the burst must unlock the lane");
    assert_eq!(lane.counters(), (expected_sync, 0, 0, 0), "frozen");
    lane.freeze = false;
    lane.ch.set_ber(0.0);
    lane.run(BLOCK_BITS * osr);
    assert_eq!(lane.counters(), (expected_sync, 0, 0, 0), "unfrozen while hunting");
    lane.clear = true;
    lane.step();
    assert_eq!(lane.counters(), (0, 0, 0, 0), "cleared");
}

/// PRBS mode: errors counted exactly (one per flipped line bit, the locked
/// checker running on its own); bits counted exactly; freeze holds; clear zeroes.
#[test]
fn lane_prbs_counts_exactly() {
    for (osr, pattern, seed) in [(4, PrbsPattern::Prbs31, 5), (3, PrbsPattern::Prbs7, 6), (1, PrbsPattern::Prbs15, 7)] {
        let what = format!("osr {osr} {}", pattern.name());
        let mut lane = Lane::new(osr, imp(9, osr - 1), seed);
        lane.prbs = Some(pattern);
        lane.run(400 * osr);
        assert!(lane.rx.uut.prbs_lock.val(), "{what}: PRBS lock");
        assert!(!lane.rx.uut.block_lock.val());
        // Clear, then count exactly N bits.
        lane.clear = true;
        lane.step();
        lane.clear = false;
        let start = lane.clocks;
        assert_eq!(lane.counters().3, 0, "{what}: cleared");
        lane.ch.set_ber(3e-3);
        lane.run(6000 * osr);
        lane.ch.set_ber(0.0);
        lane.run(200 * osr);
        let n = (lane.clocks - start) / osr;
        lane.freeze = true;
        lane.run(50 * osr);
        let (_, _, errors, checked) = lane.counters();
        assert_eq!(checked as usize, n, "{what}: bits checked");

        let (_, flips) = lane.line_bits();
        let nflips = flips.iter().filter(|&&f| f).count();
        assert!(nflips > 5, "{what}: the test needs errors");
        assert_eq!(errors, nflips as u64, "{what}: PRBS errors for {nflips} flips");
        // Frozen: nothing moves even with new errors.
        lane.ch.set_ber(1e-2);
        lane.run(500 * osr);
        assert_eq!(lane.counters().2, errors, "{what}: frozen errors");
        assert_eq!(lane.counters().3, checked, "{what}: frozen bits");
        // Leaving PRBS mode keeps the counts for reading.
        lane.freeze = false;
        lane.prbs = None;
        lane.run(300 * osr);
        assert_eq!(lane.counters(), (0, 0, errors, checked), "{what}: after leaving PRBS mode");
        assert!(!lane.rx.uut.prbs_lock.val());
        lane.clear = true;
        lane.step();
        assert_eq!(lane.counters(), (0, 0, 0, 0), "{what}: clear");
    }
}

/// A stuck lane loses block lock (and bit lock), relocks when released, and
/// counts exactly one loss.
#[test]
fn lane_stuck_unlocks_and_relocks_once() {
    for (osr, level) in [(4, false), (3, true), (1, false)] {
        let what = format!("osr {osr} stuck at {level}");
        let mut lane = Lane::new(osr, imp(30, osr / 2), 31 + osr as u64);
        let bound = lock_bound_bits(osr, 30);
        lane.run_to_block_lock(bound * osr).expect("first lock");
        lane.run(10 * BLOCK_BITS * osr);
        lane.ch.set_stuck(Some(level));
        let mut lost_at = None;
        let mut bit_lock_dropped = false;
        for _ in 0..(40 * BLOCK_BITS * osr) {
            lane.step();
            bit_lock_dropped |= !lane.rx.uut.bit_lock.val();
            if !lane.rx.uut.block_lock.val() && lost_at.is_none() {
                lost_at = Some(lane.clocks);
            }
        }
        let lost = lost_at.unwrap_or_else(|| panic!("{what}: block lock not lost"));
        assert_eq!(bit_lock_dropped, osr >= 3, "{what}: bit lock");
        // Every header is bad from the stuck point on; the lock falls at the
        // 16th bad one in a window, so after 16..=31 bad headers (the window
        // in progress may restart once), plus the block in flight.
        let stuck_at = lane.clocks - 40 * BLOCK_BITS * osr;
        let unlock_blocks = (lost - stuck_at).div_ceil(BLOCK_BITS * osr);
        assert!(unlock_blocks <= 2 * UNLOCK_BAD as usize + 1, "{what}: unlock after {unlock_blocks} blocks");
        let (sync, losses, _, _) = lane.counters();
        assert_eq!(losses, 1, "{what}: one loss");
        assert!((UNLOCK_BAD..2 * UNLOCK_BAD).contains(&sync), "{what}: {sync} bad headers counted while locked");
        lane.ch.set_stuck(None);
        lane.got.clear();
        let t0 = lane.clocks;
        lane.run_to_block_lock(t0 + bound * osr).unwrap_or_else(|| panic!("{what}: no relock"));
        lane.run(5 * BLOCK_BITS * osr);
        lane.check_got(|_| (false, 0));
        assert_eq!(lane.counters().1, 1, "{what}: still exactly one loss");
    }
}

/// An inverted line: without cfg_invert the lane locks (inverted headers are
/// valid) but delivers complemented blocks, which is how the link spots it;
/// with cfg_invert the blocks are exact. In PRBS mode an inverted line never
/// locks unless cfg_invert corrects it.
#[test]
fn lane_polarity_inversion() {
    let osr = 4;
    for cfg_invert in [false, true] {
        let mut lane = Lane::new(osr, LaneImpairments { invert: true, ..imp(12, 2) }, 40);
        lane.invert = cfg_invert;
        lane.run_to_block_lock(lock_bound_bits(osr, 12) * osr).expect("lock");
        lane.run(5 * BLOCK_BITS * osr);
        let flip = !cfg_invert;
        lane.check_got(|_| (flip, if flip { u64::MAX } else { 0 }));
        assert_eq!(lane.counters(), (0, 0, 0, 0));

        let mut lane = Lane::new(osr, LaneImpairments { invert: true, ..imp(12, 2) }, 41);
        lane.invert = cfg_invert;
        lane.prbs = Some(PrbsPattern::Prbs9);
        lane.run(1000 * osr);
        assert_eq!(lane.rx.uut.prbs_lock.val(), cfg_invert, "PRBS lock with cfg_invert {cfg_invert}");
    }
}

/// Phase drift of one sample every K bits, both ways, over enough bits to
/// wrap the sampling point across the OSR boundary several times: no bit
/// lost or doubled (every block delivered, in order, error-free).
#[test]
fn lane_follows_phase_drift() {
    for (osr, every, later) in [(3, 300, true), (3, 300, false), (4, 200, true), (4, 200, false), (8, 150, false)] {
        let what = format!("osr {osr} drift 1/{every} later {later}");
        let delay_bits = 60;
        let imp = LaneImpairments { drift: Some(Drift { every_bits: every, later }), ..imp(delay_bits, 1) };
        let mut lane = Lane::new(osr, imp, 50 + osr as u64);
        let bound = lock_bound_bits(osr, delay_bits + 30);
        lane.run_to_block_lock(bound * osr).unwrap_or_else(|| panic!("{what}: no lock"));
        let d0 = lane.ch.delay_clocks();
        let run_bits = 60 * BLOCK_BITS;
        lane.run(run_bits * osr);
        let moved = (lane.ch.delay_clocks() as isize - d0 as isize).unsigned_abs();
        assert!(moved >= 2 * osr, "{what}: drift of {moved} clocks must wrap the phase");
        lane.check_got(|_| (false, 0));
        let (sync, losses, _, _) = lane.counters();
        assert_eq!((sync, losses), (0, 0), "{what}");
        assert!(lane.rx.uut.block_lock.val() && lane.rx.uut.bit_lock.val());
        // Every block that went through the channel since lock was delivered.
        assert!(lane.got.len() >= 60 - 2, "{what}: {} blocks delivered", lane.got.len());
    }
}

/// Delay, sampling phase and an inverted line corrected by cfg_invert, at
/// OSR 1, 2 and 4: every block comes back exactly, nothing counted.
#[test]
fn blocks_come_back_exactly_through_delay_phase_and_inversion() {
    for osr in [1, 2, 4] {
        let mut lane = Lane::new(osr, LaneImpairments { invert: true, ..imp(13, osr / 2) }, 40 + osr as u64);
        lane.invert = true;
        lane.run_bits(200 * BLOCK_BITS);
        assert!(lane.rx.uut.block_lock.val(), "osr {osr}: block lock");
        assert!(lane.got.len() >= 60, "osr {osr}: {} blocks", lane.got.len());
        lane.check_got(|_| (false, 0));
        assert_eq!(lane.counters(), (0, 0, 0, 0), "osr {osr}");
    }
}

/// One flipped payload bit gives exactly its three descrambled echoes (in
/// this block and the next); one flipped sync bit gives one sync error and
/// nothing else.
#[test]
fn one_flipped_bit_gives_three_payload_errors_or_one_sync_error() {
    let osr = 4;
    let mut lane = Lane::new(osr, imp(3, 1), 50);
    // Lock (64 blocks), then flip payload bit 20 of block 80 and the first
    // sync bit of block 90.
    lane.flip_line_bit(80 * BLOCK_BITS + 2 + 20);
    lane.flip_line_bit(90 * BLOCK_BITS);
    lane.run_bits(20 * BLOCK_BITS);
    assert_eq!(lane.ch.flipped_bits(), 2);
    let k = lane.first_got_in_sent();
    let mut wrong_bits = vec![];
    let mut wrong_blocks = vec![];
    for (i, (&g, &s)) in lane.got.iter().zip(&lane.sent[k..]).enumerate() {
        if g != s {
            wrong_blocks.push(k + i);
        }
        let diff = (g.1 ^ s.1).count_ones();
        if diff > 0 {
            wrong_bits.push((k + i, diff));
        }
    }
    // Block 90's header is invalid: delivered as control, data as received
    // (and descrambled correctly, since the header is not scrambled).
    let (sync, losses, _, _) = lane.counters();
    assert_eq!((sync, losses), (1, 0));
    // Payload bit 20 of block 80 and its echoes at +39 and +58 payload bits:
    // bits 20 and 59 of block 80, bit 14 of block 81.
    assert_eq!(wrong_bits, vec![(80, 2), (81, 1)], "blocks with payload errors");
    let expect_blocks: Vec<usize> = if lane.sent[90].0 { vec![80, 81] } else { vec![80, 81, 90] };
    assert_eq!(wrong_blocks, expect_blocks);
}

/// Every PRBS pattern, each at another OSR: exactly one error per flipped
/// line bit, the lock kept.
#[test]
fn prbs_loop_counts_one_error_per_flipped_bit_for_all_patterns() {
    for (i, p) in PrbsPattern::ALL.into_iter().enumerate() {
        let osr = [1, 2, 3, 4, 8][i];
        let mut lane = Lane::new(osr, imp(9, osr - 1), 60);
        lane.prbs = Some(p);
        lane.run_bits(300);
        let (_, _, e0, b0) = lane.counters();
        assert!(lane.rx.uut.prbs_lock.val(), "{} osr {osr}: locked", p.name());
        assert_eq!(e0, 0);
        for j in 0..5 {
            lane.flip_line_bit(400 + j * 150);
        }
        lane.run_bits(200);
        let (_, _, e, b) = lane.counters();
        assert!(lane.rx.uut.prbs_lock.val(), "{}: still locked", p.name());
        assert_eq!(lane.ch.flipped_bits(), 5);
        assert_eq!(e, 5, "{} osr {osr}: 1 error per flipped bit", p.name());
        assert!(b > b0 + 900, "{}: bits counted", p.name());
    }
}

/// PRBS mode under clock drift both ways: the checker follows the walking
/// sampling point without an error.
#[test]
fn prbs_loop_follows_clock_drift() {
    for later in [true, false] {
        let osr = 4;
        let imp = LaneImpairments { drift: Some(Drift { every_bits: 200, later }), ..imp(40, 2) };
        let mut lane = Lane::new(osr, imp, 70);
        lane.prbs = Some(PrbsPattern::Prbs31);
        lane.run_bits(400);
        let (_, _, e0, _) = lane.counters();
        assert!(lane.rx.uut.prbs_lock.val(), "later={later}: locked");
        // 4000 bits: the sampling point walks 20 clocks = 5 whole bits.
        lane.run_bits(4000);
        let (_, _, e, b) = lane.counters();
        assert!(lane.rx.uut.prbs_lock.val(), "later={later}: still locked");
        assert_eq!(e, e0, "later={later}: no errors while following drift");
        assert!(b > 3900, "later={later}: {b} bits");
    }
}

/// One LaneTx + one LaneRx (OSR 4), ports brought out, for synthesis.
#[derive(LogicBlock)]
struct PhyPair {
    clock: Signal<In, Clock>,
    reset: Signal<In, Bit>,
    tx_data: Signal<In, Bits<64>>,
    tx_ctrl: Signal<In, Bit>,
    tx_take: Signal<Out, Bit>,
    tx_line: Signal<Out, Bit>,
    rx_line: Signal<In, Bit>,
    cfg_invert: Signal<In, Bit>,
    cfg_prbs_enable: Signal<In, Bit>,
    cfg_prbs_pattern: Signal<In, Bits<3>>,
    cfg_freeze: Signal<In, Bit>,
    cfg_clear: Signal<In, Bit>,
    rx_data: Signal<Out, Bits<64>>,
    rx_ctrl: Signal<Out, Bit>,
    rx_valid: Signal<Out, Bit>,
    rx_status: Signal<Out, Bits<3>>,
    rx_sync_errors: Signal<Out, Bits<32>>,
    rx_lock_losses: Signal<Out, Bits<32>>,
    rx_prbs_errors: Signal<Out, Bits<32>>,
    rx_prbs_bits: Signal<Out, Bits<32>>,
    tx: LaneTx,
    rx: LaneRx,
}

impl Logic for PhyPair {
    #[hdl_gen]
    fn update(&mut self) {
        self.tx.clock.next = self.clock.val();
        self.tx.reset.next = self.reset.val();
        self.tx.block_data.next = self.tx_data.val();
        self.tx.block_ctrl.next = self.tx_ctrl.val();
        self.tx.cfg_prbs_enable.next = self.cfg_prbs_enable.val();
        self.tx.cfg_prbs_pattern.next = self.cfg_prbs_pattern.val();
        self.tx_take.next = self.tx.block_take.val();
        self.tx_line.next = self.tx.tx_line.val();
        self.rx.clock.next = self.clock.val();
        self.rx.reset.next = self.reset.val();
        self.rx.rx_line.next = self.rx_line.val();
        self.rx.cfg_invert.next = self.cfg_invert.val();
        self.rx.cfg_prbs_enable.next = self.cfg_prbs_enable.val();
        self.rx.cfg_prbs_pattern.next = self.cfg_prbs_pattern.val();
        self.rx.cfg_freeze.next = self.cfg_freeze.val();
        self.rx.cfg_clear.next = self.cfg_clear.val();
        self.rx_data.next = self.rx.block_data.val();
        self.rx_ctrl.next = self.rx.block_ctrl.val();
        self.rx_valid.next = self.rx.block_valid.val();
        self.rx_status.next = bit_cast::<3, 1>(self.rx.bit_lock.val().into())
            | (bit_cast::<3, 1>(self.rx.block_lock.val().into()) << 1)
            | (bit_cast::<3, 1>(self.rx.prbs_lock.val().into()) << 2);
        self.rx_sync_errors.next = self.rx.sync_errors.val();
        self.rx_lock_losses.next = self.rx.lock_losses.val();
        self.rx_prbs_errors.next = self.rx.prbs_errors.val();
        self.rx_prbs_bits.next = self.rx.prbs_bits.val();
    }
}

#[test]
fn lane_tx_rx_pair_is_synthesizable() {
    let mut pair = PhyPair {
        clock: Default::default(),
        reset: Default::default(),
        tx_data: Default::default(),
        tx_ctrl: Default::default(),
        tx_take: Default::default(),
        tx_line: Default::default(),
        rx_line: Default::default(),
        cfg_invert: Default::default(),
        cfg_prbs_enable: Default::default(),
        cfg_prbs_pattern: Default::default(),
        cfg_freeze: Default::default(),
        cfg_clear: Default::default(),
        rx_data: Default::default(),
        rx_ctrl: Default::default(),
        rx_valid: Default::default(),
        rx_status: Default::default(),
        rx_sync_errors: Default::default(),
        rx_lock_losses: Default::default(),
        rx_prbs_errors: Default::default(),
        rx_prbs_bits: Default::default(),
        tx: LaneTx::new(4),
        rx: LaneRx::new(4),
    };
    let v = verilog_of(&mut pair);
    verilator_lint("lane_pair_osr4", &v).unwrap();
    let stats = yosys_synth_ice40("lane_pair_osr4", &v).unwrap();
    println!("LaneTx + LaneRx (OSR 4) on iCE40: {stats:?}");
    assert!(stats.luts > 100 && stats.luts < 3000, "LUTs {}", stats.luts);
}
