//! The deskew FIFOs' storage: one simple dual-port RAM shared by every
//! physical lane (lane `q` owns words `q * D .. q * D + D - 1`).
//!
//! Why shared: a lane delivers one 64-bit block every 66 * OSR clocks, so a
//! single write port visiting the lanes in turn keeps up with all of them
//! (`LinkParams::validate` asks N + S + 2 <= 66 * OSR), and the gatherer
//! reads one block per clock anyway. One RAM of P * D words maps to block
//! RAM (iCE40 EBR, ECP5 DP16KD) instead of P * D * 64 flip-flops and a
//! 64-bit read mux per lane, the largest per-lane cost of the first design.
//!
//! The depth is a run-time parameter, so the Verilog is written by hand
//! (rust-hdl's `RAM` widget needs a power-of-two depth as a const generic).
//! Reads are registered: `rd_data` shows the word at `rd_addr` of the
//! previous clock edge; a read and a write of the same word in one clock
//! return the old word.

use rust_hdl::prelude::*;

/// Address width of the shared RAM; `LinkParams::validate` keeps
/// (N + S) * D within it.
pub const RAM_ADDR_BITS: usize = 16;

#[derive(LogicBlock)]
pub struct DeskewRam {
    pub clock: Signal<In, Clock>,
    pub wr_en: Signal<In, Bit>,
    pub wr_addr: Signal<In, Bits<RAM_ADDR_BITS>>,
    pub wr_data: Signal<In, Bits<64>>,
    pub rd_addr: Signal<In, Bits<RAM_ADDR_BITS>>,
    pub rd_data: Signal<Out, Bits<64>>,
    _words: Vec<u64>,
    _no_rw_check: bool,
}

impl DeskewRam {
    /// A RAM of `words` 64-bit words.
    pub fn new(words: usize) -> Self {
        assert!(
            (1..=1 << RAM_ADDR_BITS).contains(&words),
            "DeskewRam: (N + S) * D must be in 1..=65536 words, not {words}"
        );
        Self {
            clock: Default::default(),
            wr_en: Default::default(),
            wr_addr: Default::default(),
            wr_data: Default::default(),
            rd_addr: Default::default(),
            rd_data: Default::default(),
            _words: vec![0; words],
            _no_rw_check: false,
        }
    }

    /// As [DeskewRam::new], for a user that never uses what a read of the
    /// word being written in the same clock returns: yosys may then leave
    /// out the logic that makes such a read return the old word (`no_rw_check`;
    /// 138 FF and 71 LUT4 of a 256-word RAM on iCE40).
    pub fn never_reading_while_writing(words: usize) -> Self {
        Self { _no_rw_check: true, ..Self::new(words) }
    }
}

impl Logic for DeskewRam {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let r = self.rd_addr.val().index();
            self.rd_data.next = self._words.get(r).copied().unwrap_or(0).into();
            let w = self.wr_addr.val().index();
            if self.wr_en.val() && w < self._words.len() {
                self._words[w] = self.wr_data.val().to_u64();
            }
        }
    }
    fn connect(&mut self) {
        self.rd_data.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "{attr}reg [63:0] mem [0:{last}];\n\
             always @(posedge clock) begin\n   rd_data <= mem[rd_addr];\nend\n\
             always @(posedge clock) begin\n   if (wr_en) begin\n      mem[wr_addr] <= wr_data;\n   end\nend\n",
            last = self._words.len() - 1,
            attr = if self._no_rw_check { "(* no_rw_check *) " } else { "" }
        ))
    }
    fn timing(&self) -> Vec<TimingInfo> {
        vec![
            TimingInfo {
                name: "deskew_ram_read".into(),
                clock: "clock".into(),
                inputs: vec!["rd_addr".into()],
                outputs: vec!["rd_data".into()],
            },
            TimingInfo {
                name: "deskew_ram_write".into(),
                clock: "clock".into(),
                inputs: vec!["wr_en".into(), "wr_addr".into(), "wr_data".into()],
                outputs: vec![],
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim_clock::cycle;

    fn edge(ram: &mut DeskewRam) {
        cycle(ram, |b| &mut b.clock);
    }

    #[test]
    fn registered_read_old_on_collision_and_lint() {
        let mut ram = DeskewRam::new(12);
        ram.connect_all();
        for a in 0..12u64 {
            ram.wr_en.next = true;
            ram.wr_addr.next = a.into();
            ram.wr_data.next = (a * 0x0101_0101_0101_0101).into();
            edge(&mut ram);
        }
        // Read and overwrite word 5 in one clock: the old word comes out.
        ram.rd_addr.next = 5.into();
        ram.wr_addr.next = 5.into();
        ram.wr_data.next = 0xDEAD.into();
        edge(&mut ram);
        assert_eq!(ram.rd_data.val().to_u64(), 5 * 0x0101_0101_0101_0101);
        ram.wr_en.next = false;
        edge(&mut ram);
        assert_eq!(ram.rd_data.val().to_u64(), 0xDEAD);
        // Beyond the depth: writes are dropped, reads give 0.
        ram.wr_en.next = true;
        ram.wr_addr.next = 12.into();
        ram.rd_addr.next = 12.into();
        edge(&mut ram);
        edge(&mut ram);
        assert_eq!(ram.rd_data.val().to_u64(), 0);
        let v = crate::verilog::verilog_of(&mut DeskewRam::new(12));
        assert!(v.contains("reg [63:0] mem [0:11];"), "{v}");
        crate::verilog::verilator_lint("deskew_ram", &v).unwrap();
    }
}
