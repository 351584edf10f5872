//! The board-independent tops: the host's UART and the bridge ([HostPort])
//! with a core behind the register port: the link core ([LinkTop]) or the
//! BERT core ([BertTop]). Board shells (pins, PLL, power-on reset) wrap
//! these; the virtual board simulates exactly these blocks.
//!
//! ```text
//!  uart_rx ─► UartRx ─► Bridge ─► UartTx ─► uart_tx      (HostPort)
//!                         │ register port, snapshot, dropped count
//!               LinkCore or BertCore ─► tx_lines / rx_lines, leds
//! ```

use crate::bert::core::{BertConfig, BertCore};
use crate::control::host_port::HostPort;
use crate::control::reg_bus::RegBusMaster;
use crate::control::uart_tx::divisor_rule;
use crate::link::core::{CoreConfig, LinkCore};
use crate::params::CoreError;
use rust_hdl::prelude::*;

/// What a simulator needs from a board top (the virtual board runs either
/// [LinkTop] or [BertTop]).
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
    ($(#[$doc:meta])* $name:ident, $core:ty, $cfg:ty $(, unused stream $stream:ident)?) => {
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
                Self::try_new(cfg, divisor).unwrap_or_else(|e| panic!("{e}"))
            }

            /// [Self::new], refusing a configuration the core or the UART
            /// cannot take with the rule it breaks.
            pub fn try_new(cfg: &$cfg, divisor: u32) -> Result<Self, CoreError> {
                divisor_rule(divisor).map_err(|why| CoreError::new("HostPort", why))?;
                let core = <$core>::try_new(cfg)?;
                let phys = cfg.params.physical_lanes();
                Ok($name {
                    clock: Default::default(),
                    reset: Default::default(),
                    uart_rx: Default::default(),
                    uart_tx: Default::default(),
                    tx_lines: (0..phys).map(|_| Default::default()).collect(),
                    rx_lines: (0..phys).map(|_| Default::default()).collect(),
                    leds: Default::default(),
                    host: HostPort::new(divisor),
                    core,
                })
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

        // hdl_gen reads the body as this macro writes it out.
        impl Logic for $name {
            #[hdl_gen]
            fn update(&mut self) {
                clock!(self, clock, host, core);
                self.host.reset.next = self.reset.val();
                self.core.reset.next = self.reset.val();
                self.host.uart_rx.next = self.uart_rx.val();
                self.uart_tx.next = self.host.uart_tx.val();
                RegBusMaster::join(&mut self.host.reg_bus, &mut self.core.reg_bus);
                self.core.snapshot.next = self.host.snapshot.val();
                self.core.bridge_dropped.next = self.host.dropped.val();
                for i in 0..self.tx_lines.len() {
                    self.tx_lines[i].next = self.core.tx_lines[i].val();
                    self.core.rx_lines[i].next = self.rx_lines[i].val();
                }
                self.leds.next = self.core.leds.val();
                $(
                    // A host stream unused on a board (the core's traffic generator feeds the link).
                    self.core.$stream.data.next = 0.into();
                    self.core.$stream.valid.next = false;
                )?
            }
        }
    };
}

board_top!(
    /// The full link on a board: host port + [LinkCore] (its traffic
    /// generator feeds the link; the host stream ports are unused).
    LinkTop,
    LinkCore,
    CoreConfig,
    unused stream tx_stream
);
board_top!(
    /// The BERT image: host port + [BertCore].
    BertTop,
    BertCore,
    BertConfig
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::LinkParams;
    use crate::verilog::{verilator_lint, verilog_of};

    fn small_top() -> LinkTop {
        let p = LinkParams { lanes: 2, spares: 1, ..LinkParams::DEFAULT };
        let mut cfg = CoreConfig::new(p);
        cfg.max_delay_bits = cfg.max_delay_bits.min(crate::emu::lane::MAX_DELAY_BITS);
        LinkTop::new(&cfg, 16)
    }

    #[test]
    fn mosaic_top_lints() {
        verilator_lint("mosaic_top", &verilog_of(&mut small_top())).unwrap();
    }
}
