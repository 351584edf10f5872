//! The gateware channel emulator: one lane's impairments ([lane]: delay,
//! stuck, invert, bit errors) and the N-lane emulator with its registers
//! ([channel]) that sits between the cores' TX and RX lines.

pub mod channel;
pub mod lane;
pub mod lane_flags;
pub mod lut_ram;
pub mod permutation;
pub mod ram_delay;
pub mod reg_copy;
pub mod style;
