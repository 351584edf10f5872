//! Link receiver: the time-shared RX path ([RxLanes]: per physical lane bit
//! recovery and a 66-bit front end, one [RxEngine](super::engine::rx_engine::RxEngine)
//! for block lock, descrambling, marker lock, BIP, PRBS and every counter),
//! per-lane deskew FIFO bookkeeping ([DeskewLane]), lane discovery,
//! alignment and the RX gearbox.
//!
//! Lane discovery needs no configuration: a scan visits the physical lanes
//! one per clock and records, from each marker-locked lane's id, which
//! physical lane carries each logical lane (any permutation works; unused
//! spares carry id 0xFFF and are ignored). With every logical lane found,
//! the aligner drops blocks on each needed lane until its FIFO head is a
//! marker; when all heads are markers the lanes are aligned, and from then on
//! all needed FIFOs are read in lockstep, one block per round. Each round
//! the gearbox walks logical lanes 0..N-1, one per clock, and emits the data
//! blocks in that order. A round whose heads are partly markers, a lost
//! marker lock or a FIFO overflow on a needed lane sends the link back to
//! the scan and counts a re-alignment.
//!
//! The stream contract: a word is delivered only from a round whose needed
//! heads are all present with a valid sync header, in logical-lane order;
//! data sits on a prefix of the logical lanes (the transmitter fills lanes
//! 0, 1, .. in order), so a data block after an idle one means a lost word.
//! Whatever is not delivered is flagged: `gap` strobes for a round with an
//! invalid header (nothing of it is delivered), for a broken prefix (the
//! rest of the round is not delivered), and when the link leaves the
//! aligned state. `sof` marks the word of logical lane 0, the first of a
//! round: the transmitter starts every round at a stream-word boundary.
//!
//! The deskew FIFOs' data share one RAM ([DeskewRam]): the engine's event
//! stream brings at most one aligned block per clock, written at once at
//! `lane * D + wr_slot`; the gatherer reads the head of the lane it walks,
//! and the RAM's registered read is the stream's output register.
//!
//! Per lane nothing is 32 bits wide any more: the counters and their
//! snapshots are the engine's (in block RAM), the loopback latency is a RAM
//! written on each marker with the lane's id (`since_marker` then: the
//! engine's pipeline and wait for the lane's slot, at most a round and four
//! clocks, are included), and the BIP alarm's windows are counted in the
//! engine's lane records (`bip_epoch` toggles every `cfg_bip_window` TX
//! marker periods). Lane discovery reads each lane's marker lock and id
//! from the engine's scan port (one clock later, so the scan runs one clock
//! behind its address). The lane read port (`lane_sel` -> `sel_*`) is
//! registered: values one clock after `lane_sel`, counters from the last
//! snapshot, which `busy` says is not complete yet.
//!
//! Differences from the per-lane receiver it replaced (`LaneRx` +
//! `LaneAlign` per lane): counters are cleared and snapshot at the engine's
//! next round (within SLOTS clocks; `busy` until the snapshot is readable,
//! which the register port waits for); `LANE_LATENCY` includes the engine's
//! wait for the lane's slot and its pipeline (at most a round and 4 clocks
//! more); the BIP alarm follows a lane's count at most a round late; a
//! PRBS lane unlocks on 16 errors within one 66-bit block (64 bits before).
//!
//! Area (yosys 0.23, `LinkRx` at OSR 3, M = 64, D = 4, no spares; per lane =
//! the slope between 8 and 32 lanes; `link_rx_synthesizes_at_8_and_16_...`
//! in tests/link/engine_rx.rs prints 8 and 16 lanes now, for CI time):
//!
//! | LinkRx            | 8 lanes ECP5 / iCE40 | 32 lanes ECP5 / iCE40 | per lane ECP5 / iCE40 |
//! |-------------------|----------------------|-----------------------|-----------------------|
//! | before (main)     | 6295 / 8398 LUT4     | 23411 / 33006 LUT4    | 713 / 1025            |
//! | time-shared (now) | 5270 / 5281 LUT4     | 9616 / 11106 LUT4     | 181 / 243             |
//!
//! Block RAM now: 20 DP16KD / 43 SB_RAM40_4K at 8 lanes (22 / 43 at 32) (the engine's
//! state, counters and snapshot are 167 + 192 + 192 bits wide: a lot of
//! iCE40 blocks at 16 bits each, which a small iCE40 cannot spare);
//! before: 0 / 4.

use super::deskew_lane::DeskewLane;
use super::deskew_ram::DeskewRam;
use super::engine::ports::SLOT_BITS;
use super::engine::rx_lanes::RxLanes;
use super::word_stream::FlowOut;
use crate::control::config_reg::field_lsb;
use crate::params::{LinkParams, ParamError};
use rust_hdl::prelude::*;

/// Aligner states.
const SCAN: u64 = 0;
const HUNT: u64 = 1;
const ALIGNED: u64 = 2;

#[derive(LogicBlock)]
pub struct LinkRx {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// The P physical lanes, one sample per clock (Verilog ports `lines$0` ..).
    pub lines: Vec<Signal<In, Bit>>,
    /// Stream out: one 64-bit word per clock when `valid`.
    pub stream: FlowOut<64>,
    /// With `valid`: the first word of a round (logical lane 0).
    pub sof: Signal<Out, Bit>,
    /// One-clock strobe: words were lost since the last delivered word (or
    /// will be: the link went down); the next word delivered has `sof`.
    pub gap: Signal<Out, Bit>,
    /// BERT mode on every lane.
    pub cfg_prbs_enable: Signal<In, Bit>,
    pub cfg_prbs_pattern: Signal<In, Bits<3>>,
    /// Latch every counter into its snapshot / clear every counter (taken
    /// at the engine's next round).
    pub snapshot: Signal<In, Bit>,
    pub clear: Signal<In, Bit>,
    /// A snapshot (or the restart after reset) is under way: the lane
    /// counters read by `lane_sel` are not all from it yet.
    pub busy: Signal<Out, Bit>,
    /// Strobe from the transmitter when it starts a marker round (loopback
    /// latency measurement).
    pub tx_marker_tick: Signal<In, Bit>,
    /// All N logical lanes found, deskewed and aligned.
    pub link_up: Signal<Out, Bit>,
    /// Logical lanes found by the last complete scan.
    pub lanes_found: Signal<Out, Bits<12>>,
    /// A logical lane the last scan did not find, valid with `missing_valid`.
    pub missing: Signal<Out, Bits<12>>,
    pub missing_valid: Signal<Out, Bit>,
    /// Times the link left the aligned state (live, saturating).
    pub realigns: Signal<Out, Bits<32>>,
    /// BIP alarm: a marker-locked data lane had at least `cfg_bip_threshold`
    /// markers with a BIP-8 mismatch within `cfg_bip_window` marker periods
    /// (threshold 0 disables). `bip_alarm_lane` is its logical lane.
    pub cfg_bip_threshold: Signal<In, Bits<8>>,
    pub cfg_bip_window: Signal<In, Bits<16>>,
    pub bip_alarm: Signal<Out, Bit>,
    pub bip_alarm_lane: Signal<Out, Bits<12>>,
    /// Lane read port: values of physical lane `lane_sel`, one clock later
    /// (counters: snapshot).
    pub lane_sel: Signal<In, Bits<12>>,
    pub sel_status: Signal<Out, Bits<32>>,
    pub sel_sync_errors: Signal<Out, Bits<32>>,
    pub sel_lock_losses: Signal<Out, Bits<32>>,
    pub sel_prbs_errors: Signal<Out, Bits<32>>,
    pub sel_bip_errors: Signal<Out, Bits<32>>,
    pub sel_latency: Signal<Out, Bits<32>>,
    pub sel_bits: Signal<Out, Bits<32>>,
    pub sel_bad_markers: Signal<Out, Bits<32>>,
    lanes: RxLanes,
    fifo: Vec<DeskewLane>,
    ram: DeskewRam,
    latency: RAM<Bits<32>, SLOT_BITS>,
    table: Vec<DFF<Bits<12>>>,
    found: Vec<DFF<Bit>>,
    needed: Vec<DFF<Bit>>,
    win_count: DFF<Bits<16>>,
    bip_epoch: DFF<Bit>,
    sel_bit_lock: DFF<Bit>,
    state: DFF<Bits<2>>,
    scan: DFF<Bits<13>>,
    walking: DFF<Bit>,
    walk: DFF<Bits<12>>,
    any_marker: DFF<Bit>,
    all_marker: DFF<Bit>,
    timer: DFF<Bits<28>>,
    realign_count: DFF<Bits<32>>,
    found_count: DFF<Bits<12>>,
    found_last: DFF<Bits<12>>,
    round_ok: DFF<Bit>,
    seen_idle: DFF<Bit>,
    out_sof: DFF<Bit>,
    gap_r: DFF<Bit>,
    missing_reg: DFF<Bits<12>>,
    missing_ok: DFF<Bit>,
    since_marker: DFF<Bits<32>>,
    out_valid: DFF<Bit>,
    // Combinational.
    scan_lane: Signal<Local, Bits<13>>,
    sel_bit_lock_now: Signal<Local, Bit>,
    all_found: Signal<Local, Bit>,
    heads_at_marker: Signal<Local, Bit>,
    heads_ready: Signal<Local, Bit>,
    needed_broken: Signal<Local, Bit>,
    walk_phys: Signal<Local, Bits<12>>,
    wr_slot: Signal<Local, Bits<8>>,
    rd_slot: Signal<Local, Bits<8>>,
    head_ctrl: Signal<Local, Bit>,
    head_marker: Signal<Local, Bit>,
    any_bad: Signal<Local, Bit>,
    deliver: Signal<Local, Bit>,
    round_end: Signal<Local, Bit>,
    drop_link: Signal<Local, Bit>,
    /// Logical lane numbers as constants (a loop index is not a value in HDL).
    ids: Vec<Constant<Bits<12>>>,
    st_scan: Constant<Bits<2>>,
    st_hunt: Constant<Bits<2>>,
    st_aligned: Constant<Bits<2>>,
    n_lanes: Constant<Bits<12>>,
    p_lanes: Constant<Bits<13>>,
    /// log2(D): a lane's first RAM word is its index shifted by this.
    d_shift: Constant<Bits<16>>,
    hunt_timeout: Constant<Bits<28>>,
    ones: Constant<Bits<32>>,
    at_bit_lock: Constant<Bits<32>>,
}

impl LinkRx {
    /// A receiver for the link `p`; more physical lanes than one RX engine
    /// serves at `p.osr` ([crate::link::engine::max_lanes]) are refused.
    pub fn try_new(p: &LinkParams) -> Result<Self, ParamError> {
        p.validate()?;
        let lanes = RxLanes::try_new(p)?;
        let n = p.lanes;
        let phys = p.physical_lanes();
        let map = crate::control::regmap::RegMap::new(p);
        // Hunting may take up to a marker period plus the deskew depth.
        let hunt_clocks = ((2 * p.marker_period + p.deskew_depth + 4) * 66 * p.osr) as u64;
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            lines: (0..phys).map(|_| Default::default()).collect(),
            stream: Default::default(),
            sof: Default::default(),
            gap: Default::default(),
            cfg_prbs_enable: Default::default(),
            cfg_prbs_pattern: Default::default(),
            snapshot: Default::default(),
            clear: Default::default(),
            busy: Default::default(),
            tx_marker_tick: Default::default(),
            link_up: Default::default(),
            lanes_found: Default::default(),
            missing: Default::default(),
            missing_valid: Default::default(),
            realigns: Default::default(),
            cfg_bip_threshold: Default::default(),
            cfg_bip_window: Default::default(),
            bip_alarm: Default::default(),
            bip_alarm_lane: Default::default(),
            lane_sel: Default::default(),
            sel_status: Default::default(),
            sel_sync_errors: Default::default(),
            sel_lock_losses: Default::default(),
            sel_prbs_errors: Default::default(),
            sel_bip_errors: Default::default(),
            sel_latency: Default::default(),
            sel_bits: Default::default(),
            sel_bad_markers: Default::default(),
            lanes,
            fifo: (0..phys).map(|_| DeskewLane::new(p.deskew_depth)).collect(),
            ram: DeskewRam::new(phys * p.deskew_depth),
            latency: Default::default(),
            table: (0..n).map(|_| Default::default()).collect(),
            found: (0..n).map(|_| Default::default()).collect(),
            needed: (0..phys).map(|_| Default::default()).collect(),
            win_count: Default::default(),
            bip_epoch: Default::default(),
            sel_bit_lock: Default::default(),
            state: Default::default(),
            scan: Default::default(),
            walking: Default::default(),
            walk: Default::default(),
            any_marker: Default::default(),
            all_marker: Default::default(),
            timer: Default::default(),
            realign_count: Default::default(),
            found_count: Default::default(),
            found_last: Default::default(),
            round_ok: Default::default(),
            seen_idle: Default::default(),
            out_sof: Default::default(),
            gap_r: Default::default(),
            missing_reg: Default::default(),
            missing_ok: Default::default(),
            since_marker: Default::default(),
            out_valid: Default::default(),
            scan_lane: Default::default(),
            sel_bit_lock_now: Default::default(),
            all_found: Default::default(),
            heads_at_marker: Default::default(),
            heads_ready: Default::default(),
            needed_broken: Default::default(),
            walk_phys: Default::default(),
            wr_slot: Default::default(),
            rd_slot: Default::default(),
            head_ctrl: Default::default(),
            head_marker: Default::default(),
            any_bad: Default::default(),
            deliver: Default::default(),
            round_end: Default::default(),
            drop_link: Default::default(),
            ids: (0..n).map(|l| Constant::new((l as u64).into())).collect(),
            st_scan: Constant::new(SCAN.into()),
            st_hunt: Constant::new(HUNT.into()),
            st_aligned: Constant::new(ALIGNED.into()),
            n_lanes: Constant::new((n as u64).into()),
            p_lanes: Constant::new((phys as u64).into()),
            d_shift: Constant::new((p.deskew_depth.trailing_zeros() as u64).into()),
            hunt_timeout: Constant::new(hunt_clocks.into()),
            ones: Constant::new(0xFFFF_FFFFu64.into()),
            at_bit_lock: field_lsb(&map, "LANE_STATUS", "bit_lock", 1),
        })
    }

    /// As [LinkRx::try_new].
    ///
    /// # Panics
    /// With `try_new`'s message when it refuses `p`.
    pub fn new(p: &LinkParams) -> Self {
        Self::try_new(p).unwrap_or_else(|e| panic!("LinkRx: {e}"))
    }
}

impl Logic for LinkRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            scan,
            walking,
            walk,
            any_marker,
            all_marker,
            timer,
            realign_count,
            found_count,
            found_last,
            round_ok,
            seen_idle,
            out_sof,
            gap_r,
            missing_reg,
            missing_ok,
            since_marker,
            out_valid,
            win_count,
            bip_epoch,
            sel_bit_lock
        );
        // The time-shared receive path.
        self.lanes.clock.next = self.clock.val();
        self.lanes.reset.next = self.reset.val();
        self.lanes.restart.next = false;
        self.lanes.clear.next = self.clear.val();
        self.lanes.snapshot.next = self.snapshot.val();
        self.lanes.cfg_prbs_enable.next = self.cfg_prbs_enable.val();
        self.lanes.cfg_prbs_pattern.next = self.cfg_prbs_pattern.val();
        self.lanes.cfg_bip_threshold.next = self.cfg_bip_threshold.val();
        self.lanes.bip_epoch.next = self.bip_epoch.q.val();
        self.busy.next = self.lanes.busy.val();
        self.bip_alarm.next = self.lanes.bip_alarm.val();
        self.bip_alarm_lane.next = self.lanes.bip_alarm_lane.val();
        for q in 0..self.lines.len() {
            self.lanes.lines[q].next = self.lines[q].val();
        }

        // BIP windows: counted in TX marker rounds; a new window flips the
        // parity the engine counts each lane's bad BIPs under.
        if self.tx_marker_tick.val() {
            if self.win_count.q.val() + 1 >= self.cfg_bip_window.val() {
                self.win_count.d.next = 0.into();
            } else {
                self.win_count.d.next = self.win_count.q.val() + 1;
            }
            if self.win_count.q.val() == 0 {
                self.bip_epoch.d.next = !self.bip_epoch.q.val();
            }
        }
        for l in 0..self.table.len() {
            self.table[l].clock.next = self.clock.val();
            self.table[l].d.next = self.table[l].q.val();
            self.found[l].clock.next = self.clock.val();
            self.found[l].d.next = self.found[l].q.val();
        }

        // Lane read port: the engine's RAMs answer one clock later; the
        // front end's bit lock is registered to match.
        self.lanes.read.lane.next = self.lane_sel.val().get_bits::<SLOT_BITS>(0);
        self.latency.read_clock.next = self.clock.val();
        self.latency.write_clock.next = self.clock.val();
        self.latency.read_address.next = self.lane_sel.val().get_bits::<SLOT_BITS>(0);
        self.latency.write_address.next = self.lanes.out.lane.val();
        self.latency.write_data.next = self.since_marker.q.val();
        self.latency.write_enable.next = self.lanes.out.valid.val() & self.lanes.out.marker_seen.val();
        self.sel_bit_lock_now.next = false;
        for q in 0..self.lines.len() {
            if self.lane_sel.val().index() == q {
                self.sel_bit_lock_now.next = self.lanes.bit_lock[q].val();
            }
        }
        self.sel_bit_lock.d.next = self.sel_bit_lock_now.val();
        self.sel_status.next = self.lanes.read.status.val()
            | (bit_cast::<32, 1>(self.sel_bit_lock.q.val().into()) << self.at_bit_lock.val());
        self.sel_sync_errors.next = self.lanes.read.sync_errors.val();
        self.sel_lock_losses.next = self.lanes.read.lock_losses.val();
        self.sel_prbs_errors.next = self.lanes.read.prbs_errors.val();
        self.sel_bip_errors.next = self.lanes.read.bip_errors.val();
        self.sel_latency.next = self.latency.read_data.val();
        self.sel_bits.next = self.lanes.read.bits.val();
        self.sel_bad_markers.next = self.lanes.read.bad_markers.val();

        // Deskew write side: the engine's event goes straight into its
        // lane's FIFO (one event per clock at most).
        self.ram.clock.next = self.clock.val();
        self.wr_slot.next = 0.into();
        self.heads_at_marker.next = true;
        self.heads_ready.next = true;
        self.needed_broken.next = false;
        self.any_bad.next = false;
        for q in 0..self.fifo.len() {
            self.fifo[q].clock.next = self.clock.val();
            self.fifo[q].reset.next = self.reset.val();
            self.fifo[q].write.next =
                self.lanes.out.valid.val() & self.lanes.out.write.val() & (self.lanes.out.lane.val().index() == q);
            self.fifo[q].wr_flags.next = bit_cast::<3, 1>(self.lanes.out.ctrl.val().into())
                | (bit_cast::<3, 1>(self.lanes.out.marker_slot.val().into()) << 1)
                | (bit_cast::<3, 1>(self.lanes.out.bad.val().into()) << 2);
            self.fifo[q].locked.next = self.lanes.marker_lock[q].val();
            self.fifo[q].hunt.next = self.state.q.val() != self.st_aligned.val();
            if self.lanes.out.lane.val().index() == q {
                self.wr_slot.next = self.fifo[q].wr_slot.val();
            }
            self.needed[q].clock.next = self.clock.val();
            self.needed[q].d.next = self.needed[q].q.val();
            if self.needed[q].q.val() {
                if !(self.fifo[q].nonempty.val() & self.fifo[q].head_marker.val()) {
                    self.heads_at_marker.next = false;
                }
                if !self.fifo[q].nonempty.val() {
                    self.heads_ready.next = false;
                }
                if self.fifo[q].head_bad.val() {
                    self.any_bad.next = true;
                }
                if !self.lanes.marker_lock[q].val() | self.fifo[q].overflow.val() {
                    self.needed_broken.next = true;
                }
            }
        }
        // Loopback latency reference.
        if self.since_marker.q.val() != self.ones.val() {
            self.since_marker.d.next = self.since_marker.q.val() + 1;
        }
        if self.tx_marker_tick.val() {
            self.since_marker.d.next = 0.into();
        }
        // Coverage of the logical lanes.
        self.all_found.next = true;
        for l in 0..self.found.len() {
            if !self.found[l].q.val() {
                self.all_found.next = false;
            }
        }
        // Walk: the physical lane of logical lane `walk`, and its FIFO head.
        self.walk_phys.next = 0.into();
        for l in 0..self.table.len() {
            if self.walk.q.val().index() == l {
                self.walk_phys.next = self.table[l].q.val();
            }
        }
        self.rd_slot.next = 0.into();
        self.head_ctrl.next = true;
        self.head_marker.next = false;
        for q in 0..self.fifo.len() {
            if self.walk_phys.val().index() == q {
                self.rd_slot.next = self.fifo[q].rd_slot.val();
                self.head_ctrl.next = self.fifo[q].head_ctrl.val();
                self.head_marker.next = self.fifo[q].head_marker.val();
            }
        }
        // RAM word = lane * D + slot (D is a power of two).
        self.ram.wr_en.next = self.lanes.out.valid.val() & self.lanes.out.write.val();
        self.ram.wr_data.next = self.lanes.out.payload.val();
        self.ram.wr_addr.next = (bit_cast::<16, SLOT_BITS>(self.lanes.out.lane.val()) << self.d_shift.val())
            | bit_cast::<16, 8>(self.wr_slot.val());
        self.ram.rd_addr.next =
            (bit_cast::<16, 12>(self.walk_phys.val()) << self.d_shift.val()) | bit_cast::<16, 8>(self.rd_slot.val());
        self.out_valid.d.next = false;
        self.out_sof.d.next = false;
        self.gap_r.d.next = false;
        self.deliver.next = false;
        self.round_end.next = false;
        self.drop_link.next = false;

        // Discovery reads lane `scan` from the engine's scan port: its answer
        // (lane scan - 1) comes while `scan` is one further.
        self.scan_lane.next = self.scan.q.val() - 1;
        self.lanes.scan_lane.next = self.scan.q.val().get_bits::<SLOT_BITS>(0);
        if self.state.q.val() == self.st_scan.val() {
            // Visit one physical lane per clock; one extra clock to decide.
            if self.scan.q.val() == 0 {
                for l in 0..self.found.len() {
                    self.found[l].d.next = false;
                }
                for q in 0..self.needed.len() {
                    self.needed[q].d.next = false;
                }
                self.found_count.d.next = 0.into();
            }
            if (self.scan.q.val() != 0)
                & (self.scan.q.val() <= self.p_lanes.val())
                & self.lanes.scan_mlock.val()
                & (self.lanes.scan_id.val() < self.n_lanes.val())
            {
                for l in 0..self.table.len() {
                    if self.lanes.scan_id.val().index() == l {
                        self.table[l].d.next = bit_cast::<12, 13>(self.scan_lane.val());
                        self.found[l].d.next = true;
                    }
                }
                for q in 0..self.needed.len() {
                    if self.scan_lane.val().index() == q {
                        self.needed[q].d.next = true;
                    }
                }
                self.found_count.d.next = self.found_count.q.val() + 1;
            }
            if self.scan.q.val() == self.p_lanes.val() + 1 {
                self.scan.d.next = 0.into();
                self.found_last.d.next = self.found_count.q.val();
                self.missing_ok.d.next = !self.all_found.val();
                for l in 0..self.found.len() {
                    if !self.found[l].q.val() {
                        self.missing_reg.d.next = self.ids[l].val();
                    }
                }
                if self.all_found.val() {
                    self.state.d.next = self.st_hunt.val();
                    self.timer.d.next = 0.into();
                }
            } else {
                self.scan.d.next = self.scan.q.val() + 1;
            }
        } else if self.state.q.val() == self.st_hunt.val() {
            self.timer.d.next = self.timer.q.val() + 1;
            if self.heads_at_marker.val() {
                self.state.d.next = self.st_aligned.val();
                self.walking.d.next = false;
                // That marker round carries no data: pop it now instead of
                // walking it. The engine hands blocks over up to a round of
                // slots late, so the early lanes' FIFOs cannot also wait
                // out an N-clock walk (at D = 2 they would overflow).
                self.round_end.next = true;
            }
            if self.needed_broken.val() | (self.timer.q.val() == self.hunt_timeout.val()) {
                self.state.d.next = self.st_scan.val();
                self.scan.d.next = 0.into();
            }
        } else {
            // Aligned: one round per block time.
            if !self.walking.q.val() {
                if self.heads_ready.val() {
                    self.walking.d.next = true;
                    self.walk.d.next = 0.into();
                    self.any_marker.d.next = false;
                    self.all_marker.d.next = true;
                    // The whole round is judged before any of it is delivered.
                    self.round_ok.d.next = !self.any_bad.val();
                    self.seen_idle.d.next = false;
                }
            } else {
                if !self.head_ctrl.val() {
                    if self.seen_idle.q.val() {
                        // A word after an idle lane: one was lost before it.
                        // The rest of the round is not delivered.
                        self.gap_r.d.next = self.round_ok.q.val();
                    } else {
                        self.deliver.next = self.round_ok.q.val();
                    }
                } else if !self.head_marker.val() {
                    self.seen_idle.d.next = true;
                }
                if self.deliver.val() {
                    self.out_valid.d.next = true;
                    self.out_sof.d.next = self.walk.q.val() == 0;
                }
                if self.head_marker.val() {
                    self.any_marker.d.next = true;
                } else {
                    self.all_marker.d.next = false;
                }
                if self.walk.q.val() == self.n_lanes.val() - 1 {
                    self.walking.d.next = false;
                    self.round_end.next = true;
                    if (self.any_marker.q.val() | self.head_marker.val())
                        & !(self.all_marker.q.val() & self.head_marker.val())
                    {
                        self.drop_link.next = true;
                    }
                    // A data round with an invalid header: not delivered.
                    if !self.round_ok.q.val() & !(self.all_marker.q.val() & self.head_marker.val()) {
                        self.gap_r.d.next = true;
                    }
                } else {
                    self.walk.d.next = self.walk.q.val() + 1;
                }
            }
            if self.needed_broken.val() {
                self.drop_link.next = true;
            }
            if self.drop_link.val() {
                self.state.d.next = self.st_scan.val();
                self.scan.d.next = 0.into();
                self.walking.d.next = false;
                self.out_valid.d.next = false;
                self.gap_r.d.next = true;
                if self.realign_count.q.val() != self.ones.val() {
                    self.realign_count.d.next = self.realign_count.q.val() + 1;
                }
            }
        }
        // Assigned once (see DeskewLane on glitches): the round's pop.
        for q in 0..self.fifo.len() {
            self.fifo[q].pop.next = self.round_end.val() & self.needed[q].q.val();
        }
        self.stream.data.next = self.ram.rd_data.val();
        self.stream.valid.next = self.out_valid.q.val();
        self.sof.next = self.out_sof.q.val();
        self.gap.next = self.gap_r.q.val();
        self.link_up.next = self.state.q.val() == self.st_aligned.val();
        self.lanes_found.next = self.found_last.q.val();
        self.missing.next = self.missing_reg.q.val();
        self.missing_valid.next = self.missing_ok.q.val();
        self.realigns.next = self.realign_count.q.val();
        if self.clear.val() {
            self.realign_count.d.next = 0.into();
        }
        if self.reset.val() {
            self.state.d.next = self.st_scan.val();
            self.scan.d.next = 0.into();
            self.bip_epoch.d.next = false;
            self.walking.d.next = false;
            self.realign_count.d.next = 0.into();
            self.out_valid.d.next = false;
            self.gap_r.d.next = false;
            self.found_last.d.next = 0.into();
        }
    }
}
