//! Board PLLs: from the board oscillator to the link clock.
//!
//! [BoardPll] wraps the vendor primitive (SB_PLL40_PAD / SB_PLL40_CORE on
//! iCE40, EHXPLLL on ECP5) as a rust-hdl block; in simulation it passes the
//! input clock through. The divider solvers pick the settings the way
//! `icepll` and `ecppll` do, within the datasheet ranges, and report the
//! frequency actually reached (the build checks timing against it).

use rust_hdl::prelude::*;
use thiserror::Error;

/// Why no PLL setting was chosen.
#[derive(Debug, Error, PartialEq)]
pub enum PllError {
    /// The requested output is outside what the PLL can make at all (or not
    /// a number): checked before any search, so `--freq inf` is refused.
    #[error("the output must be in {min_mhz}..={max_mhz} MHz (the {family} PLL's range), not {fout_mhz}")]
    OutOfRange { family: &'static str, fout_mhz: f64, min_mhz: f64, max_mhz: f64 },
    /// No divider setting reaches the requested frequency closely enough.
    #[error(
        "no {family} PLL setting turns {fin_mhz} MHz into {fout_mhz} MHz within 1% (closest: {closest_mhz:.3} MHz)"
    )]
    NoSetting { family: &'static str, fin_mhz: f64, fout_mhz: f64, closest_mhz: f64 },
}

/// iCE40 PLL output range (LP/HX/UP datasheets, SIMPLE feedback), MHz.
pub const ICE40_FOUT_MHZ: (f64, f64) = (16.0, 275.0);
/// ECP5 EHXPLLL output range (ECP5 datasheet, CLKOP), MHz.
pub const ECP5_FOUT_MHZ: (f64, f64) = (3.125, 400.0);
/// The VCO frequency `ecppll` aims for among equally close settings: the
/// middle of the 400..800 MHz range, away from both ends where the loop
/// has the least margin.
pub const ECP5_VCO_TARGET_MHZ: f64 = 600.0;

fn check_range(family: &'static str, (min_mhz, max_mhz): (f64, f64), fout_mhz: f64) -> Result<(), PllError> {
    // `contains` is false for NaN, so a NaN is refused as well.
    if (min_mhz..=max_mhz).contains(&fout_mhz) {
        Ok(())
    } else {
        Err(PllError::OutOfRange { family, fout_mhz, min_mhz, max_mhz })
    }
}

/// iCE40 PLL settings (SIMPLE feedback): fout = fin * (DIVF + 1) / ((DIVR + 1) * 2^DIVQ).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ice40Pll {
    pub divr: u8,
    pub divf: u8,
    pub divq: u8,
    pub filter_range: u8,
    /// The output frequency these settings give.
    pub fout_mhz: f64,
}

/// ECP5 EHXPLLL settings (feedback from CLKOP): fout = fin / CLKI_DIV * CLKFB_DIV,
/// VCO = fout * CLKOP_DIV.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ecp5Pll {
    pub clki_div: u8,
    pub clkfb_div: u8,
    pub clkop_div: u8,
    pub fin_mhz: f64,
    /// The output frequency these settings give.
    pub fout_mhz: f64,
}

/// Which primitive a board's clock goes through.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PllConfig {
    /// iCE40, clock pin is the PLL's own pad (SB_PLL40_PAD).
    Ice40Pad(Ice40Pll),
    /// iCE40, clock from a global buffer (SB_PLL40_CORE).
    Ice40Core(Ice40Pll),
    /// ECP5 EHXPLLL.
    Ecp5(Ecp5Pll),
}

impl PllConfig {
    /// The link clock this PLL produces.
    pub fn fout_mhz(&self) -> f64 {
        match self {
            PllConfig::Ice40Pad(p) | PllConfig::Ice40Core(p) => p.fout_mhz,
            PllConfig::Ecp5(p) => p.fout_mhz,
        }
    }
}

fn close_enough(best: f64, want: f64) -> bool {
    (best - want).abs() <= want * 0.01
}

/// iCE40 divider settings for `fin` -> `fout` (iCE40 LP/HX/UP datasheet:
/// PFD 10..133 MHz, VCO 533..1066 MHz, output 16..275 MHz).
pub fn ice40_pll(fin_mhz: f64, fout_mhz: f64) -> Result<Ice40Pll, PllError> {
    check_range("iCE40", ICE40_FOUT_MHZ, fout_mhz)?;
    let mut best: Option<Ice40Pll> = None;
    for divr in 0..=15u8 {
        let fpfd = fin_mhz / (divr as f64 + 1.0);
        if !(10.0..=133.0).contains(&fpfd) {
            continue;
        }
        for divf in 0..=127u8 {
            let fvco = fpfd * (divf as f64 + 1.0);
            if !(533.0..=1066.0).contains(&fvco) {
                continue;
            }
            for divq in 1..=6u8 {
                let f = fvco / f64::from(1u32 << divq);
                if !(ICE40_FOUT_MHZ.0..=ICE40_FOUT_MHZ.1).contains(&f) {
                    continue;
                }
                let better = best.is_none_or(|b| (f - fout_mhz).abs() < (b.fout_mhz - fout_mhz).abs());
                if better {
                    // Loop filter range by PFD frequency, as icepll chooses it.
                    let filter_range = match fpfd {
                        f if f < 17.0 => 1,
                        f if f < 26.0 => 2,
                        f if f < 44.0 => 3,
                        f if f < 66.0 => 4,
                        f if f < 101.0 => 5,
                        _ => 6,
                    };
                    best = Some(Ice40Pll { divr, divf, divq, filter_range, fout_mhz: f });
                }
            }
        }
    }
    match best {
        Some(b) if close_enough(b.fout_mhz, fout_mhz) => Ok(b),
        b => {
            Err(PllError::NoSetting { family: "iCE40", fin_mhz, fout_mhz, closest_mhz: b.map_or(0.0, |b| b.fout_mhz) })
        }
    }
}

/// ECP5 divider settings for `fin` -> `fout` (PFD 3.125..400 MHz, VCO
/// 400..800 MHz, output 3.125..400 MHz), chosen as `ecppll` chooses them:
/// the closest output, and among equally close ones the VCO nearest
/// [ECP5_VCO_TARGET_MHZ] (taking the first divider that reached the VCO
/// range put it at its 400 MHz floor: 40 MHz ran the VCO at 400, now 600).
pub fn ecp5_pll(fin_mhz: f64, fout_mhz: f64) -> Result<Ecp5Pll, PllError> {
    check_range("ECP5", ECP5_FOUT_MHZ, fout_mhz)?;
    let vco_off = |p: &Ecp5Pll| (p.fout_mhz * p.clkop_div as f64 - ECP5_VCO_TARGET_MHZ).abs();
    let mut best: Option<Ecp5Pll> = None;
    for clki_div in 1..=128u8 {
        let fpfd = fin_mhz / clki_div as f64;
        if !(3.125..=400.0).contains(&fpfd) {
            continue;
        }
        for clkfb_div in 1..=80u8 {
            let f = fpfd * clkfb_div as f64;
            if !(ECP5_FOUT_MHZ.0..=ECP5_FOUT_MHZ.1).contains(&f) {
                continue;
            }
            for clkop_div in 1..=128u8 {
                if !(400.0..=800.0).contains(&(f * clkop_div as f64)) {
                    continue;
                }
                let p = Ecp5Pll { clki_div, clkfb_div, clkop_div, fin_mhz, fout_mhz: f };
                let better = best.is_none_or(|b| {
                    let (err, best_err) = ((f - fout_mhz).abs(), (b.fout_mhz - fout_mhz).abs());
                    err < best_err || (err == best_err && vco_off(&p) < vco_off(&b))
                });
                if better {
                    best = Some(p);
                }
            }
        }
    }
    match best {
        Some(b) if close_enough(b.fout_mhz, fout_mhz) => Ok(b),
        b => Err(PllError::NoSetting { family: "ECP5", fin_mhz, fout_mhz, closest_mhz: b.map_or(0.0, |b| b.fout_mhz) }),
    }
}

/// The board PLL as a block: oscillator in, link clock and lock out.
/// (`Block` is implemented by hand: the derive wants every field to be a
/// block, and the settings are plain data.)
pub struct BoardPll {
    /// Board oscillator.
    pub clk_in: Signal<In, Clock>,
    /// Link clock.
    pub clk_out: Signal<Out, Clock>,
    /// The PLL has locked (the link is held in reset until then).
    pub locked: Signal<Out, Bit>,
    cfg: PllConfig,
}

impl BoardPll {
    pub fn new(cfg: PllConfig) -> Self {
        Self { clk_in: Default::default(), clk_out: Default::default(), locked: Default::default(), cfg }
    }
}

impl Block for BoardPll {
    fn connect_all(&mut self) {
        self.connect();
        self.clk_in.connect_all();
        self.clk_out.connect_all();
        self.locked.connect_all();
    }

    fn update_all(&mut self) {
        self.update();
        self.clk_in.update_all();
        self.clk_out.update_all();
        self.locked.update_all();
    }

    fn has_changed(&self) -> bool {
        self.clk_in.has_changed() || self.clk_out.has_changed() || self.locked.has_changed()
    }

    fn accept(&self, name: &str, probe: &mut dyn Probe) {
        probe.visit_start_scope(name, self);
        self.clk_in.accept("clk_in", probe);
        self.clk_out.accept("clk_out", probe);
        self.locked.accept("locked", probe);
        probe.visit_end_scope(name, self);
    }
}

impl Logic for BoardPll {
    fn update(&mut self) {
        // Simulation: a perfect PLL at the input frequency.
        self.clk_out.next = self.clk_in.val();
        self.locked.next = true;
    }

    fn connect(&mut self) {
        self.clk_out.connect();
        self.locked.connect();
    }

    fn hdl(&self) -> Verilog {
        let code = match self.cfg {
            PllConfig::Ice40Pad(p) | PllConfig::Ice40Core(p) => {
                let (prim, refpin) = match self.cfg {
                    PllConfig::Ice40Pad(_) => ("SB_PLL40_PAD", "PACKAGEPIN"),
                    _ => ("SB_PLL40_CORE", "REFERENCECLK"),
                };
                format!(
                    r#"
{prim} #(
    .FEEDBACK_PATH("SIMPLE"),
    .DIVR(4'd{divr}),
    .DIVF(7'd{divf}),
    .DIVQ(3'd{divq}),
    .FILTER_RANGE(3'd{filter})
) pll_i (
    .{refpin}(clk_in),
    .PLLOUTGLOBAL(clk_out),
    .LOCK(locked),
    .RESETB(1'b1),
    .BYPASS(1'b0)
);
"#,
                    divr = p.divr,
                    divf = p.divf,
                    divq = p.divq,
                    filter = p.filter_range
                )
            }
            PllConfig::Ecp5(p) => format!(
                r#"
wire clkop;
assign clk_out = clkop;
(* FREQUENCY_PIN_CLKI="{fin}" *)
(* FREQUENCY_PIN_CLKOP="{fout}" *)
(* ICP_CURRENT="12" *) (* LPF_RESISTOR="8" *) (* MFG_ENABLE_FILTEROPAMP="1" *) (* MFG_GMCREF_SEL="2" *)
EHXPLLL #(
    .PLLRST_ENA("DISABLED"),
    .INTFB_WAKE("DISABLED"),
    .STDBY_ENABLE("DISABLED"),
    .DPHASE_SOURCE("DISABLED"),
    .OUTDIVIDER_MUXA("DIVA"),
    .OUTDIVIDER_MUXB("DIVB"),
    .OUTDIVIDER_MUXC("DIVC"),
    .OUTDIVIDER_MUXD("DIVD"),
    .CLKI_DIV({clki}),
    .CLKOP_ENABLE("ENABLED"),
    .CLKOP_DIV({clkop}),
    .CLKOP_CPHASE({cphase}),
    .CLKOP_FPHASE(0),
    .FEEDBK_PATH("CLKOP"),
    .CLKFB_DIV({clkfb})
) pll_i (
    .RST(1'b0),
    .STDBY(1'b0),
    .CLKI(clk_in),
    .CLKOP(clkop),
    .CLKFB(clkop),
    .CLKINTFB(),
    .PHASESEL0(1'b0),
    .PHASESEL1(1'b0),
    .PHASEDIR(1'b1),
    .PHASESTEP(1'b1),
    .PHASELOADREG(1'b1),
    .PLLWAKESYNC(1'b0),
    .ENCLKOP(1'b0),
    .LOCK(locked)
);
"#,
                fin = p.fin_mhz,
                fout = p.fout_mhz,
                clki = p.clki_div,
                clkop = p.clkop_div,
                cphase = p.clkop_div as u32 - 1,
                clkfb = p.clkfb_div
            ),
        };
        // The primitives come from yosys' own cell libraries (synth_ice40 /
        // synth_ecp5 read them), so no black-box declaration is added.
        Verilog::Wrapper(Wrapper { code, cores: String::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ice40_settings_match_icepll() {
        // icepll -i 12 -o 48: DIVR 0, DIVF 63, DIVQ 4, FILTER_RANGE 1.
        let p = ice40_pll(12.0, 48.0).unwrap();
        assert_eq!((p.divr, p.divf, p.divq, p.filter_range), (0, 63, 4, 1));
        assert_eq!(p.fout_mhz, 48.0);
        let p = ice40_pll(100.0, 50.0).unwrap();
        assert!((p.fout_mhz - 50.0).abs() < 1e-9, "{p:?}");
        assert_eq!(
            ice40_pll(12.0, 1.0).unwrap_err().to_string(),
            "the output must be in 16..=275 MHz (the iCE40 PLL's range), not 1"
        );
        assert_eq!(
            ice40_pll(12.0, f64::INFINITY).unwrap_err().to_string(),
            "the output must be in 16..=275 MHz (the iCE40 PLL's range), not inf"
        );
        assert!(ice40_pll(12.0, f64::NAN).unwrap_err().to_string().ends_with("not NaN"));
    }

    #[test]
    fn ecp5_settings_are_in_range() {
        let p = ecp5_pll(25.0, 50.0).unwrap();
        assert_eq!(p.fout_mhz, 50.0);
        let vco = p.fout_mhz * p.clkop_div as f64;
        assert!((400.0..=800.0).contains(&vco), "{p:?}");
        assert_eq!(25.0 / p.clki_div as f64 * p.clkfb_div as f64, 50.0);
        // ecppll -i 25 -o 40: refclk 5, feedback 8, output 15, VCO 600 (was 10, VCO 400).
        let p = ecp5_pll(25.0, 40.0).unwrap();
        assert_eq!((p.clki_div, p.clkfb_div, p.clkop_div), (5, 8, 15));
        assert_eq!(
            ecp5_pll(25.0, 401.0).unwrap_err().to_string(),
            "the output must be in 3.125..=400 MHz (the ECP5 PLL's range), not 401"
        );
    }
}
