//! FPGA families: the one definition the gateware (which picks per-family
//! structures) and the host (which picks the tools) share.

use crate::emu::style::EmuStyle;

/// FPGA family: decides the synthesis, place-and-route and packing tools,
/// and the structures that map well on it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Family {
    /// Lattice iCE40: yosys synth_ice40, nextpnr-ice40, icepack.
    Ice40,
    /// Lattice ECP5: yosys synth_ecp5, nextpnr-ecp5, ecppack (yowasp builds).
    Ecp5,
}

impl Family {
    /// The channel emulator's memory style on this family (the only place
    /// that decides it): LUT RAM where the fabric has it.
    pub fn emu_style(self) -> EmuStyle {
        match self {
            Family::Ice40 => EmuStyle::Registers,
            Family::Ecp5 => EmuStyle::LutRam,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecp5_takes_lut_ram_and_ice40_registers() {
        assert_eq!(Family::Ecp5.emu_style(), EmuStyle::LutRam);
        assert_eq!(Family::Ice40.emu_style(), EmuStyle::Registers);
    }
}
