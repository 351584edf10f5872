//! The channel emulator's programmable delay: the last line bits of one lane
//! in a circular buffer of LUT RAM, read at a run-time tap.
//!
//! Why a RAM: as a 128-bit shift register with a 128:1 tap mux the delay
//! cost ~220 ECP5 LUT4 a lane (yosys maps wide muxes at ~1.7 LUT4 an input);
//! as 1-bit-wide LUT RAM (8 `TRELLIS_DPR16X4` at 128 bits) the tap mux is the
//! RAM's own read decoder, and what is left is a write pointer, one
//! subtraction and an 8:1 word select.
//!
//! ```text
//!   bit_in ──► mem[wp] (on advance; wp += 1)
//!   bit_out = delay == 0 ? bit_in : (delay <= writes since reset ? mem[wp - delay] : 0)
//! ```
//! `bit_out` is combinational: `delay` bits before the current `bit_in`,
//! where a bit is one `advance`. After reset the buffer reads as zeros (as
//! the shift register it replaces was cleared) without clearing the RAM:
//! a bit is valid once as many bits have been written since reset (the
//! borrow of `wp - delay`, or the buffer has wrapped once).

use rust_hdl::prelude::*;

/// Width of the `delay` port (the emulator's largest delay is 127 bits).
pub const DELAY_PORT_BITS: usize = 7;

#[derive(LogicBlock)]
pub struct DelayLine {
    /// Link clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset: the buffer reads as zeros afterwards.
    pub reset: Signal<In, Bit>,
    /// Write `bit_in` as the newest bit (once per line bit).
    pub advance: Signal<In, Bit>,
    /// The current line bit.
    pub bit_in: Signal<In, Bit>,
    /// Tap, in bits before `bit_in`; at most the `max_delay` of [DelayLine::new].
    pub delay: Signal<In, Bits<DELAY_PORT_BITS>>,
    /// The bit `delay` bits before `bit_in` (combinational).
    pub bit_out: Signal<Out, Bit>,
    _addr_bits: usize,
    _mem: Vec<bool>,
    _wp: usize,
    _full: bool,
}

impl DelayLine {
    /// A delay line that reaches `max_delay` bits back (0..=127).
    pub fn new(max_delay: usize) -> Self {
        assert!(
            max_delay < 1 << DELAY_PORT_BITS,
            "DelayLine: max_delay must be in 0..={}, not {max_delay}",
            (1 << DELAY_PORT_BITS) - 1
        );
        // 2^A > max_delay, so that a tap of max_delay is not 0 in A bits.
        let addr_bits = (usize::BITS - max_delay.leading_zeros()).max(1) as usize;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            advance: Default::default(),
            bit_in: Default::default(),
            delay: Default::default(),
            bit_out: Default::default(),
            _addr_bits: addr_bits,
            _mem: vec![false; 1 << addr_bits],
            _wp: 0,
            _full: false,
        }
    }
}

impl Logic for DelayLine {
    fn update(&mut self) {
        let depth = self._mem.len();
        if self.clock.pos_edge() {
            if self.advance.val() {
                self._mem[self._wp] = self.bit_in.val();
            }
            if self.reset.val() {
                self._wp = 0;
                self._full = false;
            } else if self.advance.val() {
                self._full |= self._wp == depth - 1;
                self._wp = (self._wp + 1) % depth;
            }
        }
        let d = self.delay.val().index() % depth;
        self.bit_out.next = if d == 0 {
            self.bit_in.val()
        } else {
            (self._full || d <= self._wp) && self._mem[(self._wp + depth - d) % depth]
        };
    }
    fn connect(&mut self) {
        self.bit_out.connect();
    }
    fn hdl(&self) -> Verilog {
        let a = self._addr_bits;
        Verilog::Custom(format!(
            "reg mem [0:{last}];\n\
             reg [{hi}:0] wp;\n\
             reg full;\n\
             wire [{hi}:0] tap = delay[{hi}:0];\n\
             // Bit {a} is the borrow: set while fewer than `tap` bits were written.\n\
             wire [{a}:0] diff = {{1'b0, wp}} - {{1'b0, tap}};\n\
             initial begin\n   wp = 0;\n   full = 1'b0;\nend\n\
             always @(posedge clock) begin\n\
             \x20  if (advance) mem[wp] <= bit_in;\n\
             \x20  if (reset) begin\n      wp <= 0;\n      full <= 1'b0;\n   end else if (advance) begin\n\
             \x20     wp <= wp + 1'b1;\n      if (wp == {last}) full <= 1'b1;\n   end\n\
             end\n\
             always @(*) begin\n\
             \x20  if (tap == 0) bit_out = bit_in;\n\
             \x20  else bit_out = (full | ~diff[{a}]) & mem[diff[{hi}:0]];\n\
             end\n",
            last = (1usize << a) - 1,
            hi = a - 1,
        ))
    }
    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "delay_line_tap".into(),
            clock: "clock".into(),
            inputs: vec!["bit_in".into(), "delay".into()],
            outputs: vec!["bit_out".into()],
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn edge(uut: &mut DelayLine) {
        uut.clock.next = Clock::from(false);
        simulate(uut, 10);
        uut.clock.next = Clock::from(true);
        simulate(uut, 10);
    }

    /// Against a software shift register of the bits written since reset
    /// (zeros before): every tap 0..=max at every step, with `advance`
    /// off on random clocks and a reset in the middle.
    #[test]
    fn every_tap_equals_a_shift_register_bit_for_bit() {
        for max in [0usize, 1, 5, 64, 127] {
            let mut rng = ChaCha8Rng::seed_from_u64(max as u64);
            let mut uut = DelayLine::new(max);
            uut.connect_all();
            uut.reset.next = true;
            edge(&mut uut);
            uut.reset.next = false;
            let mut history: Vec<bool> = vec![]; // newest last
            let mut checks = 0u64;
            for step in 0..700 {
                if step == 400 {
                    uut.reset.next = true;
                    edge(&mut uut);
                    uut.reset.next = false;
                    history.clear();
                }
                let b: bool = rng.gen();
                uut.bit_in.next = b;
                for d in 0..=max {
                    uut.delay.next = (d as u64).into();
                    simulate(&mut uut, 10);
                    let want = if d == 0 { b } else { history.len() >= d && history[history.len() - d] };
                    assert_eq!(uut.bit_out.val(), want, "max {max} step {step} tap {d}");
                    checks += 1;
                }
                let advance = rng.gen_bool(0.8);
                uut.advance.next = advance;
                edge(&mut uut);
                uut.advance.next = false;
                if advance {
                    history.push(b);
                }
            }
            assert_eq!(checks, 700 * (max as u64 + 1));
        }
    }

    #[test]
    #[should_panic(expected = "DelayLine: max_delay must be in 0..=127, not 128")]
    fn rejects_too_long_delay() {
        let _ = DelayLine::new(128);
    }

    #[test]
    fn delay_line_is_synthesizable_into_lut_ram() {
        let v = verilog_of(&mut DelayLine::new(127));
        verilator_lint("delay_line", &v).unwrap();
        let ecp = yosys_synth_ecp5("delay_line", &v).unwrap();
        println!("DelayLine(127) on ECP5: {ecp:?}");
        // The tap mux is gone into 8 LUT RAMs of 16 x 4.
        assert_eq!(ecp.lutrams, 8, "{ecp:?}");
        assert!(ecp.luts < 50 && ecp.ffs < 12, "{ecp:?}");
        let v0 = verilog_of(&mut DelayLine::new(0));
        verilator_lint("delay_line_0", &v0).unwrap();
    }
}
