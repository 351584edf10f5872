//! # mosaic-gateware: rust-hdl cores of a wide-and-slow optical link
//!
//! The link is layered; each layer talks to the next through a small, fixed
//! interface so that each can be built and tested on its own:
//!
//! ```text
//!  stream (64-bit words, valid/ready)
//!    └─ link::*        gearbox, alignment markers, lane discovery, deskew, sparing
//!         └─ block interface (see [block_format]): one 66-bit block per lane
//!            every 66 * OSR clocks: `block_data: Bits<64>`, `block_ctrl: Bit`
//!              └─ lane_tx / lane_rx   scrambler, sync header, serializer,
//!                                     oversampling bit recovery, block lock
//!                   └─ pins: one bit per lane, each held for OSR clocks
//! ```
//!
//! The control plane ([regmap], [protocol]) is described once, as data, and
//! the gateware's register decode, the host client and `mosaic regs` are all
//! generated from it.

pub mod block_format;
pub mod params;
pub mod protocol;
pub mod regmap;
pub mod toolchain;
pub mod verilog;
pub mod verilog_settle;

// Lane PHY (issue: lane PHY).
pub mod bit_recovery;
pub mod block_lock;
pub mod lane_rx;
pub mod lane_tx;
pub mod lfsr;
pub mod prbs;
pub mod scrambler;

// Multi-lane link (issue: link).
pub mod link;

// Host control over UART (issue: bridge).
pub mod bert_core;
pub mod bert_engine;
pub mod bridge;
pub mod crc16;
pub mod map_decode;
pub mod prbs_word;
pub mod reg_port;
pub mod top;
pub mod uart_rx;
pub mod uart_tx;

// Channel emulator (engineer boards).
pub mod boards;
pub mod emulator;
