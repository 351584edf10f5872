//! The board-independent tops: the host's UART and the bridge ([HostPort])
//! with a core behind the register port: the link core ([MosaicTop]) or the
//! BERT core ([BertTop]). Board shells (pins, PLL, power-on reset) wrap
//! these; the virtual board simulates exactly these blocks.
//!
//! ```text
//!  uart_rx ─► UartRx ─► Bridge ─► UartTx ─► uart_tx      (HostPort)
//!                         │ register port, snapshot, dropped count
//!               LinkCore or BertCore ─► tx_lines / rx_lines, leds
//! ```

use crate::bert_core::{BertConfig, BertCore};
use crate::bridge::Bridge;
use crate::link::core::{CoreConfig, LinkCore};
use crate::uart_rx::UartRx;
use crate::uart_tx::UartTx;
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
    pub reg_addr: Signal<Out, Bits<16>>,
    pub reg_wdata: Signal<Out, Bits<32>>,
    pub reg_read: Signal<Out, Bit>,
    pub reg_write: Signal<Out, Bit>,
    pub reg_ack: Signal<In, Bit>,
    pub reg_rdata: Signal<In, Bits<32>>,
    pub reg_error: Signal<In, Bit>,
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
        self.reg_addr.next = self.bridge.reg_addr.val();
        self.reg_wdata.next = self.bridge.reg_wdata.val();
        self.reg_read.next = self.bridge.reg_read.val();
        self.reg_write.next = self.bridge.reg_write.val();
        self.snapshot.next = self.bridge.snapshot.val();
        self.dropped.next = self.bridge.dropped.val();
        self.bridge.reg_ack.next = self.reg_ack.val();
        self.bridge.reg_rdata.next = self.reg_rdata.val();
        self.bridge.reg_error.next = self.reg_error.val();
        self.busy.next = self.bridge.busy.val() | !self.uart_out.tx_ready.val();
    }
}

/// What a simulator needs from a board top (the virtual board runs either
/// [MosaicTop] or [BertTop]).
pub trait BoardTop: Block {
    fn clock(&mut self) -> &mut Signal<In, Clock>;
    fn reset(&mut self) -> &mut Signal<In, Bit>;
    fn uart_rx(&mut self) -> &mut Signal<In, Bit>;
    fn uart_tx(&self) -> bool;
    /// Physical lanes (N + S).
    fn lanes(&self) -> usize;
    fn tx_line(&self, k: usize) -> bool;
    fn rx_line(&mut self, k: usize) -> &mut Signal<In, Bit>;
    /// See [HostPort::busy].
    fn host_busy(&self) -> bool;
}

/// Writes a board top: the same ports whichever core sits behind the host port.
macro_rules! board_top {
    ($(#[$doc:meta])* $name:ident, $core:ty, $cfg:ty) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $name {
            /// Link clock; the UART bit time is `divisor` of these.
            pub clock: Signal<In, Clock>,
            /// Synchronous reset, active high (a board's power-on reset).
            pub reset: Signal<In, Bit>,
            /// Serial line from the host (idle high; asynchronous, synchronized inside).
            pub uart_rx: Signal<In, Bit>,
            /// Serial line to the host (idle high).
            pub uart_tx: Signal<Out, Bit>,
            /// Physical lanes to the pins, one bit held for OSR clocks (N + S of them).
            pub tx_lines: Vec<Signal<Out, Bit>>,
            /// Physical lanes from the pins (N + S of them).
            pub rx_lines: Vec<Signal<In, Bit>>,
            /// Status LEDs (see the core's `leds`).
            pub leds: Signal<Out, Bits<8>>,
            pub host: HostPort,
            pub core: $core,
        }

        impl $name {
            /// A top whose UART runs at `divisor` clocks per bit
            /// (e.g. 48 MHz / 3 Mbaud = 16; 48 MHz / 115200 = 417).
            pub fn new(cfg: &$cfg, divisor: u32) -> Self {
                let phys = cfg.params.physical_lanes();
                $name {
                    clock: Default::default(),
                    reset: Default::default(),
                    uart_rx: Default::default(),
                    uart_tx: Default::default(),
                    tx_lines: (0..phys).map(|_| Default::default()).collect(),
                    rx_lines: (0..phys).map(|_| Default::default()).collect(),
                    leds: Default::default(),
                    host: HostPort::new(divisor),
                    core: <$core>::new(cfg),
                }
            }
        }

        impl BoardTop for $name {
            fn clock(&mut self) -> &mut Signal<In, Clock> {
                &mut self.clock
            }
            fn reset(&mut self) -> &mut Signal<In, Bit> {
                &mut self.reset
            }
            fn uart_rx(&mut self) -> &mut Signal<In, Bit> {
                &mut self.uart_rx
            }
            fn uart_tx(&self) -> bool {
                self.uart_tx.val()
            }
            fn lanes(&self) -> usize {
                self.tx_lines.len()
            }
            fn tx_line(&self, k: usize) -> bool {
                self.tx_lines[k].val()
            }
            fn rx_line(&mut self, k: usize) -> &mut Signal<In, Bit> {
                &mut self.rx_lines[k]
            }
            fn host_busy(&self) -> bool {
                self.host.busy.val()
            }
        }
    };
}

board_top!(
    /// The full link on a board: host port + [LinkCore] (its traffic
    /// generator feeds the link; the host stream ports are unused).
    MosaicTop,
    LinkCore,
    CoreConfig
);
board_top!(
    /// The BERT image: host port + [BertCore].
    BertTop,
    BertCore,
    BertConfig
);

// The two `update`s are the same wiring; they stay apart because hdl_gen
// reads each function body as written (it cannot see into a macro).
impl Logic for MosaicTop {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, host, core);
        self.host.reset.next = self.reset.val();
        self.core.reset.next = self.reset.val();
        self.host.uart_rx.next = self.uart_rx.val();
        self.uart_tx.next = self.host.uart_tx.val();
        self.core.reg_addr.next = self.host.reg_addr.val();
        self.core.reg_wdata.next = self.host.reg_wdata.val();
        self.core.reg_read.next = self.host.reg_read.val();
        self.core.reg_write.next = self.host.reg_write.val();
        self.core.snapshot.next = self.host.snapshot.val();
        self.core.bridge_dropped.next = self.host.dropped.val();
        self.host.reg_ack.next = self.core.reg_ack.val();
        self.host.reg_rdata.next = self.core.reg_rdata.val();
        self.host.reg_error.next = self.core.reg_error.val();
        for i in 0..self.tx_lines.len() {
            self.tx_lines[i].next = self.core.tx_lines[i].val();
            self.core.rx_lines[i].next = self.rx_lines[i].val();
        }
        self.leds.next = self.core.leds.val();
        // The host stream is unused on a board: the core's traffic generator feeds the link.
        self.core.tx_data.next = 0.into();
        self.core.tx_valid.next = false;
    }
}

impl Logic for BertTop {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, host, core);
        self.host.reset.next = self.reset.val();
        self.core.reset.next = self.reset.val();
        self.host.uart_rx.next = self.uart_rx.val();
        self.uart_tx.next = self.host.uart_tx.val();
        self.core.reg_addr.next = self.host.reg_addr.val();
        self.core.reg_wdata.next = self.host.reg_wdata.val();
        self.core.reg_read.next = self.host.reg_read.val();
        self.core.reg_write.next = self.host.reg_write.val();
        self.core.snapshot.next = self.host.snapshot.val();
        self.core.bridge_dropped.next = self.host.dropped.val();
        self.host.reg_ack.next = self.core.reg_ack.val();
        self.host.reg_rdata.next = self.core.reg_rdata.val();
        self.host.reg_error.next = self.core.reg_error.val();
        for i in 0..self.tx_lines.len() {
            self.tx_lines[i].next = self.core.tx_lines[i].val();
            self.core.rx_lines[i].next = self.rx_lines[i].val();
        }
        self.leds.next = self.core.leds.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::LinkParams;
    use crate::verilog::{verilator_lint, verilog_of};

    fn small_top() -> MosaicTop {
        let p = LinkParams { lanes: 2, spares: 1, ..LinkParams::DEFAULT };
        let mut cfg = CoreConfig::new(p);
        cfg.max_delay_bits = cfg.max_delay_bits.min(crate::emulator::MAX_DELAY_BITS);
        MosaicTop::new(&cfg, 16)
    }

    #[test]
    fn mosaic_top_lints() {
        verilator_lint("mosaic_top", &verilog_of(&mut small_top())).unwrap();
    }
}
