//! The gateware channel emulator: per physical lane a programmable delay,
//! error injection, stuck-at and polarity inversion ([EmuLane]), plus a lane
//! permutation, so a board shows discovery, deskew and sparing without
//! optics. (The HDL below compares register offsets as literals: rust-hdl
//! cannot name a Rust const in generated Verilog.) Configured through a small per-lane register port (the link
//! core maps the `EMU_*` registers onto it).

use crate::emu::lane::EmuLane;
use crate::params::LinkParams;
use rust_hdl::prelude::*;

/// Register offsets within a lane's emulator block (see regmap.rs EMU_*).
pub const EMU_REG_CTRL: u64 = 0;
pub const EMU_REG_DELAY: u64 = 1;
pub const EMU_REG_ERROR_RATE: u64 = 2;
pub const EMU_REG_SOURCE: u64 = 3;

#[derive(LogicBlock)]
pub struct ChannelEmu {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Lanes as sent (index: physical TX lane).
    pub line_in: Vec<Signal<In, Bit>>,
    /// Lanes as received (index: physical RX lane).
    pub line_out: Vec<Signal<Out, Bit>>,
    /// Config write: register `wr_reg` of lane `wr_lane`.
    pub wr: Signal<In, Bit>,
    pub wr_lane: Signal<In, Bits<12>>,
    pub wr_reg: Signal<In, Bits<2>>,
    pub wr_data: Signal<In, Bits<32>>,
    /// Config read (combinational).
    pub rd_lane: Signal<In, Bits<12>>,
    pub rd_reg: Signal<In, Bits<2>>,
    pub rd_data: Signal<Out, Bits<32>>,
    lanes: Vec<EmuLane>,
    // Registers only as wide as their fields (the rest read 0).
    ctrl: Vec<DFF<Bits<3>>>,
    delay: Vec<DFF<Bits<16>>>,
    rate: Vec<DFF<Bits<32>>>,
    source: Vec<DFFWithInit<Bits<12>>>,
    /// Built with the lane permutation (the `EMU_SOURCE` registers).
    permute: Constant<Bit>,
    /// Per lane: all ones when `rd_lane` names it. The read is an AND-OR
    /// over the lanes per register (which synthesis balances into a tree,
    /// not a chain of muxes), then one 4:1 by `rd_reg`.
    rd_sel: Vec<Signal<Local, Bits<32>>>,
    rd_ctrl: Signal<Local, Bits<3>>,
    rd_delay: Signal<Local, Bits<16>>,
    rd_rate: Signal<Local, Bits<32>>,
    rd_source: Signal<Local, Bits<12>>,
}

impl ChannelEmu {
    /// `max_delay_bits`: largest programmable delay per lane, in line bits.
    pub fn new(p: &LinkParams, max_delay_bits: usize) -> Self {
        Self::build(p, max_delay_bits, true)
    }

    /// An emulator without the lane permutation: each lane carries its own
    /// TX lane, and `EMU_SOURCE` writes are ignored (the BERT core, whose
    /// lanes all send the same pattern, has no use for it; at 100 lanes
    /// the permutation's 100:1 mux per lane costs ~6k ECP5 LUTs).
    pub fn without_permutation(p: &LinkParams, max_delay_bits: usize) -> Self {
        Self::build(p, max_delay_bits, false)
    }

    fn build(p: &LinkParams, max_delay_bits: usize, permute: bool) -> Self {
        let phys = p.physical_lanes();
        Self {
            clock: Default::default(),
            reset: Default::default(),
            line_in: (0..phys).map(|_| Default::default()).collect(),
            line_out: (0..phys).map(|_| Default::default()).collect(),
            wr: Default::default(),
            wr_lane: Default::default(),
            wr_reg: Default::default(),
            wr_data: Default::default(),
            rd_lane: Default::default(),
            rd_reg: Default::default(),
            rd_data: Default::default(),
            lanes: (0..phys)
                .map(|q| EmuLane::new(max_delay_bits, p.osr, 0x9E37_79B9u32.wrapping_mul(q as u32 + 1)))
                .collect(),
            ctrl: (0..phys).map(|_| Default::default()).collect(),
            delay: (0..phys).map(|_| Default::default()).collect(),
            rate: (0..phys).map(|_| Default::default()).collect(),
            source: (0..phys).map(|q| DFFWithInit::new((q as u64).into())).collect(),
            permute: Constant::new(permute),
            rd_sel: (0..phys).map(|_| Default::default()).collect(),
            rd_ctrl: Default::default(),
            rd_delay: Default::default(),
            rd_rate: Default::default(),
            rd_source: Default::default(),
        }
    }
}

impl Logic for ChannelEmu {
    #[hdl_gen]
    fn update(&mut self) {
        self.rd_ctrl.next = 0.into();
        self.rd_delay.next = 0.into();
        self.rd_rate.next = 0.into();
        self.rd_source.next = 0.into();
        for q in 0..self.lanes.len() {
            self.ctrl[q].clock.next = self.clock.val();
            self.ctrl[q].d.next = self.ctrl[q].q.val();
            self.delay[q].clock.next = self.clock.val();
            self.delay[q].d.next = self.delay[q].q.val();
            self.rate[q].clock.next = self.clock.val();
            self.rate[q].d.next = self.rate[q].q.val();
            self.source[q].clock.next = self.clock.val();
            self.source[q].d.next = self.source[q].q.val();
            self.lanes[q].clock.next = self.clock.val();
            self.lanes[q].reset.next = self.reset.val();
            self.lanes[q].cfg_stuck.next = self.ctrl[q].q.val().get_bit(0);
            self.lanes[q].cfg_stuck_value.next = self.ctrl[q].q.val().get_bit(1);
            self.lanes[q].cfg_invert.next = self.ctrl[q].q.val().get_bit(2);
            self.lanes[q].cfg_delay.next = self.delay[q].q.val();
            self.lanes[q].cfg_error_rate.next = self.rate[q].q.val();
            // Permutation: RX lane q receives TX lane source[q].
            if self.permute.val() {
                self.lanes[q].line_in.next = false;
                for s in 0..self.line_in.len() {
                    if self.source[q].q.val().index() == s {
                        self.lanes[q].line_in.next = self.line_in[s].val();
                    }
                }
            } else {
                self.lanes[q].line_in.next = self.line_in[q].val();
            }
            self.line_out[q].next = self.lanes[q].line_out.val();
            if self.wr.val() & (self.wr_lane.val().index() == q) {
                if self.wr_reg.val() == 0 {
                    self.ctrl[q].d.next = self.wr_data.val().get_bits::<3>(0);
                }
                if self.wr_reg.val() == 1 {
                    self.delay[q].d.next = self.wr_data.val().get_bits::<16>(0);
                }
                if self.wr_reg.val() == 2 {
                    self.rate[q].d.next = self.wr_data.val();
                }
                if (self.wr_reg.val() == 3) & self.permute.val() {
                    self.source[q].d.next = self.wr_data.val().get_bits::<12>(0);
                }
            }
            self.rd_sel[q].next = 0.into();
            if self.rd_lane.val().index() == q {
                self.rd_sel[q].next = 0xFFFF_FFFFu64.into();
            }
            self.rd_ctrl.next = self.rd_ctrl.val() | (self.ctrl[q].q.val() & self.rd_sel[q].val().get_bits::<3>(0));
            self.rd_delay.next = self.rd_delay.val() | (self.delay[q].q.val() & self.rd_sel[q].val().get_bits::<16>(0));
            self.rd_rate.next = self.rd_rate.val() | (self.rate[q].q.val() & self.rd_sel[q].val());
            self.rd_source.next =
                self.rd_source.val() | (self.source[q].q.val() & self.rd_sel[q].val().get_bits::<12>(0));
            if self.reset.val() {
                self.ctrl[q].d.next = 0.into();
                self.delay[q].d.next = 0.into();
                self.rate[q].d.next = 0.into();
            }
        }
        self.rd_data.next = bit_cast::<32, 12>(self.rd_source.val());
        if self.rd_reg.val() == 0 {
            self.rd_data.next = bit_cast::<32, 3>(self.rd_ctrl.val());
        }
        if self.rd_reg.val() == 1 {
            self.rd_data.next = bit_cast::<32, 16>(self.rd_delay.val());
        }
        if self.rd_reg.val() == 2 {
            self.rd_data.next = self.rd_rate.val();
        }
    }
}
