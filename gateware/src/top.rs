//! The board-independent top: the host's UART, the bridge, and the link core
//! behind the register port. Board shells (pins, PLL, power-on reset) wrap
//! this; the virtual board simulates exactly this block.
//!
//! ```text
//!  uart_rx ─► UartRx ─► Bridge ─► UartTx ─► uart_tx
//!                         │ register port, snapshot, dropped count
//!                      LinkCore ─► tx_lines / rx_lines, leds
//! ```

use crate::bridge::Bridge;
use crate::link::core::{CoreConfig, LinkCore};
use crate::uart_rx::UartRx;
use crate::uart_tx::UartTx;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct MosaicTop {
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
    /// Status LEDs (see [LinkCore::leds]).
    pub leds: Signal<Out, Bits<8>>,
    pub uart_in: UartRx,
    pub uart_out: UartTx,
    pub bridge: Bridge,
    pub core: LinkCore,
}

impl MosaicTop {
    /// A top for link `cfg` whose UART runs at `divisor` clocks per bit
    /// (e.g. 48 MHz / 3 Mbaud = 16; 48 MHz / 115200 = 417).
    pub fn new(cfg: &CoreConfig, divisor: u32) -> Self {
        let phys = cfg.params.physical_lanes();
        MosaicTop {
            clock: Default::default(),
            reset: Default::default(),
            uart_rx: Default::default(),
            uart_tx: Default::default(),
            tx_lines: (0..phys).map(|_| Default::default()).collect(),
            rx_lines: (0..phys).map(|_| Default::default()).collect(),
            leds: Default::default(),
            uart_in: UartRx::new(divisor),
            uart_out: UartTx::new(divisor),
            bridge: Bridge::new(divisor),
            core: LinkCore::new(cfg),
        }
    }
}

impl Logic for MosaicTop {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, uart_in, uart_out, bridge, core);
        self.uart_in.reset.next = self.reset.val();
        self.uart_out.reset.next = self.reset.val();
        self.bridge.reset.next = self.reset.val();
        self.core.reset.next = self.reset.val();

        self.uart_in.rxd.next = self.uart_rx.val();
        self.bridge.rx_data.next = self.uart_in.rx_data.val();
        self.bridge.rx_valid.next = self.uart_in.rx_valid.val();
        self.uart_out.tx_data.next = self.bridge.tx_data.val();
        self.uart_out.tx_valid.next = self.bridge.tx_valid.val();
        self.bridge.tx_ready.next = self.uart_out.tx_ready.val();
        self.uart_tx.next = self.uart_out.txd.val();

        self.core.reg_addr.next = self.bridge.reg_addr.val();
        self.core.reg_wdata.next = self.bridge.reg_wdata.val();
        self.core.reg_read.next = self.bridge.reg_read.val();
        self.core.reg_write.next = self.bridge.reg_write.val();
        self.core.snapshot.next = self.bridge.snapshot.val();
        self.core.bridge_dropped.next = self.bridge.dropped.val();
        self.bridge.reg_ack.next = self.core.reg_ack.val();
        self.bridge.reg_rdata.next = self.core.reg_rdata.val();
        self.bridge.reg_error.next = self.core.reg_error.val();

        // The host stream is unused on a board: the core's traffic generator feeds the link.
        self.core.tx_data.next = 0.into();
        self.core.tx_valid.next = false;

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
