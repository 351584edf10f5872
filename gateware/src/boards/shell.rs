//! The thin board shells: PLL, power-on reset, pin synchronizers and LED
//! polarity around a board-independent core. Everything board-specific
//! arrives as data ([ShellConfig]); pins are bound by the constraint files.
//!
//! Two shells share one shape (ports `clk_in`, `uart_rx`, `uart_tx`,
//! `leds[L-1:0]`, `tx_pins[E-1:0]`, `rx_pins[E-1:0]`) and one
//! [ClockReset]: [LinkShell] around the full link ([LinkTop]) and
//! [BertShell] around the BERT image ([BertTop]); both have the UART bridge.

use super::family::Family;
use super::heartbeat::Heartbeat;
use super::pll::{BoardPll, PllConfig};
use crate::bert::core::BertConfig;
use crate::link::core::CoreConfig;
use crate::params::{CoreError, LinkParams};
use crate::top::{BertTop, LinkTop};
use rust_hdl::prelude::*;

/// The core inside the shell.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CoreKind {
    /// The full link: UART bridge + link core ([LinkTop]).
    Link,
    /// UART bridge + per-lane PRBS BERT + channel emulator ([BertTop]): the
    /// image for boards too small for the link.
    Bert,
}

/// What a board build needs from the board description and the link shape.
#[derive(Clone, Debug, PartialEq)]
pub struct ShellConfig {
    /// Oscillator to link clock.
    pub pll: PllConfig,
    /// Link shape (N, S, OSR, marker period, deskew depth).
    pub params: LinkParams,
    /// Physical lanes on pins (jumper wires); the rest are dark outside
    /// the FPGA and only loop back inside it (`CTRL.loopback`).
    pub ext_lanes: usize,
    /// LED bits that light when driven low.
    pub leds_active_low: u8,
    pub core: CoreKind,
    /// The FPGA family (picks the emulator's memory style).
    pub family: Family,
    /// UART bit time in link clocks.
    pub uart_divisor: u32,
}

/// Board oscillator to link clock and a synchronous reset held until the
/// PLL locks and for 15 clocks after.
#[derive(LogicBlock)]
pub struct ClockReset {
    /// Board oscillator.
    pub clk_in: Signal<In, Clock>,
    /// Link clock.
    pub clock: Signal<Out, Clock>,
    /// Synchronous, active high.
    pub reset: Signal<Out, Bit>,
    pll: BoardPll,
    por: DFF<Bits<4>>,
}

impl ClockReset {
    pub fn new(pll: PllConfig) -> Self {
        Self {
            clk_in: Default::default(),
            clock: Default::default(),
            reset: Default::default(),
            pll: BoardPll::new(pll),
            por: Default::default(),
        }
    }
}

impl Logic for ClockReset {
    #[hdl_gen]
    fn update(&mut self) {
        self.pll.clk_in.next = self.clk_in.val();
        self.clock.next = self.pll.clk_out.val();
        self.por.clock.next = self.pll.clk_out.val();
        self.por.d.next = self.por.q.val();
        if !self.por.q.val().all() {
            self.por.d.next = self.por.q.val() + 1;
        }
        if !self.pll.locked.val() {
            self.por.d.next = 0.into();
        }
        self.reset.next = !self.por.q.val().all();
    }
}

/// The LED bit the shell drives with its ~1 Hz heartbeat ([Heartbeat]).
pub const HEARTBEAT_LED: usize = 3;

/// Writes a board shell around a top: lanes `0..ext_lanes` on pins, the
/// others dark (the core loops lanes back internally when told to, by
/// `CTRL.loopback`).
macro_rules! board_shell {
    ($(#[$doc:meta])* $name:ident, $top:ty, $cfg:ident => $top_new:expr) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $name<const E: usize, const L: usize> {
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
            cr: ClockReset,
            /// Two-flop synchronizers: the pins are asynchronous as far as the tools know.
            rx_meta: DFF<Bits<E>>,
            rx_sync: DFF<Bits<E>>,
            core: $top,
            /// Lanes with pins (a build-time count, not a signal).
            _ext: usize,
            leds_invert: Constant<Bits<L>>,
            /// The heartbeat's LED bit (a constant: hdl_gen would write a
            /// Rust constant used as a bit index as an undeclared net).
            heartbeat_mask: Constant<Bits<8>>,
            /// The ~1 Hz heartbeat LED.
            beat: Heartbeat,
            /// The core's LEDs with the heartbeat in place of its own.
            leds_core: Signal<Local, Bits<8>>,
        }

        impl<const E: usize, const L: usize> $name<E, L> {
            pub fn new($cfg: &ShellConfig) -> Self {
                Self::try_new($cfg).unwrap_or_else(|e| panic!("{e}"))
            }

            /// [Self::new], refusing what the top refuses (see its `try_new`).
            pub fn try_new($cfg: &ShellConfig) -> Result<Self, CoreError> {
                let clock_hz = ($cfg.pll.fout_mhz() * 1e6) as u32;
                Ok(Self {
                    clk_in: Default::default(),
                    uart_rx: Default::default(),
                    uart_tx: Default::default(),
                    leds: Default::default(),
                    tx_pins: Default::default(),
                    rx_pins: Default::default(),
                    cr: ClockReset::new($cfg.pll),
                    rx_meta: Default::default(),
                    rx_sync: Default::default(),
                    core: $top_new(clock_hz)?,
                    _ext: $cfg.ext_lanes.min(E),
                    leds_invert: Constant::new(($cfg.leds_active_low as u64).into()),
                    heartbeat_mask: Constant::new((1u64 << HEARTBEAT_LED).into()),
                    beat: Heartbeat::new(clock_hz),
                    leds_core: Default::default(),
                })
            }
        }

        // hdl_gen reads the body as this macro writes it out.
        impl<const E: usize, const L: usize> Logic for $name<E, L> {
            #[hdl_gen]
            fn update(&mut self) {
                self.cr.clk_in.next = self.clk_in.val();
                self.rx_meta.clock.next = self.cr.clock.val();
                self.rx_sync.clock.next = self.cr.clock.val();
                self.core.clock.next = self.cr.clock.val();
                self.core.reset.next = self.cr.reset.val();
                self.rx_meta.d.next = self.rx_pins.val();
                self.rx_sync.d.next = self.rx_meta.q.val();
                // The top's UART receiver synchronizes its input itself.
                self.core.uart_rx.next = self.uart_rx.val();
                self.uart_tx.next = self.core.uart_tx.val();
                self.tx_pins.next = 0.into();
                for i in 0..self._ext {
                    self.tx_pins.next = self.tx_pins.val().replace_bit(i, self.core.tx_lines[i].val());
                    self.core.rx_lines[i].next = self.rx_sync.q.val().get_bit(i);
                }
                for i in self._ext..self.core.rx_lines.len() {
                    self.core.rx_lines[i].next = false;
                }
                self.beat.clock.next = self.cr.clock.val();
                if self.beat.beat.val() {
                    self.leds_core.next = self.core.leds.val() | self.heartbeat_mask.val();
                } else {
                    self.leds_core.next = self.core.leds.val() & !self.heartbeat_mask.val();
                }
                self.leds.next = bit_cast::<L, 8>(self.leds_core.val()) ^ self.leds_invert.val();
            }
        }
    };
}

board_shell!(
    /// The full link on a board ([LinkTop]).
    LinkShell,
    LinkTop,
    cfg => |clock_hz| {
        let emu_style = cfg.family.emu_style();
        LinkTop::try_new(&CoreConfig { clock_hz, emu_style, ..CoreConfig::new(cfg.params) }, cfg.uart_divisor)
    }
);
board_shell!(
    /// The BERT image on a board ([BertTop]).
    BertShell,
    BertTop,
    cfg => |clock_hz| {
        let emu_style = cfg.family.emu_style();
        BertTop::try_new(&BertConfig { clock_hz, emu_style, ..BertConfig::new(cfg.params) }, cfg.uart_divisor)
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boards::{board_verilog, ecp5_pll};

    #[test]
    fn mosaic_shell_wires_pin_lanes_and_darkens_the_rest() {
        let pll = PllConfig::Ecp5(ecp5_pll(25.0, 50.0).unwrap());
        let params = LinkParams { lanes: 20, spares: 2, osr: 2, ..LinkParams::DEFAULT };
        let cfg = ShellConfig {
            pll,
            params,
            ext_lanes: 21,
            leds_active_low: 0,
            core: CoreKind::Link,
            family: Family::Ecp5,
            uart_divisor: 434,
        };
        let v = board_verilog(21, 8, &cfg).unwrap();
        crate::verilog::yosys_read_strict("link_shell", &v).unwrap();
        assert!(v.contains("EHXPLLL") && v.contains(".CLKOP_DIV(12)"), "PLL");
        // 21 lanes reach pins, lane 21 (the 22nd) is tied dark.
        assert!(v.contains("core$rx_lines$20 = rx_sync$q[20]"), "pin lane 20");
        assert!(v.contains("core$rx_lines$21 = 1'b0"), "dark lane 21");
        assert!(!v.contains("rx_sync$q[21]"));
        // An ECP5 board's emulator keeps its delay lines and register read
        // copy in LUT RAM.
        assert!(v.contains("$emu$lanes$0$ram_delay$0") && v.contains("$emu$copy$0"), "ECP5 emulator in LUT RAM");
        assert_eq!(
            board_verilog(21, 8, &ShellConfig { ext_lanes: 22, ..cfg }).unwrap_err(),
            "external lanes must be at most 21 (the board's lane pins and the lanes), not 22"
        );
    }

    #[test]
    fn heartbeat_led_follows_the_clock_counter() {
        use crate::boards::Ice40Pll;
        // A 64 Hz "link clock": the heartbeat is counter bit 5, 32 clocks on, 32 off.
        let pll = PllConfig::Ice40Pad(Ice40Pll { divr: 0, divf: 0, divq: 1, filter_range: 1, fout_mhz: 64e-6 });
        let params = LinkParams { lanes: 1, spares: 0, osr: 2, ..LinkParams::DEFAULT };
        let cfg = ShellConfig {
            pll,
            params,
            ext_lanes: 1,
            leds_active_low: 0,
            core: CoreKind::Bert,
            family: Family::Ice40,
            uart_divisor: 16,
        };
        let mut uut = BertShell::<8, 7>::new(&cfg);
        uut.connect_all();
        uut.uart_rx.next = true;
        for t in 0..130u32 {
            uut.clk_in.next = Clock { clk: false };
            simulate(&mut uut, 200);
            let led = uut.leds.val().get_bit(HEARTBEAT_LED);
            assert_eq!(led, t >> 5 & 1 == 1, "clock {t}");
            uut.clk_in.next = Clock { clk: true };
            simulate(&mut uut, 200);
        }
    }

    #[test]
    fn bert_shell_has_the_bridge_and_takes_a_pin_lane_count() {
        use crate::boards::{ice40_pll, PllConfig};
        let pll = PllConfig::Ice40Pad(ice40_pll(12.0, 24.0).unwrap());
        let params = LinkParams { lanes: 4, spares: 1, osr: 2, ..LinkParams::DEFAULT };
        let cfg = ShellConfig {
            pll,
            params,
            ext_lanes: 3,
            leds_active_low: 3,
            core: CoreKind::Bert,
            family: Family::Ice40,
            uart_divisor: 208,
        };
        let v = board_verilog(8, 7, &cfg).unwrap();
        crate::verilog::yosys_read_strict("bert_shell", &v).unwrap();
        assert!(v.contains("SB_PLL40_PAD") && v.contains("module top"));
        // The UART goes through the bridge (not echoed), lanes 0..3 reach
        // pins and lanes 3 and 4 are dark outside the FPGA.
        assert!(v.contains("module top$core$host$bridge"), "bridge");
        // An iCE40 (no LUT RAM) keeps the emulator in flip-flops.
        assert!(v.contains("$emu$lanes$0") && !v.contains("ram_delay") && !v.contains("$emu$copy"), "iCE40 emulator");
        assert!(v.contains("core$rx_lines$2 = rx_sync$q[2]"), "pin lane 2");
        assert!(v.contains("core$rx_lines$3 = 1'b0") && v.contains("core$rx_lines$4 = 1'b0"), "dark lanes");
        assert_eq!(
            board_verilog(8, 7, &ShellConfig { ext_lanes: 6, ..cfg.clone() }).unwrap_err(),
            "external lanes must be at most 5 (the board's lane pins and the lanes), not 6"
        );
        let bad = LinkParams { osr: 9, ..params };
        assert_eq!(
            board_verilog(8, 7, &ShellConfig { params: bad, ..cfg.clone() }).unwrap_err(),
            "osr must be in 1..=8, not 9"
        );
        assert!(board_verilog(9, 7, &cfg).unwrap_err().starts_with("(lane pins, leds) must be one of"));
        assert_eq!(
            board_verilog(8, 7, &ShellConfig { uart_divisor: 2, ..cfg.clone() }).unwrap_err(),
            "HostPort: UART divisor (clocks per bit) must be in 4..=65535, not 2"
        );
    }
}
