//! Board tops: thin shells (PLL, reset, pins) around the portable core.
//!
//! The board descriptions themselves (part, package, pins, programmer) are
//! data in the host crate (`mosaic_host::boards`); this module turns a
//! [ShellConfig] into Verilog whose top module `top` has the ports the
//! constraint files in `constraints/` bind: `clk_in`, `uart_rx`, `uart_tx`,
//! `leds[L-1:0]`, `tx_pins[E-1:0]`, `rx_pins[E-1:0]`.

pub mod pll;
pub mod shell;
pub mod standin;

pub use pll::{ecp5_pll, ice40_pll, BoardPll, Ecp5Pll, Ice40Pll, PllConfig, PllError};
pub use shell::{BoardShell, ShellConfig};

/// (lane pin pairs, LEDs) of the boards; the shell is generic in both, so
/// each shape needs an instance here.
pub const PIN_SHAPES: [(usize, usize); 3] = [(8, 7), (16, 8), (21, 8)];

/// Verilog of the board top for a board with `pin_lanes` lane pin pairs
/// and `leds` LEDs. Errors name the unsupported shape or the inconsistent
/// lane counts.
pub fn board_verilog(pin_lanes: usize, leds: usize, cfg: &ShellConfig) -> Result<String, String> {
    if cfg.lanes == 0 {
        return Err("lanes must be at least 1, not 0".into());
    }
    if cfg.ext_lanes > pin_lanes.min(cfg.lanes) {
        return Err(format!(
            "external lanes must be at most {} (the board's lane pins and the lanes), not {}",
            pin_lanes.min(cfg.lanes),
            cfg.ext_lanes
        ));
    }
    if !(1..=8).contains(&cfg.osr) {
        return Err(format!("osr must be in 1..=8, not {}", cfg.osr));
    }
    fn gen<const E: usize, const L: usize>(cfg: &ShellConfig) -> String {
        let mut top = BoardShell::<E, L>::new(cfg);
        crate::verilog::verilog_of(&mut top)
    }
    match (pin_lanes, leds) {
        (8, 7) => Ok(gen::<8, 7>(cfg)),
        (16, 8) => Ok(gen::<16, 8>(cfg)),
        (21, 8) => Ok(gen::<21, 8>(cfg)),
        s => Err(format!("(lane pins, leds) must be one of {PIN_SHAPES:?}, not {s:?}")),
    }
}
