//! # mosaic-gateware: rust-hdl cores of a wide-and-slow optical link
//!
//! The link is layered; each layer talks to the next through a small, fixed
//! interface so that each can be built and tested on its own:
//!
//! ```text
//!  stream (64-bit words, valid/ready)
//!    └─ link::*        gearbox, alignment markers, lane discovery, deskew, sparing
//!         └─ block interface (see [phy::block_format]): one 66-bit block per lane
//!            every 66 * OSR clocks: `block_data: Bits<64>`, `block_ctrl: Bit`
//!              └─ phy::*      scrambler, sync header, serializer,
//!                             oversampling bit recovery, block lock
//!                   └─ pins: one bit per lane, each held for OSR clocks
//! ```
//!
//! Beside the layers: [control] (register map, UART bridge, register port),
//! [emu] (the channel emulator between TX and RX lines), [bert] (the BERT
//! image's core), [top] (the board-independent tops) and [boards] (pins,
//! PLL, reset per board). The register map is described once, as data, and
//! the gateware's register decode, the host client and `mosaic regs` are all
//! generated from it.

pub mod params;
#[cfg(test)]
mod sim_clock;
pub mod toolchain;
pub mod verilog;
pub mod verilog_settle;

pub mod bert;
pub mod boards;
pub mod control;
pub mod emu;
pub mod link;
pub mod phy;
pub mod top;
