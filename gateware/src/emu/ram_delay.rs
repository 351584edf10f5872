//! The emulator lane's delay line in LUT RAM ([EmuStyle::LutRam]): a
//! circular buffer of line bits instead of a shift register and a 128:1
//! tap mux.
//!
//! ```text
//!  line_in ─► stage (3 newest bits) ─► every 4th bit: LutRam[wp / 4] = 4 bits
//!  delayed = delay == 0      ? line_in
//!          : fill < delay    ? 0                    (fewer bits since reset)
//!          : delay <= wp % 4 ? stage[delay - 1]     (the word not yet stored)
//!          :                   LutRam[(wp - delay) / 4] bit of (wp - delay) % 4
//! ```
//!
//! It answers exactly what the shift register does at a line bit's start:
//! the bit `delay` bit starts ago, 0 where fewer bits arrived since reset
//! (the cleared register's zeros), the current input at delay 0. Why four
//! bits a word: an ECP5 LUT RAM cell is 16 words x 4 bits, so 128 bits fit
//! 2 cells instead of 8 with one bit a word. The buffer holds
//! `max_delay_bits` rounded up to a power of two (at least one word), so
//! the pointers wrap by themselves; the word being filled still holds the
//! bits one buffer length back until it is stored, so every delay up to
//! the buffer length is there. `fill` saturates at `max_delay_bits`, the
//! largest delay asked.
//!
//! [EmuStyle::LutRam]: crate::emu::style::EmuStyle::LutRam

use crate::emu::lane::MAX_DELAY_BITS;
use crate::emu::lut_ram::LutRam;
use rust_hdl::prelude::*;

/// Bit-position (and delay) width: 2^7 = 128 > [MAX_DELAY_BITS].
pub const DELAY_BITS: usize = 7;

/// Line bits in a RAM word (an ECP5 LUT RAM cell's width).
const WORD_BITS: usize = 4;

#[derive(LogicBlock)]
pub struct RamDelayLine {
    pub clock: Signal<In, Clock>,
    /// Synchronous: forgets every stored bit.
    pub reset: Signal<In, Bit>,
    /// The current line bit.
    pub line_in: Signal<In, Bit>,
    /// A line bit starts: store `line_in` at the clock edge.
    pub advance: Signal<In, Bit>,
    /// Delay in line bits, 0..=max_delay_bits (the lane clamps it).
    pub delay: Signal<In, Bits<DELAY_BITS>>,
    /// The line bit `delay` starts ago (combinational).
    pub delayed: Signal<Out, Bit>,
    ram: LutRam<DELAY_BITS, WORD_BITS>,
    /// Position of the current bit (the next to store), modulo the buffer.
    wp: DFF<Bits<DELAY_BITS>>,
    fill: DFF<Bits<DELAY_BITS>>,
    /// The current word's bits so far, newest in bit 0.
    stage: DFF<Bits<3>>,
    /// The current bit above the stage: bit k = the bit k starts ago.
    window: Signal<Local, Bits<WORD_BITS>>,
    rd_pos: Signal<Local, Bits<DELAY_BITS>>,
    /// Bit of `rd_pos` in its word: a word's oldest bit is its bit 3.
    rd_bit: Signal<Local, Bits<2>>,
    word_mask: Constant<Bits<DELAY_BITS>>,
    in_word: Constant<Bits<DELAY_BITS>>,
    oldest: Constant<Bits<2>>,
    max_delay: Constant<Bits<DELAY_BITS>>,
}

impl RamDelayLine {
    /// A delay line of up to `max_delay_bits` line bits (0..=127).
    pub fn new(max_delay_bits: usize) -> Self {
        assert!(
            max_delay_bits <= MAX_DELAY_BITS,
            "RamDelayLine: max_delay_bits must be in 0..={MAX_DELAY_BITS}, not {max_delay_bits}"
        );
        let words = max_delay_bits.max(WORD_BITS).next_power_of_two() / WORD_BITS;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            line_in: Default::default(),
            advance: Default::default(),
            delay: Default::default(),
            delayed: Default::default(),
            ram: LutRam::new(words),
            wp: Default::default(),
            fill: Default::default(),
            stage: Default::default(),
            window: Default::default(),
            rd_pos: Default::default(),
            rd_bit: Default::default(),
            word_mask: Constant::new(((words - 1) as u64).into()),
            in_word: Constant::new(((WORD_BITS - 1) as u64).into()),
            oldest: Constant::new(((WORD_BITS - 1) as u64).into()),
            max_delay: Constant::new((max_delay_bits as u64).into()),
        }
    }
}

impl Logic for RamDelayLine {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, wp, fill, stage);
        if self.line_in.val() {
            self.window.next = (bit_cast::<4, 3>(self.stage.q.val()) << 1) | 1;
        } else {
            self.window.next = bit_cast::<4, 3>(self.stage.q.val()) << 1;
        }
        self.ram.clock.next = self.clock.val();
        // A word is stored with its last bit: the window is then the word.
        self.ram.wr_en.next = self.advance.val() & ((self.wp.q.val() & self.in_word.val()) == self.in_word.val());
        self.ram.wr_addr.next = (self.wp.q.val() >> 2) & self.word_mask.val();
        self.ram.wr_data.next = self.window.val();
        // The 7-bit difference wraps like the buffer.
        self.rd_pos.next = self.wp.q.val() - self.delay.val();
        self.rd_bit.next = self.oldest.val() - self.rd_pos.val().get_bits::<2>(0);
        self.ram.rd_addr.next = (self.rd_pos.val() >> 2) & self.word_mask.val();
        if !self.delay.val().any() {
            self.delayed.next = self.line_in.val();
        } else if self.fill.q.val() < self.delay.val() {
            self.delayed.next = false;
        } else if self.delay.val() <= (self.wp.q.val() & self.in_word.val()) {
            self.delayed.next = self.window.val().get_bit(self.delay.val().index());
        } else {
            self.delayed.next = self.ram.rd_data.val().get_bit(self.rd_bit.val().index());
        }
        if self.advance.val() {
            self.wp.d.next = self.wp.q.val() + 1;
            self.stage.d.next = self.window.val().get_bits::<3>(0);
            if self.fill.q.val() != self.max_delay.val() {
                self.fill.d.next = self.fill.q.val() + 1;
            }
        }
        if self.reset.val() {
            self.wp.d.next = 0.into();
            self.fill.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Every delay 0..=max against a software history, advancing on random
    /// clocks, with a reset in the middle: the buffer must forget.
    #[test]
    fn answers_like_a_cleared_shift_register() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for max in [0usize, 1, 5, 31, 127] {
            let mut uut = RamDelayLine::new(max);
            uut.connect_all();
            let mut past: Vec<bool> = vec![]; // newest last, since reset
            for t in 0..900 {
                let reset = t == 0 || t == 500;
                let bit: bool = rng.gen();
                let advance = rng.gen_bool(0.6);
                uut.reset.next = reset;
                uut.line_in.next = bit;
                uut.advance.next = advance;
                for d in 0..=max {
                    uut.delay.next = (d as u64).into();
                    simulate(&mut uut, 20);
                    let want = if d == 0 { bit } else { past.len() >= d && past[past.len() - d] };
                    assert_eq!(uut.delayed.val(), want, "max {max} t {t} delay {d}");
                }
                uut.clock.next = Clock::from(false);
                simulate(&mut uut, 20);
                uut.clock.next = Clock::from(true);
                simulate(&mut uut, 20);
                if reset {
                    past.clear();
                } else if advance {
                    past.push(bit);
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "RamDelayLine: max_delay_bits must be in 0..=127, not 128")]
    fn rejects_too_long_delay() {
        let _ = RamDelayLine::new(128);
    }

    #[test]
    fn ram_delay_line_is_synthesizable_into_lut_ram() {
        let v = verilog_of(&mut RamDelayLine::new(127));
        verilator_lint("ram_delay_line", &v).unwrap();
        let ecp = yosys_synth_ecp5("ram_delay_line", &v).unwrap();
        println!("RamDelayLine(127) on ECP5: {ecp:?}");
        // 128 bits as 32 x 4: 2 cells of 16 words; 2 x 7 pointer FFs and
        // the 3 staged bits.
        assert_eq!((ecp.lutrams, ecp.ffs), (2, 17), "{ecp:?}");
    }
}
