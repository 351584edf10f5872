//! Per physical lane, after the lane receiver: marker lock, lane id
//! discovery, polarity detection, BIP-8 check and the deskew FIFO.
//!
//! Marker lock (IEEE 802.3 clause 82 style): a lane locks on its first
//! marker and then expects one every M blocks. At the expected position:
//! - a valid marker with the lane's id is good (its BIP-8 is checked);
//! - anything else is a bad marker, counted in `bad_markers`; 4 in a row
//!   drop the lock, as does a loss of block lock. A damaged marker (a
//!   flipped bit in any field, the id included: see marker.rs's id check)
//!   is tolerated, and its slot still counts as the marker slot, so the
//!   aligner sees the round as a marker round and the link stays up;
//! - a valid marker with another id means the transmitter moved the lane:
//!   the lock drops at once (the aligner must stop reading this lane as
//!   the old logical lane), and the new id is believed only when the next
//!   marker carries it too.
//!
//! A marker-shaped block away from the expected position is flagged as a
//! marker, so the aligner sees the round as misaligned.
//!
//! Only marker-locked lanes write their blocks into the deskew FIFO; the
//! link's aligner reads the FIFO heads. Each entry carries three flags:
//! control, marker slot, and invalid sync header (a block that must never
//! be delivered as data).
//!
//! The FIFO's 64-bit words live in the link's shared [DeskewRam](super::deskew_ram):
//! this lane keeps its pointers, the two flag bits of every entry and one
//! pending block. An arriving block waits (in the lane receiver's output
//! register, which holds it for a whole block time) until the RAM's write
//! port visits this lane (`wr_grant`); only then it counts as in the FIFO.
//! A block that arrives while the previous one still waits is an overflow.

use super::marker::*;
use crate::control::config_reg::field_lsb;
use crate::control::regmap::RegMap;
use rust_hdl::prelude::*;

/// Depth of the deskew FIFO's address (D <= 256).
const PTR_BITS: usize = 9;

#[derive(LogicBlock)]
pub struct LaneAlign {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Blocks from the lane receiver.
    pub blk_data: Signal<In, Bits<64>>,
    pub blk_ctrl: Signal<In, Bit>,
    /// The block's sync header was invalid.
    pub blk_bad: Signal<In, Bit>,
    pub blk_valid: Signal<In, Bit>,
    /// The lane receiver's block lock.
    pub block_lock: Signal<In, Bit>,
    /// Aligner: drop FIFO heads that are not markers (hunting).
    pub hunt: Signal<In, Bit>,
    /// Aligner: pop the FIFO head this clock.
    pub pop: Signal<In, Bit>,
    /// Clear the BIP error counter.
    pub clear: Signal<In, Bit>,
    /// The receiver's bit lock and PRBS lock, folded into `status`.
    pub bit_lock: Signal<In, Bit>,
    pub prbs_lock: Signal<In, Bit>,
    /// The `LANE_STATUS` register word (see regmap.rs).
    pub status: Signal<Out, Bits<32>>,
    /// Marker lock and the logical lane id learned from the markers.
    pub marker_lock: Signal<Out, Bit>,
    pub lane_id: Signal<Out, Bits<12>>,
    /// The lane's polarity was found inverted: drives the receiver's `cfg_invert`.
    pub inverted: Signal<Out, Bit>,
    /// The shared RAM's write port visits this lane this clock.
    pub wr_grant: Signal<In, Bit>,
    /// The pending block is written now, into FIFO slot `wr_slot`.
    pub wr_commit: Signal<Out, Bit>,
    pub wr_slot: Signal<Out, Bits<PTR_BITS>>,
    /// Deskew FIFO head: its slot (data in the shared RAM) and flags.
    pub rd_slot: Signal<Out, Bits<PTR_BITS>>,
    pub head_ctrl: Signal<Out, Bit>,
    pub head_marker: Signal<Out, Bit>,
    /// The head block had an invalid sync header.
    pub head_bad: Signal<Out, Bit>,
    pub nonempty: Signal<Out, Bit>,
    /// One-clock strobe: a block arrived with the FIFO full (skew too large).
    pub overflow: Signal<Out, Bit>,
    /// One-clock strobe: a marker with this lane's id arrived (for latency).
    pub marker_seen: Signal<Out, Bit>,
    /// BIP-8 bit errors (saturating).
    pub bip_errors: Signal<Out, Bits<32>>,
    /// One-clock strobe: a marker's BIP-8 disagreed.
    pub bip_bad: Signal<Out, Bit>,
    /// Bad markers at the expected position (saturating).
    pub bad_markers: Signal<Out, Bits<32>>,
    // Marker lock state.
    mlock: DFF<Bit>,
    mid: DFF<Bits<12>>,
    bcount: DFF<Bits<17>>,
    bad: DFF<Bits<3>>,
    inv: DFF<Bit>,
    // A new id seen in a valid marker, believed when the next marker repeats it.
    cand: DFF<Bits<12>>,
    cand_ok: DFF<Bit>,
    bad_cnt: DFF<Bits<32>>,
    // BIP: accumulator, difference being counted bit-serially, counter.
    bip_acc: DFF<Bits<8>>,
    bip_diff: DFF<Bits<8>>,
    bip_cnt: DFF<Bits<32>>,
    // FIFO: flags per slot (bit 0 control, bit 1 marker slot, bit 2 invalid
    // header), the pending block's flags.
    pending: DFF<Bit>,
    pend_flags: DFF<Bits<3>>,
    fifo_flags: Vec<DFF<Bits<3>>>,
    wptr: DFF<Bits<PTR_BITS>>,
    rptr: DFF<Bits<PTR_BITS>>,
    count: DFF<Bits<PTR_BITS>>,
    // Combinational helpers.
    is_marker: Signal<Local, Bit>,
    is_inv_marker: Signal<Local, Bit>,
    blk_id: Signal<Local, Bits<12>>,
    at_slot: Signal<Local, Bit>,
    slot_flag: Signal<Local, Bit>,
    bad_marker: Signal<Local, Bit>,
    // Outputs that the link's aligner reads while it drives this block's
    // inputs are computed here and assigned once: a default-then-override
    // on a port glitches in event simulators (Icarus loops forever on it).
    head_ctrl_l: Signal<Local, Bit>,
    head_marker_l: Signal<Local, Bit>,
    head_bad_l: Signal<Local, Bit>,
    overflow_l: Signal<Local, Bit>,
    marker_seen_l: Signal<Local, Bit>,
    bip_bad_l: Signal<Local, Bit>,
    fold: Signal<Local, Bits<8>>,
    set_pend: Signal<Local, Bit>,
    commit: Signal<Local, Bit>,
    flush: Signal<Local, Bit>,
    do_pop: Signal<Local, Bit>,
    depth: Constant<Bits<PTR_BITS>>,
    ones: Constant<Bits<32>>,
    // LANE_STATUS field positions.
    at_bit_lock: Constant<Bits<32>>,
    at_block_lock: Constant<Bits<32>>,
    at_marker_lock: Constant<Bits<32>>,
    at_prbs_lock: Constant<Bits<32>>,
    at_inverted: Constant<Bits<32>>,
    at_logical_id: Constant<Bits<32>>,
    last_block: Constant<Bits<17>>,
    fixed_mask: Constant<Bits<64>>,
    fixed_value: Constant<Bits<64>>,
}

impl LaneAlign {
    /// A lane of a link whose register map is `map`.
    pub fn new(map: &RegMap) -> Self {
        let p = &map.params;
        assert!(p.validate().is_ok(), "LaneAlign: invalid link parameters: {:?}", p.validate());
        let d = p.deskew_depth;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            blk_data: Default::default(),
            blk_ctrl: Default::default(),
            blk_bad: Default::default(),
            blk_valid: Default::default(),
            block_lock: Default::default(),
            hunt: Default::default(),
            pop: Default::default(),
            clear: Default::default(),
            bit_lock: Default::default(),
            prbs_lock: Default::default(),
            status: Default::default(),
            marker_lock: Default::default(),
            lane_id: Default::default(),
            inverted: Default::default(),
            wr_grant: Default::default(),
            wr_commit: Default::default(),
            wr_slot: Default::default(),
            rd_slot: Default::default(),
            head_ctrl: Default::default(),
            head_marker: Default::default(),
            head_bad: Default::default(),
            nonempty: Default::default(),
            overflow: Default::default(),
            marker_seen: Default::default(),
            bip_errors: Default::default(),
            bip_bad: Default::default(),
            bad_markers: Default::default(),
            mlock: Default::default(),
            mid: Default::default(),
            bcount: Default::default(),
            bad: Default::default(),
            inv: Default::default(),
            cand: Default::default(),
            cand_ok: Default::default(),
            bad_cnt: Default::default(),
            bip_acc: Default::default(),
            bip_diff: Default::default(),
            bip_cnt: Default::default(),
            pending: Default::default(),
            pend_flags: Default::default(),
            fifo_flags: (0..d).map(|_| Default::default()).collect(),
            wptr: Default::default(),
            rptr: Default::default(),
            count: Default::default(),
            is_marker: Default::default(),
            is_inv_marker: Default::default(),
            blk_id: Default::default(),
            at_slot: Default::default(),
            slot_flag: Default::default(),
            bad_marker: Default::default(),
            head_ctrl_l: Default::default(),
            head_marker_l: Default::default(),
            head_bad_l: Default::default(),
            overflow_l: Default::default(),
            marker_seen_l: Default::default(),
            bip_bad_l: Default::default(),
            fold: Default::default(),
            set_pend: Default::default(),
            commit: Default::default(),
            flush: Default::default(),
            do_pop: Default::default(),
            depth: Constant::new((d as u64).into()),
            ones: Constant::new(0xFFFF_FFFFu64.into()),
            at_bit_lock: field_lsb(map, "LANE_STATUS", "bit_lock", 1),
            at_block_lock: field_lsb(map, "LANE_STATUS", "block_lock", 1),
            at_marker_lock: field_lsb(map, "LANE_STATUS", "marker_lock", 1),
            at_prbs_lock: field_lsb(map, "LANE_STATUS", "prbs_lock", 1),
            at_inverted: field_lsb(map, "LANE_STATUS", "inverted", 1),
            at_logical_id: field_lsb(map, "LANE_STATUS", "logical_id", 12),
            last_block: Constant::new(((p.marker_period - 1) as u64).into()),
            fixed_mask: Constant::new(MARKER_FIXED_MASK.into()),
            fixed_value: Constant::new(MARKER_FIXED_VALUE.into()),
        }
    }
}

impl Logic for LaneAlign {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, mlock, mid, bcount, bad, inv, cand, cand_ok, bad_cnt, bip_acc, bip_diff, bip_cnt, wptr, rptr,
            count, pending, pend_flags
        );
        for i in 0..self.fifo_flags.len() {
            self.fifo_flags[i].clock.next = self.clock.val();
            self.fifo_flags[i].d.next = self.fifo_flags[i].q.val();
        }
        // A valid marker: fixed fields, BIP-8 against its complement, and the
        // id against its check nibble (bits 39..36; see marker.rs).
        self.blk_id.next = self.blk_data.val().get_bits::<12>(24);
        self.is_marker.next = self.blk_ctrl.val()
            & !self.blk_bad.val()
            & ((self.blk_data.val() & self.fixed_mask.val()) == self.fixed_value.val())
            & (self.blk_data.val().get_bits::<8>(40) == !self.blk_data.val().get_bits::<8>(48))
            & (self.blk_data.val().get_bits::<4>(36)
                == (self.blk_id.val().get_bits::<4>(0)
                    ^ self.blk_id.val().get_bits::<4>(4)
                    ^ self.blk_id.val().get_bits::<4>(8)));
        self.is_inv_marker.next = !self.blk_ctrl.val()
            & !self.blk_bad.val()
            & ((!self.blk_data.val() & self.fixed_mask.val()) == self.fixed_value.val())
            & (self.blk_data.val().get_bits::<8>(40) == !self.blk_data.val().get_bits::<8>(48));
        self.fold.next = self.blk_data.val().get_bits::<8>(0)
            ^ self.blk_data.val().get_bits::<8>(8)
            ^ self.blk_data.val().get_bits::<8>(16)
            ^ self.blk_data.val().get_bits::<8>(24)
            ^ self.blk_data.val().get_bits::<8>(32)
            ^ self.blk_data.val().get_bits::<8>(40)
            ^ self.blk_data.val().get_bits::<8>(48)
            ^ self.blk_data.val().get_bits::<8>(56);
        self.at_slot.next = self.mlock.q.val() & (self.bcount.q.val() == self.last_block.val());
        // The FIFO's marker flag: a locked lane's marker slot, unless the block
        // there is data (a data header cannot come from a marker by one bit
        // error: the lane has slipped); any valid marker (the one that brings
        // lock, or one out of place, which the aligner then sees as misaligned).
        self.slot_flag.next = (self.at_slot.val() & (self.blk_ctrl.val() | self.blk_bad.val())) | self.is_marker.val();
        self.bad_marker.next = false;
        self.overflow_l.next = false;
        self.marker_seen_l.next = false;
        self.bip_bad_l.next = false;

        // Serial popcount of the last BIP difference: one bit per clock.
        if self.bip_diff.q.val().get_bit(0) & (self.bip_cnt.q.val() != self.ones.val()) {
            self.bip_cnt.d.next = self.bip_cnt.q.val() + 1;
        }
        self.bip_diff.d.next = self.bip_diff.q.val() >> 1;

        // Marker lock.
        if self.blk_valid.val() {
            if !self.mlock.q.val() {
                if self.is_marker.val() {
                    // After a move, lock only on the id the last marker showed.
                    if !self.cand_ok.q.val() | (self.blk_id.val() == self.cand.q.val()) {
                        self.mlock.d.next = true;
                        self.mid.d.next = self.blk_id.val();
                        self.bcount.d.next = 0.into();
                        self.bad.d.next = 0.into();
                        self.bip_acc.d.next = 0.into();
                        self.marker_seen_l.next = true;
                        self.cand_ok.d.next = false;
                    } else {
                        self.cand.d.next = self.blk_id.val();
                    }
                } else if self.is_inv_marker.val() {
                    self.inv.d.next = !self.inv.q.val();
                }
            } else if self.at_slot.val() {
                // The expected marker position.
                self.bcount.d.next = 0.into();
                self.bip_acc.d.next = 0.into();
                if self.is_marker.val() & (self.blk_id.val() == self.mid.q.val()) {
                    self.bad.d.next = 0.into();
                    self.marker_seen_l.next = true;
                    self.bip_diff.d.next = self.bip_acc.q.val() ^ self.blk_data.val().get_bits::<8>(40);
                    if self.bip_acc.q.val() != self.blk_data.val().get_bits::<8>(40) {
                        self.bip_bad_l.next = true;
                    }
                } else {
                    self.bad_marker.next = true;
                    self.bad.d.next = self.bad.q.val() + 1;
                    if self.bad.q.val() == 3 {
                        self.mlock.d.next = false;
                    }
                    // A valid marker with another id: the transmitter moved
                    // this lane. Unlock now; relock when the next marker
                    // shows the same id.
                    if self.is_marker.val() {
                        self.mlock.d.next = false;
                        self.cand.d.next = self.blk_id.val();
                        self.cand_ok.d.next = true;
                    }
                }
            } else {
                self.bcount.d.next = self.bcount.q.val() + 1;
                self.bip_acc.d.next = self.bip_acc.q.val() ^ self.fold.val();
            }
        }
        if self.bad_marker.val() & (self.bad_cnt.q.val() != self.ones.val()) {
            self.bad_cnt.d.next = self.bad_cnt.q.val() + 1;
        }
        if !self.block_lock.val() {
            self.mlock.d.next = false;
            self.cand_ok.d.next = false;
        }

        // Deskew FIFO: marker-locked lanes write every block; the block that
        // brings marker lock is written too, so the FIFO starts at a marker.
        // A block first waits for the shared RAM's write port (`pending`).
        self.set_pend.next = self.blk_valid.val()
            & (self.mlock.q.val()
                | (self.is_marker.val() & (!self.cand_ok.q.val() | (self.blk_id.val() == self.cand.q.val()))))
            & self.block_lock.val();
        // The receiver replaces its output register with each new block, so
        // the pending block can only be written before the next one arrives.
        self.commit.next = self.wr_grant.val()
            & self.pending.q.val()
            & !self.blk_valid.val()
            & (self.count.q.val() != self.depth.val());
        self.wr_commit.next = self.commit.val();
        self.wr_slot.next = self.wptr.q.val();
        self.rd_slot.next = self.rptr.q.val();
        self.head_ctrl_l.next = false;
        self.head_marker_l.next = false;
        self.head_bad_l.next = false;
        for i in 0..self.fifo_flags.len() {
            if self.rptr.q.val().index() == i {
                self.head_ctrl_l.next = self.fifo_flags[i].q.val().get_bit(0);
                self.head_marker_l.next = self.fifo_flags[i].q.val().get_bit(1);
                self.head_bad_l.next = self.fifo_flags[i].q.val().get_bit(2);
            }
        }
        self.head_ctrl.next = self.head_ctrl_l.val();
        self.head_marker.next = self.head_marker_l.val();
        self.head_bad.next = self.head_bad_l.val();
        self.nonempty.next = self.count.q.val() != 0;
        self.do_pop.next = (self.count.q.val() != 0) & (self.pop.val() | (self.hunt.val() & !self.head_marker_l.val()));
        // Overflow: the skew is beyond capacity (a full FIFO at the write),
        // or a block came before the last one was written. The FIFO is
        // flushed rather than left with a gap, so it can never hold blocks
        // of two different periods back to back.
        if (self.wr_grant.val()
            & self.pending.q.val()
            & !self.blk_valid.val()
            & (self.count.q.val() == self.depth.val()))
            | (self.blk_valid.val() & self.pending.q.val())
        {
            self.overflow_l.next = true;
        }
        self.overflow.next = self.overflow_l.val();
        self.marker_seen.next = self.marker_seen_l.val();
        self.bip_bad.next = self.bip_bad_l.val();
        if self.commit.val() {
            self.pending.d.next = false;
            for i in 0..self.fifo_flags.len() {
                if self.wptr.q.val().index() == i {
                    self.fifo_flags[i].d.next = self.pend_flags.q.val();
                }
            }
            if self.wptr.q.val() == self.depth.val() - 1 {
                self.wptr.d.next = 0.into();
            } else {
                self.wptr.d.next = self.wptr.q.val() + 1;
            }
        }
        if self.set_pend.val() {
            self.pending.d.next = true;
            self.pend_flags.d.next = bit_cast::<3, 1>(self.blk_ctrl.val().into())
                | (bit_cast::<3, 1>(self.slot_flag.val().into()) << 1)
                | (bit_cast::<3, 1>(self.blk_bad.val().into()) << 2);
        }
        if self.do_pop.val() {
            if self.rptr.q.val() == self.depth.val() - 1 {
                self.rptr.d.next = 0.into();
            } else {
                self.rptr.d.next = self.rptr.q.val() + 1;
            }
        }
        if self.commit.val() & !self.do_pop.val() {
            self.count.d.next = self.count.q.val() + 1;
        }
        if !self.commit.val() & self.do_pop.val() {
            self.count.d.next = self.count.q.val() - 1;
        }
        // A lane without marker lock holds nothing; an overflow flushes.
        self.flush.next =
            (!self.mlock.q.val() & !(self.blk_valid.val() & self.is_marker.val())) | self.overflow_l.val();
        if self.flush.val() {
            self.wptr.d.next = 0.into();
            self.rptr.d.next = 0.into();
            self.count.d.next = 0.into();
            self.pending.d.next = false;
        }

        // LANE_STATUS, its fields where the map puts them.
        self.status.next = (bit_cast::<32, 1>(self.bit_lock.val().into()) << self.at_bit_lock.val())
            | (bit_cast::<32, 12>(self.mid.q.val()) << self.at_logical_id.val())
            | (bit_cast::<32, 1>(self.block_lock.val().into()) << self.at_block_lock.val())
            | (bit_cast::<32, 1>(self.mlock.q.val().into()) << self.at_marker_lock.val())
            | (bit_cast::<32, 1>(self.prbs_lock.val().into()) << self.at_prbs_lock.val())
            | (bit_cast::<32, 1>(self.inv.q.val().into()) << self.at_inverted.val());
        self.marker_lock.next = self.mlock.q.val();
        self.lane_id.next = self.mid.q.val();
        self.inverted.next = self.inv.q.val();
        self.bip_errors.next = self.bip_cnt.q.val();
        self.bad_markers.next = self.bad_cnt.q.val();
        if self.clear.val() {
            self.bip_cnt.d.next = 0.into();
            self.bad_cnt.d.next = 0.into();
        }
        if self.reset.val() {
            self.mlock.d.next = false;
            self.inv.d.next = false;
            self.cand_ok.d.next = false;
            self.bad_cnt.d.next = 0.into();
            self.bip_cnt.d.next = 0.into();
            self.bip_diff.d.next = 0.into();
            self.wptr.d.next = 0.into();
            self.rptr.d.next = 0.into();
            self.count.d.next = 0.into();
            self.pending.d.next = false;
        }
    }
}
