//! Software ends of a UART line, one clock at a time: a sender that turns
//! bytes into line levels (8N1, `divisor` clocks per bit) and a receiver that
//! samples a line level per clock back into bytes. They stand for the host's
//! serial port in simulations of the gateware UART (tests, virtual board).

use std::collections::VecDeque;

/// Drives a UART line: bytes pushed are sent back to back, LSB first.
#[derive(Clone, Debug)]
pub struct LineSender {
    divisor: u32,
    queue: VecDeque<u8>,
    /// Frame in flight (start, 8 data, stop; bit 0 first) and its position.
    frame: u16,
    bit: u32,
    clock_in_bit: u32,
    busy: bool,
}

impl LineSender {
    /// A sender of one bit every `divisor` clocks.
    pub fn new(divisor: u32) -> Self {
        assert!(divisor >= 1, "divisor must be at least 1, not {divisor}");
        LineSender { divisor, queue: VecDeque::new(), frame: 0, bit: 0, clock_in_bit: 0, busy: false }
    }

    /// Queues bytes to send.
    pub fn push(&mut self, bytes: &[u8]) {
        self.queue.extend(bytes.iter().copied());
    }

    /// True when no byte is queued or on the line.
    pub fn idle(&self) -> bool {
        !self.busy && self.queue.is_empty()
    }

    /// Bytes queued and not yet started.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The line level for the next clock (call once per clock).
    pub fn next_level(&mut self) -> bool {
        if !self.busy {
            let Some(b) = self.queue.pop_front() else { return true };
            self.frame = (1 << 9) | ((b as u16) << 1);
            self.bit = 0;
            self.clock_in_bit = 0;
            self.busy = true;
        }
        let level = self.frame >> self.bit & 1 == 1;
        self.clock_in_bit += 1;
        if self.clock_in_bit == self.divisor {
            self.clock_in_bit = 0;
            self.bit += 1;
            if self.bit == 10 {
                self.busy = false;
            }
        }
        level
    }
}

/// Samples a UART line once per clock, in the middle of each bit.
#[derive(Clone, Debug)]
pub struct LineReceiver {
    divisor: u32,
    state: RxPhase,
    countdown: u32,
    shift: u8,
    bits: u32,
    /// Bytes whose stop bit was low.
    pub framing_errors: u64,
    /// Start bits that were high again at their middle.
    pub false_starts: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RxPhase {
    Idle,
    Start,
    Data,
    Stop,
    WaitHigh,
}

impl LineReceiver {
    /// A receiver of one bit every `divisor` clocks.
    pub fn new(divisor: u32) -> Self {
        assert!(divisor >= 2, "divisor must be at least 2, not {divisor}");
        LineReceiver {
            divisor,
            state: RxPhase::Idle,
            countdown: 0,
            shift: 0,
            bits: 0,
            framing_errors: 0,
            false_starts: 0,
        }
    }

    /// True when no byte is being received.
    pub fn idle(&self) -> bool {
        self.state == RxPhase::Idle
    }

    /// Takes the line level of one clock; returns a byte when its stop bit is sampled.
    pub fn sample(&mut self, level: bool) -> Option<u8> {
        match self.state {
            RxPhase::Idle => {
                if !level {
                    self.state = RxPhase::Start;
                    self.countdown = self.divisor / 2;
                }
            }
            RxPhase::WaitHigh => {
                if level {
                    self.state = RxPhase::Idle;
                }
            }
            _ => {
                self.countdown -= 1;
                if self.countdown == 0 {
                    self.countdown = self.divisor;
                    match self.state {
                        RxPhase::Start if level => {
                            self.false_starts += 1;
                            self.state = RxPhase::Idle;
                        }
                        RxPhase::Start => {
                            self.bits = 0;
                            self.state = RxPhase::Data;
                        }
                        RxPhase::Data => {
                            self.shift = (self.shift >> 1) | ((level as u8) << 7);
                            self.bits += 1;
                            if self.bits == 8 {
                                self.state = RxPhase::Stop;
                            }
                        }
                        RxPhase::Stop if level => {
                            self.state = RxPhase::Idle;
                            return Some(self.shift);
                        }
                        RxPhase::Stop => {
                            self.framing_errors += 1;
                            self.state = RxPhase::WaitHigh;
                        }
                        _ => unreachable!(),
                    }
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_into_receiver_round_trips() {
        for divisor in [2u32, 4, 7, 16] {
            let bytes: Vec<u8> = (0..=255).collect();
            let mut tx = LineSender::new(divisor);
            let mut rx = LineReceiver::new(divisor);
            tx.push(&bytes);
            let mut got = vec![];
            for _ in 0..(bytes.len() as u32 + 2) * 10 * divisor {
                if let Some(b) = rx.sample(tx.next_level()) {
                    got.push(b);
                }
            }
            assert_eq!(got, bytes);
            assert!(tx.idle() && rx.idle());
            assert_eq!(rx.framing_errors + rx.false_starts, 0);
        }
    }

    #[test]
    fn frame_is_start_lsb_first_stop() {
        let mut tx = LineSender::new(1);
        tx.push(&[0b1000_0011]);
        let levels: Vec<bool> = (0..11).map(|_| tx.next_level()).collect();
        let want = [false, true, true, false, false, false, false, false, true, true, true];
        assert_eq!(levels, want);
    }
}
