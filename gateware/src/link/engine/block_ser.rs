//! The per-lane TX back end: a 66-bit serializer. It is all a lane keeps
//! at the line rate; everything done once per block (scrambling, sync
//! header, markers, BIP) runs in the shared [TxEngine](super::tx_engine::TxEngine).
//!
//! ```text
//! port (load/full) ─► hold (66) ─► shift (66, bit 0 first) ─► line (one bit per OSR clocks)
//! ```
//!
//! Why a shift register: the alternative, the block held still in a
//! second register and a 66:1 read mux picking bit `bit_index`, measured
//! larger (yosys 0.23, `BlockSer` alone at OSR 3, same 145 FF): 142 iCE40
//! / 241 ECP5 LUT4 against 83 / 89 here. The shift register's parallel
//! load is no extra mux: load, shift and the zero block fold into one LUT4
//! per bit with the bit strobe as the flip-flop enable, whereas the read
//! mux needs its ~65-mux tree on top of the same per-bit zero-or-load.
//!
//! Block boundaries are free-running from reset, every 66 x OSR clocks,
//! so lanes released together stay in lockstep whatever the engine does;
//! the first 66 line bits after reset are zeros. At a boundary `hold`
//! moves to `shift` and `full` falls; if the engine has not refilled
//! `hold` by then, the lane sends 66 zeros and `underrun` pulses (the
//! engine's schedule bound makes that impossible, the tests check it).
//!
//! Latency: a block's line bit 0 is on `line` from one clock after the
//! boundary that starts it, for OSR clocks.

use super::ports::LineBlockSink;
use crate::params::ParamError;
use crate::phy::lane_tx::MAX_OSR;
use rust_hdl::prelude::*;

/// One lane's 66-bit serializer (see the module docs).
#[derive(LogicBlock)]
pub struct BlockSer {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: `hold` empties, the zero block restarts.
    pub reset: Signal<In, Bit>,
    /// The hold register's handshake with the engine.
    pub port: LineBlockSink,
    /// The line: one bit per OSR clocks (registered).
    pub line: Signal<Out, Bit>,
    /// One clock: a boundary found `hold` empty (a zero block goes out).
    pub underrun: Signal<Out, Bit>,
    /// One clock every 66 x OSR clocks, from registers only: the block
    /// boundary (the last clock of a block's last line bit), the same clock
    /// on every lane released together.
    pub boundary: Signal<Out, Bit>,
    hold: DFF<Bits<66>>,
    full: DFF<Bit>,
    shift: DFF<Bits<66>>,
    bit_index: DFF<Bits<7>>,
    osr_count: DFF<Bits<4>>,
    out: DFF<Bit>,
    osr_last: Constant<Bits<4>>,
    bit_last: Signal<Local, Bit>,
    at_boundary: Signal<Local, Bit>,
}

impl BlockSer {
    /// A serializer holding each line bit `osr` clocks (1..=8).
    pub fn try_new(osr: usize) -> Result<Self, ParamError> {
        if !(1..=MAX_OSR).contains(&osr) {
            return Err(ParamError::OutOfRange { name: "osr", rule: format!("in 1..={MAX_OSR}"), value: osr });
        }
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            port: Default::default(),
            line: Default::default(),
            underrun: Default::default(),
            boundary: Default::default(),
            hold: Default::default(),
            full: Default::default(),
            shift: Default::default(),
            bit_index: Default::default(),
            osr_count: Default::default(),
            out: Default::default(),
            osr_last: Constant::new(((osr - 1) as u64).into()),
            bit_last: Default::default(),
            at_boundary: Default::default(),
        })
    }
}

impl Logic for BlockSer {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, hold, full, shift, bit_index, osr_count, out);
        // Outputs assigned once (a parent acts on them in the same clock).
        self.bit_last.next = self.osr_count.q.val() == self.osr_last.val();
        self.at_boundary.next = self.bit_last.val() & (self.bit_index.q.val() == 65);
        self.boundary.next = self.at_boundary.val();
        self.underrun.next = self.at_boundary.val() & !self.full.q.val();
        self.osr_count.d.next = self.osr_count.q.val() + 1;
        if self.bit_last.val() {
            // A line bit's last clock: the next one goes out.
            self.osr_count.d.next = 0.into();
            self.out.d.next = self.shift.q.val().get_bit(0);
            self.shift.d.next = self.shift.q.val() >> 1;
            self.bit_index.d.next = self.bit_index.q.val() + 1;
            if self.at_boundary.val() {
                self.bit_index.d.next = 0.into();
                self.shift.d.next = 0.into();
                if self.full.q.val() {
                    self.shift.d.next = self.hold.q.val();
                    self.full.d.next = false;
                }
            }
        }
        if self.port.load.val() {
            self.hold.d.next = self.port.block.val();
            self.full.d.next = true;
        }
        if self.reset.val() {
            self.osr_count.d.next = 0.into();
            self.bit_index.d.next = 0.into();
            self.shift.d.next = 0.into();
            self.full.d.next = false;
            self.out.d.next = false;
        }
        self.port.full.next = self.full.q.val();
        self.line.next = self.out.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(uut: &mut BlockSer) {
        uut.clock.next = Clock { clk: false };
        simulate(uut, 100);
        uut.clock.next = Clock { clk: true };
        simulate(uut, 100);
    }

    /// Runs `clocks` clocks at OSR 3, loading `blocks[i]` on clock
    /// `at[i]`; returns the line per clock, the underrun clocks and `full`
    /// per clock, each sampled after the clock's edge (what the next clock sees).
    fn run(blocks: &[u128], at: &[usize], clocks: usize) -> (Vec<bool>, Vec<usize>, Vec<bool>, Vec<usize>) {
        let mut uut = BlockSer::try_new(3).unwrap();
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        let (mut line, mut under, mut full, mut bounds) = (vec![], vec![], vec![], vec![]);
        for t in 0..clocks {
            let i = at.iter().position(|&c| c == t);
            uut.port.load.next = i.is_some();
            let b = i.map_or(0, |i| blocks[i]);
            uut.port.block.next =
                bit_cast::<66, 64>((b as u64).into()) | (bit_cast::<66, 2>(((b >> 64) as u64).into()) << 64);
            cycle(&mut uut);
            line.push(uut.line.val());
            full.push(uut.port.full.val());
            if uut.underrun.val() {
                under.push(t);
            }
            if uut.boundary.val() {
                bounds.push(t);
            }
        }
        (line, under, full, bounds)
    }

    #[test]
    fn each_block_bit_is_held_osr_clocks_after_a_zero_block() {
        let b0 = 0x2_DEAD_BEEF_0123_4567u128;
        let b1 = 0x1_5555_0000_FFFF_8001u128;
        // b0 loaded at once, b1 right after b0 starts (the hold empties at clock 197).
        let (line, under, full, bounds) = run(&[b0, b1], &[5, 200], 66 * 3 * 3 + 10);
        // Boundaries every 66 x OSR clocks, the first 66 x OSR - 1 after reset
        // (seen after the edge before it, as `full` is).
        assert_eq!(bounds, vec![196, 394, 592]);
        // Bit k goes out on clock 3k + 2 (the bit's last clock, registered).
        let stream: Vec<bool> = (0..66)
            .map(|_| false)
            .chain((0..66).map(|k| (b0 >> k) & 1 == 1))
            .chain((0..66).map(|k| (b1 >> k) & 1 == 1))
            .collect();
        for t in 2..66 * 3 * 3 {
            assert_eq!(line[t], stream[(t - 2) / 3], "clock {t}");
        }
        assert!(line[0..198].iter().all(|&b| !b), "the first block is zeros");
        // The hold is full from the load until the boundary takes it.
        assert!(!full[4] && full[5] && full[196] && !full[197] && full[200]);
        // No block loaded for the fourth boundary (clock 593, seen after 592's edge):
        // one underrun, then zeros.
        assert_eq!(under, vec![66 * 3 * 3 - 2]);
        assert!(line[66 * 3 * 3 + 3..].iter().all(|&b| !b));
    }

    #[test]
    fn osr_out_of_range_is_refused() {
        assert_eq!(BlockSer::try_new(9).err().unwrap().to_string(), "osr must be in 1..=8, not 9");
        assert!(BlockSer::try_new(0).is_err());
    }

    #[test]
    fn block_ser_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut BlockSer::try_new(3).unwrap());
        crate::verilog::verilator_lint("block_ser", &v).unwrap();
        let stats = crate::verilog::yosys_synth_ice40("block_ser", &v).unwrap();
        let ecp = crate::verilog::yosys_synth_ecp5("block_ser", &v).unwrap();
        println!("BlockSer on iCE40: {stats:?}; ECP5: {ecp:?}");
        assert!(stats.luts < 100, "a serializer is muxes and a counter, not {} LUTs", stats.luts);
    }
}
