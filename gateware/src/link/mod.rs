//! The multi-lane link layer: gearbox, alignment markers, lane discovery,
//! deskew, sparing, traffic generator/checker.

pub mod core;
pub mod core_wide;
pub mod crc32;
pub mod deskew_lane;
pub mod deskew_ram;
pub mod engine;
pub mod link_rx;
pub mod link_tx;
pub mod marker;
pub mod stream_width;
pub mod traffic;
pub mod traffic_check;
pub mod traffic_gen;
pub mod tx_word_stage;
pub mod word_fifo;
pub mod word_stream;
