//! Channel emulator: one physical lane of the optical channel, in gateware.
//!
//! [EmuLane] sits between a lane's TX pin and its RX input in internal
//! loopback and does to the line what the fiber and a failing microLED would:
//! add delay (skew), flip bits at a configured rate, stick the lane at a
//! level (dead emitter) or invert it (polarity). It mirrors the software
//! channel model (`mosaic_sim::channel`), so a test can run the same channel
//! in software and in gateware. The lane permutation is not done here: the
//! link core muxes sources.
//!
//! Cost is kept small because the ULX3S should hold ~100 of these: the delay
//! line stores one bit per *line bit* (not per sample), the random source is a
//! 32-bit xorshift (a linear feedback generator of period 2^32 - 1, whose
//! successive states are not shifted copies of each other, unlike a plain
//! shift-register LFSR, so successive flip decisions are independent enough).
//! The delay line is stored as the family suits ([EmuStyle]): in the
//! Registers style a 128-bit shift register read by a 128:1 tap mux (the
//! iCE40 has no LUT RAM), in the LutRam style a circular buffer in LUT RAM
//! ([RamDelayLine], ECP5). Both give the same output, cycle for cycle.
//!
//! ## Timing
//! The input carries one sample per clock, each line bit held OSR clocks (as
//! `LaneTx` sends it). The emulator finds bit boundaries itself: a bit starts
//! on every input edge and otherwise every OSR clocks, so it needs no phase
//! from the transmitter. Everything is decided once per line bit, at its
//! first sample, and held for OSR clocks; the output is registered:
//!
//! `line_out = stuck ? stuck_value : line_in[t - delay * OSR] ^ flip ^ invert`
//!
//! after the clock edge that takes `line_in[t]`: one register stage on top
//! of the configured delay (exact for an
//! input whose bits all last OSR clocks; configuration changes take effect at
//! the next bit boundary).

use crate::emu::ram_delay::RamDelayLine;
use crate::emu::style::EmuStyle;
use rust_hdl::prelude::*;

/// Largest `max_delay_bits` an [EmuLane] accepts (the delay line is a
/// 128-bit register; yosys keeps only `max_delay_bits` of its FFs).
pub const MAX_DELAY_BITS: usize = 127;

/// Largest oversampling ratio (as the lane PHY).
pub const MAX_OSR: usize = 8;

/// One emulated channel lane: delay, random bit errors, stuck-at, inversion.
#[derive(LogicBlock)]
pub struct EmuLane {
    /// Link clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset: clears the delay line and the counter,
    /// reloads the random source from the seed.
    pub reset: Signal<In, Bit>,
    /// The line from the transmitter: one sample per clock.
    pub line_in: Signal<In, Bit>,
    /// The line to the receiver, registered (one clock of latency).
    pub line_out: Signal<Out, Bit>,
    /// Added delay in line bits (clamped to `max_delay_bits`).
    pub cfg_delay: Signal<In, Bits<16>>,
    /// Probability that a line bit is flipped, in units of 2^-32.
    pub cfg_error_rate: Signal<In, Bits<32>>,
    /// Hold the output at `cfg_stuck_value` (a dead emitter); no bit is flipped.
    pub cfg_stuck: Signal<In, Bit>,
    /// The level of a stuck lane.
    pub cfg_stuck_value: Signal<In, Bit>,
    /// Invert the line (polarity swap).
    pub cfg_invert: Signal<In, Bit>,
    /// Line bits flipped since reset (saturating).
    pub errors_injected: Signal<Out, Bits<32>>,
    prev_in: DFF<Bit>,
    phase: DFF<Bits<4>>,
    history: DFF<Bits<128>>,
    rng: DFF<Bits<32>>,
    out_bit: DFF<Bit>,
    count: DFF<Bits<32>>,
    bit_start: Signal<Local, Bit>,
    window: Signal<Local, Bits<128>>,
    delay_eff: Signal<Local, Bits<16>>,
    delayed: Signal<Local, Bit>,
    flip: Signal<Local, Bit>,
    rng_a: Signal<Local, Bits<32>>,
    rng_b: Signal<Local, Bits<32>>,
    rng_c: Signal<Local, Bits<32>>,
    last_phase: Constant<Bits<4>>,
    max_delay: Constant<Bits<16>>,
    history_mask: Constant<Bits<128>>,
    seed_state: Constant<Bits<32>>,
    /// [EmuStyle::LutRam]: the delay line in LUT RAM (one; none in the
    /// Registers style, so that style writes exactly the Verilog it always
    /// did: an empty Vec and a loop over it write nothing).
    ram_delay: Vec<RamDelayLine>,
}

/// The random source's state after reset for a seed: seeds are mixed
/// (splitmix-style) so that neighbouring lane seeds 0, 1, 2.. give unrelated
/// sequences, and never zero (a fixed point of xorshift).
pub fn seed_state(seed: u32) -> u32 {
    let mut z = (seed as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE5_E4B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let s = (z ^ (z >> 32)) as u32;
    if s == 0 {
        1
    } else {
        s
    }
}

/// One step of the random source (xorshift32: 13, 17, 5), as the gateware does it.
pub fn xorshift32(s: u32) -> u32 {
    let a = s ^ (s << 13);
    let b = a ^ (a >> 17);
    b ^ (b << 5)
}

impl EmuLane {
    /// A lane emulator with a delay line of `max_delay_bits` line bits
    /// (0..=127), for lines oversampled `osr` times (1..=8), whose random
    /// source starts from `seed` (give every lane its own, e.g. its index).
    ///
    /// Panics with a message naming the parameter when one is out of range.
    pub fn new(max_delay_bits: usize, osr: usize, seed: u32) -> Self {
        Self::with_style(max_delay_bits, osr, seed, EmuStyle::Registers)
    }

    /// [EmuLane::new] with the delay line stored as `style` says (the
    /// behaviour is the same, cycle for cycle).
    pub fn with_style(max_delay_bits: usize, osr: usize, seed: u32, style: EmuStyle) -> Self {
        assert!(
            max_delay_bits <= MAX_DELAY_BITS,
            "EmuLane: max_delay_bits must be in 0..={MAX_DELAY_BITS}, not {max_delay_bits}"
        );
        assert!((1..=MAX_OSR).contains(&osr), "EmuLane: osr must be in 1..={MAX_OSR}, not {osr}");
        // Bits 0..max_delay_bits of the history are kept; the rest stay 0
        // and yosys removes their FFs. In LUT RAM the shift register keeps
        // none (its tap then gives the delay-0 input, overridden anyway).
        let kept = if style == EmuStyle::Registers { max_delay_bits } else { 0 };
        let mut mask: Bits<128> = 0.into();
        for i in 0..kept {
            mask = mask.replace_bit(i, true);
        }
        Self {
            clock: Default::default(),
            reset: Default::default(),
            line_in: Default::default(),
            line_out: Default::default(),
            cfg_delay: Default::default(),
            cfg_error_rate: Default::default(),
            cfg_stuck: Default::default(),
            cfg_stuck_value: Default::default(),
            cfg_invert: Default::default(),
            errors_injected: Default::default(),
            prev_in: Default::default(),
            phase: Default::default(),
            history: Default::default(),
            rng: Default::default(),
            out_bit: Default::default(),
            count: Default::default(),
            bit_start: Default::default(),
            window: Default::default(),
            delay_eff: Default::default(),
            delayed: Default::default(),
            flip: Default::default(),
            rng_a: Default::default(),
            rng_b: Default::default(),
            rng_c: Default::default(),
            last_phase: Constant::new((osr as u64 - 1).into()),
            max_delay: Constant::new((max_delay_bits as u64).into()),
            history_mask: Constant::new(mask),
            seed_state: Constant::new((seed_state(seed) as u64).into()),
            ram_delay: match style {
                EmuStyle::Registers => vec![],
                EmuStyle::LutRam => vec![RamDelayLine::new(max_delay_bits)],
            },
        }
    }
}

impl Logic for EmuLane {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, prev_in, phase, history, rng, out_bit, count);
        self.prev_in.d.next = self.line_in.val();
        // A line bit starts on an input edge, else every OSR clocks.
        self.bit_start.next =
            (self.line_in.val() != self.prev_in.q.val()) | (self.phase.q.val() == self.last_phase.val());
        if self.bit_start.val() {
            self.phase.d.next = 0.into();
        } else {
            self.phase.d.next = self.phase.q.val() + 1;
        }
        // window bit k = the line bit k bits before the current one.
        if self.line_in.val() {
            self.window.next = (self.history.q.val() << 1) | 1;
        } else {
            self.window.next = self.history.q.val() << 1;
        }
        if self.cfg_delay.val() > self.max_delay.val() {
            self.delay_eff.next = self.max_delay.val();
        } else {
            self.delay_eff.next = self.cfg_delay.val();
        }
        self.delayed.next = self.window.val().get_bit(self.delay_eff.val().index());
        for i in 0..self.ram_delay.len() {
            self.ram_delay[i].clock.next = self.clock.val();
            self.ram_delay[i].reset.next = self.reset.val();
            self.ram_delay[i].line_in.next = self.line_in.val();
            self.ram_delay[i].advance.next = self.bit_start.val();
            self.ram_delay[i].delay.next = self.delay_eff.val().get_bits::<7>(0);
            self.delayed.next = self.ram_delay[i].delayed.val();
        }
        self.rng_a.next = self.rng.q.val() ^ (self.rng.q.val() << 13);
        self.rng_b.next = self.rng_a.val() ^ (self.rng_a.val() >> 17);
        self.rng_c.next = self.rng_b.val() ^ (self.rng_b.val() << 5);
        self.flip.next = self.bit_start.val() & !self.cfg_stuck.val() & (self.rng.q.val() < self.cfg_error_rate.val());
        if self.bit_start.val() {
            self.history.d.next = self.window.val() & self.history_mask.val();
            self.rng.d.next = self.rng_c.val();
            if self.cfg_stuck.val() {
                self.out_bit.d.next = self.cfg_stuck_value.val();
            } else {
                self.out_bit.d.next = self.delayed.val() ^ self.flip.val() ^ self.cfg_invert.val();
            }
        }
        if self.flip.val() & !self.count.q.val().all() {
            self.count.d.next = self.count.q.val() + 1;
        }
        if self.reset.val() {
            self.prev_in.d.next = false;
            self.phase.d.next = self.last_phase.val();
            self.history.d.next = 0.into();
            self.rng.d.next = self.seed_state.val();
            self.out_bit.d.next = false;
            self.count.d.next = 0.into();
        }
        self.line_out.next = self.out_bit.q.val();
        self.errors_injected.next = self.count.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, yosys_synth_ecp5, yosys_synth_ice40};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Settings of one run.
    #[derive(Clone, Copy, Default)]
    struct Cfg {
        delay: u16,
        rate: u32,
        stuck: Option<bool>,
        invert: bool,
    }

    /// Steps `uut` over `input` (one sample per clock), returns the output samples.
    fn run(uut: &mut EmuLane, cfg: Cfg, input: &[bool]) -> Vec<bool> {
        uut.cfg_delay.next = (cfg.delay as u64).into();
        uut.cfg_error_rate.next = (cfg.rate as u64).into();
        uut.cfg_stuck.next = cfg.stuck.is_some();
        uut.cfg_stuck_value.next = cfg.stuck.unwrap_or(false);
        uut.cfg_invert.next = cfg.invert;
        uut.reset.next = true;
        uut.line_in.next = false;
        cycle(uut);
        uut.reset.next = false;
        let mut out = Vec::with_capacity(input.len());
        for &s in input {
            uut.line_in.next = s;
            cycle(uut);
            out.push(uut.line_out.val());
        }
        out
    }

    fn cycle(uut: &mut EmuLane) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    /// Both memory styles: every test runs on each, against one reference.
    const STYLES: [EmuStyle; 2] = [EmuStyle::Registers, EmuStyle::LutRam];

    fn built(max_delay: usize, osr: usize, seed: u32, style: EmuStyle) -> EmuLane {
        let mut uut = EmuLane::with_style(max_delay, osr, seed, style);
        uut.connect_all();
        uut
    }

    /// Random line bits, each held `osr` samples.
    fn line(bits: usize, osr: usize, seed: u64) -> Vec<bool> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..bits).flat_map(|_| std::iter::repeat_n(rng.gen::<bool>(), osr)).collect()
    }

    /// Independent reference: the output read after the clock edge that
    /// took input sample t (one register stage; input before time 0 is 0).
    fn reference(input: &[bool], cfg: Cfg, osr: usize, max_delay: usize) -> Vec<bool> {
        let shift = (cfg.delay as usize).min(max_delay) * osr;
        (0..input.len())
            .map(|t| match cfg.stuck {
                Some(v) => v,
                None => {
                    let src = if t >= shift { input[t - shift] } else { false };
                    src ^ cfg.invert
                }
            })
            .collect()
    }

    #[test]
    fn delay_stuck_invert_match_reference_sample_for_sample() {
        for style in STYLES {
            delay_stuck_invert_match_reference(style);
        }
    }

    fn delay_stuck_invert_match_reference(style: EmuStyle) {
        for (osr, max_delay) in [(1, 127), (2, 40), (3, 17), (4, 0), (8, 5)] {
            let input = line(600, osr, osr as u64);
            for cfg in [
                Cfg::default(),
                Cfg { delay: 1, ..Default::default() },
                Cfg { delay: 13, invert: true, ..Default::default() },
                Cfg { delay: max_delay as u16, ..Default::default() },
                Cfg { delay: 1000, ..Default::default() }, // clamped to max
                Cfg { stuck: Some(true), delay: 3, ..Default::default() },
                Cfg { stuck: Some(false), invert: true, ..Default::default() },
            ] {
                let mut uut = built(max_delay, osr, 7, style);
                let got = run(&mut uut, cfg, &input);
                let want = reference(&input, cfg, osr, max_delay);
                // The first samples depend on the delay line's reset content
                // (zeros) - the reference assumes the same.
                assert_eq!(got, want, "{style:?} osr {osr} max {max_delay} delay {} invert {}", cfg.delay, cfg.invert);
                assert_eq!(uut.errors_injected.val(), 0u64);
            }
        }
    }

    /// Each flipped line bit is flipped on all its samples; the counter
    /// equals the flips seen, and they fall exactly where the software
    /// xorshift says.
    fn check_errors(style: EmuStyle, osr: usize, bits: usize, rate: u32, seed: u32, delay: u16) -> u64 {
        let input = line(bits, osr, 99 + seed as u64);
        let cfg = Cfg { delay, rate, ..Default::default() };
        let mut uut = built(64, osr, seed, style);
        let got = run(&mut uut, cfg, &input);
        let clean = reference(&input, cfg, osr, 64);
        // Expected flips: one draw per output line bit, from the seed state.
        let mut s = seed_state(seed);
        let mut flips = 0u64;
        for b in 0..bits {
            let flip = s < rate;
            s = xorshift32(s);
            flips += flip as u64;
            // Draw b decides output bit slot b: samples b * osr .. (b + 1) * osr.
            for k in 0..osr {
                let t = b * osr + k;
                if t < got.len() {
                    assert_eq!(got[t] != clean[t], flip, "{style:?} bit {b} sample {k}");
                }
            }
        }
        assert_eq!(uut.errors_injected.val(), flips);
        flips
    }

    #[test]
    fn flips_whole_bits_and_counts_them_exactly() {
        // High rates so that many flips happen in a short run.
        for style in STYLES {
            let n = check_errors(style, 3, 2000, 1 << 29, 1, 5);
            assert!(n > 100, "{n}");
            let n = check_errors(style, 1, 2000, 0x8000_0000, 2, 0);
            assert!(n > 800, "{n}");
            assert_eq!(check_errors(style, 2, 500, 0, 3, 2), 0);
        }
    }

    #[test]
    fn error_rate_is_statistically_right() {
        // Rate 2^-8 over 100k line bits: mean 390.6, sigma 19.7.
        let bits = 100_000;
        let input = line(bits, 1, 5);
        for style in STYLES {
            let mut uut = built(8, 1, 12345, style);
            let got = run(&mut uut, Cfg { rate: 1 << 24, ..Default::default() }, &input);
            let clean = reference(&input, Cfg::default(), 1, 8);
            let seen = got.iter().zip(&clean).filter(|(a, b)| a != b).count() as f64;
            let mean = bits as f64 / 256.0;
            let sigma = (mean * (1.0 - 1.0 / 256.0)).sqrt();
            assert!((seen - mean).abs() < 5.0 * sigma, "{style:?}: {seen} flips, expected {mean} +- {}", 5.0 * sigma);
            assert_eq!(uut.errors_injected.val(), seen as u64);
        }
    }

    #[test]
    fn lanes_with_different_seeds_flip_different_bits() {
        let a: Vec<u32> = (0..64)
            .scan(seed_state(0), |s, _| {
                *s = xorshift32(*s);
                Some(*s)
            })
            .collect();
        let b: Vec<u32> = (0..64)
            .scan(seed_state(1), |s, _| {
                *s = xorshift32(*s);
                Some(*s)
            })
            .collect();
        assert!(a.iter().zip(&b).all(|(x, y)| x != y));
        assert!((0..1000).all(|i| seed_state(i) != 0));
    }

    #[test]
    #[should_panic(expected = "EmuLane: osr must be in 1..=8, not 0")]
    fn rejects_osr_zero() {
        let _ = EmuLane::new(8, 0, 0);
    }

    #[test]
    #[should_panic(expected = "EmuLane: max_delay_bits must be in 0..=127, not 128")]
    fn rejects_too_long_delay() {
        let _ = EmuLane::new(128, 2, 0);
    }

    #[test]
    fn emu_lane_is_synthesizable() {
        let mut uut = EmuLane::new(32, 2, 1);
        let v = crate::verilog::verilog_of(&mut uut);
        verilator_lint("emu_lane", &v).unwrap();
        let stats = yosys_synth_ice40("emu_lane", &v).unwrap();
        println!("EmuLane(32, osr 2) on iCE40: {stats:?}");
        // The delay line keeps only max_delay_bits FFs of its 128.
        assert!(stats.ffs < 32 + 32 + 32 + 16, "{stats:?}");
    }

    #[test]
    fn emu_lane_in_lut_ram_is_synthesizable_and_smaller_on_ecp5() {
        let regs = crate::verilog::verilog_of(&mut EmuLane::new(127, 4, 1));
        let ram = crate::verilog::verilog_of(&mut EmuLane::with_style(127, 4, 1, EmuStyle::LutRam));
        verilator_lint("emu_lane_lutram", &ram).unwrap();
        let regs = yosys_synth_ecp5("emu_lane_regs", &regs).unwrap();
        let ram = yosys_synth_ecp5("emu_lane_lutram", &ram).unwrap();
        println!("EmuLane(127, osr 4) on ECP5: registers {regs:?}, LUT RAM {ram:?}");
        // The 127-bit delay line: 8 LUT RAM cells of 16 x 4 (1 bit used)
        // instead of 127 FFs and the 128:1 tap mux.
        assert_eq!((regs.lutrams, ram.lutrams), (0, 8), "{regs:?} {ram:?}");
        assert!(ram.luts < regs.luts && ram.ffs + 100 < regs.ffs, "{regs:?} {ram:?}");
    }
}
