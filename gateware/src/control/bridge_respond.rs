//! The bridge's responder: sends `RSP_SOF tag status count data.. crc` for
//! the executer's result, a byte at a time over a valid/ready byte port;
//! `count` is the number of data words (READ 1, BURST_READ its count, WRITE,
//! SNAPSHOT and PING 0), read from the buffer's words 0 ...
//!
//! Each byte takes three clocks and the transmitter's ready: fetch (the
//! buffer's address), load (the byte chosen), send (offered until taken).
//! `result.done` strobes in the clock the last CRC byte is taken.

use super::bridge_bus::{BufRead, ResultIn};
use super::crc16::Crc16;
use super::protocol::{Status, RSP_SOF};
use rust_hdl::prelude::*;

#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
enum RespondState {
    Idle,
    Start,
    Fetch,
    Load,
    Send,
}

#[derive(LogicBlock)]
pub struct BridgeRespond {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: idle, nothing offered.
    pub reset: Signal<In, Bit>,
    /// What to report, from the executer.
    pub result: ResultIn,
    /// The response's data words.
    pub fetch: BufRead,
    /// The responder drives `fetch.addr` (fetch, load and send clocks).
    pub reading: Signal<Out, Bit>,
    /// Byte to send (to the UART transmitter), valid with `tx_valid`.
    pub tx_data: Signal<Out, Bits<8>>,
    /// `tx_data` is offered; it is taken in a clock where `tx_ready` is high.
    pub tx_valid: Signal<Out, Bit>,
    /// The transmitter takes a byte this clock.
    pub tx_ready: Signal<In, Bit>,
    state: DFF<RespondState>,
    /// Status, data words, byte being sent (index and value).
    status: DFF<Bits<8>>,
    rsp_count: DFF<Bits<8>>,
    rsp_index: DFF<Bits<8>>,
    tx_byte: DFF<Bits<8>>,
    tx_pending: DFF<Bit>,
    crc: Crc16,
    /// Data byte index (rsp_index - 4) and the index of the first CRC byte.
    rsp_offset: Signal<Local, Bits<8>>,
    rsp_data_end: Signal<Local, Bits<8>>,
    sof_rsp: Constant<Bits<8>>,
    status_ok: Constant<Bits<8>>,
    status_bad_addr: Constant<Bits<8>>,
}

impl Default for BridgeRespond {
    fn default() -> Self {
        let c8 = |v: u64| Constant::new(Bits::<8>::from(v));
        Self {
            clock: Default::default(),
            reset: Default::default(),
            result: Default::default(),
            fetch: Default::default(),
            reading: Default::default(),
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_ready: Default::default(),
            state: Default::default(),
            status: Default::default(),
            rsp_count: Default::default(),
            rsp_index: Default::default(),
            tx_byte: Default::default(),
            tx_pending: Default::default(),
            crc: Default::default(),
            rsp_offset: Default::default(),
            rsp_data_end: Default::default(),
            sof_rsp: c8(RSP_SOF as u64),
            status_ok: c8(Status::Ok as u64),
            status_bad_addr: c8(Status::BadAddress as u64),
        }
    }
}

impl Logic for BridgeRespond {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, state, status, rsp_count, rsp_index, tx_byte, tx_pending);
        clock!(self, clock, crc);
        self.tx_data.next = self.tx_byte.q.val();
        self.tx_valid.next = self.tx_pending.q.val();
        self.result.done.next = false;
        self.crc.clear.next = false;
        self.crc.strobe.next = false;
        self.crc.data.next = self.tx_byte.q.val();
        self.rsp_offset.next = self.rsp_index.q.val() - 4;
        self.rsp_data_end.next = (self.rsp_count.q.val() << 2) + 4;
        self.fetch.addr.next = bit_cast::<5, 8>(self.rsp_offset.val() >> 2);
        self.reading.next = false;

        match self.state.q.val() {
            RespondState::Idle => {
                if self.result.start.val() {
                    self.state.d.next = RespondState::Start;
                }
            }
            RespondState::Start => {
                self.status.d.next = self.status_ok.val();
                if self.result.bad_address.val() {
                    self.status.d.next = self.status_bad_addr.val();
                }
                self.rsp_count.d.next = self.result.words.val();
                self.rsp_index.d.next = 0.into();
                self.crc.clear.next = true;
                self.state.d.next = RespondState::Fetch;
            }
            RespondState::Fetch => {
                self.reading.next = true;
                self.state.d.next = RespondState::Load;
            }
            RespondState::Load => {
                self.reading.next = true;
                if self.rsp_index.q.val() == 0 {
                    self.tx_byte.d.next = self.sof_rsp.val();
                } else if self.rsp_index.q.val() == 1 {
                    self.tx_byte.d.next = self.result.tag.val();
                } else if self.rsp_index.q.val() == 2 {
                    self.tx_byte.d.next = self.status.q.val();
                } else if self.rsp_index.q.val() == 3 {
                    self.tx_byte.d.next = self.rsp_count.q.val();
                } else if self.rsp_index.q.val() < self.rsp_data_end.val() {
                    self.tx_byte.d.next =
                        self.fetch.data.val().get_bits::<8>(((self.rsp_offset.val() & 3) << 3).index());
                } else if self.rsp_index.q.val() == self.rsp_data_end.val() {
                    self.tx_byte.d.next = self.crc.crc.val().get_bits::<8>(0);
                } else {
                    self.tx_byte.d.next = self.crc.crc.val().get_bits::<8>(8);
                }
                self.tx_pending.d.next = true;
                self.state.d.next = RespondState::Send;
            }
            RespondState::Send => {
                self.reading.next = true;
                if self.tx_ready.val() {
                    self.tx_pending.d.next = false;
                    // The CRC covers every byte after the SOF and before the CRC.
                    self.crc.strobe.next =
                        self.rsp_index.q.val().any() && (self.rsp_index.q.val() < self.rsp_data_end.val());
                    self.rsp_index.d.next = self.rsp_index.q.val() + 1;
                    if self.rsp_index.q.val() == (self.rsp_data_end.val() + 1) {
                        self.result.done.next = true;
                        self.state.d.next = RespondState::Idle;
                    } else {
                        self.state.d.next = RespondState::Fetch;
                    }
                }
            }
            _ => {
                self.state.d.next = RespondState::Idle;
            }
        }

        if self.reset.val() {
            self.state.d.next = RespondState::Idle;
            self.tx_pending.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The response the host expects (CRC over every byte after the SOF).
    fn expected(tag: u8, status: Status, data: &[u32]) -> Vec<u8> {
        let mut r = vec![RSP_SOF, tag, status as u8, data.len() as u8];
        r.extend(data.iter().flat_map(|w| w.to_le_bytes()));
        let crc = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740).checksum(&r[1..]);
        r.extend(crc.to_le_bytes());
        r
    }

    /// Sends one response against a transmitter that is ready at random;
    /// the bytes taken, and the clocks of `done` relative to the last byte.
    fn respond(uut: &mut BridgeRespond, tag: u8, bad: bool, buffer: &[u32], seed: u64) -> (Vec<u8>, Vec<i64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut bytes, mut dones, mut last) = (vec![], vec![], 0i64);
        let mut read_addr = 0usize;
        for t in 0..2000i64 {
            uut.result.start.next = t == 0;
            uut.result.tag.next = (tag as u64).into();
            uut.result.bad_address.next = bad;
            uut.result.words.next = (buffer.len() as u64).into();
            uut.fetch.data.next = (*buffer.get(read_addr).unwrap_or(&0xDEAD_0000) as u64).into();
            uut.tx_ready.next = rng.gen_bool(0.3);
            simulate(uut, 100);
            if uut.tx_valid.val() && uut.tx_ready.val() {
                bytes.push(uut.tx_data.val().to_u8());
                last = t;
            }
            if uut.result.done.val() {
                dones.push(t);
            }
            // The buffer answers the address of the clock before.
            read_addr = uut.fetch.addr.val().index();
            crate::sim_clock::cycle(uut, |u| &mut u.clock);
        }
        (bytes, dones.iter().map(|d| d - last).collect())
    }

    #[test]
    fn responses_are_byte_exact_and_done_comes_with_the_last_byte() {
        let mut uut = BridgeRespond::default();
        uut.connect_all();
        uut.reset.next = true;
        simulate(&mut uut, 100);
        uut.clock.next = Clock { clk: true };
        simulate(&mut uut, 100);
        uut.reset.next = false;
        let data = [0x1122_3344, 0xA1B2_C3D4, 0x0000_00FF];
        let (bytes, dones) = respond(&mut uut, 0x7E, false, &data, 1);
        assert_eq!(bytes, expected(0x7E, Status::Ok, &data));
        assert_eq!(dones, vec![0]);
        let (bytes, dones) = respond(&mut uut, 0x01, true, &[], 2);
        assert_eq!(bytes, expected(0x01, Status::BadAddress, &[]));
        assert_eq!(dones, vec![0]);
    }

    #[test]
    fn bridge_respond_lints() {
        verilator_lint("bridge_respond", &verilog_of(&mut BridgeRespond::default())).unwrap();
    }
}
