//! The shared RX engine: everything a lane does once per block, for every
//! lane, in one pipeline that visits one lane per clock with the lanes'
//! state in block RAM ([LaneStateRam]); per lane only the 66-bit front end
//! ([BlockDeser](super::block_deser::BlockDeser)) runs at the line rate.
//!
//! ```text
//!  lanes[q] (BlockSink) ─► A: gather slot s, read its record ─► R: register the record, read the counts
//!        ▲ take (A), slip (C)   ─► B: block lock, descramble, polarity, PRBS check ─► C: marker lock, BIP, counters, write back ─► out
//! ```
//!
//! Schedule: a round visits slots 0..SLOTS-1, SLOTS = max(lanes, 4) (a lane
//! is written back before it is read again). See the module docs of
//! [super] for the bound on SLOTS ([max_lanes]).
//!
//! Pipeline, for the lane in slot s (clock t):
//! * A (t): the lane's block, if one is waiting, is taken into a register;
//!   the lane's record is read;
//! * R (t + 1): the record is registered (a block RAM's clock-to-out is
//!   ~6 ns on ECP5, so no logic follows it in the same clock) and the
//!   counters are read;
//! * B (t + 2): the clause-49 step on the sync header ([BlockLockStep]), the
//!   payload descrambled against the record's history ([Descramble64]) and
//!   complemented on an inverted lane;
//! * C (t + 3): the marker step ([MarkerStep]), the counters, the record
//!   written back, a slip sent to the lane, and the block's event
//!   registered onto `out` (valid at t + 4). The next read of the lane's
//!   record is at t + SLOTS >= t + 4, after the write.
//!
//! Polarity: an inverted lane is corrected here, after descrambling (the
//! descrambler has three taps, so a complemented line descrambles to the
//! complemented payload) and on the header (`01` and `10` swap; invalid
//! headers stay invalid), so bit recovery and block lock never see the
//! change. Today's path inverts the line in front of bit recovery instead:
//! the blocks in flight at the toggle differ (and it may count a sync error
//! on the header the toggle splits), nothing after them.
//!
//! Counters (saturating at 2^32 - 1, as `LaneRx`): sync-header errors while
//! locked, block-lock losses, BIP-8 bit errors, bad markers, PRBS bit errors
//! and PRBS bits checked.
//!
//! PRBS (BERT) mode (`cfg_prbs_enable`): every lane's 66-bit blocks, as
//! the front end frames them (no slip, no descrambling; complemented on a
//! lane found inverted), are checked against `cfg_prbs_pattern` by
//! [PrbsBlockCheck] (the BERT engine's 32-bit steps), with the checker's
//! history and lock in the lane's record. Hunting, a lane locks on a block
//! whose 66 bits all obey the recurrence over the received bits (so after
//! two blocks: a restarted history is zero and fails); locked, it predicts
//! each block from its own history, counts one error per mismatched bit
//! and 66 bits per block, and unlocks on 16 errors within one block (a
//! 66-bit window; `LaneRx`'s checker uses 64 bits, as does the BERT
//! engine's two words), then hunts again from the line. Block lock, marker
//! lock and the events are off in PRBS mode (not counted as lock losses);
//! entering it zeroes the PRBS counters at the next round, leaving it keeps
//! them for reading. Any phase of the pattern per lane works (the check is
//! self-synchronizing).
//!
//! BIP alarm: each lane's record counts the markers whose BIP-8 disagreed
//! (8 bits, saturating) within the window whose parity is `bip_epoch` (the
//! link toggles it every `cfg_bip_window` TX marker periods); a lane
//! visited in a new window starts from zero. `bip_alarm` is high for a
//! round after a round in which some marker-locked data lane (id < N) had
//! at least `cfg_bip_threshold` (0 disables) of them; `bip_alarm_lane` is
//! the logical id of the last such lane in the round (the highest slot).
//!
//! Requests (`restart`, `clear`, `snapshot` pulses) are taken at the next
//! round boundary and applied to every lane during one whole round (as the
//! BERT engine): `restart` zeroes every lane's record, counters and
//! snapshot; `clear` zeroes the counters; `snapshot` copies them into the
//! snapshot RAM. `busy` is high from a snapshot or restart request until the
//! round that took it is in the snapshot RAM (at most two rounds and four
//! clocks).

use super::block_lock_step::BlockLockStep;
use super::descramble::Descramble64;
use super::lane_state::{LaneStateRam, COUNT_BITS, LINK_BITS, STATE_BITS};
use super::marker_step::MarkerStep;
use super::ports::{AlignedBlockSource, BlockSink, LaneReadResponder, SLOT_BITS};
use super::prbs_block_check::PrbsBlockCheck;
use super::round_schedule::RoundSchedule;
use super::{check_lane_bound, max_lanes};
use crate::control::regmap::RegMap;
use crate::params::{LinkParams, ParamError};
use rust_hdl::prelude::*;

/// The time-shared RX engine (see the module docs).
#[derive(LogicBlock)]
pub struct RxEngine {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: the first round restarts every lane.
    pub reset: Signal<In, Bit>,
    /// Every lane's block handshake, joined to its front end.
    pub lanes: Vec<BlockSink>,
    /// Pulses: zero every lane's state, counters and snapshot; zero the
    /// counters; snapshot them.
    pub restart: Signal<In, Bit>,
    pub clear: Signal<In, Bit>,
    pub snapshot: Signal<In, Bit>,
    /// A snapshot or restart is requested or under way.
    pub busy: Signal<Out, Bit>,
    /// PRBS (BERT) mode on every lane, and its pattern code.
    pub cfg_prbs_enable: Signal<In, Bit>,
    pub cfg_prbs_pattern: Signal<In, Bits<3>>,
    /// BIP alarm: threshold (0: off), the window parity, the alarm and the
    /// alarming lane's logical id (see the module docs).
    pub cfg_bip_threshold: Signal<In, Bits<8>>,
    pub bip_epoch: Signal<In, Bit>,
    pub bip_alarm: Signal<Out, Bit>,
    pub bip_alarm_lane: Signal<Out, Bits<12>>,
    /// Lane discovery's read port: marker lock and logical id of
    /// `scan_lane`, one clock later.
    pub scan_lane: Signal<In, Bits<SLOT_BITS>>,
    pub scan_mlock: Signal<Out, Bit>,
    pub scan_id: Signal<Out, Bits<12>>,
    /// Per lane: marker-locked (as of the lane's last visit).
    pub marker_lock: Vec<Signal<Out, Bit>>,
    /// The aligned blocks, one per visited lane that delivered one.
    pub out: AlignedBlockSource,
    /// The register decode's read port (snapshot counters, live status).
    pub read: LaneReadResponder,
    ram: LaneStateRam,
    lock_step: BlockLockStep,
    descr: Descramble64,
    marker: MarkerStep,
    prbs: PrbsBlockCheck,
    mlocked: Vec<DFF<Bit>>,
    prbs_mode: DFF<Bit>,
    req_prbs_clear: DFF<Bit>,
    round_prbs_clear: DFF<Bit>,
    alarm_acc: DFF<Bit>,
    alarm_acc_lane: DFF<Bits<12>>,
    alarm_r: DFF<Bit>,
    alarm_lane_r: DFF<Bits<12>>,
    rounds: RoundSchedule,
    busy_tail: DFF<Bit>,
    // Stage A -> R.
    a_slot: DFF<Bits<SLOT_BITS>>,
    a_valid: DFF<Bit>,
    a_full: DFF<Bit>,
    a_block: DFF<Bits<66>>,
    /// Round flags: bit 0 restart, 1 clear, 2 snapshot, 3 PRBS clear.
    a_flags: DFF<Bits<4>>,
    // Stage R -> B.
    r_slot: DFF<Bits<SLOT_BITS>>,
    r_valid: DFF<Bit>,
    r_full: DFF<Bit>,
    r_block: DFF<Bits<66>>,
    r_flags: DFF<Bits<4>>,
    r_state: DFF<Bits<STATE_BITS>>,
    // Stage B -> C.
    b_slot: DFF<Bits<SLOT_BITS>>,
    b_valid: DFF<Bit>,
    b_full: DFF<Bit>,
    b_flags: DFF<Bits<4>>,
    b_state: DFF<Bits<STATE_BITS>>,
    b_counts: DFF<Bits<COUNT_BITS>>,
    b_payload: DFF<Bits<64>>,
    b_ctrl: DFF<Bit>,
    b_bad: DFF<Bit>,
    b_history: DFF<Bits<58>>,
    b_locked: DFF<Bit>,
    b_sh_cnt: DFF<Bits<7>>,
    b_bad_cnt: DFF<Bits<5>>,
    b_deliver: DFF<Bit>,
    b_sh_error: DFF<Bit>,
    b_lock_lost: DFF<Bit>,
    b_slip: DFF<Bit>,
    b_prbs_sync: DFF<Bit>,
    b_prbs_errors: DFF<Bits<7>>,
    b_prbs_rx_hist: DFF<Bits<31>>,
    b_prbs_pred_hist: DFF<Bits<31>>,
    // Stage C -> out.
    o_valid: DFF<Bit>,
    o_lane: DFF<Bits<SLOT_BITS>>,
    o_payload: DFF<Bits<64>>,
    o_ctrl: DFF<Bit>,
    o_bad: DFF<Bit>,
    o_is_marker: DFF<Bit>,
    o_slot: DFF<Bit>,
    o_write: DFF<Bit>,
    o_mlock: DFF<Bit>,
    o_id: DFF<Bits<12>>,
    o_seen: DFF<Bit>,
    o_bip_bad: DFF<Bit>,
    // Stage A, combinational.
    gather_block: Signal<Local, Bits<66>>,
    gather_full: Signal<Local, Bit>,
    // Stage B, combinational.
    inv: Signal<Local, Bit>,
    // Stage C, combinational.
    sync_cnt: Signal<Local, Bits<32>>,
    loss_cnt: Signal<Local, Bits<32>>,
    bip_cnt: Signal<Local, Bits<33>>,
    badm_cnt: Signal<Local, Bits<32>>,
    prbs_err_cnt: Signal<Local, Bits<33>>,
    prbs_bit_cnt: Signal<Local, Bits<33>>,
    prbs_hist: Signal<Local, Bits<31>>,
    prbs_locked: Signal<Local, Bit>,
    bip_win: Signal<Local, Bits<8>>,
    alarm_now: Signal<Local, Bit>,
    link_state: Signal<Local, Bits<LINK_BITS>>,
    new_state: Signal<Local, Bits<STATE_BITS>>,
    new_counts: Signal<Local, Bits<COUNT_BITS>>,
    last_slot: Constant<Bits<SLOT_BITS>>,
    saturated: Constant<Bits<33>>,
    n_lanes: Constant<Bits<12>>,
}

impl RxEngine {
    /// The link's own rules, then the engine's lane bound ([max_lanes]).
    pub fn check(p: &LinkParams) -> Result<(), ParamError> {
        check_lane_bound(p, "RX", max_lanes, "gives")
    }

    /// An engine for a link's physical lanes (N + S) at its OSR and marker
    /// period; more lanes than [max_lanes] at that OSR are refused.
    pub fn try_new(p: &LinkParams) -> Result<Self, ParamError> {
        Self::check(p)?;
        let lanes = p.physical_lanes();
        let slots = lanes.max(4);
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            lanes: (0..lanes).map(|_| Default::default()).collect(),
            restart: Default::default(),
            clear: Default::default(),
            snapshot: Default::default(),
            busy: Default::default(),
            cfg_prbs_enable: Default::default(),
            cfg_prbs_pattern: Default::default(),
            cfg_bip_threshold: Default::default(),
            bip_epoch: Default::default(),
            bip_alarm: Default::default(),
            bip_alarm_lane: Default::default(),
            scan_lane: Default::default(),
            scan_mlock: Default::default(),
            scan_id: Default::default(),
            marker_lock: (0..lanes).map(|_| Default::default()).collect(),
            out: Default::default(),
            read: Default::default(),
            ram: LaneStateRam::new(&RegMap::new(p)),
            lock_step: Default::default(),
            descr: Default::default(),
            marker: MarkerStep::new(p.marker_period),
            prbs: Default::default(),
            mlocked: (0..lanes).map(|_| Default::default()).collect(),
            prbs_mode: Default::default(),
            req_prbs_clear: Default::default(),
            round_prbs_clear: Default::default(),
            alarm_acc: Default::default(),
            alarm_acc_lane: Default::default(),
            alarm_r: Default::default(),
            alarm_lane_r: Default::default(),
            rounds: RoundSchedule::new(slots),
            busy_tail: Default::default(),
            a_slot: Default::default(),
            a_valid: Default::default(),
            a_full: Default::default(),
            a_block: Default::default(),
            a_flags: Default::default(),
            r_slot: Default::default(),
            r_valid: Default::default(),
            r_full: Default::default(),
            r_block: Default::default(),
            r_flags: Default::default(),
            r_state: Default::default(),
            b_slot: Default::default(),
            b_valid: Default::default(),
            b_full: Default::default(),
            b_flags: Default::default(),
            b_state: Default::default(),
            b_counts: Default::default(),
            b_payload: Default::default(),
            b_ctrl: Default::default(),
            b_bad: Default::default(),
            b_history: Default::default(),
            b_locked: Default::default(),
            b_sh_cnt: Default::default(),
            b_bad_cnt: Default::default(),
            b_deliver: Default::default(),
            b_sh_error: Default::default(),
            b_lock_lost: Default::default(),
            b_slip: Default::default(),
            b_prbs_sync: Default::default(),
            b_prbs_errors: Default::default(),
            b_prbs_rx_hist: Default::default(),
            b_prbs_pred_hist: Default::default(),
            o_valid: Default::default(),
            o_lane: Default::default(),
            o_payload: Default::default(),
            o_ctrl: Default::default(),
            o_bad: Default::default(),
            o_is_marker: Default::default(),
            o_slot: Default::default(),
            o_write: Default::default(),
            o_mlock: Default::default(),
            o_id: Default::default(),
            o_seen: Default::default(),
            o_bip_bad: Default::default(),
            gather_block: Default::default(),
            gather_full: Default::default(),
            inv: Default::default(),
            sync_cnt: Default::default(),
            loss_cnt: Default::default(),
            bip_cnt: Default::default(),
            badm_cnt: Default::default(),
            prbs_err_cnt: Default::default(),
            prbs_bit_cnt: Default::default(),
            prbs_hist: Default::default(),
            prbs_locked: Default::default(),
            bip_win: Default::default(),
            alarm_now: Default::default(),
            link_state: Default::default(),
            new_state: Default::default(),
            new_counts: Default::default(),
            last_slot: Constant::new(((slots - 1) as u64).into()),
            saturated: Constant::new(0xFFFF_FFFFu64.into()),
            n_lanes: Constant::new((p.lanes as u64).into()),
        })
    }
}

impl Logic for RxEngine {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            busy_tail,
            a_slot,
            a_valid,
            a_full,
            a_block,
            a_flags,
            r_slot,
            r_valid,
            r_full,
            r_block,
            r_flags,
            r_state,
            b_slot,
            b_valid,
            b_full,
            b_flags,
            b_state,
            b_counts,
            b_payload,
            b_ctrl,
            b_bad,
            b_history,
            b_locked,
            b_sh_cnt,
            b_bad_cnt,
            b_deliver,
            b_sh_error,
            b_lock_lost,
            b_slip,
            b_prbs_sync,
            b_prbs_errors,
            b_prbs_rx_hist,
            b_prbs_pred_hist,
            prbs_mode,
            req_prbs_clear,
            round_prbs_clear,
            alarm_acc,
            alarm_acc_lane,
            alarm_r,
            alarm_lane_r,
            o_valid,
            o_lane,
            o_payload,
            o_ctrl,
            o_bad,
            o_is_marker,
            o_slot,
            o_write,
            o_mlock,
            o_id,
            o_seen,
            o_bip_bad
        );
        self.ram.clock.next = self.clock.val();
        LaneReadResponder::link(&mut self.read, &mut self.ram.read);
        self.ram.scan_lane.next = self.scan_lane.val();
        self.scan_mlock.next = self.ram.scan_mlock.val();
        self.scan_id.next = self.ram.scan_id.val();
        // Entering PRBS mode zeroes the PRBS counters (next round).
        self.prbs_mode.d.next = self.cfg_prbs_enable.val();
        self.req_prbs_clear.d.next =
            self.req_prbs_clear.q.val() | (self.cfg_prbs_enable.val() & !self.prbs_mode.q.val());

        // Requests wait for the next round.
        self.rounds.clock.next = self.clock.val();
        self.rounds.reset.next = self.reset.val();
        self.rounds.restart.next = self.restart.val();
        self.rounds.clear.next = self.clear.val();
        self.rounds.snapshot.next = self.snapshot.val();
        if self.rounds.last.val() {
            self.round_prbs_clear.d.next = self.req_prbs_clear.q.val();
            self.req_prbs_clear.d.next = false;
        }

        // Stage A: gather the slot's block (an AND-OR over the lanes, which
        // synthesis can balance) and read the lane's record. Stage C's slip
        // goes back to its lane here too.
        self.gather_block.next = 0.into();
        self.gather_full.next = false;
        for q in 0..self.lanes.len() {
            self.lanes[q].take.next = self.rounds.slot.val().index() == q;
            self.lanes[q].slip.next = self.b_valid.q.val()
                & self.b_full.q.val()
                & self.b_slip.q.val()
                & !self.prbs_mode.q.val()
                & (self.b_slot.q.val().index() == q);
            if self.rounds.slot.val().index() == q {
                self.gather_block.next = self.gather_block.val() | self.lanes[q].hold.val();
                self.gather_full.next = self.gather_full.val() | self.lanes[q].full.val();
            }
        }
        self.ram.rd_addr.next = self.rounds.slot.val();
        self.a_slot.d.next = self.rounds.slot.val();
        self.a_valid.d.next = true;
        self.a_full.d.next = self.gather_full.val();
        self.a_block.d.next = self.gather_block.val();
        self.a_flags.d.next =
            bit_cast::<4, 3>(self.rounds.flags.val()) | (bit_cast::<4, 1>(self.round_prbs_clear.q.val().into()) << 3);

        // Stage R: the record into a register; the counts read (they
        // arrive in stage B, straight into b_counts).
        self.r_slot.d.next = self.a_slot.q.val();
        self.r_valid.d.next = self.a_valid.q.val();
        self.r_full.d.next = self.a_full.q.val();
        self.r_block.d.next = self.a_block.q.val();
        self.r_flags.d.next = self.a_flags.q.val();
        self.r_state.d.next = self.ram.rd_state.val();
        self.ram.rd_counts_addr.next = self.a_slot.q.val();

        // Stage B: block lock on the header, the payload descrambled
        // (record bit offsets: see lane_state.rs's LaneRecord).
        self.lock_step.locked.next = self.r_state.q.val().get_bit(58);
        self.lock_step.sh_cnt.next = self.r_state.q.val().get_bits::<7>(59);
        self.lock_step.bad_cnt.next = self.r_state.q.val().get_bits::<5>(66);
        self.lock_step.hdr0.next = self.r_block.q.val().get_bit(0);
        self.lock_step.hdr1.next = self.r_block.q.val().get_bit(1);
        self.descr.history.next = self.r_state.q.val().get_bits::<58>(0);
        self.descr.scrambled.next = self.r_block.q.val().get_bits::<64>(2);
        self.inv.next = self.r_state.q.val().get_bit(104);
        self.b_payload.d.next = self.descr.plain.val();
        if self.inv.val() {
            self.b_payload.d.next = !self.descr.plain.val();
        }
        self.b_ctrl.d.next = self.lock_step.sh_ctrl.val() ^ (self.inv.val() & self.lock_step.sh_valid.val());
        self.b_bad.d.next = !self.lock_step.sh_valid.val();
        self.b_history.d.next = self.descr.next_history.val();
        self.b_locked.d.next = self.lock_step.next_locked.val();
        self.b_sh_cnt.d.next = self.lock_step.next_sh_cnt.val();
        self.b_bad_cnt.d.next = self.lock_step.next_bad_cnt.val();
        self.b_deliver.d.next = self.lock_step.deliver.val();
        self.b_sh_error.d.next = self.lock_step.sh_error.val();
        self.b_lock_lost.d.next = self.lock_step.lock_lost.val();
        self.b_slip.d.next = self.lock_step.slip.val();
        // The PRBS check of the raw block (complemented on an inverted lane).
        self.prbs.history.next = self.r_state.q.val().get_bits::<31>(126);
        self.prbs.locked.next = self.r_state.q.val().get_bit(157);
        self.prbs.pattern.next = self.cfg_prbs_pattern.val();
        self.prbs.block.next = self.r_block.q.val();
        if self.inv.val() {
            self.prbs.block.next = !self.r_block.q.val();
        }
        self.b_prbs_sync.d.next = self.prbs.sync_ok.val();
        self.b_prbs_errors.d.next = self.prbs.errors.val();
        self.b_prbs_rx_hist.d.next = self.prbs.rx_history.val();
        self.b_prbs_pred_hist.d.next = self.prbs.pred_history.val();
        self.b_slot.d.next = self.r_slot.q.val();
        self.b_valid.d.next = self.r_valid.q.val();
        self.b_full.d.next = self.r_full.q.val();
        self.b_flags.d.next = self.r_flags.q.val();
        self.b_state.d.next = self.r_state.q.val();
        self.b_counts.d.next = self.ram.rd_counts.val();

        // Stage C: marker lock and BIP on the delivered block.
        // PRBS mode: no blocks, no block lock (and so no marker lock).
        self.marker.valid.next = self.b_full.q.val() & self.b_deliver.q.val() & !self.prbs_mode.q.val();
        self.marker.block_lock.next = self.b_locked.q.val() & !self.prbs_mode.q.val();
        self.marker.payload.next = self.b_payload.q.val();
        self.marker.ctrl.next = self.b_ctrl.q.val();
        self.marker.bad.next = self.b_bad.q.val();
        self.marker.mlock.next = self.b_state.q.val().get_bit(71);
        self.marker.mid.next = self.b_state.q.val().get_bits::<12>(72);
        self.marker.bcount.next = self.b_state.q.val().get_bits::<17>(84);
        self.marker.bad_run.next = self.b_state.q.val().get_bits::<3>(101);
        self.marker.inv.next = self.b_state.q.val().get_bit(104);
        self.marker.cand.next = self.b_state.q.val().get_bits::<12>(105);
        self.marker.cand_ok.next = self.b_state.q.val().get_bit(117);
        self.marker.bip_acc.next = self.b_state.q.val().get_bits::<8>(118);

        // Counters, saturating.
        self.sync_cnt.next = self.b_counts.q.val().get_bits::<32>(0);
        self.loss_cnt.next = self.b_counts.q.val().get_bits::<32>(32);
        self.bip_cnt.next = bit_cast::<33, 32>(self.b_counts.q.val().get_bits::<32>(64));
        self.badm_cnt.next = self.b_counts.q.val().get_bits::<32>(96);
        self.prbs_err_cnt.next = bit_cast::<33, 32>(self.b_counts.q.val().get_bits::<32>(128));
        self.prbs_bit_cnt.next = bit_cast::<33, 32>(self.b_counts.q.val().get_bits::<32>(160));
        if self.b_flags.q.val().get_bit(1) {
            self.sync_cnt.next = 0.into();
            self.loss_cnt.next = 0.into();
            self.bip_cnt.next = 0.into();
            self.badm_cnt.next = 0.into();
        }
        if self.b_flags.q.val().get_bit(1) | self.b_flags.q.val().get_bit(3) {
            self.prbs_err_cnt.next = 0.into();
            self.prbs_bit_cnt.next = 0.into();
        }
        self.link_state.next = self.b_state.q.val().get_bits::<LINK_BITS>(0);
        if self.b_full.q.val() {
            if self.b_sh_error.q.val() & !self.prbs_mode.q.val() & !self.sync_cnt.val().all() {
                self.sync_cnt.next = self.sync_cnt.val() + 1;
            }
            if self.b_lock_lost.q.val() & !self.prbs_mode.q.val() & !self.loss_cnt.val().all() {
                self.loss_cnt.next = self.loss_cnt.val() + 1;
            }
            if self.marker.bad_marker.val() & !self.badm_cnt.val().all() {
                self.badm_cnt.next = self.badm_cnt.val() + 1;
            }
            self.bip_cnt.next = self.bip_cnt.val() + bit_cast::<33, 6>(self.marker.bip_errors.val());
            self.link_state.next = bit_cast::<LINK_BITS, 58>(self.b_history.q.val())
                | (bit_cast::<LINK_BITS, 1>(self.b_locked.q.val().into()) << 58)
                | (bit_cast::<LINK_BITS, 7>(self.b_sh_cnt.q.val()) << 59)
                | (bit_cast::<LINK_BITS, 5>(self.b_bad_cnt.q.val()) << 66)
                | (bit_cast::<LINK_BITS, 1>(self.marker.next_mlock.val().into()) << 71)
                | (bit_cast::<LINK_BITS, 12>(self.marker.next_mid.val()) << 72)
                | (bit_cast::<LINK_BITS, 17>(self.marker.next_bcount.val()) << 84)
                | (bit_cast::<LINK_BITS, 3>(self.marker.next_bad_run.val()) << 101)
                | (bit_cast::<LINK_BITS, 1>(self.marker.next_inv.val().into()) << 104)
                | (bit_cast::<LINK_BITS, 12>(self.marker.next_cand.val()) << 105)
                | (bit_cast::<LINK_BITS, 1>(self.marker.next_cand_ok.val().into()) << 117)
                | (bit_cast::<LINK_BITS, 8>(self.marker.next_bip_acc.val()) << 118);
        }
        if self.prbs_mode.q.val() {
            // Only the polarity found in link mode stays (the check uses it).
            self.link_state.next = bit_cast::<LINK_BITS, 1>(self.b_state.q.val().get_bits::<1>(104)) << 104;
        }
        if self.bip_cnt.val() > self.saturated.val() {
            self.bip_cnt.next = self.saturated.val();
        }

        // The PRBS checker (see the module docs).
        self.prbs_hist.next = self.b_state.q.val().get_bits::<31>(126);
        self.prbs_locked.next = self.b_state.q.val().get_bit(157);
        if !self.prbs_mode.q.val() {
            self.prbs_hist.next = 0.into();
            self.prbs_locked.next = false;
        } else if self.b_full.q.val() {
            if self.prbs_locked.val() {
                self.prbs_hist.next = self.b_prbs_pred_hist.q.val();
                self.prbs_err_cnt.next = self.prbs_err_cnt.val() + bit_cast::<33, 7>(self.b_prbs_errors.q.val());
                self.prbs_bit_cnt.next = self.prbs_bit_cnt.val() + 66;
                if self.b_prbs_errors.q.val() >= 16 {
                    // Lost: hunt again from the line.
                    self.prbs_locked.next = false;
                    self.prbs_hist.next = self.b_prbs_rx_hist.q.val();
                }
            } else {
                self.prbs_hist.next = self.b_prbs_rx_hist.q.val();
                if self.b_prbs_sync.q.val() {
                    self.prbs_locked.next = true;
                }
            }
        }
        if self.prbs_err_cnt.val() > self.saturated.val() {
            self.prbs_err_cnt.next = self.saturated.val();
        }
        if self.prbs_bit_cnt.val() > self.saturated.val() {
            self.prbs_bit_cnt.next = self.saturated.val();
        }

        // BIP alarm window: a new window starts the lane's count from zero.
        self.bip_win.next = self.b_state.q.val().get_bits::<8>(158);
        if self.b_state.q.val().get_bit(166) != self.bip_epoch.val() {
            self.bip_win.next = 0.into();
        }
        if self.b_full.q.val() & self.marker.bip_bad.val() & (self.bip_win.val() != 255) {
            self.bip_win.next = self.bip_win.val() + 1;
        }
        self.alarm_now.next = self.b_valid.q.val()
            & !self.b_flags.q.val().get_bit(0)
            & (self.cfg_bip_threshold.val() != 0)
            & (self.bip_win.val() >= self.cfg_bip_threshold.val())
            & self.link_state.val().get_bit(71)
            & (self.link_state.val().get_bits::<12>(72) < self.n_lanes.val());
        if self.b_valid.q.val() & (self.b_slot.q.val() == self.last_slot.val()) {
            self.alarm_r.d.next = self.alarm_acc.q.val() | self.alarm_now.val();
            self.alarm_lane_r.d.next = self.alarm_acc_lane.q.val();
            if self.alarm_now.val() {
                self.alarm_lane_r.d.next = self.link_state.val().get_bits::<12>(72);
            }
            self.alarm_acc.d.next = false;
        } else if self.alarm_now.val() {
            self.alarm_acc.d.next = true;
            self.alarm_acc_lane.d.next = self.link_state.val().get_bits::<12>(72);
        }
        self.bip_alarm.next = self.alarm_r.q.val();
        self.bip_alarm_lane.next = self.alarm_lane_r.q.val();

        self.new_state.next = bit_cast::<STATE_BITS, LINK_BITS>(self.link_state.val())
            | (bit_cast::<STATE_BITS, 31>(self.prbs_hist.val()) << 126)
            | (bit_cast::<STATE_BITS, 1>(self.prbs_locked.val().into()) << 157)
            | (bit_cast::<STATE_BITS, 8>(self.bip_win.val()) << 158)
            | (bit_cast::<STATE_BITS, 1>(self.bip_epoch.val().into()) << 166);
        self.new_counts.next = bit_cast::<COUNT_BITS, 32>(self.sync_cnt.val())
            | (bit_cast::<COUNT_BITS, 32>(self.loss_cnt.val()) << 32)
            | (bit_cast::<COUNT_BITS, 32>(self.bip_cnt.val().get_bits::<32>(0)) << 64)
            | (bit_cast::<COUNT_BITS, 32>(self.badm_cnt.val()) << 96)
            | (bit_cast::<COUNT_BITS, 32>(self.prbs_err_cnt.val().get_bits::<32>(0)) << 128)
            | (bit_cast::<COUNT_BITS, 32>(self.prbs_bit_cnt.val().get_bits::<32>(0)) << 160);
        if self.b_flags.q.val().get_bit(0) {
            self.new_state.next = 0.into();
            self.new_counts.next = 0.into();
        }
        self.ram.wr_en.next = self.b_valid.q.val();
        self.ram.wr_addr.next = self.b_slot.q.val();
        self.ram.wr_state.next = self.new_state.val();
        self.ram.wr_counts.next = self.new_counts.val();
        // Status: block lock 0, marker lock 1, inverted 2, PRBS lock 3, lane id 15..4.
        self.ram.wr_status.next = bit_cast::<16, 1>(self.new_state.val().get_bits::<1>(58))
            | (bit_cast::<16, 1>(self.new_state.val().get_bits::<1>(71)) << 1)
            | (bit_cast::<16, 1>(self.new_state.val().get_bits::<1>(104)) << 2)
            | (bit_cast::<16, 1>(self.new_state.val().get_bits::<1>(157)) << 3)
            | (bit_cast::<16, 12>(self.new_state.val().get_bits::<12>(72)) << 4);
        self.ram.wr_snap.next = self.b_flags.q.val().get_bit(2) | self.b_flags.q.val().get_bit(0);
        for q in 0..self.mlocked.len() {
            self.mlocked[q].clock.next = self.clock.val();
            self.mlocked[q].d.next = self.mlocked[q].q.val();
            if self.b_valid.q.val() & (self.b_slot.q.val().index() == q) {
                self.mlocked[q].d.next = self.new_state.val().get_bit(71);
            }
            self.marker_lock[q].next = self.mlocked[q].q.val();
        }

        // The block's event.
        self.o_valid.d.next = self.marker.valid.val() & !self.b_flags.q.val().get_bit(0);
        self.o_lane.d.next = self.b_slot.q.val();
        self.o_payload.d.next = self.b_payload.q.val();
        self.o_ctrl.d.next = self.b_ctrl.q.val();
        self.o_bad.d.next = self.b_bad.q.val();
        self.o_is_marker.d.next = self.marker.is_marker.val();
        self.o_slot.d.next = self.marker.marker_slot.val();
        self.o_write.d.next = self.marker.write.val();
        self.o_mlock.d.next = self.new_state.val().get_bit(71);
        self.o_id.d.next = self.new_state.val().get_bits::<12>(72);
        self.o_seen.d.next = self.marker.marker_seen.val();
        self.o_bip_bad.d.next = self.marker.bip_bad.val();
        self.out.valid.next = self.o_valid.q.val();
        self.out.lane.next = self.o_lane.q.val();
        self.out.payload.next = self.o_payload.q.val();
        self.out.ctrl.next = self.o_ctrl.q.val();
        self.out.bad.next = self.o_bad.q.val();
        self.out.is_marker.next = self.o_is_marker.q.val();
        self.out.marker_slot.next = self.o_slot.q.val();
        self.out.write.next = self.o_write.q.val();
        self.out.marker_lock.next = self.o_mlock.q.val();
        self.out.lane_id.next = self.o_id.q.val();
        self.out.marker_seen.next = self.o_seen.q.val();
        self.out.bip_bad.next = self.o_bip_bad.q.val();

        // Snapshot RAM writes (snapshot and restart rounds) still to come.
        self.busy_tail.d.next = self.b_flags.q.val().get_bit(2) | self.b_flags.q.val().get_bit(0);
        self.busy.next = self.rounds.pending.val()
            | (self.a_flags.q.val() & 5).any()
            | (self.r_flags.q.val() & 5).any()
            | (self.b_flags.q.val() & 5).any()
            | self.busy_tail.q.val();

        if self.reset.val() {
            // The first round clears every lane's record, counters and snapshot.
            self.req_prbs_clear.d.next = false;
            self.round_prbs_clear.d.next = false;
            self.a_valid.d.next = false;
            self.r_valid.d.next = false;
            self.b_valid.d.next = false;
            self.o_valid.d.next = false;
            self.alarm_acc.d.next = false;
            self.alarm_r.d.next = false;
        }
    }
}
