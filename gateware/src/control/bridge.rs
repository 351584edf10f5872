//! UART bridge: parses request frames of [crate::control::protocol] from a
//! byte stream, performs them on the register port and sends the response.
//! Three blocks, one request at a time:
//!
//! ```text
//!  rx bytes ─► BridgeParse ─req─► BridgeExec ─result─► BridgeRespond ─► tx bytes
//!                  │ stage            │  │ fetch, store       │ fetch
//!                  │                  │  └──────┐             │
//!                  └──────────────── 32-word buffer (RAM) ────┘
//!                                     │
//!                          reg_bus (RegBusMaster) ─► core
//! ```
//!
//! - [BridgeParse]: hunts for a frame, checks count and CRC, stages WRITE
//!   data, drops bad frames (counted in `dropped`) and abandons one whose
//!   bytes stop for [super::protocol::INTERBYTE_TIMEOUT_BYTES] byte times;
//! - [BridgeExec]: one register access at a time, each answered by `ack`
//!   or given up after [REG_ACK_TIMEOUT] clocks (status BadAddress, reads 0);
//!   burst reads collect their words in the buffer;
//! - [BridgeRespond]: `RSP_SOF tag status count data.. crc`.
//!
//! Bytes that arrive while a request is executed or answered are ignored:
//! the host waits for each reply. The interfaces are in [super::bridge_bus];
//! the buffer's ports never overlap in time (the parser writes only while
//! parsing, the executer only while executing, the responder reads only
//! while responding), so this block merely ORs and selects them.

use super::bridge_bus::{RequestOut, ResultOut};
use super::bridge_exec::BridgeExec;
pub use super::bridge_exec::REG_ACK_TIMEOUT;
use super::bridge_parse::BridgeParse;
use super::bridge_respond::BridgeRespond;
use super::reg_bus::RegBusMaster;
use super::uart_tx::check_divisor;
use rust_hdl::prelude::*;

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
    /// The register port (Verilog `reg_bus$addr` ..), to the core.
    pub reg_bus: RegBusMaster,
    /// One-clock strobe: latch every counter (the SNAPSHOT command).
    pub snapshot: Signal<Out, Bit>,
    /// Frames dropped (bad CRC, opcode or count, inter-byte timeout), wrapping.
    pub dropped: Signal<Out, Bits<32>>,
    /// High while a request is executed or its response is sent.
    pub busy: Signal<Out, Bit>,
    /// The three blocks, public for tests that look inside.
    pub parse: BridgeParse,
    pub exec: BridgeExec,
    pub respond: BridgeRespond,
    /// WRITE data (staged by the parser) and burst-read words (for the response).
    buffer: RAM<Bits<32>, 5>,
}

impl Bridge {
    /// A bridge behind a UART of `divisor` clocks per bit (sets the
    /// inter-byte timeout: [super::protocol::INTERBYTE_TIMEOUT_BYTES] x 10 bits).
    pub fn new(divisor: u32) -> Self {
        check_divisor(divisor);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            rx_data: Default::default(),
            rx_valid: Default::default(),
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_ready: Default::default(),
            reg_bus: Default::default(),
            snapshot: Default::default(),
            dropped: Default::default(),
            busy: Default::default(),
            parse: BridgeParse::new(divisor),
            exec: Default::default(),
            respond: Default::default(),
            buffer: Default::default(),
        }
    }
}

impl Logic for Bridge {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, parse, exec, respond);
        self.buffer.read_clock.next = self.clock.val();
        self.buffer.write_clock.next = self.clock.val();
        self.parse.reset.next = self.reset.val();
        self.exec.reset.next = self.reset.val();
        self.respond.reset.next = self.reset.val();

        self.parse.rx_data.next = self.rx_data.val();
        self.parse.rx_valid.next = self.rx_valid.val();
        RequestOut::join(&mut self.parse.req, &mut self.exec.req);
        RegBusMaster::link(&mut self.reg_bus, &mut self.exec.reg_bus);
        ResultOut::join(&mut self.exec.result, &mut self.respond.result);
        self.tx_data.next = self.respond.tx_data.val();
        self.tx_valid.next = self.respond.tx_valid.val();
        self.respond.tx_ready.next = self.tx_ready.val();
        self.snapshot.next = self.exec.snapshot.val();
        self.dropped.next = self.parse.dropped.val();
        self.busy.next = self.parse.busy.val();

        // The buffer: one writer and one reader at a time.
        self.buffer.write_enable.next = self.parse.stage.enable.val() | self.exec.store.enable.val();
        self.buffer.write_address.next = self.exec.store.addr.val();
        self.buffer.write_data.next = self.exec.store.data.val();
        if self.parse.stage.enable.val() {
            self.buffer.write_address.next = self.parse.stage.addr.val();
            self.buffer.write_data.next = self.parse.stage.data.val();
        }
        self.buffer.read_address.next = self.exec.fetch.addr.val();
        if self.respond.reading.val() {
            self.buffer.read_address.next = self.respond.fetch.addr.val();
        }
        self.exec.fetch.data.next = self.buffer.read_data.val();
        self.respond.fetch.data.next = self.buffer.read_data.val();
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
