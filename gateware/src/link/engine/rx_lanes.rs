//! The RX half of the time-shared link engine, put together: per physical
//! lane only the line-rate logic (bit recovery and the 66-bit front end),
//! and one [RxEngine] for everything done once per block.
//!
//! ```text
//! lines[q] ─► BitRecovery ─► BlockDeser ─┐ BlockSource/BlockSink (take, slip)
//!                                        ├─► RxEngine ─► out (AlignedBlockSource)
//! lines[q+1] ─► ...                     ─┘            └─► read (LaneReadResponder)
//! ```
//!
//! The lanes are not inverted in front of bit recovery: the engine corrects
//! an inverted lane itself (see [RxEngine]).

use super::block_deser::BlockDeser;
use super::ports::{AlignedBlockSource, BlockSource, LaneReadResponder, SLOT_BITS};
use super::rx_engine::RxEngine;
use crate::params::{LinkParams, ParamError};
use crate::phy::bit_recovery::BitRecovery;
use rust_hdl::prelude::*;

/// Lanes' front ends and the shared RX engine (see the module docs).
#[derive(LogicBlock)]
pub struct RxLanes {
    /// Clock: one line sample per clock and lane.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high.
    pub reset: Signal<In, Bit>,
    /// The physical lanes' line samples.
    pub lines: Vec<Signal<In, Bit>>,
    /// Per lane: the bit sampling phase is found (`LANE_STATUS` bit 0).
    pub bit_lock: Vec<Signal<Out, Bit>>,
    /// Per lane: marker-locked.
    pub marker_lock: Vec<Signal<Out, Bit>>,
    /// Engine requests and their completion (see [RxEngine]).
    pub restart: Signal<In, Bit>,
    pub clear: Signal<In, Bit>,
    pub snapshot: Signal<In, Bit>,
    pub busy: Signal<Out, Bit>,
    /// PRBS (BERT) mode and pattern; BIP alarm (see [RxEngine]).
    pub cfg_prbs_enable: Signal<In, Bit>,
    pub cfg_prbs_pattern: Signal<In, Bits<3>>,
    pub cfg_bip_threshold: Signal<In, Bits<8>>,
    pub bip_epoch: Signal<In, Bit>,
    pub bip_alarm: Signal<Out, Bit>,
    pub bip_alarm_lane: Signal<Out, Bits<12>>,
    /// Lane discovery's read port (see [RxEngine]).
    pub scan_lane: Signal<In, Bits<SLOT_BITS>>,
    pub scan_mlock: Signal<Out, Bit>,
    pub scan_id: Signal<Out, Bits<12>>,
    /// Aligned blocks for the deskew write side.
    pub out: AlignedBlockSource,
    /// The register decode's read port.
    pub read: LaneReadResponder,
    bitrec: Vec<BitRecovery>,
    deser: Vec<BlockDeser>,
    engine: RxEngine,
}

impl RxLanes {
    /// A link's physical lanes (N + S) (limits: [RxEngine::try_new]).
    pub fn try_new(p: &LinkParams) -> Result<Self, ParamError> {
        let engine = RxEngine::try_new(p)?;
        let (lanes, osr) = (p.physical_lanes(), p.osr);
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            lines: (0..lanes).map(|_| Default::default()).collect(),
            bit_lock: (0..lanes).map(|_| Default::default()).collect(),
            marker_lock: (0..lanes).map(|_| Default::default()).collect(),
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
            out: Default::default(),
            read: Default::default(),
            bitrec: (0..lanes).map(|_| BitRecovery::new(osr)).collect(),
            deser: (0..lanes).map(|_| Default::default()).collect(),
            engine,
        })
    }
}

impl Logic for RxLanes {
    #[hdl_gen]
    fn update(&mut self) {
        self.engine.clock.next = self.clock.val();
        self.engine.reset.next = self.reset.val();
        self.engine.restart.next = self.restart.val();
        self.engine.clear.next = self.clear.val();
        self.engine.snapshot.next = self.snapshot.val();
        self.busy.next = self.engine.busy.val();
        self.engine.cfg_prbs_enable.next = self.cfg_prbs_enable.val();
        self.engine.cfg_prbs_pattern.next = self.cfg_prbs_pattern.val();
        self.engine.cfg_bip_threshold.next = self.cfg_bip_threshold.val();
        self.engine.bip_epoch.next = self.bip_epoch.val();
        self.bip_alarm.next = self.engine.bip_alarm.val();
        self.bip_alarm_lane.next = self.engine.bip_alarm_lane.val();
        self.engine.scan_lane.next = self.scan_lane.val();
        self.scan_mlock.next = self.engine.scan_mlock.val();
        self.scan_id.next = self.engine.scan_id.val();
        AlignedBlockSource::link(&mut self.out, &mut self.engine.out);
        LaneReadResponder::link(&mut self.read, &mut self.engine.read);
        for q in 0..self.deser.len() {
            self.bitrec[q].clock.next = self.clock.val();
            self.bitrec[q].reset.next = self.reset.val();
            self.bitrec[q].line_in.next = self.lines[q].val();
            self.deser[q].clock.next = self.clock.val();
            self.deser[q].reset.next = self.reset.val();
            self.deser[q].bit_valid.next = self.bitrec[q].bit_valid.val();
            self.deser[q].bit_value.next = self.bitrec[q].bit_value.val();
            BlockSource::join(&mut self.deser[q].port, &mut self.engine.lanes[q]);
            self.bit_lock[q].next = self.bitrec[q].bit_lock.val();
            self.marker_lock[q].next = self.engine.marker_lock[q].val();
        }
    }
}
