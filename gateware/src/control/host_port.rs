//! The host's side of every board top ([HostPort]): UART receiver, bridge
//! and UART transmitter, with the bridge's register port as the master side.
//!
//! ```text
//!  uart_rx ─► UartRx ─► Bridge ─► UartTx ─► uart_tx
//!                         │ register port, snapshot, dropped count
//! ```

use super::bridge::Bridge;
use super::reg_bus::RegBusMaster;
use super::uart_rx::UartRx;
use super::uart_tx::UartTx;
use rust_hdl::prelude::*;

/// The host's side of every board top: UART receiver, bridge and UART
/// transmitter; the bridge's register port is the master side here.
#[derive(LogicBlock)]
pub struct HostPort {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Serial line from the host (idle high; asynchronous, synchronized inside).
    pub uart_rx: Signal<In, Bit>,
    /// Serial line to the host (idle high).
    pub uart_tx: Signal<Out, Bit>,
    /// Register port to the core (see the bridge's contract).
    pub reg_bus: RegBusMaster,
    /// One-clock strobe: latch every counter (the SNAPSHOT command).
    pub snapshot: Signal<Out, Bit>,
    /// Frames the bridge dropped.
    pub dropped: Signal<Out, Bits<32>>,
    /// A frame is in the bridge or a byte on its way out (for simulators
    /// that idle between requests).
    pub busy: Signal<Out, Bit>,
    pub uart_in: UartRx,
    pub uart_out: UartTx,
    pub bridge: Bridge,
}

impl HostPort {
    /// A UART of `divisor` clocks per bit.
    pub fn new(divisor: u32) -> Self {
        HostPort {
            clock: Default::default(),
            reset: Default::default(),
            uart_rx: Default::default(),
            uart_tx: Default::default(),
            reg_bus: Default::default(),
            snapshot: Default::default(),
            dropped: Default::default(),
            busy: Default::default(),
            uart_in: UartRx::new(divisor),
            uart_out: UartTx::new(divisor),
            bridge: Bridge::new(divisor),
        }
    }
}

impl Logic for HostPort {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, uart_in, uart_out, bridge);
        self.uart_in.reset.next = self.reset.val();
        self.uart_out.reset.next = self.reset.val();
        self.bridge.reset.next = self.reset.val();
        self.uart_in.rxd.next = self.uart_rx.val();
        self.bridge.rx_data.next = self.uart_in.rx_data.val();
        self.bridge.rx_valid.next = self.uart_in.rx_valid.val();
        self.uart_out.tx_data.next = self.bridge.tx_data.val();
        self.uart_out.tx_valid.next = self.bridge.tx_valid.val();
        self.bridge.tx_ready.next = self.uart_out.tx_ready.val();
        self.uart_tx.next = self.uart_out.txd.val();
        RegBusMaster::link(&mut self.reg_bus, &mut self.bridge.reg_bus);
        self.snapshot.next = self.bridge.snapshot.val();
        self.dropped.next = self.bridge.dropped.val();
        self.busy.next = self.bridge.busy.val() | !self.uart_out.tx_ready.val();
    }
}
