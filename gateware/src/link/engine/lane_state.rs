//! The lanes' state, one record per lane in block RAM, read in the engine's
//! stage A (the counts in stage R) and written back in its stage C; plus the counters' snapshot and
//! a live status word per lane, each with a read port for the register
//! decode.
//!
//! | RAM      | width | contents (bit ranges)                                         |
//! |----------|-------|---------------------------------------------------------------|
//! | state    | 167   | see [LaneRecord]: descrambler, block lock, marker lock, BIP, PRBS checker, BIP window |
//! | counts   | 192   | sync errors 31..0, lock losses 63..32, BIP errors 95..64, bad markers 127..96, PRBS errors 159..128, PRBS bits 191..160 |
//! | snapshot | 192   | the counts as of the last snapshot round                      |
//! | status   | 16    | block lock 0, marker lock 1, inverted 2, PRBS lock 3, lane id 15..4 (read out as `LANE_STATUS`, fields from the register map) |
//! | scan     | 16    | a copy of status, read by the link's lane discovery (its own read port) |
//!
//! Reads are registered (data one clock after the address); a read and a
//! write of one lane in the same clock return the old record, which the
//! engine avoids by visiting a lane at most once in four clocks.

use super::ports::{LaneReadResponder, SLOT_BITS};
use crate::control::config_reg::field_lsb;
use crate::control::regmap::RegMap;
use rust_hdl::prelude::*;

/// Bit positions of a lane's state record (the `state` RAM word).
pub struct LaneRecord;

impl LaneRecord {
    /// Descrambler history: the last 58 received payload bits.
    pub const HISTORY: usize = 0;
    /// Block lock (clause 49): locked, headers counted (7), bad in window (5).
    pub const LOCKED: usize = 58;
    pub const SH_CNT: usize = 59;
    pub const BAD_CNT: usize = 66;
    /// Marker lock, lane id (12), blocks since the marker (17), bad markers
    /// in a row (3), inverted, id of a move (12), move pending.
    pub const MLOCK: usize = 71;
    pub const MID: usize = 72;
    pub const BCOUNT: usize = 84;
    pub const BAD_RUN: usize = 101;
    pub const INV: usize = 104;
    pub const CAND: usize = 105;
    pub const CAND_OK: usize = 117;
    /// BIP-8 accumulator of the marker period so far.
    pub const BIP_ACC: usize = 118;
    /// PRBS (BERT) checker: the last 31 line bits (received while hunting,
    /// predicted while locked), locked.
    pub const PRBS_HIST: usize = 126;
    pub const PRBS_LOCK: usize = 157;
    /// BIP alarm window: markers with a BIP-8 mismatch in the window (8,
    /// saturating), and the window's parity bit they were counted in.
    pub const BIP_WIN: usize = 158;
    pub const BIP_EPOCH: usize = 166;
    /// Record width.
    pub const BITS: usize = 167;
}

/// The link part of the record (bits below [LaneRecord::PRBS_HIST]).
pub const LINK_BITS: usize = 126;
/// Record width as a type-level constant (`LaneRecord::BITS`).
pub const STATE_BITS: usize = 167;
/// Six 32-bit counters.
pub const COUNT_BITS: usize = 192;
/// Live status bits.
pub const STATUS_BITS: usize = 16;

/// The engine's RAMs (see the module docs).
#[derive(LogicBlock)]
pub struct LaneStateRam {
    pub clock: Signal<In, Clock>,
    /// Stage A: the record of lane `rd_addr`, one clock later.
    pub rd_addr: Signal<In, Bits<SLOT_BITS>>,
    pub rd_state: Signal<Out, Bits<STATE_BITS>>,
    /// The counts of lane `rd_counts_addr`, one clock later (the engine
    /// reads them a clock after the record: they go straight into a
    /// register, while the record feeds logic from a register of its own).
    pub rd_counts_addr: Signal<In, Bits<SLOT_BITS>>,
    pub rd_counts: Signal<Out, Bits<COUNT_BITS>>,
    /// Stage C: write lane `wr_addr`'s record, counts and status.
    pub wr_en: Signal<In, Bit>,
    pub wr_addr: Signal<In, Bits<SLOT_BITS>>,
    pub wr_state: Signal<In, Bits<STATE_BITS>>,
    pub wr_counts: Signal<In, Bits<COUNT_BITS>>,
    pub wr_status: Signal<In, Bits<STATUS_BITS>>,
    /// With `wr_en`: also copy `wr_counts` into the snapshot.
    pub wr_snap: Signal<In, Bit>,
    /// The register decode's read port.
    pub read: LaneReadResponder,
    /// Lane discovery's read port: lane `scan_lane`'s marker lock and
    /// logical id, one clock later.
    pub scan_lane: Signal<In, Bits<SLOT_BITS>>,
    pub scan_mlock: Signal<Out, Bit>,
    pub scan_id: Signal<Out, Bits<12>>,
    state: RAM<Bits<STATE_BITS>, SLOT_BITS>,
    counts: RAM<Bits<COUNT_BITS>, SLOT_BITS>,
    snap: RAM<Bits<COUNT_BITS>, SLOT_BITS>,
    status: RAM<Bits<STATUS_BITS>, SLOT_BITS>,
    scan: RAM<Bits<STATUS_BITS>, SLOT_BITS>,
    // LANE_STATUS field positions, from the register map.
    at_block_lock: Constant<Bits<32>>,
    at_marker_lock: Constant<Bits<32>>,
    at_inverted: Constant<Bits<32>>,
    at_logical_id: Constant<Bits<32>>,
    at_prbs_lock: Constant<Bits<32>>,
}

impl LaneStateRam {
    /// The RAMs of a link whose register map is `map` (for `LANE_STATUS`).
    pub fn new(map: &RegMap) -> Self {
        Self {
            clock: Default::default(),
            rd_addr: Default::default(),
            rd_state: Default::default(),
            rd_counts_addr: Default::default(),
            rd_counts: Default::default(),
            wr_en: Default::default(),
            wr_addr: Default::default(),
            wr_state: Default::default(),
            wr_counts: Default::default(),
            wr_status: Default::default(),
            wr_snap: Default::default(),
            read: Default::default(),
            scan_lane: Default::default(),
            scan_mlock: Default::default(),
            scan_id: Default::default(),
            state: Default::default(),
            counts: Default::default(),
            snap: Default::default(),
            status: Default::default(),
            scan: Default::default(),
            at_block_lock: field_lsb(map, "LANE_STATUS", "block_lock", 1),
            at_marker_lock: field_lsb(map, "LANE_STATUS", "marker_lock", 1),
            at_inverted: field_lsb(map, "LANE_STATUS", "inverted", 1),
            at_logical_id: field_lsb(map, "LANE_STATUS", "logical_id", 12),
            at_prbs_lock: field_lsb(map, "LANE_STATUS", "prbs_lock", 1),
        }
    }
}

impl Logic for LaneStateRam {
    #[hdl_gen]
    fn update(&mut self) {
        self.state.read_clock.next = self.clock.val();
        self.state.write_clock.next = self.clock.val();
        self.counts.read_clock.next = self.clock.val();
        self.counts.write_clock.next = self.clock.val();
        self.snap.read_clock.next = self.clock.val();
        self.snap.write_clock.next = self.clock.val();
        self.status.read_clock.next = self.clock.val();
        self.status.write_clock.next = self.clock.val();
        self.scan.read_clock.next = self.clock.val();
        self.scan.write_clock.next = self.clock.val();

        self.state.read_address.next = self.rd_addr.val();
        self.counts.read_address.next = self.rd_counts_addr.val();
        self.rd_state.next = self.state.read_data.val();
        self.rd_counts.next = self.counts.read_data.val();

        self.state.write_address.next = self.wr_addr.val();
        self.state.write_data.next = self.wr_state.val();
        self.state.write_enable.next = self.wr_en.val();
        self.counts.write_address.next = self.wr_addr.val();
        self.counts.write_data.next = self.wr_counts.val();
        self.counts.write_enable.next = self.wr_en.val();
        self.status.write_address.next = self.wr_addr.val();
        self.status.write_data.next = self.wr_status.val();
        self.status.write_enable.next = self.wr_en.val();
        self.scan.write_address.next = self.wr_addr.val();
        self.scan.write_data.next = self.wr_status.val();
        self.scan.write_enable.next = self.wr_en.val();
        self.scan.read_address.next = self.scan_lane.val();
        self.scan_mlock.next = self.scan.read_data.val().get_bit(1);
        self.scan_id.next = self.scan.read_data.val().get_bits::<12>(4);
        self.snap.write_address.next = self.wr_addr.val();
        self.snap.write_data.next = self.wr_counts.val();
        self.snap.write_enable.next = self.wr_en.val() & self.wr_snap.val();

        self.snap.read_address.next = self.read.lane.val();
        self.status.read_address.next = self.read.lane.val();
        self.read.sync_errors.next = self.snap.read_data.val().get_bits::<32>(0);
        self.read.lock_losses.next = self.snap.read_data.val().get_bits::<32>(32);
        self.read.bip_errors.next = self.snap.read_data.val().get_bits::<32>(64);
        self.read.bad_markers.next = self.snap.read_data.val().get_bits::<32>(96);
        self.read.prbs_errors.next = self.snap.read_data.val().get_bits::<32>(128);
        self.read.bits.next = self.snap.read_data.val().get_bits::<32>(160);
        // LANE_STATUS, its fields where the map puts them.
        self.read.status.next = (bit_cast::<32, 1>(self.status.read_data.val().get_bits::<1>(0))
            << self.at_block_lock.val())
            | (bit_cast::<32, 1>(self.status.read_data.val().get_bits::<1>(1)) << self.at_marker_lock.val())
            | (bit_cast::<32, 1>(self.status.read_data.val().get_bits::<1>(2)) << self.at_inverted.val())
            | (bit_cast::<32, 1>(self.status.read_data.val().get_bits::<1>(3)) << self.at_prbs_lock.val())
            | (bit_cast::<32, 12>(self.status.read_data.val().get_bits::<12>(4)) << self.at_logical_id.val());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(uut: &mut LaneStateRam) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    #[test]
    fn record_fields_tile_the_record() {
        let starts = [
            (LaneRecord::HISTORY, 58),
            (LaneRecord::LOCKED, 1),
            (LaneRecord::SH_CNT, 7),
            (LaneRecord::BAD_CNT, 5),
            (LaneRecord::MLOCK, 1),
            (LaneRecord::MID, 12),
            (LaneRecord::BCOUNT, 17),
            (LaneRecord::BAD_RUN, 3),
            (LaneRecord::INV, 1),
            (LaneRecord::CAND, 12),
            (LaneRecord::CAND_OK, 1),
            (LaneRecord::BIP_ACC, 8),
            (LaneRecord::PRBS_HIST, 31),
            (LaneRecord::PRBS_LOCK, 1),
            (LaneRecord::BIP_WIN, 8),
            (LaneRecord::BIP_EPOCH, 1),
        ];
        let mut at = 0;
        for (start, width) in starts {
            assert_eq!(start, at, "fields must follow each other");
            at += width;
        }
        assert_eq!(at, LaneRecord::BITS);
        assert_eq!(LaneRecord::BITS, STATE_BITS);
        assert_eq!(LaneRecord::PRBS_HIST, LINK_BITS);
    }

    /// A wide value from two 64-bit halves (`Bits` has no `From<u128>`).
    fn wide<const N: usize>(v: u128) -> Bits<N> {
        bit_cast::<N, 64>((v as u64).into()) | (bit_cast::<N, 64>(((v >> 64) as u64).into()) << 64)
    }

    #[test]
    fn records_snapshots_and_status_read_back_per_lane() {
        let mut uut = LaneStateRam::new(&RegMap::new(&crate::params::LinkParams::DEFAULT));
        uut.connect_all();
        let counts = |l: u128| (l + 1) | ((l + 2) << 32) | ((l + 3) << 64) | ((l + 4) << 96);
        // The PRBS counters above bit 128.
        let prbs = |l: u128| (l + 5) | ((l + 6) << 32);
        for l in 0..8u128 {
            uut.wr_en.next = true;
            uut.wr_addr.next = (l as u64).into();
            uut.wr_state.next = wide(l << 100 | l);
            uut.wr_counts.next = wide(counts(l)) | (wide::<COUNT_BITS>(prbs(l)) << 128);
            uut.wr_status.next = ((l as u64) << 4 | 0b1101).into();
            uut.wr_snap.next = l % 2 == 0;
            cycle(&mut uut);
        }
        uut.wr_en.next = false;
        for l in 0..8u128 {
            uut.rd_addr.next = (l as u64).into();
            uut.rd_counts_addr.next = (l as u64).into();
            uut.read.lane.next = (l as u64).into();
            uut.scan_lane.next = (7 - l as u64).into();
            cycle(&mut uut);
            assert_eq!((uut.scan_mlock.val(), uut.scan_id.val().to_u64()), (false, 7 - l as u64), "scan port");
            assert_eq!(uut.rd_state.val().get_bits::<128>(0).to_u128(), l << 100 | l);
            assert_eq!(uut.rd_counts.val().get_bits::<128>(0).to_u128(), counts(l));
            assert_eq!(uut.rd_counts.val().get_bits::<64>(128).to_u64() as u128, prbs(l));
            // Only even lanes were snapshot; the others read the RAM's initial zero.
            let snap = if l % 2 == 0 { counts(l) } else { 0 };
            assert_eq!(uut.read.sync_errors.val().to_u64() as u128, snap & 0xFFFF_FFFF);
            assert_eq!(uut.read.bad_markers.val().to_u64() as u128, snap >> 96);
            let snap_prbs = if l % 2 == 0 { prbs(l) } else { 0 };
            assert_eq!(uut.read.prbs_errors.val().to_u64() as u128, snap_prbs & 0xFFFF_FFFF);
            assert_eq!(uut.read.bits.val().to_u64() as u128, snap_prbs >> 32);
            // block lock (bit 1), inverted (bit 4), PRBS lock (bit 3), id (bits 27..16).
            assert_eq!(uut.read.status.val().to_u64(), (l as u64) << 16 | 0b1_1010);
        }
    }
}
