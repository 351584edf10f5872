//! The TX half of the time-shared link engine, put together: one
//! [TxEngine] for everything done once per block, and per physical lane
//! only its 66-bit serializer.
//!
//! ```text
//! words[q] (TxWordSource) ─► TxEngine ─► LineBlockSource/Sink ─► BlockSer[q] ─► lines[q]
//! map (lane id read)      ─┘
//! ```
//!
//! Latency against today's `LaneTx`, both released on the same clock: a
//! lane's first block starts on the line 64 line bits later here (the
//! serializer's free-running first block is 66 zero bits, `LaneTx`'s two),
//! the same on every lane; tests/link/engine_tx.rs checks it bit for bit.

use super::block_ser::BlockSer;
use super::ports::{LaneIdController, LineBlockSource, TxWordSink};
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
    /// Per physical lane: what the gearbox dealt it.
    pub words: Vec<TxWordSink>,
    /// The lane map's id read.
    pub map: LaneIdController,
    /// The physical lanes' lines.
    pub lines: Vec<Signal<Out, Bit>>,
    /// Some serializer found its hold register empty this clock (never, within
    /// the schedule bound).
    pub underrun: Signal<Out, Bit>,
    engine: TxEngine,
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
            words: (0..lanes).map(|_| Default::default()).collect(),
            map: Default::default(),
            lines: (0..lanes).map(|_| Default::default()).collect(),
            underrun: Default::default(),
            engine,
            ser: (0..lanes).map(|_| BlockSer::try_new(p.osr)).collect::<Result<_, _>>()?,
            any_underrun: Default::default(),
        })
    }
}

impl Logic for TxLanes {
    #[hdl_gen]
    fn update(&mut self) {
        self.engine.clock.next = self.clock.val();
        self.engine.reset.next = self.reset.val();
        LaneIdController::link(&mut self.map, &mut self.engine.map);
        self.any_underrun.next = false;
        for q in 0..self.ser.len() {
            TxWordSink::link(&mut self.words[q], &mut self.engine.words[q]);
            self.ser[q].clock.next = self.clock.val();
            self.ser[q].reset.next = self.reset.val();
            LineBlockSource::join(&mut self.engine.lines[q], &mut self.ser[q].port);
            self.lines[q].next = self.ser[q].line.val();
            self.any_underrun.next = self.any_underrun.val() | self.ser[q].underrun.val();
        }
        self.underrun.next = self.any_underrun.val();
    }
}
