//! The TX serializers' shared line timing: one bit counter and one OSR
//! counter for every lane, instead of a copy in each [BlockSer](super::block_ser::BlockSer).
//! The lanes are released together and stay in lockstep, so they need one
//! count, and its strobes come straight from flip-flops.
//!
//! ```text
//!  osr_count (0..OSR-1), bit_index (0..65) ─► next state ─► bit_end, block_end (registered)
//! ```
//!
//! Why the strobes are registered: each serializer bit is one LUT4 (shift,
//! load or zero) under the bit strobe as its flip-flop enable. When the
//! strobes were decoded from each lane's own counters in the same clock,
//! yosys' delay-driven LUT mapping (`abc` in `synth_ecp5`) folded the
//! 11-bit decode into every one of the 66 bit cones: 280 ECP5 LUT4 per
//! serializer instead of ~70 (yosys 0.23, OSR 4). Here the decode is done
//! once, on the next state, and held one clock in `bit_end` / `block_end`,
//! which therefore rise on exactly the clocks the per-lane decode did.
//!
//! Timing from `reset` (synchronous): the counters restart at 0; `bit_end`
//! is high on the last of every OSR clocks (clock OSR - 1, 2 OSR - 1, ..
//! after the reset clock, counted from 0 at the first clock after it),
//! `block_end` on every 66th of those (clock 66 OSR - 1, ..).

use crate::params::ParamError;
use crate::phy::lane_tx::MAX_OSR;
use rust_hdl::prelude::*;

/// The shared bit and block strobes of the TX serializers (see the module docs).
#[derive(LogicBlock)]
pub struct SerTiming {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: the count restarts (every lane with it).
    pub reset: Signal<In, Bit>,
    /// The last clock of a line bit: the serializers move to the next bit.
    pub bit_end: Signal<Out, Bit>,
    /// The last clock of a block's last line bit (with `bit_end`): the
    /// serializers start their next block, one clock every 66 x OSR.
    pub block_end: Signal<Out, Bit>,
    osr_count: DFF<Bits<4>>,
    bit_index: DFF<Bits<7>>,
    bit_end_q: DFF<Bit>,
    block_end_q: DFF<Bit>,
    osr_next: Signal<Local, Bits<4>>,
    bit_next: Signal<Local, Bits<7>>,
    osr_last: Constant<Bits<4>>,
}

impl SerTiming {
    /// Strobes for line bits held `osr` clocks (1..=8).
    pub fn try_new(osr: usize) -> Result<Self, ParamError> {
        if !(1..=MAX_OSR).contains(&osr) {
            return Err(ParamError::OutOfRange { name: "osr", rule: format!("in 1..={MAX_OSR}"), value: osr });
        }
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            bit_end: Default::default(),
            block_end: Default::default(),
            osr_count: Default::default(),
            bit_index: Default::default(),
            bit_end_q: Default::default(),
            block_end_q: Default::default(),
            osr_next: Default::default(),
            bit_next: Default::default(),
            osr_last: Constant::new(((osr - 1) as u64).into()),
        })
    }
}

impl Logic for SerTiming {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, osr_count, bit_index, bit_end_q, block_end_q);
        // The counters' next state, then the strobes decoded from it.
        self.osr_next.next = self.osr_count.q.val() + 1;
        self.bit_next.next = self.bit_index.q.val();
        if self.bit_end_q.q.val() {
            self.osr_next.next = 0.into();
            self.bit_next.next = self.bit_index.q.val() + 1;
            if self.block_end_q.q.val() {
                self.bit_next.next = 0.into();
            }
        }
        if self.reset.val() {
            self.osr_next.next = 0.into();
            self.bit_next.next = 0.into();
        }
        self.osr_count.d.next = self.osr_next.val();
        self.bit_index.d.next = self.bit_next.val();
        self.bit_end_q.d.next = self.osr_next.val() == self.osr_last.val();
        self.block_end_q.d.next = (self.osr_next.val() == self.osr_last.val()) & (self.bit_next.val() == 65);
        self.bit_end.next = self.bit_end_q.q.val();
        self.block_end.next = self.block_end_q.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(uut: &mut SerTiming) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    /// The clocks (counted from 0 after the reset clock) on which each strobe is high.
    fn strobes(osr: usize, clocks: usize) -> (Vec<usize>, Vec<usize>) {
        let mut uut = SerTiming::try_new(osr).unwrap();
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        let (mut bits, mut blocks) = (vec![], vec![]);
        for t in 0..clocks {
            // The strobes seen during clock t (before its edge).
            if uut.bit_end.val() {
                bits.push(t);
            }
            if uut.block_end.val() {
                blocks.push(t);
            }
            cycle(&mut uut);
        }
        (bits, blocks)
    }

    #[test]
    fn bit_and_block_strobes_every_osr_and_66_osr_clocks() {
        for osr in [1, 3, 4, 8] {
            let clocks = 66 * osr * 3 + 5;
            let (bits, blocks) = strobes(osr, clocks);
            let want_bits: Vec<usize> = (1..).map(|k| k * osr - 1).take_while(|&t| t < clocks).collect();
            let want_blocks: Vec<usize> = (1..).map(|k| k * 66 * osr - 1).take_while(|&t| t < clocks).collect();
            assert_eq!(bits, want_bits, "OSR {osr}");
            assert_eq!(blocks, want_blocks, "OSR {osr}");
        }
    }

    #[test]
    fn reset_restarts_the_count() {
        let mut uut = SerTiming::try_new(3).unwrap();
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        for _ in 0..100 {
            cycle(&mut uut);
        }
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        let mut first_block = None;
        for t in 0..66 * 3 {
            if uut.block_end.val() && first_block.is_none() {
                first_block = Some(t);
            }
            cycle(&mut uut);
        }
        assert_eq!(first_block, Some(66 * 3 - 1));
    }

    #[test]
    fn osr_out_of_range_is_refused() {
        assert_eq!(SerTiming::try_new(9).err().unwrap().to_string(), "osr must be in 1..=8, not 9");
        assert!(SerTiming::try_new(0).is_err());
    }

    #[test]
    fn ser_timing_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut SerTiming::try_new(4).unwrap());
        crate::verilog::verilator_lint("ser_timing", &v).unwrap();
        let ice = crate::verilog::yosys_synth_ice40("ser_timing", &v).unwrap();
        let ecp = crate::verilog::yosys_synth_ecp5("ser_timing", &v).unwrap();
        println!("SerTiming: iCE40 {ice:?}; ECP5 {ecp:?}");
        assert!(ecp.luts < 60 && ecp.ffs == 13, "two counters and two strobes, once for every lane, not {ecp:?}");
    }
}
