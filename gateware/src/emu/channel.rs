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
//!     └► (LutRam style) RegCopy in LUT RAM ─────────────────────► rd_data
//! ```
//!
//! The memory style ([EmuStyle], chosen per FPGA family) decides how the
//! delay lines and the register read are stored; the behaviour is the same
//! cycle for cycle, and the Registers style writes the Verilog it always did.
//!
//! ## Cost (ECP5, yosys `synth_ecp5`, OSR 4, delay line 127 bits)
//! `area_blocks --ecp5 --lanes 8 24 --part emulator`, per lane = the slope
//! from 8 to 24 lanes:
//! - Registers: 3,790 LUT4 at 8 lanes, 9,105 at 24: 332 LUT4 and 219 FF a
//!   lane: the delay line's 128:1 tap mux, the AND-OR register read, the
//!   32-bit xorshift (~79), and the permutation's indexed select (~1 LUT4
//!   per TX lane, ~N at N lanes; 408 a lane when it was N compares).
//! - LutRam: 1,266 LUT4 + 80 LUT RAM cells at 8 lanes, 4,798 + 224 at 24:
//!   221 LUT4, 101 FF and 9 TRELLIS_DPR16X4 a lane (8 of them the delay
//!   line, 1 the register copy; a cell takes 6 LUT4 sites). The per-lane
//!   slope includes the permutation's growth (~32 of it from 8 to 24).
//!
//! On the iCE40 (Registers only) the same run gives 2,072 and 6,239 SB_LUT4:
//! 260 a lane, as before the styles existed.

use crate::control::map_decode::lane_word;
use crate::control::regmap::RegMap;
use crate::emu::lane::EmuLane;
use crate::emu::permutation::LanePermutation;
use crate::emu::reg_copy::{RegCopy, RegLayout};
use crate::emu::style::EmuStyle;
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
    /// [EmuStyle::LutRam]: the register read from a LUT RAM copy (one; none
    /// in the Registers style, which so writes the Verilog it always did).
    /// The AND-OR above is then unread and synthesis drops it.
    copy: Vec<RegCopy>,
}

impl ChannelEmu {
    /// `max_delay_bits`: largest programmable delay per lane, in line bits.
    /// `style`: flip-flops or LUT RAM (see [EmuStyle]).
    pub fn new(map: &RegMap, max_delay_bits: usize, style: EmuStyle) -> Self {
        Self::build(map, max_delay_bits, true, style)
    }

    /// An emulator without the lane permutation: each lane carries its own
    /// TX lane, and `EMU_SOURCE` writes are ignored (the BERT core, whose
    /// lanes all send the same pattern, has no use for it; at 105 lanes
    /// the permutation's 105:1 mux per lane costs ~11k ECP5 LUT4).
    pub fn without_permutation(map: &RegMap, max_delay_bits: usize, style: EmuStyle) -> Self {
        Self::build(map, max_delay_bits, false, style)
    }

    fn build(map: &RegMap, max_delay_bits: usize, permute: bool, style: EmuStyle) -> Self {
        let p = &map.params;
        let phys = p.physical_lanes();
        let c32 = |v: u32| Constant::new((v as u64).into());
        let fields: Vec<(u16, &crate::control::regmap::Field)> = EMU_REGS
            .iter()
            .flat_map(|n| map.get(n).expect("EMU_* in the map").fields.iter().map(|f| (map.lane_word(n), f)))
            .collect();
        let layout = RegLayout {
            words: EMU_REGS.map(|n| map.lane_word(n) as u64),
            ctrl_mask: field_mask(map, "EMU_CTRL", 3) as u64,
            delay_mask: field_mask(map, "EMU_DELAY", 16) as u64,
            source_mask: field_mask(map, "EMU_SOURCE", 12) as u64,
            permute,
        };
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
                .map(|q| EmuLane::with_style(max_delay_bits, p.osr, 0x9E37_79B9u32.wrapping_mul(q as u32 + 1), style))
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
            m_ctrl: Constant::new(layout.ctrl_mask.into()),
            m_delay: Constant::new(layout.delay_mask.into()),
            m_source: Constant::new(layout.source_mask.into()),
            copy: match style {
                EmuStyle::Registers => vec![],
                EmuStyle::LutRam => vec![RegCopy::new(phys, layout)],
            },
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
        for i in 0..self.copy.len() {
            self.copy[i].clock.next = self.clock.val();
            self.copy[i].reset.next = self.reset.val();
            self.copy[i].wr.next = self.wr.val();
            self.copy[i].wr_lane.next = self.wr_lane.val();
            self.copy[i].wr_reg.next = self.wr_reg.val();
            self.copy[i].wr_data.next = self.wr_data.val();
            self.copy[i].rd_lane.next = self.rd_lane.val();
            self.copy[i].rd_reg.next = self.rd_reg.val();
            self.rd_data.next = self.copy[i].rd_data.val();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::LinkParams;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn cycle(uut: &mut ChannelEmu) {
        uut.clock.next = Clock { clk: false };
        simulate(uut, 200);
        uut.clock.next = Clock { clk: true };
        simulate(uut, 200);
    }

    fn read(uut: &mut ChannelEmu, lane: usize, reg: usize) -> u32 {
        uut.rd_lane.next = (lane as u64).into();
        uut.rd_reg.next = (reg as u64).into();
        simulate(uut, 200);
        uut.rd_data.val().to_u64() as u32
    }

    /// An independent model of the registers: what each read must give.
    struct Model {
        /// Per lane, per word (EMU_REGS order): the value.
        regs: Vec<[u32; 4]>,
        /// Per word: the bits a register keeps.
        keep: [u32; 4],
        words: [usize; 4],
        permute: bool,
    }

    impl Model {
        fn new(map: &RegMap, permute: bool) -> Model {
            let keep = EMU_REGS.map(|n| {
                let r = map.get(n).unwrap();
                if r.fields.is_empty() {
                    u32::MAX
                } else {
                    r.fields.iter().fold(0, |m, f| m | f.mask())
                }
            });
            let lanes = map.params.physical_lanes();
            Model {
                regs: (0..lanes).map(|q| [0, 0, 0, q as u32]).collect(),
                keep,
                words: EMU_REGS.map(|n| map.lane_word(n) as usize),
                permute,
            }
        }
        /// Index into EMU_REGS of register word `word`.
        fn reg(&self, word: usize) -> usize {
            self.words.iter().position(|&w| w == word).unwrap()
        }
        fn write(&mut self, lane: usize, word: usize, data: u32) {
            let r = self.reg(word);
            if lane < self.regs.len() && (r != 3 || self.permute) {
                self.regs[lane][r] = data & self.keep[r];
            }
        }
        fn reset(&mut self) {
            self.regs.iter_mut().for_each(|l| l[..3].fill(0));
        }
        fn read(&self, lane: usize, word: usize) -> u32 {
            self.regs.get(lane).map_or(0, |l| l[self.reg(word)])
        }
    }

    /// A data word for `word` that makes the lanes do something visible:
    /// short delays, high error rates now and then, sources in range.
    fn data(rng: &mut ChaCha8Rng, m: &Model, word: usize, lanes: usize) -> u32 {
        match m.reg(word) {
            1 => rng.gen_range(0..24) | rng.gen::<u32>() & 0xFF80,
            2 if rng.gen_bool(0.5) => rng.gen_range(0..1 << 28),
            3 => rng.gen_range(0..lanes as u32) | rng.gen::<u32>() & !0xFFF,
            _ => rng.gen(),
        }
    }

    /// One emulator of `style` driven by a seeded script: random register
    /// writes (lanes beyond the last too), resets, reads of every register
    /// of every lane checked against the model after each event, random
    /// line inputs. Returns every line_out sample.
    fn run_script(style: EmuStyle, permute: bool, seed: u64) -> Vec<Vec<bool>> {
        let p = LinkParams { lanes: 4, spares: 1, osr: 2, marker_period: 64, deskew_depth: 4 };
        let map = RegMap::new(&p);
        let lanes = p.physical_lanes();
        let mut uut =
            if permute { ChannelEmu::new(&map, 31, style) } else { ChannelEmu::without_permutation(&map, 31, style) };
        uut.connect_all();
        let mut m = Model::new(&map, permute);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut out = vec![];
        let check_all = |uut: &mut ChannelEmu, m: &Model, when: &str| {
            for lane in 0..lanes + 2 {
                for word in 0..4 {
                    assert_eq!(read(uut, lane, word), m.read(lane, word), "{style:?} {when}: lane {lane} word {word}");
                }
            }
        };
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        check_all(&mut uut, &m, "after reset");
        for t in 0..3000 {
            for q in 0..lanes {
                uut.line_in[q].next = rng.gen_bool(0.5);
            }
            let event = rng.gen_range(0..100);
            uut.wr.next = event < 8;
            uut.reset.next = t == 1500 || event == 8;
            if uut.wr.next {
                let lane = rng.gen_range(0..lanes + 2);
                let word = rng.gen_range(0..4);
                let d = data(&mut rng, &m, word, lanes);
                uut.wr_lane.next = (lane as u64).into();
                uut.wr_reg.next = (word as u64).into();
                uut.wr_data.next = (d as u64).into();
                if !uut.reset.next {
                    m.write(lane, word, d);
                }
            }
            if uut.reset.next {
                m.reset();
            }
            cycle(&mut uut);
            out.push(uut.line_out.iter().map(|l| l.val()).collect());
            uut.wr.next = false;
            uut.reset.next = false;
            if event <= 8 {
                check_all(&mut uut, &m, &format!("clock {t}"));
            }
        }
        out
    }

    /// Both styles read every register exactly as the model says (after
    /// reset, after writes, after a reset with writes before it) and send
    /// the same lines, sample for sample.
    #[test]
    fn both_styles_read_like_the_model_and_send_the_same_lines() {
        for permute in [true, false] {
            let regs = run_script(EmuStyle::Registers, permute, 5);
            let ram = run_script(EmuStyle::LutRam, permute, 5);
            // The script must exercise the lines: not all constant.
            assert!(regs.iter().any(|s| s.iter().any(|&b| b)) && regs.iter().any(|s| s.iter().any(|&b| !b)));
            let first = regs.iter().zip(&ram).position(|(a, b)| a != b);
            assert_eq!(first, None, "permute {permute}: line_out differs from clock {first:?}");
        }
    }

    #[test]
    fn lut_ram_style_is_synthesizable_into_lut_ram_and_smaller_on_ecp5() {
        let p = LinkParams { lanes: 7, spares: 1, osr: 4, marker_period: 64, deskew_depth: 4 };
        let map = RegMap::new(&p);
        let regs = verilog_of(&mut ChannelEmu::new(&map, 127, EmuStyle::Registers));
        let ram = verilog_of(&mut ChannelEmu::new(&map, 127, EmuStyle::LutRam));
        verilator_lint("channel_emu_lutram", &ram).unwrap();
        verilator_lint(
            "channel_emu_lutram_noperm",
            &verilog_of(&mut ChannelEmu::without_permutation(&map, 31, EmuStyle::LutRam)),
        )
        .unwrap();
        let regs = yosys_synth_ecp5("channel_emu_regs", &regs).unwrap();
        let ram = yosys_synth_ecp5("channel_emu_lutram", &ram).unwrap();
        println!("ChannelEmu(8 lanes, 127 bits) on ECP5: registers {regs:?}, LUT RAM {ram:?}");
        // Per lane 8 cells of delay line; the register copy 1 + 4 + 8 + 3
        // cells of 16 lanes x 4 bits (CTRL, DELAY, RATE, SOURCE).
        assert_eq!((regs.lutrams, ram.lutrams), (0, 8 * 8 + 16), "{regs:?} {ram:?}");
        assert!(ram.luts * 3 < regs.luts * 2, "{regs:?} {ram:?}");
    }
}
