//! A small RAM with a combinational read and a clocked write: the shape
//! yosys maps to ECP5 LUT RAM (TRELLIS_DPR16X4, 16 words x 4 bits a cell).
//!
//! Why hand-written Verilog: rust-hdl's `RAM` widget registers its read
//! (block RAM's shape), and the emulator needs the word in the same clock.
//! `words` (1..=2^A) need not be a power of two; a write beyond it is
//! dropped and a read beyond it gives 0 (yosys would otherwise fold the
//! unused address bits and alias those words onto real ones). The content
//! after configuration is `init` (zeros by default): reset does not clear a
//! RAM, so users that must read 0 after reset keep their own flags.
//!
//! Timing: `rd_data` is `mem[rd_addr]` now; a write at a clock edge shows
//! from that edge on (a read of the word being written sees the old word
//! until the edge).

use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct LutRam<const A: usize, const D: usize> {
    pub clock: Signal<In, Clock>,
    /// Write `wr_data` to word `wr_addr` at the clock edge.
    pub wr_en: Signal<In, Bit>,
    pub wr_addr: Signal<In, Bits<A>>,
    pub wr_data: Signal<In, Bits<D>>,
    pub rd_addr: Signal<In, Bits<A>>,
    /// Word `rd_addr` (combinational).
    pub rd_data: Signal<Out, Bits<D>>,
    _words: Vec<u64>,
    _init: Vec<u64>,
}

impl<const A: usize, const D: usize> LutRam<A, D> {
    /// A RAM of `words` words, all 0 after configuration.
    pub fn new(words: usize) -> Self {
        Self::with_init(vec![0; words])
    }

    /// A RAM whose word `i` is `init[i]` after configuration.
    pub fn with_init(init: Vec<u64>) -> Self {
        assert!(D <= 64, "LutRam: words must be at most 64 bits wide, not {D}");
        assert!(
            (1..=1usize << A).contains(&init.len()),
            "LutRam: words must be in 1..={} (the address width), not {}",
            1usize << A,
            init.len()
        );
        let mask = if D == 64 { u64::MAX } else { (1u64 << D) - 1 };
        let init: Vec<u64> = init.iter().map(|w| w & mask).collect();
        Self {
            clock: Default::default(),
            wr_en: Default::default(),
            wr_addr: Default::default(),
            wr_data: Default::default(),
            rd_addr: Default::default(),
            rd_data: Default::default(),
            _words: init.clone(),
            _init: init,
        }
    }
}

impl<const A: usize, const D: usize> Logic for LutRam<A, D> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let w = self.wr_addr.val().index();
            if self.wr_en.val() && w < self._words.len() {
                self._words[w] = self.wr_data.val().to_u64();
            }
        }
        let r = self.rd_addr.val().index();
        self.rd_data.next = self._words.get(r).copied().unwrap_or(0).into();
    }
    fn connect(&mut self) {
        self.rd_data.connect();
    }
    fn hdl(&self) -> Verilog {
        let n = self._words.len();
        let mut v = format!("reg [{}:0] mem [0:{}];\n", D - 1, n - 1);
        // An initial block only where the content is not all zeros (yosys
        // maps it to the cells' INITVAL).
        if self._init.iter().any(|&w| w != 0) {
            v.push_str("initial begin\n");
            for (i, w) in self._init.iter().enumerate() {
                v.push_str(&format!("   mem[{i}] = {D}'h{w:x};\n"));
            }
            v.push_str("end\n");
        }
        v.push_str(&format!(
            "always @(posedge clock) begin\n   if (wr_en && (wr_addr < {n})) begin\n      mem[wr_addr] <= wr_data;\n   end\nend\n\
             always @(*) begin\n   if (rd_addr < {n}) rd_data = mem[rd_addr];\n   else rd_data = {D}'h0;\nend\n"
        ));
        Verilog::Custom(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim_clock::cycle;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5};

    fn edge(ram: &mut LutRam<4, 8>) {
        cycle(ram, |b| &mut b.clock);
    }

    #[test]
    fn reads_now_writes_at_the_edge_and_ignores_beyond_the_depth() {
        let mut ram = LutRam::<4, 8>::with_init((0..12).map(|i| 0x10 + i).collect());
        ram.connect_all();
        for a in 0..16u64 {
            ram.rd_addr.next = a.into();
            simulate(&mut ram, 10);
            assert_eq!(ram.rd_data.val().to_u64(), if a < 12 { 0x10 + a } else { 0 }, "init word {a}");
        }
        // Read word 5 while it is written: the old word until the edge.
        ram.wr_en.next = true;
        ram.wr_addr.next = 5.into();
        ram.wr_data.next = 0xA5.into();
        ram.rd_addr.next = 5.into();
        ram.clock.next = Clock::from(false);
        simulate(&mut ram, 10);
        assert_eq!(ram.rd_data.val().to_u64(), 0x15);
        ram.clock.next = Clock::from(true);
        simulate(&mut ram, 10);
        assert_eq!(ram.rd_data.val().to_u64(), 0xA5);
        // Word 12 does not exist: the write is dropped, nothing aliases.
        ram.wr_addr.next = 12.into();
        ram.wr_data.next = 0xFF.into();
        edge(&mut ram);
        ram.wr_en.next = false;
        for (a, want) in [(12u64, 0u64), (4, 0x14), (5, 0xA5), (0, 0x10)] {
            ram.rd_addr.next = a.into();
            simulate(&mut ram, 10);
            assert_eq!(ram.rd_data.val().to_u64(), want, "word {a}");
        }
    }

    #[test]
    #[should_panic(expected = "LutRam: words must be in 1..=16 (the address width), not 17")]
    fn rejects_more_words_than_addresses() {
        let _ = LutRam::<4, 8>::new(17);
    }

    #[test]
    fn lut_ram_is_synthesizable_into_ecp5_lut_ram() {
        let v = verilog_of(&mut LutRam::<4, 8>::with_init((0..12).collect()));
        assert!(v.contains("reg [7:0] mem [0:11];") && v.contains("mem[11] = 8'hb;"), "{v}");
        verilator_lint("lut_ram", &v).unwrap();
        let ecp = yosys_synth_ecp5("lut_ram", &v).unwrap();
        println!("LutRam<4, 8>(12) on ECP5: {ecp:?}");
        // 8 bits wide = two 16 x 4 cells, no flip-flops.
        assert_eq!((ecp.lutrams, ecp.ffs), (2, 0), "{ecp:?}");
    }
}
