//! Marker lock, lane id, polarity and BIP-8, one delivered block at a time
//! (IEEE 802.3 clause 82 style), as a combinational step from a lane's
//! stored marker state and the block to the new state and the block's
//! flags. The rules (the per-lane `LaneAlign` of the first link had them;
//! this step replaced it):
//! - a lane locks on its first valid marker and then expects one every M
//!   blocks; at the expected position a valid marker with the lane's id is
//!   good (its BIP-8 is checked), anything else is a bad marker; 4 in a row
//!   or a loss of block lock unlock. A damaged marker still counts as the
//!   marker slot, so the aligner sees the round as a marker round;
//! - a valid marker with another id means the transmitter moved the lane:
//!   the lock drops at once, and the new id is believed only when the next
//!   marker carries it too;
//! - a marker-shaped block away from the expected position is flagged as a
//!   marker, so the aligner sees the round as misaligned;
//! - an inverted marker while unlocked toggles the lane's polarity;
//! - only marker-locked lanes (and the marker that brings the lock) write
//!   into the deskew FIFO.
//!
//! The BIP difference is counted at once (popcount) instead of one bit per
//! clock: the same count, and nothing is left running between visits.

use super::bip_fold::Bip8Fold;
use crate::link::marker::{MARKER_FIXED_MASK, MARKER_FIXED_VALUE};
use crate::phy::prbs_word::Popcount32;
use rust_hdl::prelude::*;

/// One block's marker decision (combinational; see the module docs).
#[derive(LogicBlock)]
pub struct MarkerStep {
    /// A block was delivered (the lane is block-locked after it).
    pub valid: Signal<In, Bit>,
    /// The lane's block lock after this block (low: the marker lock goes).
    pub block_lock: Signal<In, Bit>,
    /// The block: descrambled payload, control, invalid header (after the
    /// lane's polarity is applied).
    pub payload: Signal<In, Bits<64>>,
    pub ctrl: Signal<In, Bit>,
    pub bad: Signal<In, Bit>,
    /// The lane's marker state before the block: lock, id, blocks since the
    /// marker, bad markers in a row, polarity, the id of a move and whether
    /// one is pending, the BIP-8 accumulator.
    pub mlock: Signal<In, Bit>,
    pub mid: Signal<In, Bits<12>>,
    pub bcount: Signal<In, Bits<17>>,
    pub bad_run: Signal<In, Bits<3>>,
    pub inv: Signal<In, Bit>,
    pub cand: Signal<In, Bits<12>>,
    pub cand_ok: Signal<In, Bit>,
    pub bip_acc: Signal<In, Bits<8>>,
    /// The state after the block.
    pub next_mlock: Signal<Out, Bit>,
    pub next_mid: Signal<Out, Bits<12>>,
    pub next_bcount: Signal<Out, Bits<17>>,
    pub next_bad_run: Signal<Out, Bits<3>>,
    pub next_inv: Signal<Out, Bit>,
    pub next_cand: Signal<Out, Bits<12>>,
    pub next_cand_ok: Signal<Out, Bit>,
    pub next_bip_acc: Signal<Out, Bits<8>>,
    /// Flags of the block (see [super::ports::AlignedBlockSource]).
    pub is_marker: Signal<Out, Bit>,
    pub marker_slot: Signal<Out, Bit>,
    pub write: Signal<Out, Bit>,
    pub marker_seen: Signal<Out, Bit>,
    pub bip_bad: Signal<Out, Bit>,
    /// A bad marker at the expected position (counted in `LANE_BAD_MARKERS`).
    pub bad_marker: Signal<Out, Bit>,
    /// BIP-8 bits in error of a good marker (counted in `LANE_BIP_ERRORS`).
    pub bip_errors: Signal<Out, Bits<6>>,
    popcount: Popcount32,
    blk_id: Signal<Local, Bits<12>>,
    is_inv_marker: Signal<Local, Bit>,
    at_slot: Signal<Local, Bit>,
    fold: Bip8Fold,
    last_block: Constant<Bits<17>>,
    fixed_mask: Constant<Bits<64>>,
    fixed_value: Constant<Bits<64>>,
}

impl MarkerStep {
    /// A step for markers every `marker_period` blocks (the link's M).
    pub fn new(marker_period: usize) -> Self {
        assert!(
            (4..=65536).contains(&marker_period),
            "MarkerStep: marker_period (M) must be in 4..=65536, not {marker_period}"
        );
        Self {
            valid: Default::default(),
            block_lock: Default::default(),
            payload: Default::default(),
            ctrl: Default::default(),
            bad: Default::default(),
            mlock: Default::default(),
            mid: Default::default(),
            bcount: Default::default(),
            bad_run: Default::default(),
            inv: Default::default(),
            cand: Default::default(),
            cand_ok: Default::default(),
            bip_acc: Default::default(),
            next_mlock: Default::default(),
            next_mid: Default::default(),
            next_bcount: Default::default(),
            next_bad_run: Default::default(),
            next_inv: Default::default(),
            next_cand: Default::default(),
            next_cand_ok: Default::default(),
            next_bip_acc: Default::default(),
            is_marker: Default::default(),
            marker_slot: Default::default(),
            write: Default::default(),
            marker_seen: Default::default(),
            bip_bad: Default::default(),
            bad_marker: Default::default(),
            bip_errors: Default::default(),
            popcount: Default::default(),
            blk_id: Default::default(),
            is_inv_marker: Default::default(),
            at_slot: Default::default(),
            fold: Default::default(),
            last_block: Constant::new(((marker_period - 1) as u64).into()),
            fixed_mask: Constant::new(MARKER_FIXED_MASK.into()),
            fixed_value: Constant::new(MARKER_FIXED_VALUE.into()),
        }
    }
}

impl Logic for MarkerStep {
    #[hdl_gen]
    fn update(&mut self) {
        // A valid marker: fixed fields, BIP-8 against its complement, the id
        // against its check nibble (see marker.rs).
        self.blk_id.next = self.payload.val().get_bits::<12>(24);
        self.is_marker.next = self.ctrl.val()
            & !self.bad.val()
            & ((self.payload.val() & self.fixed_mask.val()) == self.fixed_value.val())
            & (self.payload.val().get_bits::<8>(40) == !self.payload.val().get_bits::<8>(48))
            & (self.payload.val().get_bits::<4>(36)
                == (self.blk_id.val().get_bits::<4>(0)
                    ^ self.blk_id.val().get_bits::<4>(4)
                    ^ self.blk_id.val().get_bits::<4>(8)));
        self.is_inv_marker.next = !self.ctrl.val()
            & !self.bad.val()
            & ((!self.payload.val() & self.fixed_mask.val()) == self.fixed_value.val())
            & (self.payload.val().get_bits::<8>(40) == !self.payload.val().get_bits::<8>(48));
        self.fold.payload.next = self.payload.val();
        self.at_slot.next = self.mlock.val() & (self.bcount.val() == self.last_block.val());
        self.marker_slot.next = (self.at_slot.val() & (self.ctrl.val() | self.bad.val())) | self.is_marker.val();
        self.write.next = self.valid.val()
            & (self.mlock.val()
                | (self.is_marker.val() & (!self.cand_ok.val() | (self.blk_id.val() == self.cand.val()))))
            & self.block_lock.val();
        self.popcount.value.next = bit_cast::<32, 8>(self.bip_acc.val() ^ self.payload.val().get_bits::<8>(40));

        self.next_mlock.next = self.mlock.val();
        self.next_mid.next = self.mid.val();
        self.next_bcount.next = self.bcount.val();
        self.next_bad_run.next = self.bad_run.val();
        self.next_inv.next = self.inv.val();
        self.next_cand.next = self.cand.val();
        self.next_cand_ok.next = self.cand_ok.val();
        self.next_bip_acc.next = self.bip_acc.val();
        self.marker_seen.next = false;
        self.bip_bad.next = false;
        self.bad_marker.next = false;
        self.bip_errors.next = 0.into();
        if self.valid.val() {
            if !self.mlock.val() {
                if self.is_marker.val() {
                    // After a move, lock only on the id the last marker showed.
                    if !self.cand_ok.val() | (self.blk_id.val() == self.cand.val()) {
                        self.next_mlock.next = true;
                        self.next_mid.next = self.blk_id.val();
                        self.next_bcount.next = 0.into();
                        self.next_bad_run.next = 0.into();
                        self.next_bip_acc.next = 0.into();
                        self.marker_seen.next = true;
                        self.next_cand_ok.next = false;
                    } else {
                        self.next_cand.next = self.blk_id.val();
                    }
                } else if self.is_inv_marker.val() {
                    self.next_inv.next = !self.inv.val();
                }
            } else if self.at_slot.val() {
                self.next_bcount.next = 0.into();
                self.next_bip_acc.next = 0.into();
                if self.is_marker.val() & (self.blk_id.val() == self.mid.val()) {
                    self.next_bad_run.next = 0.into();
                    self.marker_seen.next = true;
                    self.bip_errors.next = self.popcount.count.val();
                    if self.bip_acc.val() != self.payload.val().get_bits::<8>(40) {
                        self.bip_bad.next = true;
                    }
                } else {
                    self.bad_marker.next = true;
                    self.next_bad_run.next = self.bad_run.val() + 1;
                    if self.bad_run.val() == 3 {
                        self.next_mlock.next = false;
                    }
                    // A valid marker with another id: the lane was moved.
                    if self.is_marker.val() {
                        self.next_mlock.next = false;
                        self.next_cand.next = self.blk_id.val();
                        self.next_cand_ok.next = true;
                    }
                }
            } else {
                self.next_bcount.next = self.bcount.val() + 1;
                self.next_bip_acc.next = self.bip_acc.val() ^ self.fold.fold.val();
            }
        }
        if !self.block_lock.val() {
            self.next_mlock.next = false;
            self.next_cand_ok.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::marker::{bip_fold, marker_payload};

    #[derive(Default, Clone, Copy, Debug)]
    struct St {
        mlock: bool,
        mid: u64,
        bcount: u64,
        bad_run: u64,
        inv: bool,
        cand: u64,
        cand_ok: bool,
        bip_acc: u64,
    }

    #[derive(Default, Debug, PartialEq)]
    struct Count {
        bad_markers: u64,
        bip_errors: u64,
        seen: u64,
        writes: u64,
    }

    fn step(uut: &mut MarkerStep, s: &mut St, c: &mut Count, ctrl: bool, payload: u64) {
        uut.valid.next = true;
        uut.block_lock.next = true;
        uut.payload.next = payload.into();
        uut.ctrl.next = ctrl;
        uut.bad.next = false;
        uut.mlock.next = s.mlock;
        uut.mid.next = s.mid.into();
        uut.bcount.next = s.bcount.into();
        uut.bad_run.next = s.bad_run.into();
        uut.inv.next = s.inv;
        uut.cand.next = s.cand.into();
        uut.cand_ok.next = s.cand_ok;
        uut.bip_acc.next = s.bip_acc.into();
        simulate(uut, 100);
        *s = St {
            mlock: uut.next_mlock.val(),
            mid: uut.next_mid.val().to_u64(),
            bcount: uut.next_bcount.val().to_u64(),
            bad_run: uut.next_bad_run.val().to_u64(),
            inv: uut.next_inv.val(),
            cand: uut.next_cand.val().to_u64(),
            cand_ok: uut.next_cand_ok.val(),
            bip_acc: uut.next_bip_acc.val().to_u64(),
        };
        c.bad_markers += uut.bad_marker.val() as u64;
        c.bip_errors += uut.bip_errors.val().to_u64();
        c.seen += uut.marker_seen.val() as u64;
        c.writes += uut.write.val() as u64;
    }

    /// One marker period of M = 8 on lane `id`: 7 data blocks then the marker
    /// with their BIP (XORed with `bip_flip`).
    fn period(uut: &mut MarkerStep, s: &mut St, c: &mut Count, id: u64, bip_flip: u8) {
        let mut bip = 0u8;
        for k in 0..7u64 {
            let d = 0x0123_4567_89AB_CDEFu64.wrapping_mul(k + 3);
            bip ^= bip_fold(d);
            step(uut, s, c, false, d);
        }
        step(uut, s, c, true, marker_payload(id, bip ^ bip_flip));
    }

    #[test]
    fn locks_counts_bip_errors_and_unlocks_on_four_bad_or_a_move() {
        let mut uut = MarkerStep::new(8);
        uut.connect_all();
        let (mut s, mut c) = (St::default(), Count::default());
        period(&mut uut, &mut s, &mut c, 5, 0);
        assert!(s.mlock && s.mid == 5, "locks on the first marker");
        assert_eq!(c, Count { bad_markers: 0, bip_errors: 0, seen: 1, writes: 1 });
        period(&mut uut, &mut s, &mut c, 5, 0b1001_0001);
        assert_eq!((c.bip_errors, c.seen, c.writes), (3, 2, 9), "a BIP off by 3 bits is 3 errors");
        // Three damaged markers are tolerated, the fourth in a row unlocks.
        for n in 1..=4 {
            for _ in 0..7 {
                step(&mut uut, &mut s, &mut c, false, 0);
            }
            step(&mut uut, &mut s, &mut c, true, marker_payload(5, 0) ^ (1 << 30));
            assert_eq!(s.mlock, n < 4, "after {n} bad markers");
        }
        assert_eq!(c.bad_markers, 4);
        // Relock, then a valid marker with another id unlocks at once and
        // is believed only when the next one repeats it.
        period(&mut uut, &mut s, &mut c, 5, 0);
        assert!(s.mlock);
        period(&mut uut, &mut s, &mut c, 9, 0);
        assert!(!s.mlock && s.cand_ok && s.cand == 9);
        assert_eq!(c.bad_markers, 5);
        period(&mut uut, &mut s, &mut c, 9, 0);
        assert!(s.mlock && s.mid == 9);
    }

    #[test]
    fn an_inverted_marker_toggles_polarity_while_unlocked() {
        let mut uut = MarkerStep::new(8);
        uut.connect_all();
        let (mut s, mut c) = (St::default(), Count::default());
        step(&mut uut, &mut s, &mut c, false, !marker_payload(3, 0x5A));
        assert!(s.inv && !s.mlock);
        step(&mut uut, &mut s, &mut c, true, marker_payload(3, 0x5A));
        assert!(s.mlock && s.inv && s.mid == 3);
    }

    #[test]
    fn marker_step_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut MarkerStep::new(64));
        crate::verilog::verilator_lint("marker_step", &v).unwrap();
        crate::verilog::yosys_synth_ice40("marker_step", &v).unwrap();
    }
}
