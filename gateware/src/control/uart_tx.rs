//! UART transmitter, 8N1, LSB first, `divisor` clocks per bit.
//!
//! A byte is taken on a valid/ready handshake (`tx_valid && tx_ready`); the
//! line idles high. The line is driven from a flip-flop so the pin never
//! glitches.

use rust_hdl::prelude::*;

/// Smallest clocks-per-bit the UARTs accept (the receiver samples mid-bit).
pub const MIN_DIVISOR: u32 = 4;
/// Largest clocks-per-bit (the bit counters are 16 bits wide).
pub const MAX_DIVISOR: u32 = 65535;

/// The rule `divisor` breaks, if any.
pub fn divisor_rule(divisor: u32) -> Result<(), String> {
    if (MIN_DIVISOR..=MAX_DIVISOR).contains(&divisor) {
        Ok(())
    } else {
        Err(format!("UART divisor (clocks per bit) must be in {MIN_DIVISOR}..={MAX_DIVISOR}, not {divisor}"))
    }
}

/// Panics with a message naming the rule when `divisor` is out of range.
pub fn check_divisor(divisor: u32) {
    if let Err(why) = divisor_rule(divisor) {
        panic!("{why}");
    }
}

/// The divisor (clocks per bit) for `baud` at a `clock_hz` link clock,
/// rounded to the nearest integer; an error names the rule when the result
/// is out of range or its baud rate is more than 2% off (the budget the
/// receiver is tested with).
pub fn divisor_for(clock_hz: u64, baud: u64) -> Result<u32, String> {
    if baud == 0 {
        return Err("baud must be positive, not 0".into());
    }
    let d = (clock_hz + baud / 2) / baud;
    if d < MIN_DIVISOR as u64 || d > MAX_DIVISOR as u64 {
        return Err(format!(
            "clock {clock_hz} Hz / baud {baud} must give {MIN_DIVISOR}..={MAX_DIVISOR} clocks per bit, not {d}"
        ));
    }
    let actual = clock_hz as f64 / d as f64;
    let off = (actual / baud as f64 - 1.0).abs();
    if off > 0.02 {
        return Err(format!(
            "baud {baud} at {clock_hz} Hz must be within 2% with an integer divisor, not {:.1}% off (divisor {d})",
            off * 100.0
        ));
    }
    Ok(d as u32)
}

#[derive(LogicBlock)]
pub struct UartTx {
    /// Design clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: abandons a byte and idles the line.
    pub reset: Signal<In, Bit>,
    /// Byte to send, taken when `tx_valid && tx_ready`.
    pub tx_data: Signal<In, Bits<8>>,
    /// A byte is offered on `tx_data`.
    pub tx_valid: Signal<In, Bit>,
    /// The transmitter is idle and takes a byte this clock.
    pub tx_ready: Signal<Out, Bit>,
    /// The serial line (idle high).
    pub txd: Signal<Out, Bit>,
    /// Frame being shifted out: start bit, 8 data bits, stop bit (bit 0 first).
    shift: DFF<Bits<10>>,
    /// Bits of the frame still to send, including the one on the line.
    bits_left: DFF<Bits<4>>,
    /// Clocks left in the current bit.
    count: DFF<Bits<16>>,
    /// Inverted line level, so that the flip-flop's power-up 0 idles high.
    line_n: DFF<Bit>,
    divisor_m1: Constant<Bits<16>>,
}

impl UartTx {
    /// A transmitter sending one bit every `divisor` clocks (4..=65535).
    pub fn new(divisor: u32) -> Self {
        check_divisor(divisor);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_ready: Default::default(),
            txd: Default::default(),
            shift: Default::default(),
            bits_left: Default::default(),
            count: Default::default(),
            line_n: Default::default(),
            divisor_m1: Constant::new((divisor as u64 - 1).into()),
        }
    }
}

impl Logic for UartTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, shift, bits_left, count, line_n);
        self.txd.next = !self.line_n.q.val();
        self.tx_ready.next = !self.bits_left.q.val().any();
        if !self.bits_left.q.val().any() {
            self.line_n.d.next = false;
            if self.tx_valid.val() {
                // Stop bit (1), data, start bit (0); bit 0 goes out first.
                self.shift.d.next = (bit_cast::<10, 8>(self.tx_data.val()) << 1) | 0x200;
                self.bits_left.d.next = 10.into();
                self.count.d.next = self.divisor_m1.val();
                self.line_n.d.next = true;
            }
        } else if self.count.q.val().any() {
            self.count.d.next = self.count.q.val() - 1;
        } else {
            // End of a bit: next bit of the frame, or idle after the stop bit.
            self.shift.d.next = self.shift.q.val() >> 1;
            self.bits_left.d.next = self.bits_left.q.val() - 1;
            self.count.d.next = self.divisor_m1.val();
            self.line_n.d.next = !self.shift.q.val().get_bit(1);
            if self.bits_left.q.val() == 1 {
                self.line_n.d.next = false;
            }
        }
        if self.reset.val() {
            self.bits_left.d.next = 0.into();
            self.line_n.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};

    #[test]
    fn uart_tx_is_synthesizable() {
        let mut uut = UartTx::new(16);
        let v = verilog_of(&mut uut);
        verilator_lint("uart_tx", &v).unwrap();
        yosys_synth_ice40("uart_tx", &v).unwrap();
    }

    #[test]
    fn divisors_for_common_clocks() {
        assert_eq!(divisor_for(48_000_000, 3_000_000), Ok(16));
        assert_eq!(divisor_for(48_000_000, 115_200), Ok(417));
        assert_eq!(divisor_for(12_000_000, 115_200), Ok(104));
        assert_eq!(divisor_for(25_000_000, 1_000_000), Ok(25));
        // 12 MHz / 2.4 Mbaud = 5; 12 MHz / 1.7 Mbaud = 7.06 -> 7 is 0.8% off.
        assert_eq!(divisor_for(12_000_000, 1_700_000), Ok(7));
        assert_eq!(divisor_for(12_000_000, 3_000_000), Ok(4));
        assert_eq!(
            divisor_for(12_000_000, 6_000_000).unwrap_err(),
            "clock 12000000 Hz / baud 6000000 must give 4..=65535 clocks per bit, not 2"
        );
        assert!(divisor_for(10_000_000, 2_222_222).unwrap_err().contains("within 2%"));
    }

    #[test]
    #[should_panic(expected = "UART divisor (clocks per bit) must be in 4..=65535, not 3")]
    fn divisor_below_four_is_refused() {
        let _ = UartTx::new(3);
    }
}
