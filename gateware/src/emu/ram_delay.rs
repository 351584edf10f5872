//! The emulator lane's delay line in LUT RAM ([EmuStyle::LutRam]): a
//! circular buffer of line bits instead of a shift register and a 128:1
//! tap mux.
//!
//! ```text
//!  line_in ─► LutRam[wp] (on advance; wp += 1)      fill: bits stored since reset
//!  delayed = delay == 0 ? line_in : fill >= delay ? LutRam[wp - delay] : 0
//! ```
//!
//! It answers exactly what the shift register does at a line bit's start:
//! the bit `delay` bit starts ago, 0 where fewer bits arrived since reset
//! (the cleared register's zeros), the current input at delay 0. The buffer
//! holds `max_delay_bits` rounded up to a power of two, so the pointers
//! wrap by themselves; `fill` saturates at `max_delay_bits`, the largest
//! delay asked.
//!
//! One bit a word uses a quarter of each 16 x 4 cell (8 cells for 127
//! bits). Packing 4 bits a word (a 3-bit stage, 2 cells) was tried: on
//! ECP5 it cost 29 LUT4 a lane more (250 against 221) for 6 cells (36
//! LUT4 sites) less, no net gain, so the simpler form stays.
//!
//! [EmuStyle::LutRam]: crate::emu::style::EmuStyle::LutRam

use crate::emu::lane::MAX_DELAY_BITS;
use crate::emu::lut_ram::LutRam;
use rust_hdl::prelude::*;

/// Address (and delay) width: 2^7 = 128 > [MAX_DELAY_BITS].
pub const DELAY_BITS: usize = 7;

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
    ram: LutRam<DELAY_BITS, 1>,
    wp: DFF<Bits<DELAY_BITS>>,
    fill: DFF<Bits<DELAY_BITS>>,
    addr_mask: Constant<Bits<DELAY_BITS>>,
    max_delay: Constant<Bits<DELAY_BITS>>,
}

impl RamDelayLine {
    /// A delay line of up to `max_delay_bits` line bits (0..=127).
    pub fn new(max_delay_bits: usize) -> Self {
        assert!(
            max_delay_bits <= MAX_DELAY_BITS,
            "RamDelayLine: max_delay_bits must be in 0..={MAX_DELAY_BITS}, not {max_delay_bits}"
        );
        let words = max_delay_bits.max(1).next_power_of_two();
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
            addr_mask: Constant::new(((words - 1) as u64).into()),
            max_delay: Constant::new((max_delay_bits as u64).into()),
        }
    }
}

impl Logic for RamDelayLine {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, wp, fill);
        self.ram.clock.next = self.clock.val();
        self.ram.wr_en.next = self.advance.val();
        self.ram.wr_addr.next = self.wp.q.val() & self.addr_mask.val();
        if self.line_in.val() {
            self.ram.wr_data.next = 1.into();
        } else {
            self.ram.wr_data.next = 0.into();
        }
        // wp - 1 is the newest bit; the 7-bit difference wraps like the buffer.
        self.ram.rd_addr.next = (self.wp.q.val() - self.delay.val()) & self.addr_mask.val();
        if !self.delay.val().any() {
            self.delayed.next = self.line_in.val();
        } else if self.fill.q.val() >= self.delay.val() {
            self.delayed.next = self.ram.rd_data.val().any();
        } else {
            self.delayed.next = false;
        }
        if self.advance.val() {
            self.wp.d.next = self.wp.q.val() + 1;
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
        // 128 x 1 bits: 8 cells of 16 words, 2 x 7 pointer FFs.
        assert_eq!((ecp.lutrams, ecp.ffs), (8, 14), "{ecp:?}");
    }
}
