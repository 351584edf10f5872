//! Lane transmitter: takes one block every 66 * OSR clocks, sends its sync
//! header and scrambled payload bit-serially (see [crate::phy::block_format]),
//! each line bit held for OSR clocks; or, in PRBS mode, a raw PRBS.
//!
//! Timing (the BERT core and the PHY tests rely on it; the link now sends
//! through the time-shared TX engine): `block_take` depends on registers
//! only. Counting the first clock with `reset` low as clock 0, the first
//! take is on clock 2 * OSR - 1, then exactly every 66 * OSR clocks,
//! whatever the mode, so all lanes of one OSR released together stay in
//! lockstep. The block taken on a `block_take` edge starts on the line
//! (registered) OSR clocks later.

use crate::phy::block_format::BLOCK_BITS;
use crate::phy::prbs::PrbsGen;
use crate::phy::scrambler::Scrambler;
use rust_hdl::prelude::*;

/// Largest supported oversampling ratio.
pub const MAX_OSR: usize = 8;

/// Lane transmitter.
#[derive(LogicBlock)]
pub struct LaneTx {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (active high).
    pub reset: Signal<In, Bit>,
    /// Next block's payload (unscrambled), latched when `block_take` is 1.
    pub block_data: Signal<In, Bits<64>>,
    /// Next block's control flag (1 = control), latched with `block_data`.
    pub block_ctrl: Signal<In, Bit>,
    /// One-clock strobe, every 66 * OSR clocks: the block inputs are taken.
    pub block_take: Signal<Out, Bit>,
    /// Send raw PRBS instead of blocks (block timing keeps running).
    pub cfg_prbs_enable: Signal<In, Bit>,
    /// PRBS pattern code (0 = PRBS7 .. 4 = PRBS31, see `PrbsPattern`).
    pub cfg_prbs_pattern: Signal<In, Bits<3>>,
    /// The line: one bit per OSR clocks (registered).
    pub tx_line: Signal<Out, Bit>,
    osr_last: Constant<Bits<4>>,
    last_bit: Constant<Bits<7>>,
    bit_strobe: Signal<Local, Bit>,
    osr_count: DFF<Bits<4>>,
    bit_index: DFF<Bits<7>>,
    payload: DFF<Bits<64>>,
    is_ctrl: DFF<Bit>,
    line: DFF<Bit>,
    scrambler: Scrambler,
    prbs: PrbsGen,
}

impl LaneTx {
    /// A transmitter holding each line bit `osr` clocks (1..=8).
    pub fn new(osr: usize) -> Self {
        assert!((1..=MAX_OSR).contains(&osr), "LaneTx: osr must be in 1..={MAX_OSR}, not {osr}");
        Self {
            clock: Default::default(),
            reset: Default::default(),
            block_data: Default::default(),
            block_ctrl: Default::default(),
            block_take: Default::default(),
            cfg_prbs_enable: Default::default(),
            cfg_prbs_pattern: Default::default(),
            tx_line: Default::default(),
            osr_last: Constant::new(((osr - 1) as u64).into()),
            last_bit: Constant::new(((BLOCK_BITS - 1) as u64).into()),
            bit_strobe: Default::default(),
            osr_count: Default::default(),
            bit_index: Default::default(),
            payload: Default::default(),
            is_ctrl: Default::default(),
            line: Default::default(),
            scrambler: Scrambler::new(),
            prbs: PrbsGen::new(),
        }
    }
}

impl Logic for LaneTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, osr_count, bit_index, payload, is_ctrl, line);
        self.scrambler.clock.next = self.clock.val();
        self.scrambler.reset.next = self.reset.val();
        self.prbs.clock.next = self.clock.val();
        self.prbs.reset.next = self.reset.val();
        self.prbs.cfg_pattern.next = self.cfg_prbs_pattern.val();

        // The last clock of a line bit: compute the next one.
        self.bit_strobe.next = self.osr_count.q.val() == self.osr_last.val();
        self.osr_count.d.next = self.osr_count.q.val() + 1;
        self.scrambler.data_in.next = self.payload.q.val().get_bit(0);
        self.scrambler.enable.next = false;
        self.prbs.enable.next = false;
        self.block_take.next = false;
        self.tx_line.next = self.line.q.val();

        if self.bit_strobe.val() {
            self.osr_count.d.next = 0.into();
            self.bit_index.d.next = self.bit_index.q.val() + 1;
            if self.bit_index.q.val() == 0 {
                // Sync header: 1,0 = control, 0,1 = data.
                self.line.d.next = self.is_ctrl.q.val();
            } else if self.bit_index.q.val() == 1 {
                self.line.d.next = !self.is_ctrl.q.val();
            } else {
                self.line.d.next = self.scrambler.data_out.val();
                self.scrambler.enable.next = !self.cfg_prbs_enable.val();
                self.payload.d.next = self.payload.q.val() >> 1;
            }
            if self.bit_index.q.val() == self.last_bit.val() {
                // The last payload bit goes out now; the next block comes in.
                self.bit_index.d.next = 0.into();
                self.payload.d.next = self.block_data.val();
                self.is_ctrl.d.next = self.block_ctrl.val();
                self.block_take.next = true;
            }
            if self.cfg_prbs_enable.val() {
                self.line.d.next = self.prbs.prbs_out.val();
                self.prbs.enable.next = true;
            }
        }

        if self.reset.val() {
            // Start two bits before the end of an all-zero block: the first
            // take comes two line bits after release, and never during reset.
            self.osr_count.d.next = 0.into();
            self.bit_index.d.next = self.last_bit.val() - 1;
            self.payload.d.next = 0.into();
            self.is_ctrl.d.next = false;
            self.line.d.next = false;
        }
    }
}
