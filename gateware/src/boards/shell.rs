//! The thin board shell: PLL, power-on reset, pin synchronizers and LED
//! polarity around a board-independent core. Everything board-specific
//! arrives as data ([ShellConfig]); pins are bound by the constraint files.

use super::pll::{BoardPll, PllConfig};
use super::standin::StandInCore;
use rust_hdl::prelude::*;

/// What a board build needs from the board description.
#[derive(Clone, Debug, PartialEq)]
pub struct ShellConfig {
    /// Oscillator to link clock.
    pub pll: PllConfig,
    /// Physical lanes (N + S).
    pub lanes: usize,
    /// Lanes looped through pins (jumper wires); the rest loop internally.
    pub ext_lanes: usize,
    /// Clocks per line bit.
    pub osr: usize,
    /// LED bits that light when driven low.
    pub leds_active_low: u8,
}

/// Pins of a board with `E` lane pin pairs, around the stand-in core.
#[derive(LogicBlock)]
pub struct BoardShell<const E: usize, const L: usize> {
    /// Board oscillator.
    pub clk_in: Signal<In, Clock>,
    /// From the USB-UART (host to board).
    pub uart_rx: Signal<In, Bit>,
    /// To the USB-UART (board to host).
    pub uart_tx: Signal<Out, Bit>,
    /// The board's `L` LEDs: the core's first `L` LED bits, polarity applied.
    pub leds: Signal<Out, Bits<L>>,
    /// Lane lines to the header.
    pub tx_pins: Signal<Out, Bits<E>>,
    /// Lane lines from the header.
    pub rx_pins: Signal<In, Bits<E>>,
    pll: BoardPll,
    /// Reset is held until the PLL locks and for 15 clocks after.
    por: DFF<Bits<4>>,
    /// Two-flop synchronizers: the pins are asynchronous to the link clock
    /// as far as the tools know.
    rx_meta: DFF<Bits<E>>,
    rx_sync: DFF<Bits<E>>,
    uart_meta: DFF<Bit>,
    uart_sync: DFF<Bit>,
    core: StandInCore<E>,
    leds_invert: Constant<Bits<L>>,
}

impl<const E: usize, const L: usize> BoardShell<E, L> {
    pub fn new(cfg: &ShellConfig) -> Self {
        Self {
            clk_in: Default::default(),
            uart_rx: Default::default(),
            uart_tx: Default::default(),
            leds: Default::default(),
            tx_pins: Default::default(),
            rx_pins: Default::default(),
            pll: BoardPll::new(cfg.pll),
            por: Default::default(),
            rx_meta: Default::default(),
            rx_sync: Default::default(),
            uart_meta: Default::default(),
            uart_sync: Default::default(),
            core: StandInCore::new(cfg.lanes, cfg.ext_lanes, cfg.osr),
            leds_invert: Constant::new((cfg.leds_active_low as u64).into()),
        }
    }
}

impl<const E: usize, const L: usize> Logic for BoardShell<E, L> {
    #[hdl_gen]
    fn update(&mut self) {
        self.pll.clk_in.next = self.clk_in.val();
        self.por.clock.next = self.pll.clk_out.val();
        self.rx_meta.clock.next = self.pll.clk_out.val();
        self.rx_sync.clock.next = self.pll.clk_out.val();
        self.uart_meta.clock.next = self.pll.clk_out.val();
        self.uart_sync.clock.next = self.pll.clk_out.val();
        self.core.clock.next = self.pll.clk_out.val();
        self.por.d.next = self.por.q.val();
        if !self.por.q.val().all() {
            self.por.d.next = self.por.q.val() + 1;
        }
        if !self.pll.locked.val() {
            self.por.d.next = 0.into();
        }
        self.core.reset.next = !self.por.q.val().all();
        self.rx_meta.d.next = self.rx_pins.val();
        self.rx_sync.d.next = self.rx_meta.q.val();
        self.uart_meta.d.next = self.uart_rx.val();
        self.uart_sync.d.next = self.uart_meta.q.val();
        self.core.rx_pins.next = self.rx_sync.q.val();
        self.core.uart_rx.next = self.uart_sync.q.val();
        self.uart_tx.next = self.core.uart_tx.val();
        self.tx_pins.next = self.core.tx_pins.val();
        self.leds.next = bit_cast::<L, 8>(self.core.leds.val()) ^ self.leds_invert.val();
    }
}
