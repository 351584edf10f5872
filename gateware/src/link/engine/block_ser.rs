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
//! Block boundaries come from the shared [SerTiming](super::ser_timing::SerTiming)
//! (`bit_end`, `block_end`, registered), so lanes released together stay
//! in lockstep whatever the engine does, and a lane keeps no counter of
//! its own (a per-lane decode of its own counters cost 280 ECP5 LUT4 a
//! lane: see ser_timing.rs). At `block_end` `hold` moves to `shift` and
//! `full` falls; if the engine has not refilled `hold` by then, the lane
//! sends 66 zeros and `underrun` pulses (the engine's schedule bound makes
//! that impossible, the tests check it); the first block after reset is
//! zeros.
//!
//! Latency: a block's line bit 0 is on `line` from one clock after the
//! `block_end` that starts it, for OSR clocks.

use super::ports::LineBlockSink;
use rust_hdl::prelude::*;

/// One lane's 66-bit serializer (see the module docs).
#[derive(LogicBlock, Default)]
pub struct BlockSer {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: `hold` empties, the zero block restarts.
    pub reset: Signal<In, Bit>,
    /// The shared line timing ([SerTiming](super::ser_timing::SerTiming)):
    /// the last clock of a line bit, and of a block's last line bit.
    pub bit_end: Signal<In, Bit>,
    pub block_end: Signal<In, Bit>,
    /// The hold register's handshake with the engine.
    pub port: LineBlockSink,
    /// The line: one bit per OSR clocks (registered).
    pub line: Signal<Out, Bit>,
    /// One clock: a block boundary found `hold` empty (a zero block goes out).
    pub underrun: Signal<Out, Bit>,
    hold: DFF<Bits<66>>,
    full: DFF<Bit>,
    shift: DFF<Bits<66>>,
    out: DFF<Bit>,
}

impl Logic for BlockSer {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, hold, full, shift, out);
        // Outputs assigned once (a parent acts on them in the same clock).
        self.underrun.next = self.block_end.val() & !self.full.q.val();
        if self.bit_end.val() {
            // A line bit's last clock: the next one goes out.
            self.out.d.next = self.shift.q.val().get_bit(0);
            self.shift.d.next = self.shift.q.val() >> 1;
            if self.block_end.val() {
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

    /// Runs `clocks` clocks at OSR 3 with the shared strobes from a software
    /// count (`bit_end` on the last of every 3 clocks after reset,
    /// `block_end` on the last of every 198), loading `blocks[i]` on clock
    /// `at[i]`; returns the line and `full` per clock, sampled after the
    /// clock's edge (what the next clock sees), and the clocks `underrun` was high.
    fn run(blocks: &[u128], at: &[usize], clocks: usize) -> (Vec<bool>, Vec<usize>, Vec<bool>) {
        let mut uut = BlockSer::default();
        uut.connect_all();
        let edge = |uut: &mut BlockSer| {
            uut.clock.next = Clock { clk: true };
            simulate(uut, 100);
            uut.clock.next = Clock { clk: false };
            simulate(uut, 100);
        };
        uut.reset.next = true;
        edge(&mut uut);
        uut.reset.next = false;
        let (mut line, mut under, mut full) = (vec![], vec![], vec![]);
        for t in 0..clocks {
            let i = at.iter().position(|&c| c == t);
            uut.port.load.next = i.is_some();
            let b = i.map_or(0, |i| blocks[i]);
            uut.port.block.next =
                bit_cast::<66, 64>((b as u64).into()) | (bit_cast::<66, 2>(((b >> 64) as u64).into()) << 64);
            uut.bit_end.next = (t + 1) % 3 == 0;
            uut.block_end.next = (t + 1) % (66 * 3) == 0;
            simulate(&mut uut, 100);
            if uut.underrun.val() {
                under.push(t);
            }
            edge(&mut uut);
            line.push(uut.line.val());
            full.push(uut.port.full.val());
        }
        (line, under, full)
    }

    #[test]
    fn each_block_bit_is_held_osr_clocks_after_a_zero_block() {
        let b0 = 0x2_DEAD_BEEF_0123_4567u128;
        let b1 = 0x1_5555_0000_FFFF_8001u128;
        // b0 loaded at once, b1 right after b0 starts (the hold empties at clock 197).
        let (line, under, full) = run(&[b0, b1], &[5, 200], 66 * 3 * 3 + 10);
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
        // No block loaded for the fourth boundary (clock 593): one underrun, then zeros.
        assert_eq!(under, vec![66 * 3 * 3 - 1]);
        assert!(line[66 * 3 * 3 + 3..].iter().all(|&b| !b));
    }

    #[test]
    fn block_ser_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut BlockSer::default());
        crate::verilog::verilator_lint("block_ser", &v).unwrap();
        let stats = crate::verilog::yosys_synth_ice40("block_ser", &v).unwrap();
        let ecp = crate::verilog::yosys_synth_ecp5("block_ser", &v).unwrap();
        println!("BlockSer on iCE40: {stats:?}; ECP5: {ecp:?}");
        // One LUT4 per shift bit (shift, load or zero) and the flag.
        assert!(stats.luts <= 72 && ecp.luts <= 72, "a serializer is one LUT4 a bit, not {stats:?} / {ecp:?}");
    }
}
