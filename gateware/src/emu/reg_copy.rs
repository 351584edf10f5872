//! The emulator's register read port in LUT RAM ([EmuStyle::LutRam]): a
//! copy of every lane's four registers, written alongside the lanes'
//! flip-flops (which still drive the lanes), read by lane and word with
//! one RAM read instead of an AND-OR over every lane's flip-flops.
//!
//! ```text
//!  wr ─► CTRL / DELAY / RATE / SOURCE LutRam[wr_lane] ─► 4:1 by rd_reg ─► rd_data
//!     └► LaneFlags: written since reset ──────────────────┘ (else 0)
//! ```
//!
//! Reset clears the flip-flops of CTRL, DELAY and RATE but cannot clear a
//! RAM: a lane reads them as 0 until its first write after reset, and that
//! first write stores 0 in the lane's other two (so they read 0 after it,
//! as their flip-flops do). SOURCE is not reset (power-up value: the lane
//! itself) and is written only in an emulator with the permutation.
//! `rd_data` equals the Registers style's read for every lane and word.
//!
//! [EmuStyle::LutRam]: crate::emu::style::EmuStyle::LutRam

use crate::emu::lane_flags::{LaneFlags, LANE_PORT_BITS};
use crate::emu::lut_ram::LutRam;
use rust_hdl::prelude::*;

/// Where the emulator's registers sit: each one's word in a lane's block
/// and the field bits it keeps.
#[derive(Clone, Copy, Debug)]
pub struct RegLayout {
    /// Words of EMU_CTRL, EMU_DELAY, EMU_ERROR_RATE, EMU_SOURCE.
    pub words: [u64; 4],
    pub ctrl_mask: u64,
    pub delay_mask: u64,
    pub source_mask: u64,
    /// EMU_SOURCE writes are kept (the emulator has the permutation).
    pub permute: bool,
}

#[derive(LogicBlock)]
pub struct RegCopy {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Register write (as the emulator's): word `wr_reg` of lane `wr_lane`.
    pub wr: Signal<In, Bit>,
    pub wr_lane: Signal<In, Bits<LANE_PORT_BITS>>,
    pub wr_reg: Signal<In, Bits<2>>,
    pub wr_data: Signal<In, Bits<32>>,
    pub rd_lane: Signal<In, Bits<LANE_PORT_BITS>>,
    pub rd_reg: Signal<In, Bits<2>>,
    /// Word `rd_reg` of lane `rd_lane` (combinational; 0 beyond the lanes).
    pub rd_data: Signal<Out, Bits<32>>,
    ctrl: LutRam<LANE_PORT_BITS, 3>,
    delay: LutRam<LANE_PORT_BITS, 16>,
    rate: LutRam<LANE_PORT_BITS, 32>,
    source: LutRam<LANE_PORT_BITS, 12>,
    written: LaneFlags,
    /// The write is the lane's first since reset: clear its other words.
    first: Signal<Local, Bit>,
    w: Vec<Constant<Bits<2>>>,
    m_ctrl: Constant<Bits<3>>,
    m_delay: Constant<Bits<16>>,
    m_source: Constant<Bits<12>>,
    permute: Constant<Bit>,
}

impl RegCopy {
    /// A copy of `lanes` lanes' registers laid out as `layout`.
    pub fn new(lanes: usize, layout: RegLayout) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            wr: Default::default(),
            wr_lane: Default::default(),
            wr_reg: Default::default(),
            wr_data: Default::default(),
            rd_lane: Default::default(),
            rd_reg: Default::default(),
            rd_data: Default::default(),
            ctrl: LutRam::new(lanes),
            delay: LutRam::new(lanes),
            rate: LutRam::new(lanes),
            // SOURCE's power-up value: RX lane q receives TX lane q.
            source: LutRam::with_init((0..lanes as u64).collect()),
            written: LaneFlags::new(lanes),
            first: Default::default(),
            w: layout.words.iter().map(|&w| Constant::new(w.into())).collect(),
            m_ctrl: Constant::new(layout.ctrl_mask.into()),
            m_delay: Constant::new(layout.delay_mask.into()),
            m_source: Constant::new(layout.source_mask.into()),
            permute: Constant::new(layout.permute),
        }
    }
}

impl Logic for RegCopy {
    #[hdl_gen]
    fn update(&mut self) {
        self.ctrl.clock.next = self.clock.val();
        self.delay.clock.next = self.clock.val();
        self.rate.clock.next = self.clock.val();
        self.source.clock.next = self.clock.val();
        self.written.clock.next = self.clock.val();
        self.written.reset.next = self.reset.val();
        self.written.set.next = self.wr.val();
        self.written.set_lane.next = self.wr_lane.val();
        self.written.rd_lane.next = self.rd_lane.val();
        self.first.next = !self.written.set_lane_flag.val();
        self.ctrl.wr_addr.next = self.wr_lane.val();
        self.delay.wr_addr.next = self.wr_lane.val();
        self.rate.wr_addr.next = self.wr_lane.val();
        self.source.wr_addr.next = self.wr_lane.val();
        self.ctrl.wr_en.next = self.wr.val() & ((self.wr_reg.val() == self.w[0].val()) | self.first.val());
        self.delay.wr_en.next = self.wr.val() & ((self.wr_reg.val() == self.w[1].val()) | self.first.val());
        self.rate.wr_en.next = self.wr.val() & ((self.wr_reg.val() == self.w[2].val()) | self.first.val());
        self.source.wr_en.next = self.wr.val() & (self.wr_reg.val() == self.w[3].val()) & self.permute.val();
        self.ctrl.wr_data.next = 0.into();
        self.delay.wr_data.next = 0.into();
        self.rate.wr_data.next = 0.into();
        if self.wr_reg.val() == self.w[0].val() {
            self.ctrl.wr_data.next = self.wr_data.val().get_bits::<3>(0) & self.m_ctrl.val();
        }
        if self.wr_reg.val() == self.w[1].val() {
            self.delay.wr_data.next = self.wr_data.val().get_bits::<16>(0) & self.m_delay.val();
        }
        if self.wr_reg.val() == self.w[2].val() {
            self.rate.wr_data.next = self.wr_data.val();
        }
        self.source.wr_data.next = self.wr_data.val().get_bits::<12>(0) & self.m_source.val();
        self.ctrl.rd_addr.next = self.rd_lane.val();
        self.delay.rd_addr.next = self.rd_lane.val();
        self.rate.rd_addr.next = self.rd_lane.val();
        self.source.rd_addr.next = self.rd_lane.val();
        self.rd_data.next = 0.into();
        if (self.rd_reg.val() == self.w[0].val()) & self.written.rd_flag.val() {
            self.rd_data.next = bit_cast::<32, 3>(self.ctrl.rd_data.val());
        }
        if (self.rd_reg.val() == self.w[1].val()) & self.written.rd_flag.val() {
            self.rd_data.next = bit_cast::<32, 16>(self.delay.rd_data.val());
        }
        if (self.rd_reg.val() == self.w[2].val()) & self.written.rd_flag.val() {
            self.rd_data.next = self.rate.rd_data.val();
        }
        if self.rd_reg.val() == self.w[3].val() {
            self.rd_data.next = bit_cast::<32, 12>(self.source.rd_data.val());
        }
    }
}
