//! UART bridge: parses request frames of [crate::control::protocol] from a byte
//! stream, performs them on the register port (see the port contract in
//! [crate::control::protocol] and the link core) and sends the response.
//!
//! Parsing. Bytes are ignored until a `REQ_SOF`; then tag, opcode, address
//! and count are taken and the count is checked against the opcode right
//! away (a bad opcode or count drops the frame there: its length is unknown,
//! so hunting restarts with the next byte). WRITE data is staged in a
//! 32-word RAM, because nothing may be written before the CRC has checked.
//! A frame is dropped on a CRC mismatch, or when no byte arrives for
//! [INTERBYTE_TIMEOUT_BYTES] byte times; every drop increments `dropped`.
//! From any state the bridge is back to hunting within one timeout.
//!
//! Execution. One register access at a time: strobe `reg_read`/`reg_write`
//! for one clock with address and data held, then wait for `reg_ack`, which
//! may come in the strobe's own clock or up to 256 clocks later; no ack in
//! 256 clocks means the address is not served (status BadAddress, reads 0).
//! A burst read stores its words in the same RAM, because the response's
//! status (sent before the data) depends on every access of the burst.
//!
//! Response. `RSP_SOF tag status count data.. crc`, where count is the
//! number of data words that follow (READ 1, BURST_READ its count, WRITE,
//! SNAPSHOT and PING 0). Bytes that arrive while a request is executed or
//! answered are ignored: the host waits for each reply.

use crate::control::crc16::Crc16;
use crate::control::protocol::{Opcode, Status, INTERBYTE_TIMEOUT_BYTES, MAX_BURST, REQ_SOF, RSP_SOF};
use crate::control::uart_tx::check_divisor;
use rust_hdl::prelude::*;

/// Clocks a register access may take before the bridge gives up on it.
pub const REG_ACK_TIMEOUT: u64 = 256;

#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
enum BridgeState {
    Hunt,
    Tag,
    Op,
    AddrLo,
    AddrHi,
    Count,
    Data,
    CrcLo,
    CrcHi,
    Exec,
    ExecFetch,
    ExecIssue,
    ExecWait,
    RspStart,
    RspFetch,
    RspLoad,
    RspSend,
}

#[derive(LogicBlock)]
pub struct Bridge {
    /// Design clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: back to hunting, `dropped` cleared.
    pub reset: Signal<In, Bit>,
    /// Received byte (from the UART receiver), valid with `rx_valid`.
    pub rx_data: Signal<In, Bits<8>>,
    /// One-clock strobe: `rx_data` holds a new byte.
    pub rx_valid: Signal<In, Bit>,
    /// Byte to send (to the UART transmitter), valid with `tx_valid`.
    pub tx_data: Signal<Out, Bits<8>>,
    /// `tx_data` is offered; it is taken in a clock where `tx_ready` is high.
    pub tx_valid: Signal<Out, Bit>,
    /// The transmitter takes a byte this clock.
    pub tx_ready: Signal<In, Bit>,
    /// Register port: word address, held until ack.
    pub reg_addr: Signal<Out, Bits<16>>,
    /// Register port: write data, held until ack.
    pub reg_wdata: Signal<Out, Bits<32>>,
    /// Register port: one-clock read request strobe.
    pub reg_read: Signal<Out, Bit>,
    /// Register port: one-clock write request strobe.
    pub reg_write: Signal<Out, Bit>,
    /// Register port: one-clock strobe answering the request.
    pub reg_ack: Signal<In, Bit>,
    /// Register port: read data, valid with `reg_ack`.
    pub reg_rdata: Signal<In, Bits<32>>,
    /// Register port: address not in the map, valid with `reg_ack`.
    pub reg_error: Signal<In, Bit>,
    /// One-clock strobe: latch every counter (the SNAPSHOT command).
    pub snapshot: Signal<Out, Bit>,
    /// Frames dropped (bad CRC, opcode or count, inter-byte timeout), wrapping.
    pub dropped: Signal<Out, Bits<32>>,
    /// High while a request is executed or its response is sent.
    pub busy: Signal<Out, Bit>,
    state: DFF<BridgeState>,
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
    /// Register access in progress: index into the burst, clocks waited, any error.
    access_index: DFF<Bits<8>>,
    ack_wait: DFF<Bits<8>>,
    access_error: DFF<Bit>,
    /// Response: status, data words, byte being sent (index and value).
    status: DFF<Bits<8>>,
    rsp_count: DFF<Bits<8>>,
    rsp_index: DFF<Bits<8>>,
    tx_byte: DFF<Bits<8>>,
    tx_pending: DFF<Bit>,
    ram: RAM<Bits<32>, 5>,
    crc_rx: Crc16,
    crc_tx: Crc16,
    word_next: Signal<Local, Bits<32>>,
    count_ok: Signal<Local, Bit>,
    in_frame: Signal<Local, Bit>,
    in_access: Signal<Local, Bit>,
    timed_out: Signal<Local, Bit>,
    ack_now: Signal<Local, Bit>,
    ack_data: Signal<Local, Bits<32>>,
    rsp_offset: Signal<Local, Bits<8>>,
    rsp_data_end: Signal<Local, Bits<8>>,
    timeout_clocks: Constant<Bits<32>>,
    ack_timeout_m1: Constant<Bits<8>>,
    max_burst: Constant<Bits<8>>,
    sof_req: Constant<Bits<8>>,
    sof_rsp: Constant<Bits<8>>,
    op_read: Constant<Bits<8>>,
    op_burst: Constant<Bits<8>>,
    op_write: Constant<Bits<8>>,
    op_snapshot: Constant<Bits<8>>,
    op_ping: Constant<Bits<8>>,
    status_ok: Constant<Bits<8>>,
    status_bad_addr: Constant<Bits<8>>,
}

impl Bridge {
    /// A bridge behind a UART of `divisor` clocks per bit (sets the
    /// inter-byte timeout: [INTERBYTE_TIMEOUT_BYTES] x 10 bits).
    pub fn new(divisor: u32) -> Self {
        check_divisor(divisor);
        let c8 = |v: u64| Constant::new(Bits::<8>::from(v));
        Self {
            clock: Default::default(),
            reset: Default::default(),
            rx_data: Default::default(),
            rx_valid: Default::default(),
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_ready: Default::default(),
            reg_addr: Default::default(),
            reg_wdata: Default::default(),
            reg_read: Default::default(),
            reg_write: Default::default(),
            reg_ack: Default::default(),
            reg_rdata: Default::default(),
            reg_error: Default::default(),
            snapshot: Default::default(),
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
            access_index: Default::default(),
            ack_wait: Default::default(),
            access_error: Default::default(),
            status: Default::default(),
            rsp_count: Default::default(),
            rsp_index: Default::default(),
            tx_byte: Default::default(),
            tx_pending: Default::default(),
            ram: Default::default(),
            crc_rx: Default::default(),
            crc_tx: Default::default(),
            word_next: Default::default(),
            count_ok: Default::default(),
            in_frame: Default::default(),
            in_access: Default::default(),
            timed_out: Default::default(),
            ack_now: Default::default(),
            ack_data: Default::default(),
            rsp_offset: Default::default(),
            rsp_data_end: Default::default(),
            timeout_clocks: Constant::new(((INTERBYTE_TIMEOUT_BYTES as u64) * 10 * divisor as u64).into()),
            ack_timeout_m1: c8(REG_ACK_TIMEOUT - 1),
            max_burst: c8(MAX_BURST as u64),
            sof_req: c8(REQ_SOF as u64),
            sof_rsp: c8(RSP_SOF as u64),
            op_read: c8(Opcode::Read as u64),
            op_burst: c8(Opcode::BurstRead as u64),
            op_write: c8(Opcode::Write as u64),
            op_snapshot: c8(Opcode::Snapshot as u64),
            op_ping: c8(Opcode::Ping as u64),
            status_ok: c8(Status::Ok as u64),
            status_bad_addr: c8(Status::BadAddress as u64),
        }
    }
}

impl Logic for Bridge {
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
            dropped_count,
            access_index,
            ack_wait,
            access_error,
            status,
            rsp_count,
            rsp_index,
            tx_byte,
            tx_pending
        );
        clock!(self, clock, crc_rx, crc_tx);
        self.ram.read_clock.next = self.clock.val();
        self.ram.write_clock.next = self.clock.val();

        // Defaults.
        self.dropped.next = self.dropped_count.q.val();
        self.tx_data.next = self.tx_byte.q.val();
        self.tx_valid.next = self.tx_pending.q.val();
        self.reg_addr.next = self.addr.q.val();
        self.reg_wdata.next = self.ram.read_data.val();
        self.reg_read.next = false;
        self.reg_write.next = false;
        self.snapshot.next = false;
        self.busy.next = true;
        self.ram.write_enable.next = false;
        self.ram.write_address.next = bit_cast::<5, 8>(self.access_index.q.val());
        self.ram.read_address.next = bit_cast::<5, 8>(self.access_index.q.val());
        self.crc_rx.clear.next = false;
        self.crc_rx.strobe.next = false;
        self.crc_rx.data.next = self.rx_data.val();
        self.crc_tx.clear.next = false;
        self.crc_tx.strobe.next = false;
        self.crc_tx.data.next = self.tx_byte.q.val();
        self.word_next.next = (self.word_shift.q.val() >> 8) | (bit_cast::<32, 8>(self.rx_data.val()) << 24);
        // An access ends with the slave's ack, or after REG_ACK_TIMEOUT clocks
        // without one (unmapped: reads 0, status BadAddress).
        self.timed_out.next =
            (self.state.q.val() == BridgeState::ExecWait) && (self.ack_wait.q.val() == self.ack_timeout_m1.val());
        self.ack_now.next = self.reg_ack.val() || self.timed_out.val();
        self.ack_data.next = self.reg_rdata.val();
        if self.timed_out.val() {
            self.ack_data.next = 0.into();
        }
        self.ram.write_data.next = self.ack_data.val();
        self.rsp_offset.next = self.rsp_index.q.val() - 4;
        self.rsp_data_end.next = (self.rsp_count.q.val() << 2) + 4;

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
        self.in_frame.next = false;
        self.in_access.next = false;

        match self.state.q.val() {
            BridgeState::Hunt => {
                self.busy.next = false;
                self.crc_rx.clear.next = true;
                if self.rx_valid.val() && (self.rx_data.val() == self.sof_req.val()) {
                    self.state.d.next = BridgeState::Tag;
                }
            }
            BridgeState::Tag => {
                self.in_frame.next = true;
            }
            BridgeState::Op => {
                self.in_frame.next = true;
            }
            BridgeState::AddrLo => {
                self.in_frame.next = true;
            }
            BridgeState::AddrHi => {
                self.in_frame.next = true;
            }
            BridgeState::Count => {
                self.in_frame.next = true;
            }
            BridgeState::Data => {
                self.in_frame.next = true;
            }
            BridgeState::CrcLo => {
                self.in_frame.next = true;
            }
            BridgeState::CrcHi => {
                self.in_frame.next = true;
            }
            BridgeState::Exec => {
                self.access_index.d.next = 0.into();
                self.access_error.d.next = false;
                if self.opcode.q.val() == self.op_write.val() {
                    self.state.d.next = BridgeState::ExecFetch;
                } else if (self.opcode.q.val() == self.op_read.val()) || (self.opcode.q.val() == self.op_burst.val()) {
                    self.state.d.next = BridgeState::ExecIssue;
                } else {
                    self.snapshot.next = self.opcode.q.val() == self.op_snapshot.val();
                    self.state.d.next = BridgeState::RspStart;
                }
            }
            BridgeState::ExecFetch => {
                // The RAM presents the word to write in the next clock.
                self.state.d.next = BridgeState::ExecIssue;
            }
            BridgeState::ExecIssue => {
                self.in_access.next = true;
                self.reg_write.next = self.opcode.q.val() == self.op_write.val();
                self.reg_read.next = self.opcode.q.val() != self.op_write.val();
                self.ack_wait.d.next = 0.into();
                self.state.d.next = BridgeState::ExecWait;
            }
            BridgeState::ExecWait => {
                self.in_access.next = true;
                self.ack_wait.d.next = self.ack_wait.q.val() + 1;
            }
            BridgeState::RspStart => {
                self.status.d.next = self.status_ok.val();
                if self.access_error.q.val() {
                    self.status.d.next = self.status_bad_addr.val();
                }
                self.rsp_count.d.next = 0.into();
                if (self.opcode.q.val() == self.op_read.val()) || (self.opcode.q.val() == self.op_burst.val()) {
                    self.rsp_count.d.next = self.count.q.val();
                }
                self.rsp_index.d.next = 0.into();
                self.crc_tx.clear.next = true;
                self.state.d.next = BridgeState::RspFetch;
            }
            BridgeState::RspFetch => {
                self.ram.read_address.next = bit_cast::<5, 8>(self.rsp_offset.val() >> 2);
                self.state.d.next = BridgeState::RspLoad;
            }
            BridgeState::RspLoad => {
                self.ram.read_address.next = bit_cast::<5, 8>(self.rsp_offset.val() >> 2);
                if self.rsp_index.q.val() == 0 {
                    self.tx_byte.d.next = self.sof_rsp.val();
                } else if self.rsp_index.q.val() == 1 {
                    self.tx_byte.d.next = self.tag.q.val();
                } else if self.rsp_index.q.val() == 2 {
                    self.tx_byte.d.next = self.status.q.val();
                } else if self.rsp_index.q.val() == 3 {
                    self.tx_byte.d.next = self.rsp_count.q.val();
                } else if self.rsp_index.q.val() < self.rsp_data_end.val() {
                    self.tx_byte.d.next =
                        self.ram.read_data.val().get_bits::<8>(((self.rsp_offset.val() & 3) << 3).index());
                } else if self.rsp_index.q.val() == self.rsp_data_end.val() {
                    self.tx_byte.d.next = self.crc_tx.crc.val().get_bits::<8>(0);
                } else {
                    self.tx_byte.d.next = self.crc_tx.crc.val().get_bits::<8>(8);
                }
                self.tx_pending.d.next = true;
                self.state.d.next = BridgeState::RspSend;
            }
            BridgeState::RspSend => {
                self.ram.read_address.next = bit_cast::<5, 8>(self.rsp_offset.val() >> 2);
                if self.tx_ready.val() {
                    self.tx_pending.d.next = false;
                    self.crc_tx.strobe.next =
                        self.rsp_index.q.val().any() && (self.rsp_index.q.val() < self.rsp_data_end.val());
                    self.rsp_index.d.next = self.rsp_index.q.val() + 1;
                    if self.rsp_index.q.val() == (self.rsp_data_end.val() + 1) {
                        self.state.d.next = BridgeState::Hunt;
                    } else {
                        self.state.d.next = BridgeState::RspFetch;
                    }
                }
            }
            _ => {
                self.state.d.next = BridgeState::Hunt;
            }
        }

        if self.in_frame.val() {
            self.busy.next = false;
            if !self.rx_valid.val() {
                self.idle_clocks.d.next = self.idle_clocks.q.val() + 1;
                if self.idle_clocks.q.val() == self.timeout_clocks.val() {
                    self.dropped_count.d.next = self.dropped_count.q.val() + 1;
                    self.state.d.next = BridgeState::Hunt;
                }
            }
        }

        if self.in_access.val() && self.ack_now.val() {
            if self.timed_out.val() || (self.reg_ack.val() && self.reg_error.val()) {
                self.access_error.d.next = true;
            }
            // Reads keep their word for the response; writes are done with it.
            self.ram.write_enable.next = self.opcode.q.val() != self.op_write.val();
            self.access_index.d.next = self.access_index.q.val() + 1;
            self.addr.d.next = self.addr.q.val() + 1;
            if (self.access_index.q.val() + 1) == self.count.q.val() {
                self.state.d.next = BridgeState::RspStart;
            } else if self.opcode.q.val() == self.op_write.val() {
                self.state.d.next = BridgeState::ExecFetch;
            } else {
                self.state.d.next = BridgeState::ExecIssue;
            }
        }

        // Frame bytes (after the SOF); only while parsing.
        if self.rx_valid.val() {
            match self.state.q.val() {
                BridgeState::Tag => {
                    self.tag.d.next = self.rx_data.val();
                    self.crc_rx.strobe.next = true;
                    self.state.d.next = BridgeState::Op;
                }
                BridgeState::Op => {
                    self.opcode.d.next = self.rx_data.val();
                    self.crc_rx.strobe.next = true;
                    self.state.d.next = BridgeState::AddrLo;
                }
                BridgeState::AddrLo => {
                    self.addr.d.next = bit_cast::<16, 8>(self.rx_data.val());
                    self.crc_rx.strobe.next = true;
                    self.state.d.next = BridgeState::AddrHi;
                }
                BridgeState::AddrHi => {
                    self.addr.d.next = self.addr.q.val() | (bit_cast::<16, 8>(self.rx_data.val()) << 8);
                    self.crc_rx.strobe.next = true;
                    self.state.d.next = BridgeState::Count;
                }
                BridgeState::Count => {
                    self.count.d.next = self.rx_data.val();
                    self.data_len.d.next = self.rx_data.val() << 2;
                    self.data_index.d.next = 0.into();
                    self.access_index.d.next = 0.into();
                    self.crc_rx.strobe.next = true;
                    if !self.count_ok.val() {
                        // Unknown opcode or bad count: the frame length is unknown.
                        self.dropped_count.d.next = self.dropped_count.q.val() + 1;
                        self.state.d.next = BridgeState::Hunt;
                    } else if self.opcode.q.val() == self.op_write.val() {
                        self.state.d.next = BridgeState::Data;
                    } else {
                        self.state.d.next = BridgeState::CrcLo;
                    }
                }
                BridgeState::Data => {
                    self.crc_rx.strobe.next = true;
                    self.word_shift.d.next = self.word_next.val();
                    self.data_index.d.next = self.data_index.q.val() + 1;
                    if (self.data_index.q.val() & 3) == 3 {
                        // A whole little-endian word: stage it.
                        self.ram.write_enable.next = true;
                        self.ram.write_data.next = self.word_next.val();
                        self.access_index.d.next = self.access_index.q.val() + 1;
                    }
                    if (self.data_index.q.val() + 1) == self.data_len.q.val() {
                        self.state.d.next = BridgeState::CrcLo;
                    }
                }
                BridgeState::CrcLo => {
                    self.crc_lo.d.next = self.rx_data.val();
                    self.state.d.next = BridgeState::CrcHi;
                }
                BridgeState::CrcHi => {
                    if (self.crc_rx.crc.val().get_bits::<8>(0) == self.crc_lo.q.val())
                        && (self.crc_rx.crc.val().get_bits::<8>(8) == self.rx_data.val())
                    {
                        self.state.d.next = BridgeState::Exec;
                    } else {
                        self.dropped_count.d.next = self.dropped_count.q.val() + 1;
                        self.state.d.next = BridgeState::Hunt;
                    }
                }
                _ => {}
            }
        }

        if self.reset.val() {
            self.state.d.next = BridgeState::Hunt;
            self.dropped_count.d.next = 0.into();
            self.tx_pending.d.next = false;
            self.idle_clocks.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};

    #[test]
    fn bridge_is_synthesizable() {
        let mut uut = Bridge::new(16);
        let v = verilog_of(&mut uut);
        verilator_lint("bridge", &v).unwrap();
        let stats = yosys_synth_ice40("bridge", &v).unwrap();
        assert!(stats.luts > 100, "{stats:?}");
    }
}
