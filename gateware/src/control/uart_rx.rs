//! UART receiver, 8N1, LSB first, `divisor` clocks per bit.
//!
//! The line passes a 2-flip-flop synchronizer (it is asynchronous to the
//! clock). A low level seen while idle starts a frame; the start bit is
//! checked again half a bit later, so a glitch shorter than half a bit is a
//! *false start* (counted, ignored). Data bits and the stop bit are sampled in
//! the middle of each bit. A low stop bit is a *framing error* (counted, byte
//! dropped); the receiver then waits for the line to return high, so a break
//! or a stuck-low line does not produce a stream of bytes.
//!
//! The receiver re-arms right after the middle of the stop bit, which lets it
//! follow a sender up to ~4% faster or slower over a 10-bit frame.

use crate::control::uart_tx::check_divisor;
use rust_hdl::prelude::*;

#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
enum RxState {
    Idle,
    Start,
    Data,
    Stop,
    WaitHigh,
}

#[derive(LogicBlock)]
pub struct UartRx {
    /// Design clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: abandons a byte and clears the counters.
    pub reset: Signal<In, Bit>,
    /// The serial line (idle high), asynchronous to `clock`.
    pub rxd: Signal<In, Bit>,
    /// Last byte received; valid with `rx_valid`.
    pub rx_data: Signal<Out, Bits<8>>,
    /// One-clock strobe: a byte with a good stop bit arrived.
    pub rx_valid: Signal<Out, Bit>,
    /// Start bits that were high again at their middle (glitches), wrapping.
    pub false_starts: Signal<Out, Bits<16>>,
    /// Bytes whose stop bit was low (dropped), wrapping.
    pub framing_errors: Signal<Out, Bits<16>>,
    sync0: DFF<Bit>,
    sync1: DFF<Bit>,
    /// The synchronized line level.
    line: Signal<Local, Bit>,
    state: DFF<RxState>,
    count: DFF<Bits<16>>,
    bit_index: DFF<Bits<3>>,
    shift: DFF<Bits<8>>,
    data: DFF<Bits<8>>,
    valid: DFF<Bit>,
    false_count: DFF<Bits<16>>,
    framing_count: DFF<Bits<16>>,
    /// Clocks from the detected start edge to the middle of the start bit, minus 1.
    half_m1: Constant<Bits<16>>,
    divisor_m1: Constant<Bits<16>>,
}

impl UartRx {
    /// A receiver for one bit every `divisor` clocks (4..=65535).
    pub fn new(divisor: u32) -> Self {
        check_divisor(divisor);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            rxd: Default::default(),
            rx_data: Default::default(),
            rx_valid: Default::default(),
            false_starts: Default::default(),
            framing_errors: Default::default(),
            sync0: Default::default(),
            sync1: Default::default(),
            line: Default::default(),
            state: Default::default(),
            count: Default::default(),
            bit_index: Default::default(),
            shift: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            false_count: Default::default(),
            framing_count: Default::default(),
            half_m1: Constant::new((divisor as u64 / 2 - 1).into()),
            divisor_m1: Constant::new((divisor as u64 - 1).into()),
        }
    }
}

impl Logic for UartRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, sync0, sync1, state, count, bit_index, shift, data, valid, false_count, framing_count);
        // The synchronizer holds the inverted line, so that its power-up 0
        // reads as an idle (high) line rather than a start bit.
        self.sync0.d.next = !self.rxd.val();
        self.sync1.d.next = self.sync0.q.val();
        self.line.next = !self.sync1.q.val();
        self.rx_data.next = self.data.q.val();
        self.rx_valid.next = self.valid.q.val();
        self.false_starts.next = self.false_count.q.val();
        self.framing_errors.next = self.framing_count.q.val();
        self.valid.d.next = false;
        if self.count.q.val().any() {
            self.count.d.next = self.count.q.val() - 1;
        }
        match self.state.q.val() {
            RxState::Idle => {
                if !self.line.val() {
                    self.count.d.next = self.half_m1.val();
                    self.state.d.next = RxState::Start;
                }
            }
            RxState::Start => {
                if !self.count.q.val().any() {
                    if self.line.val() {
                        self.false_count.d.next = self.false_count.q.val() + 1;
                        self.state.d.next = RxState::Idle;
                    } else {
                        self.count.d.next = self.divisor_m1.val();
                        self.bit_index.d.next = 0.into();
                        self.state.d.next = RxState::Data;
                    }
                }
            }
            RxState::Data => {
                if !self.count.q.val().any() {
                    self.shift.d.next = self.shift.q.val() >> 1;
                    if self.line.val() {
                        self.shift.d.next = (self.shift.q.val() >> 1) | 0x80;
                    }
                    self.count.d.next = self.divisor_m1.val();
                    self.bit_index.d.next = self.bit_index.q.val() + 1;
                    if self.bit_index.q.val().all() {
                        self.state.d.next = RxState::Stop;
                    }
                }
            }
            RxState::Stop => {
                if !self.count.q.val().any() {
                    if self.line.val() {
                        self.data.d.next = self.shift.q.val();
                        self.valid.d.next = true;
                        self.state.d.next = RxState::Idle;
                    } else {
                        self.framing_count.d.next = self.framing_count.q.val() + 1;
                        self.state.d.next = RxState::WaitHigh;
                    }
                }
            }
            RxState::WaitHigh => {
                if self.line.val() {
                    self.state.d.next = RxState::Idle;
                }
            }
            _ => {
                self.state.d.next = RxState::Idle;
            }
        }
        if self.reset.val() {
            self.state.d.next = RxState::Idle;
            self.count.d.next = 0.into();
            self.valid.d.next = false;
            self.false_count.d.next = 0.into();
            self.framing_count.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::uart_tx::UartTx;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Line level per clock for `bytes` sent at `clocks_per_bit` (may be
    /// fractional, to model a sender with another clock), each byte followed
    /// by `gaps[i]` idle bit times; `phase` in 0..1 shifts every edge.
    fn waveform(bytes: &[u8], gaps: &[f64], clocks_per_bit: f64, phase: f64) -> Vec<bool> {
        let mut bits = vec![(true, 3.0)];
        for (i, &b) in bytes.iter().enumerate() {
            bits.push((false, 1.0));
            for k in 0..8 {
                bits.push((b >> k & 1 == 1, 1.0));
            }
            bits.push((true, 1.0 + gaps[i]));
        }
        bits.push((true, 3.0));
        let mut line = vec![];
        let mut t = phase;
        for (level, len) in bits {
            let end = t + len * clocks_per_bit;
            while (line.len() as f64) < end {
                line.push(level);
            }
            t = end;
        }
        line
    }

    struct RxResult {
        bytes: Vec<u8>,
        false_starts: u64,
        framing_errors: u64,
    }

    fn run_rx(divisor: u32, line: &[bool]) -> RxResult {
        let mut uut = UartRx::new(divisor);
        uut.connect_all();
        let mut bytes = vec![];
        for &level in line {
            uut.rxd.next = level;
            crate::sim_clock::cycle(&mut uut, |u| &mut u.clock);
            if uut.rx_valid.val() {
                bytes.push(uut.rx_data.val().to_u8());
            }
        }
        RxResult {
            bytes,
            false_starts: uut.false_starts.val().to_u64(),
            framing_errors: uut.framing_errors.val().to_u64(),
        }
    }

    /// From 115200 baud at 48 MHz (divisor 417) down to divisor 4, with the
    /// sender's bit time off by -2%, 0 and +2% and random edge phase: every
    /// byte arrives, no error is counted.
    #[test]
    fn receives_at_many_divisors_with_2_percent_mismatch() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for divisor in [4u32, 5, 8, 16, 27, 104, 417] {
            let n = if divisor > 100 { 12 } else { 60 };
            for factor in [0.98, 1.0, 1.02] {
                let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
                // Back-to-back bytes most of the time, sometimes a gap.
                let gaps: Vec<f64> =
                    (0..n).map(|_| if rng.gen_bool(0.7) { 0.0 } else { rng.gen_range(0.0..3.0) }).collect();
                let line = waveform(&bytes, &gaps, divisor as f64 * factor, rng.gen());
                let r = run_rx(divisor, &line);
                assert_eq!(r.bytes, bytes, "divisor {divisor}, bit time x{factor}");
                assert_eq!((r.false_starts, r.framing_errors), (0, 0), "divisor {divisor} x{factor}");
            }
        }
    }

    /// A low glitch shorter than half a bit is one false start and no byte.
    #[test]
    fn glitch_is_a_counted_false_start() {
        let divisor = 16;
        let mut line = vec![true; 40];
        line.extend(vec![false; 5]);
        line.extend(vec![true; 40]);
        line.extend(waveform(&[0xA7], &[0.0], 16.0, 0.0));
        let r = run_rx(divisor, &line);
        assert_eq!(r.bytes, vec![0xA7]);
        assert_eq!((r.false_starts, r.framing_errors), (1, 0));
    }

    /// A low stop bit drops the byte and counts one framing error; a long
    /// break (line low for 30 bits) is one framing error, not a byte stream.
    #[test]
    fn framing_errors_are_counted_and_recovered() {
        let divisor = 8;
        let mut line = vec![true; 30];
        // 0x55 with a low stop bit, then idle.
        for bit in [false, true, false, true, false, true, false, true, false, false] {
            line.extend(vec![bit; divisor]);
        }
        line.extend(vec![true; 30]);
        line.extend(vec![false; 30 * divisor]);
        line.extend(vec![true; 30]);
        line.extend(waveform(&[0x3C, 0x00, 0xFF], &[0.0; 3], 8.0, 0.0));
        let r = run_rx(divisor as u32, &line);
        assert_eq!(r.bytes, vec![0x3C, 0x00, 0xFF]);
        assert_eq!((r.false_starts, r.framing_errors), (0, 2));
    }

    #[derive(LogicBlock)]
    struct Loopback {
        clock: Signal<In, Clock>,
        tx: UartTx,
        rx: UartRx,
    }

    impl Logic for Loopback {
        #[hdl_gen]
        fn update(&mut self) {
            self.tx.clock.next = self.clock.val();
            self.rx.clock.next = self.clock.val();
            self.tx.reset.next = false;
            self.rx.reset.next = false;
            self.rx.rxd.next = self.tx.txd.val();
        }
    }

    /// UartTx into UartRx, back to back bytes (tx_valid held high), equal
    /// divisors and divisors 2% apart (50 vs 51 clocks per bit).
    #[test]
    fn tx_to_rx_loopback_including_2_percent_mismatch() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for (dtx, drx, n) in [(4u32, 4u32, 100), (16, 16, 100), (50, 51, 40), (51, 50, 40), (49, 50, 40), (417, 417, 8)]
        {
            let mut uut = Loopback { clock: Default::default(), tx: UartTx::new(dtx), rx: UartRx::new(drx) };
            uut.connect_all();
            let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            let mut sent = 0;
            let mut got = vec![];
            let mut idle_line_ok = true;
            for _ in 0..(n + 2) * 11 * dtx as usize {
                uut.tx.tx_valid.next = sent < bytes.len();
                uut.tx.tx_data.next = (*bytes.get(sent).unwrap_or(&0) as u64).into();
                simulate(&mut uut, 100);
                let took = uut.tx.tx_valid.val() && uut.tx.tx_ready.val();
                crate::sim_clock::cycle(&mut uut, |u| &mut u.clock);
                if took {
                    sent += 1;
                }
                if uut.rx.rx_valid.val() {
                    got.push(uut.rx.rx_data.val().to_u8());
                }
                if sent == 0 && !uut.tx.txd.val() {
                    idle_line_ok = false;
                }
            }
            assert!(idle_line_ok);
            assert_eq!(got, bytes, "tx divisor {dtx}, rx divisor {drx}");
            assert_eq!(uut.rx.false_starts.val().to_u64() + uut.rx.framing_errors.val().to_u64(), 0);
        }
    }

    #[test]
    fn uart_rx_is_synthesizable() {
        let mut uut = UartRx::new(16);
        let v = verilog_of(&mut uut);
        verilator_lint("uart_rx", &v).unwrap();
        yosys_synth_ice40("uart_rx", &v).unwrap();
    }
}
