//! The TX gearbox's word stage: the 64-bit word dealt to each logical
//! lane for its next data block, in block RAM by logical lane, written by
//! the gearbox (one word a clock, lanes 0, 1, .. in order) and read by the
//! TX engine at its visit of the physical lane that carries it
//! ([TxWordStore], a registered read; `LinkTx` turns the engine's physical
//! lane into the logical id it carries, so no copy of the logical ->
//! physical map is needed on the write side). Nothing is kept per lane:
//! the gearbox fills a buffer's lanes 0, 1, .. in order, so a buffer's
//! words are a prefix, and `rd_count` (how many) tells which lanes have one.
//!
//! ```text
//!  gearbox: wr_en, wr_buf, wr_lane, wr_data ─► RAM[{buf, lane}] (64)
//!  engine:  port.lane (rd_buf, rd_count)    ─► payload, valid = lane < rd_count, one clock later
//! ```
//!
//! A lane index past the N logical lanes (a spare's "none") reads as no word.
//!
//! Timing, double-buffered by data round. The lanes' serializers share
//! one block boundary every 66 x OSR clocks (`TxLanes::boundary`, T_k).
//! Physical lane q's hold register empties at T_k, and the engine loads it (with
//! block k) on its first visit after that: the visit's read is on a clock
//! in [T_k, T_k + SLOTS + 1] (stage A; the load is stage B, one clock
//! later, the first clock `full` is low being T_k + 1). So the words for
//! data block k must be in place by T_k and stay for SLOTS + 2 clocks,
//! while the gearbox deals the next round's words from T_k + 1 on (logical
//! lanes in order, whichever physical lanes carry them). Two
//! buffers do it: the gearbox fills buffer `fill_buf`; at a data round's
//! take (T_k) it hands that buffer to the engine (`rd_buf` and its word
//! count `rd_count`, already on the take's own clock) and turns to the
//! other, from lane 0 (the engine read it during the previous data round,
//! long done: SLOTS + 2 < 66 x OSR). A marker round's take hands nothing over: the engine sends
//! markers, and the staged words wait in the buffer being filled, which
//! the next data round's take hands over. The engine's `take` is not
//! needed: a buffer is read exactly once per data round.
//!
//! The RAM has 2 x 256 words (the 8-bit slot plus the buffer bit), i.e.
//! 2 DP16KD on ECP5 and 8 SB_RAM40_4K on iCE40, whatever the lane count.

use super::engine::ports::{TxWordStore, SLOT_BITS};
use crate::params::LinkParams;
use rust_hdl::prelude::*;

/// The per-lane word stage (see the module docs).
#[derive(LogicBlock)]
pub struct TxWordStage {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: every word is gone.
    pub reset: Signal<In, Bit>,
    /// Stage `wr_data` for physical lane `wr_lane` in buffer `wr_buf`.
    pub wr_en: Signal<In, Bit>,
    pub wr_buf: Signal<In, Bit>,
    pub wr_lane: Signal<In, Bits<SLOT_BITS>>,
    pub wr_data: Signal<In, Bits<64>>,
    /// The buffer the engine reads, and how many words it holds (lanes
    /// 0..rd_count-1), at the clock of its address.
    pub rd_buf: Signal<In, Bit>,
    pub rd_count: Signal<In, Bits<12>>,
    /// The engine's read port.
    pub port: TxWordStore,
    words: RAM<Bits<64>, 9>,
    rd_valid: DFF<Bit>,
}

impl TxWordStage {
    /// A stage for a link's N logical lanes (checked by the engine; the
    /// stage itself has nothing per lane).
    pub fn new(_p: &LinkParams) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            wr_en: Default::default(),
            wr_buf: Default::default(),
            wr_lane: Default::default(),
            wr_data: Default::default(),
            rd_buf: Default::default(),
            rd_count: Default::default(),
            port: Default::default(),
            words: Default::default(),
            rd_valid: Default::default(),
        }
    }
}

impl Logic for TxWordStage {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, rd_valid);
        self.words.read_clock.next = self.clock.val();
        self.words.write_clock.next = self.clock.val();
        self.words.write_address.next =
            bit_cast::<9, SLOT_BITS>(self.wr_lane.val()) | (bit_cast::<9, 1>(self.wr_buf.val().into()) << 8);
        self.words.write_data.next = self.wr_data.val();
        self.words.write_enable.next = self.wr_en.val();
        self.words.read_address.next =
            bit_cast::<9, SLOT_BITS>(self.port.lane.val()) | (bit_cast::<9, 1>(self.rd_buf.val().into()) << 8);
        self.port.payload.next = self.words.read_data.val();
        self.port.ctrl.next = false;
        // The buffer's words are a prefix of the lanes.
        self.rd_valid.d.next =
            (bit_cast::<12, SLOT_BITS>(self.port.lane.val()) < self.rd_count.val()) & !self.reset.val();
        self.port.valid.next = self.rd_valid.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(uut: &mut TxWordStage) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    fn params(lanes: usize) -> LinkParams {
        LinkParams { lanes, spares: 0, osr: 3, marker_period: 16, deskew_depth: 4 }
    }

    /// Reads lane `q` of buffer `buf`: (valid, payload) one clock later.
    fn read(uut: &mut TxWordStage, buf: bool, q: u64) -> (bool, u64) {
        uut.rd_buf.next = buf;
        uut.port.lane.next = q.into();
        cycle(uut);
        (uut.port.valid.val(), uut.port.payload.val().to_u64())
    }

    #[test]
    fn words_by_lane_and_buffer_read_one_clock_later_within_the_count() {
        let mut uut = TxWordStage::new(&params(6));
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        // Buffer 0: lanes 0, 1, 2; buffer 1: lanes 0, 1 (other words).
        for (buf, q, w) in [
            (false, 0u64, 0xAAAA_0000u64),
            (false, 1, 0xAAAA_0001),
            (true, 0, 0xBBBB_0000),
            (false, 2, 0xAAAA_0002),
            (true, 1, 0xBBBB_0001),
        ] {
            uut.wr_en.next = true;
            uut.wr_buf.next = buf;
            uut.wr_lane.next = q.into();
            uut.wr_data.next = w.into();
            cycle(&mut uut);
        }
        uut.wr_en.next = false;
        uut.rd_count.next = 3.into();
        assert_eq!(read(&mut uut, false, 0), (true, 0xAAAA_0000));
        assert_eq!(read(&mut uut, false, 2), (true, 0xAAAA_0002));
        assert_eq!(read(&mut uut, false, 1), (true, 0xAAAA_0001));
        assert!(!read(&mut uut, false, 3).0 && !read(&mut uut, false, 5).0 && !read(&mut uut, false, 0xFF).0);
        uut.rd_count.next = 2.into();
        assert_eq!(read(&mut uut, true, 1), (true, 0xBBBB_0001));
        assert_eq!(read(&mut uut, true, 0), (true, 0xBBBB_0000));
        assert!(!read(&mut uut, true, 2).0, "lane 2 of buffer 1 is past its count");
        // A count of 0 (a round with no word, or reset): nothing is valid.
        uut.rd_count.next = 0.into();
        assert!(!read(&mut uut, false, 0).0 && !read(&mut uut, true, 0).0);
    }

    #[test]
    fn tx_word_stage_is_synthesizable_with_the_words_in_block_ram() {
        let v = crate::verilog::verilog_of(&mut TxWordStage::new(&params(8)));
        crate::verilog::verilator_lint("tx_word_stage", &v).unwrap();
        let ice = crate::verilog::yosys_synth_ice40("tx_word_stage", &v).unwrap();
        let ecp = crate::verilog::yosys_synth_ecp5("tx_word_stage", &v).unwrap();
        println!("TxWordStage: iCE40 {ice:?}; ECP5 {ecp:?}");
        assert!(ice.brams >= 1 && ecp.brams >= 1 && ecp.lutrams == 0, "{ice:?} {ecp:?}");
        // Nothing per lane: the same netlist at 32 lanes.
        let v32 = crate::verilog::verilog_of(&mut TxWordStage::new(&params(32)));
        assert_eq!(v32, v, "the stage has no per-lane logic");
    }
}
