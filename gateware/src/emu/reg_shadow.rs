//! Read-back copies of the channel emulator's per-lane registers, in LUT
//! RAM, so that a register read needs no per-lane read mux.
//!
//! Why: every lane keeps its `EMU_*` settings in flip-flops (the lane uses
//! them every clock), and reading them back through an AND-OR over the lanes
//! cost ~91 ECP5 LUT4 a lane, more than the lane's own logic. The host reads
//! them rarely, so each write also goes into one LUT RAM per register
//! (N words of the register's width) and reads come from there.
//!
//! Registers that a reset clears read 0 after a reset without clearing the
//! RAMs: one `written` bit per lane is cleared instead, and the first write
//! to a lane after a reset writes zeros into its other cleared registers.
//! Registers not cleared by reset (`EMU_SOURCE`) start from their init value.
//! Reads are combinational; a lane beyond the last reads 0, writes to it are
//! dropped.

use rust_hdl::prelude::*;

/// One register's copy: its width (its fields sit in the low bits), whether
/// a reset clears it, and its value per lane after power-up.
#[derive(Clone, Debug)]
pub struct ShadowReg {
    pub width: usize,
    pub cleared_by_reset: bool,
    pub init: Vec<u32>,
}

#[derive(LogicBlock)]
pub struct RegShadow {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: the registers cleared by reset read 0 afterwards.
    pub reset: Signal<In, Bit>,
    /// Bit r: write register r of lane `wr_lane` with `wr_data`.
    pub wr_regs: Signal<In, Bits<4>>,
    pub wr_lane: Signal<In, Bits<12>>,
    pub wr_data: Signal<In, Bits<32>>,
    pub rd_lane: Signal<In, Bits<12>>,
    /// Register r of lane `rd_lane` (combinational), zero-extended.
    pub rd_data: Vec<Signal<Out, Bits<32>>>,
    _regs: Vec<ShadowReg>,
    _mem: Vec<Vec<u32>>,
    _written: Vec<bool>,
}

impl RegShadow {
    /// Copies of up to 4 registers over `lanes` lanes.
    pub fn new(lanes: usize, regs: Vec<ShadowReg>) -> Self {
        assert!((1..=4096).contains(&lanes), "RegShadow: lanes must be in 1..=4096, not {lanes}");
        assert!((1..=4).contains(&regs.len()), "RegShadow: 1..=4 registers, not {}", regs.len());
        for r in &regs {
            assert!((1..=32).contains(&r.width), "RegShadow: width must be in 1..=32, not {}", r.width);
            assert_eq!(r.init.len(), lanes, "RegShadow: one init value per lane");
        }
        Self {
            clock: Default::default(),
            reset: Default::default(),
            wr_regs: Default::default(),
            wr_lane: Default::default(),
            wr_data: Default::default(),
            rd_lane: Default::default(),
            rd_data: regs.iter().map(|_| Default::default()).collect(),
            _mem: regs.iter().map(|r| r.init.iter().map(|&v| v & mask(r.width)).collect()).collect(),
            _regs: regs,
            _written: vec![false; lanes],
        }
    }
}

fn mask(width: usize) -> u32 {
    if width >= 32 {
        u32::MAX
    } else {
        (1 << width) - 1
    }
}

impl Logic for RegShadow {
    fn update(&mut self) {
        let lanes = self._written.len();
        if self.clock.pos_edge() {
            let a = self.wr_lane.val().index();
            let strobes = self.wr_regs.val().index();
            if a < lanes && strobes != 0 {
                for (r, reg) in self._regs.iter().enumerate() {
                    let hit = strobes & (1 << r) != 0;
                    if hit {
                        self._mem[r][a] = self.wr_data.val().to_u64() as u32 & mask(reg.width);
                    } else if reg.cleared_by_reset && !self._written[a] {
                        self._mem[r][a] = 0;
                    }
                }
                self._written[a] = true;
            }
            if self.reset.val() {
                self._written.iter_mut().for_each(|w| *w = false);
            }
        }
        let l = self.rd_lane.val().index();
        for (r, reg) in self._regs.iter().enumerate() {
            let v = if l >= lanes || (reg.cleared_by_reset && !self._written[l]) { 0 } else { self._mem[r][l] };
            self.rd_data[r].next = (v as u64).into();
        }
    }
    fn connect(&mut self) {
        for r in self.rd_data.iter_mut() {
            r.connect();
        }
    }
    fn hdl(&self) -> Verilog {
        let n = self._written.len();
        let mut v = format!(
            "reg [{last}:0] written;\n\
             wire wr_any = (wr_regs != 4'b0) & (wr_lane < {n});\n\
             wire wr_fresh = ~written[wr_lane];\n\
             wire rd_in = rd_lane < {n};\n\
             wire rd_fresh = ~written[rd_lane];\n\
             initial written = 0;\n\
             always @(posedge clock) begin\n\
             \x20  if (wr_any) written[wr_lane] <= 1'b1;\n\
             \x20  if (reset) written <= 0;\n\
             end\n",
            last = n - 1
        );
        for (r, reg) in self._regs.iter().enumerate() {
            let hi = reg.width - 1;
            let init: String = reg
                .init
                .iter()
                .enumerate()
                .map(|(a, &x)| format!("   mem{r}[{a}] = {}'d{};\n", reg.width, x & mask(reg.width)))
                .collect();
            // A cleared register is also written (with 0) on a lane's first write after reset.
            let (we, data, rd) = if reg.cleared_by_reset {
                (
                    format!("wr_any & (wr_regs[{r}] | wr_fresh)"),
                    format!("wr_regs[{r}] ? wr_data[{hi}:0] : {}'d0", reg.width),
                    format!("(rd_in & ~rd_fresh) ? mem{r}[rd_lane] : {}'d0", reg.width),
                )
            } else {
                (
                    format!("wr_any & wr_regs[{r}]"),
                    format!("wr_data[{hi}:0]"),
                    format!("rd_in ? mem{r}[rd_lane] : {}'d0", reg.width),
                )
            };
            v.push_str(&format!(
                "reg [{hi}:0] mem{r} [0:{last}];\n\
                 initial begin\n{init}end\n\
                 always @(posedge clock) begin\n   if ({we}) mem{r}[wr_lane] <= {data};\nend\n\
                 wire [{hi}:0] rd{r} = {rd};\n",
                last = n - 1
            ));
            let ext = if reg.width < 32 { format!("{{{}'d0, rd{r}}}", 32 - reg.width) } else { format!("rd{r}") };
            v.push_str(&format!("always @(*) rd_data${r} = {ext};\n"));
        }
        Verilog::Custom(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn regs(lanes: usize) -> Vec<ShadowReg> {
        vec![
            ShadowReg { width: 3, cleared_by_reset: true, init: vec![0; lanes] },
            ShadowReg { width: 7, cleared_by_reset: true, init: vec![0; lanes] },
            ShadowReg { width: 32, cleared_by_reset: true, init: vec![0; lanes] },
            ShadowReg { width: 5, cleared_by_reset: false, init: (0..lanes as u32).collect() },
        ]
    }

    fn edge(uut: &mut RegShadow) {
        uut.clock.next = Clock::from(false);
        simulate(uut, 10);
        uut.clock.next = Clock::from(true);
        simulate(uut, 10);
    }

    /// Random writes, resets and reads against a plain register file
    /// (reset clears registers 0..3, register 3 starts as the lane index).
    #[test]
    fn reads_equal_a_register_file_after_random_writes_and_resets() {
        let lanes = 21;
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut uut = RegShadow::new(lanes, regs(lanes));
        uut.connect_all();
        let widths = [3u32, 7, 32, 5];
        let mut file: Vec<[u32; 4]> = (0..lanes as u32).map(|q| [0, 0, 0, q]).collect();
        let mut reads = 0;
        for step in 0..3000 {
            if step % 700 == 699 {
                uut.reset.next = true;
                uut.wr_regs.next = 0.into();
                edge(&mut uut);
                uut.reset.next = false;
                file.iter_mut().for_each(|f| f[..3].iter_mut().for_each(|x| *x = 0));
            }
            let lane = rng.gen_range(0..lanes + 2); // beyond the last too
            let r = rng.gen_range(0..4);
            let data: u32 = rng.gen();
            let writes = rng.gen_bool(0.3);
            uut.wr_regs.next = ((1u64 << r) * writes as u64).into();
            uut.wr_lane.next = (lane as u64).into();
            uut.wr_data.next = (data as u64).into();
            edge(&mut uut);
            uut.wr_regs.next = 0.into();
            if writes && lane < lanes {
                file[lane][r] = data & mask(widths[r] as usize);
            }
            let l = rng.gen_range(0..lanes + 2);
            uut.rd_lane.next = (l as u64).into();
            simulate(&mut uut, 10);
            for r in 0..4 {
                let want = if l < lanes { file[l][r] } else { 0 };
                assert_eq!(uut.rd_data[r].val().to_u64(), want as u64, "step {step} lane {l} reg {r}");
                reads += 1;
            }
        }
        assert_eq!(reads, 12_000);
    }

    #[test]
    fn reg_shadow_is_synthesizable_into_lut_ram() {
        let v = verilog_of(&mut RegShadow::new(21, regs(21)));
        verilator_lint("reg_shadow", &v).unwrap();
        let ecp = yosys_synth_ecp5("reg_shadow", &v).unwrap();
        println!("RegShadow(21 lanes, 3 + 7 + 32 + 5 bits) on ECP5: {ecp:?}");
        // 2 x 16 words of 1 + 2 + 8 + 2 LUT RAMs of 4 bits.
        assert_eq!(ecp.lutrams, 2 * 13, "{ecp:?}");
    }
}
