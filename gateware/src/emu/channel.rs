//! The gateware channel emulator: per physical lane a programmable delay,
//! error injection, stuck-at and polarity inversion ([EmuLane]), plus a lane
//! permutation, so a board shows discovery, deskew and sparing without
//! optics. Configured through a small per-lane register port (the cores map
//! the `EMU_*` registers onto it); every word offset and field position
//! comes from the register map.
//!
//! ```text
//!  line_in[N] ─► LanePermutation (RX q <- TX source[q]) ─► EmuLane x N ─► line_out[N]
//!  wr ─► per-lane settings (FFs) ─┴► AND-OR read over the lanes ─► rd_data
//! ```
//!
//! ## Cost (ECP5, yosys `synth_ecp5`, OSR 4, delay line 127 bits)
//! `area_blocks --ecp5 --lanes 8 24 --part emulator`: 3,790 LUT4 at 8
//! lanes, 9,105 at 24: 332 LUT4 and 219 FF a lane (it was 408 LUT4 with
//! the permutation as N compares per RX lane; as one indexed select it is
//! ~1 LUT4 per TX lane, ~N at N lanes). The rest per lane: the delay line's
//! 128:1 tap mux (~220 LUT4), the AND-OR register read (~91), the 32-bit
//! xorshift (~79). A delay line and register copies in LUT RAM cut the
//! ECP5 figure to 172 + 8.9 LUT RAM cells a lane (branch `emu14`), but the
//! iCE40 has no LUT RAM: there they became flip-flops with write decodes,
//! and the iCEBreaker's BERT image (which has an emulator lane per lane)
//! grew to 5,493 of 5,280 cells. They wait for a per-architecture choice.

use crate::control::map_decode::lane_word;
use crate::control::regmap::RegMap;
use crate::emu::lane::EmuLane;
use crate::emu::permutation::LanePermutation;
use rust_hdl::prelude::*;

/// The emulator's registers, in the order of its read mux.
const EMU_REGS: [&str; 4] = ["EMU_CTRL", "EMU_DELAY", "EMU_ERROR_RATE", "EMU_SOURCE"];

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
    /// The write on `wr_reg`/`wr_data` has every field in its range (a
    /// core refuses it otherwise).
    pub wr_ok: Signal<Out, Bit>,
    lanes: Vec<EmuLane>,
    perm: LanePermutation,
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
    /// Word of each of EMU_REGS in a lane's block.
    w: Vec<Constant<Bits<2>>>,
    m_stuck: Constant<Bits<3>>,
    m_stuck_value: Constant<Bits<3>>,
    m_invert: Constant<Bits<3>>,
    /// Every field of the emulator's registers: its register's word,
    /// position, width mask and range (for `wr_ok`).
    f_word: Vec<Constant<Bits<2>>>,
    f_lsb: Vec<Constant<Bits<32>>>,
    f_ones: Vec<Constant<Bits<32>>>,
    f_min: Vec<Constant<Bits<32>>>,
    f_max: Vec<Constant<Bits<32>>>,
    /// Each register's field bits.
    m_ctrl: Constant<Bits<3>>,
    m_delay: Constant<Bits<16>>,
    m_source: Constant<Bits<12>>,
}

impl ChannelEmu {
    /// `max_delay_bits`: largest programmable delay per lane, in line bits.
    pub fn new(map: &RegMap, max_delay_bits: usize) -> Self {
        Self::build(map, max_delay_bits, true)
    }

    /// An emulator without the lane permutation: each lane carries its own
    /// TX lane, and `EMU_SOURCE` writes are ignored (the BERT core, whose
    /// lanes all send the same pattern, has no use for it; at 105 lanes
    /// the permutation's 105:1 mux per lane costs ~11k ECP5 LUT4).
    pub fn without_permutation(map: &RegMap, max_delay_bits: usize) -> Self {
        Self::build(map, max_delay_bits, false)
    }

    fn build(map: &RegMap, max_delay_bits: usize, permute: bool) -> Self {
        let p = &map.params;
        let phys = p.physical_lanes();
        let c32 = |v: u32| Constant::new((v as u64).into());
        let fields: Vec<(u16, &crate::control::regmap::Field)> = EMU_REGS
            .iter()
            .flat_map(|n| map.get(n).expect("EMU_* in the map").fields.iter().map(|f| (map.lane_word(n), f)))
            .collect();
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
            wr_ok: Default::default(),
            lanes: (0..phys)
                .map(|q| EmuLane::new(max_delay_bits, p.osr, 0x9E37_79B9u32.wrapping_mul(q as u32 + 1)))
                .collect(),
            perm: LanePermutation::new(phys),
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
            w: EMU_REGS.iter().map(|n| lane_word(map, n)).collect(),
            m_stuck: bit_of(map, "stuck"),
            m_stuck_value: bit_of(map, "stuck_value"),
            m_invert: bit_of(map, "invert"),
            f_word: fields.iter().map(|(w, _)| Constant::new((*w as u64).into())).collect(),
            f_lsb: fields.iter().map(|(_, f)| c32(f.lsb)).collect(),
            f_ones: fields.iter().map(|(_, f)| c32(f.mask() >> f.lsb)).collect(),
            f_min: fields.iter().map(|(_, f)| c32(f.min)).collect(),
            f_max: fields.iter().map(|(_, f)| c32(f.max)).collect(),
            m_ctrl: Constant::new((field_mask(map, "EMU_CTRL", 3) as u64).into()),
            m_delay: Constant::new((field_mask(map, "EMU_DELAY", 16) as u64).into()),
            m_source: Constant::new((field_mask(map, "EMU_SOURCE", 12) as u64).into()),
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
        self.wr_ok.next = true;
        for i in 0..self.f_word.len() {
            if self.wr_reg.val() == self.f_word[i].val() {
                self.wr_ok.next = self.wr_ok.val()
                    & (((self.wr_data.val() >> self.f_lsb[i].val()) & self.f_ones[i].val()) >= self.f_min[i].val())
                    & (((self.wr_data.val() >> self.f_lsb[i].val()) & self.f_ones[i].val()) <= self.f_max[i].val());
            }
        }
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
            self.lanes[q].cfg_stuck.next = (self.ctrl[q].q.val() & self.m_stuck.val()) != 0;
            self.lanes[q].cfg_stuck_value.next = (self.ctrl[q].q.val() & self.m_stuck_value.val()) != 0;
            self.lanes[q].cfg_invert.next = (self.ctrl[q].q.val() & self.m_invert.val()) != 0;
            self.lanes[q].cfg_delay.next = self.delay[q].q.val();
            self.lanes[q].cfg_error_rate.next = self.rate[q].q.val();
            // Permutation: RX lane q receives TX lane source[q].
            self.perm.line_in[q].next = self.line_in[q].val();
            self.perm.source[q].next = self.source[q].q.val();
            if self.permute.val() {
                self.lanes[q].line_in.next = self.perm.line_out[q].val();
            } else {
                self.lanes[q].line_in.next = self.line_in[q].val();
            }
            self.line_out[q].next = self.lanes[q].line_out.val();
            // Each register keeps its fields' bits (from the map, whose
            // fields sit in the low bits the registers hold).
            if self.wr.val() & (self.wr_lane.val().index() == q) {
                if self.wr_reg.val() == self.w[0].val() {
                    self.ctrl[q].d.next = self.wr_data.val().get_bits::<3>(0) & self.m_ctrl.val();
                }
                if self.wr_reg.val() == self.w[1].val() {
                    self.delay[q].d.next = self.wr_data.val().get_bits::<16>(0) & self.m_delay.val();
                }
                if self.wr_reg.val() == self.w[2].val() {
                    self.rate[q].d.next = self.wr_data.val();
                }
                if (self.wr_reg.val() == self.w[3].val()) & self.permute.val() {
                    self.source[q].d.next = self.wr_data.val().get_bits::<12>(0) & self.m_source.val();
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
        self.rd_data.next = 0.into();
        if self.rd_reg.val() == self.w[0].val() {
            self.rd_data.next = bit_cast::<32, 3>(self.rd_ctrl.val());
        }
        if self.rd_reg.val() == self.w[1].val() {
            self.rd_data.next = bit_cast::<32, 16>(self.rd_delay.val());
        }
        if self.rd_reg.val() == self.w[2].val() {
            self.rd_data.next = self.rd_rate.val();
        }
        if self.rd_reg.val() == self.w[3].val() {
            self.rd_data.next = bit_cast::<32, 12>(self.rd_source.val());
        }
    }
}

/// The bits of register `reg`'s fields, which must fit the `held` low bits
/// the emulator keeps of it.
fn field_mask(map: &RegMap, reg: &str, held: u32) -> u32 {
    let m = map.get(reg).expect("EMU_* in the map").fields.iter().fold(0, |m, f| m | f.mask());
    assert!(m >> held == 0, "{reg}'s fields ({m:#x}) do not fit the {held} bits the emulator keeps");
    m
}

/// EMU_CTRL's one-bit field `name`, as a mask of the 3 bits the emulator keeps.
fn bit_of(map: &RegMap, name: &str) -> Constant<Bits<3>> {
    let f = map.field("EMU_CTRL", name);
    assert!(f.width == 1 && f.lsb < 3, "EMU_CTRL.{name} must be one of the 3 bits the emulator keeps");
    Constant::new((1u64 << f.lsb).into())
}
