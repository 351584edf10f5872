//! How the channel emulator stores its per-lane state: chosen per FPGA
//! family ([crate::boards::Family::emu_style]), because the cheap choice on
//! one family is the expensive one on the other.

/// The emulator's memory style. Both behave the same, cycle for cycle.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum EmuStyle {
    /// Flip-flops only: the delay line a shift register with a tap mux,
    /// register reads an AND-OR over the lanes. For the iCE40, which has no
    /// LUT RAM (there a small RAM becomes flip-flops with write decodes).
    #[default]
    Registers,
    /// The delay line a circular buffer and a read copy of the registers
    /// in LUT RAM (combinational read, clocked write). For the ECP5, whose
    /// LUT RAM (TRELLIS_DPR16X4) holds 64 bits in the place of ~6 LUT4.
    LutRam,
}
