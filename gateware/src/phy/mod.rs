//! The lane PHY: what one lane does with its line bits. TX: scrambler,
//! sync header, serializer (or a raw PRBS); RX: oversampling bit recovery,
//! block lock, descrambler (or the PRBS checker). The 66-bit block format
//! ([block_format]) is the interface to the link layer above.

pub mod bit_recovery;
pub mod block_format;
pub mod block_lock;
pub mod lane_rx;
pub mod lane_tx;
pub mod lfsr;
pub mod prbs;
pub mod prbs_word;
pub mod scrambler;
