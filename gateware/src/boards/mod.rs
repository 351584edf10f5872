//! Board tops: thin shells (PLL, reset, pins) around the portable core.
//!
//! The board descriptions themselves (part, package, pins, programmer) are
//! data in the host crate (`mosaic_host::boards`); this module turns a
//! [ShellConfig] into Verilog whose top module `top` has the ports the
//! constraint files in `constraints/` bind: `clk_in`, `uart_rx`, `uart_tx`,
//! `leds[L-1:0]`, `tx_pins[E-1:0]`, `rx_pins[E-1:0]`.

pub mod family;
pub mod heartbeat;
pub mod pll;
pub mod shell;

pub use family::Family;
pub use pll::{ecp5_pll, ice40_pll, BoardPll, Ecp5Pll, Ice40Pll, PllConfig, PllError};
pub use shell::{BertShell, ClockReset, CoreKind, LinkShell, ShellConfig};

/// (lane pin pairs, LEDs) of the boards; the shell is generic in both, so
/// each shape needs an instance here.
pub const PIN_SHAPES: [(usize, usize); 3] = [(8, 7), (16, 8), (21, 8)];

/// Verilog of the board top for a board with `pin_lanes` lane pin pairs
/// and `leds` LEDs. Errors name the unsupported shape or the inconsistent
/// lane counts.
pub fn board_verilog(pin_lanes: usize, leds: usize, cfg: &ShellConfig) -> Result<String, String> {
    cfg.params.validate().map_err(|e| e.to_string())?;
    let phys = cfg.params.physical_lanes();
    let most = pin_lanes.min(phys);
    if cfg.ext_lanes > most {
        return Err(format!(
            "external lanes must be at most {most} (the board's lane pins and the lanes), not {}",
            cfg.ext_lanes
        ));
    }
    fn gen<const E: usize, const L: usize>(cfg: &ShellConfig) -> Result<String, String> {
        let verilog = match cfg.core {
            CoreKind::Link => LinkShell::<E, L>::try_new(cfg).map(|mut s| crate::verilog::verilog_of(&mut s)),
            CoreKind::Bert => BertShell::<E, L>::try_new(cfg).map(|mut s| crate::verilog::verilog_of(&mut s)),
        };
        verilog.map_err(|e| e.to_string())
    }
    match (pin_lanes, leds) {
        (8, 7) => gen::<8, 7>(cfg),
        (16, 8) => gen::<16, 8>(cfg),
        (21, 8) => gen::<21, 8>(cfg),
        s => Err(format!("(lane pins, leds) must be one of {PIN_SHAPES:?}, not {s:?}")),
    }
}
