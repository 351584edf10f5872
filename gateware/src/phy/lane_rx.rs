//! Lane receiver: line samples in, 66-bit blocks (descrambled) out, with the
//! lane's status and error counters.
//!
//! ```text
//! rx_line ^ cfg_invert ─► BitRecovery ─► BlockLock (framing, clause 49) ─► Descrambler ─► block_*
//!                             │
//!                             └────────► PrbsCheck (cfg_prbs_enable)
//! ```
//!
//! In PRBS mode the framer is held in reset (the line carries no blocks, so
//! this is not a lock loss) and every recovered bit goes to the checker.
//! Enabling PRBS mode restarts the checker (and zeroes its counters);
//! disabling it keeps the counters for reading.
//!
//! Counters saturate at 2^32 - 1; `cfg_freeze` holds all four (events
//! meanwhile are not counted), `cfg_clear` zeroes them. `sync_errors` counts
//! invalid sync headers seen while block-locked, `lock_losses` each loss of
//! block lock (16 invalid headers within 64).
//!
//! Latency: a line sample reaches bit recovery's output 2 clocks after it
//! enters (plus its place in the bit: the strobe samples mid-bit), and a
//! block's `block_valid` comes 2 clocks after its last bit leaves bit recovery.

use crate::phy::bit_recovery::BitRecovery;
use crate::phy::block_lock::BlockLock;
use crate::phy::prbs::PrbsCheck;
use crate::phy::scrambler::Descrambler;
use rust_hdl::prelude::*;

/// Lane receiver (the lane PHY port contract; see the module docs).
#[derive(LogicBlock)]
pub struct LaneRx {
    /// Clock: one line sample per clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high.
    pub reset: Signal<In, Bit>,
    /// The line sample of this clock.
    pub rx_line: Signal<In, Bit>,
    /// Invert the incoming line (set by the link when a lane's markers arrive inverted).
    pub cfg_invert: Signal<In, Bit>,
    /// Received block payload, descrambled (valid with `block_valid`).
    pub block_data: Signal<Out, Bits<64>>,
    /// Received block is a control block (or had an invalid sync header).
    pub block_ctrl: Signal<Out, Bit>,
    /// Received block had an invalid sync header (`00` or `11`): its payload
    /// may be good, but whether it was data or control is unknown.
    pub block_bad: Signal<Out, Bit>,
    /// One-clock strobe per received block, only while block-locked.
    pub block_valid: Signal<Out, Bit>,
    /// The bit sampling phase is found.
    pub bit_lock: Signal<Out, Bit>,
    /// Block framing is locked (never in PRBS mode).
    pub block_lock: Signal<Out, Bit>,
    /// The PRBS checker is locked (PRBS mode only).
    pub prbs_lock: Signal<Out, Bit>,
    /// Invalid sync headers while block-locked (saturating).
    pub sync_errors: Signal<Out, Bits<32>>,
    /// Block-lock losses (saturating).
    pub lock_losses: Signal<Out, Bits<32>>,
    /// PRBS bit errors while PRBS-locked (saturating).
    pub prbs_errors: Signal<Out, Bits<32>>,
    /// PRBS bits checked while PRBS-locked (saturating): the BER denominator.
    pub prbs_bits: Signal<Out, Bits<32>>,
    /// Raw BERT mode: check a PRBS on the line instead of receiving blocks.
    pub cfg_prbs_enable: Signal<In, Bit>,
    /// PRBS pattern code (0=PRBS7 1=PRBS9 2=PRBS15 3=PRBS23 4=PRBS31).
    pub cfg_prbs_pattern: Signal<In, Bits<3>>,
    /// Hold all counters (for a consistent read).
    pub cfg_freeze: Signal<In, Bit>,
    /// Zero all counters.
    pub cfg_clear: Signal<In, Bit>,
    bitrec: BitRecovery,
    framer: BlockLock,
    descr: Descrambler,
    prbs_chk: PrbsCheck,
    payload: DFF<Bits<64>>,
    data_r: DFF<Bits<64>>,
    ctrl_r: DFF<Bit>,
    bad_r: DFF<Bit>,
    valid_r: DFF<Bit>,
    sync_cnt: DFF<Bits<32>>,
    loss_cnt: DFF<Bits<32>>,
    prbs_was: DFF<Bit>,
    shifted: Signal<Local, Bits<64>>,
}

impl LaneRx {
    /// A receiver for `osr` clocks per line bit.
    ///
    /// # Panics
    /// If `osr` is not in 1..=8 (callers validate [crate::params::LinkParams] first).
    pub fn new(osr: usize) -> Self {
        assert!((1..=8).contains(&osr), "LaneRx: osr must be in 1..=8, not {osr}");
        Self {
            clock: Default::default(),
            reset: Default::default(),
            rx_line: Default::default(),
            cfg_invert: Default::default(),
            block_data: Default::default(),
            block_ctrl: Default::default(),
            block_bad: Default::default(),
            block_valid: Default::default(),
            bit_lock: Default::default(),
            block_lock: Default::default(),
            prbs_lock: Default::default(),
            sync_errors: Default::default(),
            lock_losses: Default::default(),
            prbs_errors: Default::default(),
            prbs_bits: Default::default(),
            cfg_prbs_enable: Default::default(),
            cfg_prbs_pattern: Default::default(),
            cfg_freeze: Default::default(),
            cfg_clear: Default::default(),
            bitrec: BitRecovery::new(osr),
            framer: BlockLock::default(),
            descr: Descrambler::new(),
            prbs_chk: PrbsCheck::new(),
            payload: Default::default(),
            data_r: Default::default(),
            ctrl_r: Default::default(),
            bad_r: Default::default(),
            valid_r: Default::default(),
            sync_cnt: Default::default(),
            loss_cnt: Default::default(),
            prbs_was: Default::default(),
            shifted: Default::default(),
        }
    }
}

impl Logic for LaneRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, payload, data_r, ctrl_r, bad_r, valid_r, sync_cnt, loss_cnt, prbs_was);

        self.bitrec.clock.next = self.clock.val();
        self.bitrec.reset.next = self.reset.val();
        self.bitrec.line_in.next = self.rx_line.val() ^ self.cfg_invert.val();

        self.framer.clock.next = self.clock.val();
        self.framer.reset.next = self.reset.val() | self.cfg_prbs_enable.val();
        self.framer.bit_valid.next = self.bitrec.bit_valid.val();
        self.framer.bit_value.next = self.bitrec.bit_value.val();

        // Payload bits arrive LSB first: shift in from the top.
        self.descr.clock.next = self.clock.val();
        self.descr.reset.next = self.reset.val();
        self.descr.enable.next = self.framer.pay_valid.val();
        self.descr.data_in.next = self.framer.pay_value.val();
        self.shifted.next = (self.payload.q.val() >> 1) | (bit_cast::<64, 1>(self.descr.data_out.val().into()) << 63);
        if self.framer.pay_valid.val() {
            self.payload.d.next = self.shifted.val();
        }
        self.valid_r.d.next = self.framer.blk_end.val() & self.framer.blk_deliver.val();
        if self.framer.blk_end.val() {
            self.data_r.d.next = self.shifted.val();
            self.ctrl_r.d.next = self.framer.sh_ctrl.val();
            self.bad_r.d.next = !self.framer.sh_valid.val();
        }

        // PRBS mode: a fresh checker each time the mode is entered.
        self.prbs_was.d.next = self.cfg_prbs_enable.val();
        self.prbs_chk.clock.next = self.clock.val();
        self.prbs_chk.reset.next = self.reset.val() | (self.cfg_prbs_enable.val() & !self.prbs_was.q.val());
        self.prbs_chk.enable.next = self.bitrec.bit_valid.val() & self.cfg_prbs_enable.val();
        self.prbs_chk.data_in.next = self.bitrec.bit_value.val();
        self.prbs_chk.cfg_pattern.next = self.cfg_prbs_pattern.val();
        self.prbs_chk.freeze.next = self.cfg_freeze.val();
        self.prbs_chk.clear.next = self.cfg_clear.val();

        // Saturating counters.
        if self.framer.sh_error.val() & !self.cfg_freeze.val() & !self.sync_cnt.q.val().all() {
            self.sync_cnt.d.next = self.sync_cnt.q.val() + 1;
        }
        if self.framer.lock_lost.val() & !self.cfg_freeze.val() & !self.loss_cnt.q.val().all() {
            self.loss_cnt.d.next = self.loss_cnt.q.val() + 1;
        }
        if self.cfg_clear.val() | self.reset.val() {
            self.sync_cnt.d.next = 0.into();
            self.loss_cnt.d.next = 0.into();
        }
        if self.reset.val() {
            self.valid_r.d.next = false;
            self.prbs_was.d.next = false;
        }

        self.block_data.next = self.data_r.q.val();
        self.block_ctrl.next = self.ctrl_r.q.val();
        self.block_bad.next = self.bad_r.q.val();
        self.block_valid.next = self.valid_r.q.val();
        self.bit_lock.next = self.bitrec.bit_lock.val();
        self.block_lock.next = self.framer.block_lock.val();
        self.prbs_lock.next = self.prbs_chk.lock.val() & self.cfg_prbs_enable.val();
        self.sync_errors.next = self.sync_cnt.q.val();
        self.lock_losses.next = self.loss_cnt.q.val();
        self.prbs_errors.next = self.prbs_chk.errors.val();
        self.prbs_bits.next = self.prbs_chk.bits.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_rx_is_synthesizable() {
        for osr in [1, 4] {
            let v = crate::verilog::verilog_of(&mut LaneRx::new(osr));
            crate::verilog::verilator_lint(&format!("lane_rx_osr{osr}"), &v).unwrap();
            let stats = crate::verilog::yosys_synth_ice40(&format!("lane_rx_osr{osr}"), &v).unwrap();
            println!("LaneRx OSR {osr} on iCE40: {stats:?}");
            assert!(stats.luts > 0);
        }
    }
}
