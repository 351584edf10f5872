//! Lane TX -> software channel -> lane RX: blocks come back exactly, and
//! single flipped line bits give exact error counts (1 per flip in PRBS mode,
//! 3 payload bits per flipped payload bit, 1 sync error per flipped header).

use mosaic_gateware::lane_rx::LaneRx;
use mosaic_gateware::lane_tx::LaneTx;
use mosaic_gateware::prbs::PrbsPattern;
use mosaic_sim::channel::{Drift, LaneChannel, LaneImpairments};
use mosaic_sim::harness;
use mosaic_sim::harness::Harness;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Loop {
    osr: usize,
    tx: Harness<LaneTx>,
    rx: Harness<LaneRx>,
    ch: LaneChannel,
    /// Blocks offered to TX, by take number.
    sent: Vec<(bool, u64)>,
    takes: usize,
    /// Blocks delivered by RX.
    got: Vec<(bool, u64)>,
    rng: ChaCha8Rng,
    clock: usize,
}

impl Loop {
    fn new(osr: usize, imp: LaneImpairments, invert_rx: bool, prbs: Option<PrbsPattern>, seed: u64) -> Self {
        // TX line bits start on clocks = 3 * OSR - 1 after release (see LaneTx docs).
        let ch = LaneChannel::new(osr, imp, seed).unwrap().with_tx_phase(osr - 1);
        let mut tx = harness!(LaneTx::new(osr));
        let mut rx = harness!(LaneRx::new(osr));
        let code = (prbs.map_or(0, |p| p.code()) as u64).into();
        tx.cycle(|u| {
            u.reset.next = true;
            u.cfg_prbs_enable.next = prbs.is_some();
            u.cfg_prbs_pattern.next = code;
        });
        rx.cycle(|u| {
            u.reset.next = true;
            u.cfg_invert.next = invert_rx;
            u.cfg_prbs_enable.next = prbs.is_some();
            u.cfg_prbs_pattern.next = code;
            u.cfg_freeze.next = false;
            u.cfg_clear.next = false;
        });
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let sent = vec![(rng.gen_bool(0.25), rng.gen())];
        Self { osr, tx, rx, ch, sent, takes: 0, got: vec![], rng, clock: 0 }
    }

    fn step(&mut self) {
        let (c, d) = self.sent[self.takes];
        let take = self.tx.uut.block_take.val();
        self.tx.cycle(|u| {
            u.reset.next = false;
            u.block_ctrl.next = c;
            u.block_data.next = d.into();
        });
        if take {
            self.takes += 1;
            let next = (self.rng.gen_bool(0.25), self.rng.gen());
            self.sent.push(next);
        }
        let sample = self.ch.step(self.tx.uut.tx_line.val());
        self.rx.cycle(|u| {
            u.reset.next = false;
            u.rx_line.next = sample;
        });
        if self.rx.uut.block_valid.val() {
            self.got.push((self.rx.uut.block_ctrl.val(), self.rx.uut.block_data.val().to_u64()));
        }
        self.clock += 1;
    }

    fn run_bits(&mut self, bits: usize) {
        for _ in 0..bits * self.osr {
            self.step();
        }
    }

    /// Flips exactly the TX line bit `bit` (counted from the first line bit
    /// after reset) in the channel; runs up to and over it.
    fn flip_line_bit(&mut self, bit: usize) {
        let start = 3 * self.osr - 1 + bit * self.osr;
        assert!(start >= self.clock, "bit {bit} already sent");
        while self.clock < start {
            self.step();
        }
        self.ch.set_ber(1.0);
        self.step();
        self.ch.set_ber(0.0);
    }

    /// Where the received blocks sit in the sent ones: every received block
    /// from the first on must equal the sent block at that offset.
    fn align(&self) -> usize {
        let first = self.got[0];
        let k = self.sent.iter().position(|&s| s == first).expect("first received block was sent");
        k
    }

    fn prbs(&self) -> (u64, u64, bool) {
        let u = &self.rx.uut;
        (u.prbs_errors.val().to_u64(), u.prbs_bits.val().to_u64(), u.prbs_lock.val())
    }
}

#[test]
fn blocks_come_back_exactly_through_delay_phase_and_inversion() {
    for osr in [1, 2, 4] {
        let imp = LaneImpairments { delay_bits: 13, phase: osr / 2, invert: true, ..Default::default() };
        let mut l = Loop::new(osr, imp, true, None, 40 + osr as u64);
        l.run_bits(200 * 66);
        assert!(l.rx.uut.block_lock.val(), "osr {osr}: block lock");
        assert!(l.got.len() >= 60, "osr {osr}: {} blocks", l.got.len());
        let k = l.align();
        assert_eq!(&l.got[..], &l.sent[k..k + l.got.len()], "osr {osr}");
        assert_eq!(l.rx.uut.sync_errors.val().to_u64(), 0);
        assert_eq!(l.rx.uut.lock_losses.val().to_u64(), 0);
    }
}

#[test]
fn one_flipped_bit_gives_three_payload_errors_or_one_sync_error() {
    let osr = 4;
    let mut l = Loop::new(osr, LaneImpairments { delay_bits: 3, phase: 1, ..Default::default() }, false, None, 50);
    // Lock (64 blocks), then flip payload bit 20 of block 80 and the first
    // sync bit of block 90.
    l.flip_line_bit(80 * 66 + 2 + 20);
    l.flip_line_bit(90 * 66);
    l.run_bits(20 * 66);
    assert_eq!(l.ch.flipped_bits(), 2);
    let k = l.align();
    let mut wrong_bits = vec![];
    let mut wrong_blocks = vec![];
    for (i, (&g, &s)) in l.got.iter().zip(&l.sent[k..]).enumerate() {
        let diff = (g.1 ^ s.1).count_ones();
        if g != s {
            wrong_blocks.push(k + i);
        }
        if diff > 0 {
            wrong_bits.push((k + i, diff));
        }
    }
    // Block 90's header is invalid: delivered as control, data as received
    // (and descrambled correctly, since the header is not scrambled).
    assert_eq!(l.rx.uut.sync_errors.val().to_u64(), 1);
    assert_eq!(l.rx.uut.lock_losses.val().to_u64(), 0);
    // Payload bit 20 of block 80 and its echoes at +39 and +58 payload bits:
    // bits 20 and 59 of block 80, bit 14 of block 81.
    assert_eq!(wrong_bits, vec![(80, 2), (81, 1)], "blocks with payload errors");
    let b90_ctrl_was = l.sent[90].0;
    let expect_blocks: Vec<usize> = if b90_ctrl_was { vec![80, 81] } else { vec![80, 81, 90] };
    assert_eq!(wrong_blocks, expect_blocks);
}

#[test]
fn prbs_loop_counts_one_error_per_flipped_bit_for_all_patterns() {
    for (i, p) in PrbsPattern::ALL.into_iter().enumerate() {
        let osr = [1, 2, 3, 4, 8][i];
        let imp = LaneImpairments { delay_bits: 9, phase: osr - 1, ..Default::default() };
        let mut l = Loop::new(osr, imp, false, Some(p), 60);
        l.run_bits(300);
        let (e0, b0, lock) = l.prbs();
        assert!(lock, "{} osr {osr}: locked", p.name());
        assert_eq!(e0, 0);
        for j in 0..5 {
            l.flip_line_bit(400 + j * 150);
        }
        l.run_bits(200);
        let (e, b, lock) = l.prbs();
        assert!(lock, "{}: still locked", p.name());
        assert_eq!(l.ch.flipped_bits(), 5);
        assert_eq!(e, 5, "{} osr {osr}: 1 error per flipped bit", p.name());
        assert!(b > b0 + 900, "{}: bits counted", p.name());
    }
}

#[test]
fn prbs_loop_follows_clock_drift() {
    for later in [true, false] {
        let osr = 4;
        let imp = LaneImpairments {
            delay_bits: 40,
            phase: 2,
            drift: Some(Drift { every_bits: 200, later }),
            ..Default::default()
        };
        let mut l = Loop::new(osr, imp, false, Some(PrbsPattern::Prbs31), 70);
        l.run_bits(400);
        let (e0, _, lock) = l.prbs();
        assert!(lock, "later={later}: locked");
        // 4000 bits: the sampling point walks 20 clocks = 5 whole bits.
        l.run_bits(4000);
        let (e, b, lock) = l.prbs();
        assert!(lock, "later={later}: still locked");
        assert_eq!(e, e0, "later={later}: no errors while following drift");
        assert!(b > 3900, "later={later}: {b} bits");
    }
}
