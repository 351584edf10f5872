//! The TX half of the time-shared link engine, put together: one
//! [TxEngine] for everything done once per block, and per physical lane
//! only its 66-bit serializer, paced by one shared [SerTiming].
//!
//! ```text
//! word (TxWordReader, by lane) ─► TxEngine ─► LineBlockSource/Sink ─► BlockSer[q] ─► lines[q]
//! map (LaneIdController)       ─┘                      SerTiming ─┘ (bit_end, block_end)
//! ```
//!
//! `boundary` is the lanes' shared block boundary (`SerTiming::block_end`):
//! the block loaded after boundary k goes on the line at boundary k + 1.
//!
//! After reset the first 66 line bits of every lane are zeros (the
//! serializers' free-running first block), then block 0 (a marker);
//! tests/link/engine_tx.rs checks the lines bit for bit against the
//! software block encoder.

use super::block_ser::BlockSer;
use super::ports::{LaneIdController, LineBlockSource, TxWordReader};
use super::ser_timing::SerTiming;
use super::tx_engine::TxEngine;
use crate::params::{LinkParams, ParamError};
use rust_hdl::prelude::*;

/// The shared TX engine and the lanes' serializers (see the module docs).
#[derive(LogicBlock)]
pub struct TxLanes {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: every lane restarts, in lockstep.
    pub reset: Signal<In, Bit>,
    /// The word stage's read port: what the gearbox dealt each lane.
    pub word: TxWordReader,
    /// The lane map's id read.
    pub map: LaneIdController,
    /// Raw PRBS on every lane (BERT) instead of blocks.
    pub cfg_prbs_enable: Signal<In, Bit>,
    /// PRBS pattern code (0 = PRBS7 .. 4 = PRBS31).
    pub cfg_prbs_pattern: Signal<In, Bits<3>>,
    /// One clock every 66 x OSR clocks: the lanes' block boundary.
    pub boundary: Signal<Out, Bit>,
    /// The physical lanes' lines.
    pub lines: Vec<Signal<Out, Bit>>,
    /// Some serializer found its hold register empty this clock (never, within
    /// the schedule bound).
    pub underrun: Signal<Out, Bit>,
    engine: TxEngine,
    timing: SerTiming,
    ser: Vec<BlockSer>,
    any_underrun: Signal<Local, Bit>,
}

impl TxLanes {
    /// A link's physical lanes (N + S) (limits: [TxEngine::try_new]).
    pub fn try_new(p: &LinkParams) -> Result<Self, ParamError> {
        let engine = TxEngine::try_new(p)?;
        let lanes = p.physical_lanes();
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            word: Default::default(),
            map: Default::default(),
            cfg_prbs_enable: Default::default(),
            cfg_prbs_pattern: Default::default(),
            boundary: Default::default(),
            lines: (0..lanes).map(|_| Default::default()).collect(),
            underrun: Default::default(),
            engine,
            timing: SerTiming::try_new(p.osr)?,
            ser: (0..lanes).map(|_| BlockSer::default()).collect(),
            any_underrun: Default::default(),
        })
    }
}

impl Logic for TxLanes {
    #[hdl_gen]
    fn update(&mut self) {
        self.engine.clock.next = self.clock.val();
        self.engine.reset.next = self.reset.val();
        self.engine.cfg_prbs_enable.next = self.cfg_prbs_enable.val();
        self.engine.cfg_prbs_pattern.next = self.cfg_prbs_pattern.val();
        LaneIdController::link(&mut self.map, &mut self.engine.map);
        TxWordReader::link(&mut self.word, &mut self.engine.word);
        self.timing.clock.next = self.clock.val();
        self.timing.reset.next = self.reset.val();
        self.boundary.next = self.timing.block_end.val();
        self.any_underrun.next = false;
        for q in 0..self.ser.len() {
            self.ser[q].clock.next = self.clock.val();
            self.ser[q].reset.next = self.reset.val();
            self.ser[q].bit_end.next = self.timing.bit_end.val();
            self.ser[q].block_end.next = self.timing.block_end.val();
            LineBlockSource::join(&mut self.engine.lines[q], &mut self.ser[q].port);
            self.lines[q].next = self.ser[q].line.val();
            self.any_underrun.next = self.any_underrun.val() | self.ser[q].underrun.val();
        }
        self.underrun.next = self.any_underrun.val();
    }
}
