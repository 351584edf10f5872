//! The bridge's parser: takes request frames of [crate::control::protocol]
//! from a byte stream and hands each checked one to the executer.
//!
//! Bytes are ignored until a `REQ_SOF`; then tag, opcode, address and count
//! are taken and the count is checked against the opcode right away (a bad
//! opcode or count drops the frame there: its length is unknown, so hunting
//! restarts with the next byte). WRITE data is staged in the bridge's buffer,
//! word k at address k, because nothing may be written before the CRC has
//! checked. A frame is dropped on a CRC mismatch, or when no byte arrives
//! for [INTERBYTE_TIMEOUT_BYTES] byte times; every drop increments
//! `dropped`. A frame that checks strobes `req.start` in the clock of its
//! last byte; the parser then ignores bytes until `req.done`.

use super::bridge_bus::{BufWrite, RequestOut};
use super::crc16::Crc16;
use super::protocol::{Opcode, INTERBYTE_TIMEOUT_BYTES, MAX_BURST, REQ_SOF};
use rust_hdl::prelude::*;

#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
enum ParseState {
    Hunt,
    Tag,
    Op,
    AddrLo,
    AddrHi,
    Count,
    Data,
    CrcLo,
    CrcHi,
    /// A request is executed and answered.
    Wait,
}

#[derive(LogicBlock)]
pub struct BridgeParse {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: back to hunting, `dropped` cleared.
    pub reset: Signal<In, Bit>,
    /// Received byte, valid with `rx_valid`.
    pub rx_data: Signal<In, Bits<8>>,
    /// One-clock strobe: `rx_data` holds a new byte.
    pub rx_valid: Signal<In, Bit>,
    /// The checked request, to the executer.
    pub req: RequestOut,
    /// WRITE data, staged in the buffer.
    pub stage: BufWrite,
    /// Frames dropped (bad CRC, opcode or count, inter-byte timeout), wrapping.
    pub dropped: Signal<Out, Bits<32>>,
    /// A request is in the executer or the responder (bytes are ignored).
    pub busy: Signal<Out, Bit>,
    state: DFF<ParseState>,
    tag: DFF<Bits<8>>,
    opcode: DFF<Bits<8>>,
    addr: DFF<Bits<16>>,
    count: DFF<Bits<8>>,
    /// Bytes of WRITE data expected (4 * count) and received so far.
    data_len: DFF<Bits<8>>,
    data_index: DFF<Bits<8>>,
    word_shift: DFF<Bits<32>>,
    crc_lo: DFF<Bits<8>>,
    idle_clocks: DFF<Bits<32>>,
    dropped_count: DFF<Bits<32>>,
    crc: Crc16,
    word_next: Signal<Local, Bits<32>>,
    count_ok: Signal<Local, Bit>,
    in_frame: Signal<Local, Bit>,
    timeout_clocks: Constant<Bits<32>>,
    max_burst: Constant<Bits<8>>,
    sof_req: Constant<Bits<8>>,
    op_read: Constant<Bits<8>>,
    op_burst: Constant<Bits<8>>,
    op_write: Constant<Bits<8>>,
    op_snapshot: Constant<Bits<8>>,
    op_ping: Constant<Bits<8>>,
}

impl BridgeParse {
    /// A parser behind a UART of `divisor` clocks per bit (sets the
    /// inter-byte timeout: [INTERBYTE_TIMEOUT_BYTES] x 10 bits).
    pub fn new(divisor: u32) -> Self {
        let c8 = |v: u64| Constant::new(Bits::<8>::from(v));
        Self {
            clock: Default::default(),
            reset: Default::default(),
            rx_data: Default::default(),
            rx_valid: Default::default(),
            req: Default::default(),
            stage: Default::default(),
            dropped: Default::default(),
            busy: Default::default(),
            state: Default::default(),
            tag: Default::default(),
            opcode: Default::default(),
            addr: Default::default(),
            count: Default::default(),
            data_len: Default::default(),
            data_index: Default::default(),
            word_shift: Default::default(),
            crc_lo: Default::default(),
            idle_clocks: Default::default(),
            dropped_count: Default::default(),
            crc: Default::default(),
            word_next: Default::default(),
            count_ok: Default::default(),
            in_frame: Default::default(),
            timeout_clocks: Constant::new(((INTERBYTE_TIMEOUT_BYTES as u64) * 10 * divisor as u64).into()),
            max_burst: c8(MAX_BURST as u64),
            sof_req: c8(REQ_SOF as u64),
            op_read: c8(Opcode::Read as u64),
            op_burst: c8(Opcode::BurstRead as u64),
            op_write: c8(Opcode::Write as u64),
            op_snapshot: c8(Opcode::Snapshot as u64),
            op_ping: c8(Opcode::Ping as u64),
        }
    }
}

impl Logic for BridgeParse {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            tag,
            opcode,
            addr,
            count,
            data_len,
            data_index,
            word_shift,
            crc_lo,
            idle_clocks,
            dropped_count
        );
        clock!(self, clock, crc);
        self.dropped.next = self.dropped_count.q.val();
        self.busy.next = self.state.q.val() == ParseState::Wait;
        self.req.start.next = false;
        self.req.tag.next = self.tag.q.val();
        self.req.opcode.next = self.opcode.q.val();
        self.req.addr.next = self.addr.q.val();
        self.req.count.next = self.count.q.val();
        self.word_next.next = (self.word_shift.q.val() >> 8) | (bit_cast::<32, 8>(self.rx_data.val()) << 24);
        self.stage.enable.next = false;
        self.stage.addr.next = bit_cast::<5, 8>(self.data_index.q.val() >> 2);
        self.stage.data.next = self.word_next.val();
        self.crc.clear.next = false;
        self.crc.strobe.next = false;
        self.crc.data.next = self.rx_data.val();

        // The count rule of each opcode (see protocol.rs).
        self.count_ok.next = false;
        if self.opcode.q.val() == self.op_read.val() {
            self.count_ok.next = self.rx_data.val() == 1;
        }
        if (self.opcode.q.val() == self.op_burst.val()) || (self.opcode.q.val() == self.op_write.val()) {
            self.count_ok.next = self.rx_data.val().any() && (self.rx_data.val() <= self.max_burst.val());
        }
        if (self.opcode.q.val() == self.op_snapshot.val()) || (self.opcode.q.val() == self.op_ping.val()) {
            self.count_ok.next = !self.rx_data.val().any();
        }

        // Inter-byte timeout, counted only inside a frame.
        self.idle_clocks.d.next = 0.into();
        self.in_frame.next = true;
        match self.state.q.val() {
            ParseState::Hunt => {
                self.in_frame.next = false;
                self.crc.clear.next = true;
                if self.rx_valid.val() && (self.rx_data.val() == self.sof_req.val()) {
                    self.state.d.next = ParseState::Tag;
                }
            }
            ParseState::Wait => {
                self.in_frame.next = false;
                if self.req.done.val() {
                    self.state.d.next = ParseState::Hunt;
                }
            }
            _ => {}
        }
        if self.in_frame.val() && !self.rx_valid.val() {
            self.idle_clocks.d.next = self.idle_clocks.q.val() + 1;
            if self.idle_clocks.q.val() == self.timeout_clocks.val() {
                self.dropped_count.d.next = self.dropped_count.q.val() + 1;
                self.state.d.next = ParseState::Hunt;
            }
        }

        // Frame bytes (after the SOF).
        if self.rx_valid.val() {
            match self.state.q.val() {
                ParseState::Tag => {
                    self.tag.d.next = self.rx_data.val();
                    self.crc.strobe.next = true;
                    self.state.d.next = ParseState::Op;
                }
                ParseState::Op => {
                    self.opcode.d.next = self.rx_data.val();
                    self.crc.strobe.next = true;
                    self.state.d.next = ParseState::AddrLo;
                }
                ParseState::AddrLo => {
                    self.addr.d.next = bit_cast::<16, 8>(self.rx_data.val());
                    self.crc.strobe.next = true;
                    self.state.d.next = ParseState::AddrHi;
                }
                ParseState::AddrHi => {
                    self.addr.d.next = self.addr.q.val() | (bit_cast::<16, 8>(self.rx_data.val()) << 8);
                    self.crc.strobe.next = true;
                    self.state.d.next = ParseState::Count;
                }
                ParseState::Count => {
                    self.count.d.next = self.rx_data.val();
                    self.data_len.d.next = self.rx_data.val() << 2;
                    self.data_index.d.next = 0.into();
                    self.crc.strobe.next = true;
                    if !self.count_ok.val() {
                        // Unknown opcode or bad count: the frame length is unknown.
                        self.dropped_count.d.next = self.dropped_count.q.val() + 1;
                        self.state.d.next = ParseState::Hunt;
                    } else if self.opcode.q.val() == self.op_write.val() {
                        self.state.d.next = ParseState::Data;
                    } else {
                        self.state.d.next = ParseState::CrcLo;
                    }
                }
                ParseState::Data => {
                    self.crc.strobe.next = true;
                    self.word_shift.d.next = self.word_next.val();
                    self.data_index.d.next = self.data_index.q.val() + 1;
                    // A whole little-endian word: stage it.
                    self.stage.enable.next = (self.data_index.q.val() & 3) == 3;
                    if (self.data_index.q.val() + 1) == self.data_len.q.val() {
                        self.state.d.next = ParseState::CrcLo;
                    }
                }
                ParseState::CrcLo => {
                    self.crc_lo.d.next = self.rx_data.val();
                    self.state.d.next = ParseState::CrcHi;
                }
                ParseState::CrcHi => {
                    if (self.crc.crc.val().get_bits::<8>(0) == self.crc_lo.q.val())
                        && (self.crc.crc.val().get_bits::<8>(8) == self.rx_data.val())
                    {
                        self.req.start.next = true;
                        self.state.d.next = ParseState::Wait;
                    } else {
                        self.dropped_count.d.next = self.dropped_count.q.val() + 1;
                        self.state.d.next = ParseState::Hunt;
                    }
                }
                _ => {}
            }
        }

        if self.reset.val() {
            self.state.d.next = ParseState::Hunt;
            self.dropped_count.d.next = 0.into();
            self.idle_clocks.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of};

    const DIVISOR: u32 = 4;

    /// A request frame as the host sends it (CRC over every byte after the SOF).
    fn frame(tag: u8, op: u8, addr: u16, count: u8, data: &[u32]) -> Vec<u8> {
        let mut f = vec![REQ_SOF, tag, op, addr as u8, (addr >> 8) as u8, count];
        f.extend(data.iter().flat_map(|w| w.to_le_bytes()));
        let crc = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740).checksum(&f[1..]);
        f.extend(crc.to_le_bytes());
        f
    }

    /// What one clock showed before its edge.
    #[derive(Debug, Default, PartialEq)]
    struct Seen {
        start: bool,
        stage: Option<(u64, u64)>,
    }

    struct Bench {
        uut: BridgeParse,
    }

    impl Bench {
        fn new() -> Self {
            let mut uut = BridgeParse::new(DIVISOR);
            uut.connect_all();
            let mut b = Bench { uut };
            b.uut.reset.next = true;
            b.clock(None, false);
            b.uut.reset.next = false;
            b
        }

        /// One clock with `byte` (if any) and `done`.
        fn clock(&mut self, byte: Option<u8>, done: bool) -> Seen {
            let u = &mut self.uut;
            u.rx_valid.next = byte.is_some();
            u.rx_data.next = (byte.unwrap_or(0) as u64).into();
            u.req.done.next = done;
            simulate(u, 100);
            let seen = Seen {
                start: u.req.start.val(),
                stage: u.stage.enable.val().then(|| (u.stage.addr.val().to_u64(), u.stage.data.val().to_u64())),
            };
            crate::sim_clock::cycle(u, |u| &mut u.clock);
            seen
        }

        /// Sends `bytes` two clocks apart; what every clock showed.
        fn send(&mut self, bytes: &[u8]) -> Vec<Seen> {
            let mut seen = vec![];
            for &b in bytes {
                seen.push(self.clock(Some(b), false));
                seen.push(self.clock(None, false));
                seen.push(self.clock(None, false));
            }
            seen
        }

        fn idle(&mut self, clocks: usize) -> Vec<Seen> {
            (0..clocks).map(|_| self.clock(None, false)).collect()
        }
    }

    fn starts(seen: &[Seen]) -> Vec<usize> {
        seen.iter().enumerate().filter(|(_, s)| s.start).map(|(i, _)| i).collect()
    }

    #[test]
    fn a_write_frame_is_staged_then_handed_on_once() {
        let mut b = Bench::new();
        let f = frame(0x33, Opcode::Write as u8, 0x1234, 2, &[0xDEAD_BEEF, 0x0102_0304]);
        let seen = b.send(&f);
        let staged: Vec<(u64, u64)> = seen.iter().filter_map(|s| s.stage).collect();
        assert_eq!(staged, vec![(0, 0xDEAD_BEEF), (1, 0x0102_0304)]);
        // One start, in the clock of the last CRC byte.
        assert_eq!(starts(&seen), vec![3 * (f.len() - 1)]);
        let r = &b.uut.req;
        assert_eq!(
            (r.tag.val().to_u64(), r.opcode.val().to_u64(), r.addr.val().to_u64(), r.count.val().to_u64()),
            (0x33, Opcode::Write as u64, 0x1234, 2)
        );
        assert!(b.uut.busy.val());
        // A request is in flight: a whole frame is ignored, even past the timeout.
        let seen = b.send(&frame(1, Opcode::Ping as u8, 0, 0, &[]));
        assert!(starts(&seen).is_empty() && seen.iter().all(|s| s.stage.is_none()));
        b.idle(1000);
        assert!(b.uut.busy.val());
        assert_eq!(b.uut.req.addr.val().to_u64(), 0x1234, "fields held until done");
        // Done: hunting again, the next frame is taken.
        b.clock(None, true);
        assert!(!b.uut.busy.val());
        let seen = b.send(&frame(0x44, Opcode::Read as u8, 0xBEEF, 1, &[]));
        assert_eq!(starts(&seen).len(), 1);
        assert_eq!((b.uut.req.tag.val().to_u64(), b.uut.req.addr.val().to_u64()), (0x44, 0xBEEF));
        assert_eq!(b.uut.dropped.val().to_u64(), 0);
    }

    #[test]
    fn bad_frames_are_dropped_and_counted_exactly() {
        let mut b = Bench::new();
        let mut bad_crc = frame(5, Opcode::Read as u8, 7, 1, &[]);
        *bad_crc.last_mut().unwrap() ^= 0x10;
        let cases: [Vec<u8>; 3] = [
            bad_crc,
            // READ takes count 1, PING count 0.
            frame(6, Opcode::Read as u8, 7, 2, &[]),
            frame(7, 0x09, 7, 0, &[]),
        ];
        for (k, f) in cases.iter().enumerate() {
            let seen = b.send(f);
            assert!(starts(&seen).is_empty(), "case {k}");
            assert_eq!(b.uut.dropped.val().to_u64(), k as u64 + 1, "case {k}");
        }
        // Truncated: dropped once the line has been quiet for the timeout.
        let f = frame(8, Opcode::BurstRead as u8, 7, 4, &[]);
        b.send(&f[..4]);
        let timeout = INTERBYTE_TIMEOUT_BYTES * 10 * DIVISOR as usize;
        b.idle(timeout - 3);
        assert_eq!(b.uut.dropped.val().to_u64(), 3);
        b.idle(2);
        assert_eq!(b.uut.dropped.val().to_u64(), 4);
        // Garbage before a good frame costs nothing.
        let mut bytes = vec![0x00, 0xFF, 0x13];
        bytes.extend(frame(9, Opcode::Ping as u8, 0, 0, &[]));
        let seen = b.send(&bytes);
        assert_eq!(starts(&seen).len(), 1);
        assert_eq!(b.uut.dropped.val().to_u64(), 4);
    }

    #[test]
    fn bridge_parse_lints() {
        verilator_lint("bridge_parse", &verilog_of(&mut BridgeParse::new(DIVISOR))).unwrap();
    }
}
