//! The shared TX engine: everything a lane sends once per block - the
//! block choice (marker, word or idle), the marker's lane id and BIP-8,
//! the sync header and the x^58 + x^39 + 1 scrambling, or raw PRBS in
//! BERT mode - for every lane, in
//! one pipeline that visits one lane per clock with the lanes' state in
//! block RAM ([TxStateRam]); per lane only the 66-bit serializer
//! ([BlockSer](super::block_ser::BlockSer)) runs at the line rate.
//!
//! ```text
//!  A: slot s: read its record, its word (word stage) and its id (lane map)
//!  B: gather lines[s].full; TxBlockStep (marker / word / idle, BIP, index); take the word
//!  C: Scramble64 + sync header, or PrbsBlockGen ─► lines[s] (load), record written back
//! ```
//!
//! The word stage and the lane map answer one clock after the address
//! (registered reads, so either may be block RAM); `word.take` comes with
//! the answer. The engine loads lane q's hold register only after the
//! boundary that empties it, so the word it reads for a lane's block k is
//! read within SLOTS + 2 clocks after boundary k (see
//! [crate::link::tx_word_stage] for how the gearbox double-buffers by round
//! around that window).
//!
//! Schedule: a round visits slots 0..SLOTS-1, SLOTS = max(lanes, 4) (a lane
//! is written back before it is read again). A lane is loaded on the first
//! visit that finds its hold register empty; see [super::tx_max_lanes] for
//! why that is always in time.
//!
//! The first round after `reset` takes every record as zero (scrambler
//! history, BIP, block index: block 0 is a marker with BIP 0, as `LinkTx`
//! starts), so the RAM needs no clearing pass. Lanes start in lockstep
//! because their serializers are released together, not because of the
//! engine.
//!
//! PRBS (BERT) mode, as `LaneTx` does it: while `cfg_prbs_enable`, every
//! lane sends raw PRBS of `cfg_prbs_pattern`, all 66 bit times of a block
//! (no sync header), continuing its own generator (31 bits per lane in the
//! record); the scrambler history stands still and the block choice runs
//! on (words are taken, markers counted, BIP folded), so the marker
//! schedule stays in step with the gearbox when the mode ends.
//!
//! The block index of the marker period is kept per lane (so a lane's
//! markers never depend on the other lanes' timing); a word carries its
//! own control flag.

use super::marker_gen::TxBlockStep;
use super::ports::{LaneIdController, LineBlockSource, TxWordReader, SLOT_BITS};
use super::prbs_block::PrbsBlockGen;
use super::scramble::Scramble64;
use super::tx_state::{TxStateRam, TX_STATE_BITS};
use super::{check_lane_bound, tx_max_lanes};
use crate::params::{LinkParams, ParamError};
use rust_hdl::prelude::*;

/// The time-shared TX engine (see the module docs).
#[derive(LogicBlock)]
pub struct TxEngine {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: the first round starts every lane afresh.
    pub reset: Signal<In, Bit>,
    /// The word stage: what the gearbox dealt each physical lane.
    pub word: TxWordReader,
    /// Per physical lane: its serializer's hold register.
    pub lines: Vec<LineBlockSource>,
    /// The lane map: the logical id each physical lane carries.
    pub map: LaneIdController,
    /// Raw PRBS on every lane (BERT) instead of blocks.
    pub cfg_prbs_enable: Signal<In, Bit>,
    /// PRBS pattern code (0 = PRBS7 .. 4 = PRBS31, see `PrbsPattern`).
    pub cfg_prbs_pattern: Signal<In, Bits<3>>,
    ram: TxStateRam,
    prbs: PrbsBlockGen,
    step: TxBlockStep,
    scr: Scramble64,
    slot: DFF<Bits<SLOT_BITS>>,
    round_restart: DFF<Bit>,
    // Stage A -> B.
    a_slot: DFF<Bits<SLOT_BITS>>,
    a_valid: DFF<Bit>,
    a_restart: DFF<Bit>,
    // Stage B -> C.
    b_slot: DFF<Bits<SLOT_BITS>>,
    b_load: DFF<Bit>,
    b_restart: DFF<Bit>,
    b_payload: DFF<Bits<64>>,
    b_ctrl: DFF<Bit>,
    b_history: DFF<Bits<58>>,
    b_bip: DFF<Bits<8>>,
    b_bcount: DFF<Bits<17>>,
    b_prbs_on: DFF<Bit>,
    b_prbs: DFF<Bits<31>>,
    // Stage B, combinational.
    record: Signal<Local, Bits<TX_STATE_BITS>>,
    g_full: Signal<Local, Bit>,
    load: Signal<Local, Bit>,
    // Stage C, combinational.
    not_ctrl: Signal<Local, Bit>,
    block: Signal<Local, Bits<66>>,
    history_kept: Signal<Local, Bits<58>>,
    prbs_kept: Signal<Local, Bits<31>>,
    last_slot: Constant<Bits<SLOT_BITS>>,
}

impl TxEngine {
    /// An engine for a link's physical lanes (N + S) at its OSR and marker
    /// period; more lanes than [tx_max_lanes] at that OSR are refused.
    pub fn try_new(p: &LinkParams) -> Result<Self, ParamError> {
        check_lane_bound(p, "TX", tx_max_lanes, "needs")?;
        let lanes = p.physical_lanes();
        let slots = lanes.max(4);
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            word: Default::default(),
            lines: (0..lanes).map(|_| Default::default()).collect(),
            map: Default::default(),
            cfg_prbs_enable: Default::default(),
            cfg_prbs_pattern: Default::default(),
            ram: Default::default(),
            prbs: Default::default(),
            step: TxBlockStep::new(p.marker_period),
            scr: Default::default(),
            slot: Default::default(),
            round_restart: Default::default(),
            a_slot: Default::default(),
            a_valid: Default::default(),
            a_restart: Default::default(),
            b_slot: Default::default(),
            b_load: Default::default(),
            b_restart: Default::default(),
            b_payload: Default::default(),
            b_ctrl: Default::default(),
            b_history: Default::default(),
            b_bip: Default::default(),
            b_bcount: Default::default(),
            b_prbs_on: Default::default(),
            b_prbs: Default::default(),
            record: Default::default(),
            g_full: Default::default(),
            load: Default::default(),
            not_ctrl: Default::default(),
            block: Default::default(),
            history_kept: Default::default(),
            prbs_kept: Default::default(),
            last_slot: Constant::new(((slots - 1) as u64).into()),
        })
    }
}

impl Logic for TxEngine {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            slot,
            round_restart,
            a_slot,
            a_valid,
            a_restart,
            b_slot,
            b_load,
            b_restart,
            b_payload,
            b_ctrl,
            b_history,
            b_bip,
            b_bcount,
            b_prbs_on,
            b_prbs
        );
        self.ram.clock.next = self.clock.val();

        if self.slot.q.val() == self.last_slot.val() {
            self.slot.d.next = 0.into();
            self.round_restart.d.next = false;
        } else {
            self.slot.d.next = self.slot.q.val() + 1;
        }

        // Stage A: read the slot's record, word and lane id.
        self.ram.rd_addr.next = self.slot.q.val();
        self.word.lane.next = self.slot.q.val();
        self.map.lane.next = self.slot.q.val();
        self.a_slot.d.next = self.slot.q.val();
        self.a_valid.d.next = true;
        self.a_restart.d.next = self.round_restart.q.val();

        // Stage B: gather the lane's hold flag (AND-OR over the lanes),
        // choose its block (record offsets: see tx_state.rs).
        self.record.next = self.ram.rd_state.val();
        if self.a_restart.q.val() {
            self.record.next = 0.into();
        }
        self.g_full.next = false;
        for q in 0..self.lines.len() {
            if self.a_slot.q.val().index() == q {
                self.g_full.next = self.g_full.val() | self.lines[q].full.val();
            }
        }
        self.step.bcount.next = self.record.val().get_bits::<17>(66);
        self.step.bip.next = self.record.val().get_bits::<8>(58);
        self.step.lane_id.next = self.map.id.val();
        self.step.word_valid.next = self.word.valid.val();
        self.step.word_payload.next = self.word.payload.val();
        self.step.word_ctrl.next = self.word.ctrl.val();
        self.load.next = self.a_valid.q.val() & !self.g_full.val();
        self.word.take.next = self.load.val() & !self.step.is_marker.val();
        self.b_slot.d.next = self.a_slot.q.val();
        self.b_load.d.next = self.load.val();
        self.b_restart.d.next = self.a_valid.q.val() & self.a_restart.q.val();
        self.b_payload.d.next = self.step.payload.val();
        self.b_ctrl.d.next = self.step.ctrl.val();
        self.b_history.d.next = self.record.val().get_bits::<58>(0);
        self.b_bip.d.next = self.step.next_bip.val();
        self.b_bcount.d.next = self.step.next_bcount.val();
        self.b_prbs_on.d.next = self.cfg_prbs_enable.val();
        self.b_prbs.d.next = self.record.val().get_bits::<31>(83);

        // Stage C: scramble, add the sync header (1,0 control, 0,1 data),
        // or the lane's next PRBS bits; load the lane's hold register, write
        // the record back (the mode not sent keeps its state).
        self.scr.history.next = self.b_history.q.val();
        self.scr.plain.next = self.b_payload.q.val();
        self.prbs.history.next = self.b_prbs.q.val();
        self.prbs.pattern.next = self.cfg_prbs_pattern.val();
        self.not_ctrl.next = !self.b_ctrl.q.val();
        self.block.next = bit_cast::<66, 1>(self.b_ctrl.q.val().into())
            | (bit_cast::<66, 1>(self.not_ctrl.val().into()) << 1)
            | (bit_cast::<66, 64>(self.scr.scrambled.val()) << 2);
        self.history_kept.next = self.scr.next_history.val();
        self.prbs_kept.next = self.b_prbs.q.val();
        if self.b_prbs_on.q.val() {
            self.block.next = self.prbs.block.val();
            self.history_kept.next = self.b_history.q.val();
            self.prbs_kept.next = self.prbs.next_history.val();
        }
        for q in 0..self.lines.len() {
            self.lines[q].block.next = self.block.val();
            self.lines[q].load.next = self.b_load.q.val() & (self.b_slot.q.val().index() == q);
        }
        self.ram.wr_en.next = self.b_load.q.val() | self.b_restart.q.val();
        self.ram.wr_addr.next = self.b_slot.q.val();
        self.ram.wr_state.next = 0.into();
        if self.b_load.q.val() {
            self.ram.wr_state.next = bit_cast::<TX_STATE_BITS, 58>(self.history_kept.val())
                | (bit_cast::<TX_STATE_BITS, 8>(self.b_bip.q.val()) << 58)
                | (bit_cast::<TX_STATE_BITS, 17>(self.b_bcount.q.val()) << 66)
                | (bit_cast::<TX_STATE_BITS, 31>(self.prbs_kept.val()) << 83);
        }

        if self.reset.val() {
            self.slot.d.next = 0.into();
            self.round_restart.d.next = true;
            self.a_valid.d.next = false;
            self.b_load.d.next = false;
            self.b_restart.d.next = false;
        }
    }
}
