//! Traffic generator and checker for the wide stream: the frame format,
//! and the width of their CRC step.
//!
//! A frame is [FRAME_WORDS] 64-bit words:
//!
//! | word            | content                                                  |
//! |-----------------|----------------------------------------------------------|
//! | 0               | header: [FRAME_MAGIC] in bits 63..32, sequence in 31..0   |
//! | 1 ..= F-2       | payload from a free-running 64-bit LFSR                   |
//! | F-1             | trailer: sequence in 63..32, CRC-32 of words 0..=F-2 in 31..0 |
//!
//! The generator ([TrafficGen], `traffic_gen.rs`) and the checker
//! ([TrafficCheck], `traffic_check.rs`) step the CRC-32 B bits per clock,
//! B in 8, 16, 32, 64, so they make or check one link word every 64 / B
//! clocks behind the same 64-bit streams. N lanes at OSR carry only
//! N x 64 / (66 x OSR) payload bits per clock, so a link takes the smallest
//! B that still fills every round
//! ([traffic_step_bits](crate::params::LinkParams::traffic_step_bits)); the
//! frames are the same bit for bit for every B.
//!
//! Size of generator + checker (yosys 0.23, each flattened; measured by
//! `link_traffic_width`'s synthesis test). For B < 64 the checker's FIFO
//! is 256 x 64 bits of block RAM: 4 SB_RAM40_4K on iCE40, 2 DP16KD on ECP5.
//!
//! | B  | iCE40 LUT4 (gen + check) | ECP5 LUT4 (gen + check) | FF  |
//! |----|--------------------------|-------------------------|-----|
//! | 8  | 1211 (461 + 750)         | 1499 (822 + 677)        | 447 |
//! | 16 | 1373 (512 + 861)         | 1679 (831 + 848)        | 447 |
//! | 32 | 1675 (669 + 1006)        | 2464 (1180 + 1284)      | 447 |
//! | 64 | 1776 (798 + 978)         | 2315 (1329 + 986)       | 399 |
//!
//! What stays at B = 8 is the rest of the frame logic: the word mux, the
//! 64-bit LFSR, and the checker's four saturating 32-bit counters and its
//! sequence arithmetic.

pub use super::traffic_check::{fifo_words_for, TrafficCheck};
pub use super::traffic_gen::TrafficGen;

/// Words per frame.
pub const FRAME_WORDS: u64 = 8;
/// Header magic (bits 63..32 of word 0).
pub const FRAME_MAGIC: u64 = 0x4D4F_5346;
/// Galois LFSR taps of the payload generator (x^64 + x^63 + x^61 + x^60 + 1).
pub const PAYLOAD_LFSR_TAPS: u64 = 0xD800_0000_0000_0000;
/// Seed of the payload LFSR.
pub const PAYLOAD_LFSR_SEED: u64 = 0x0123_4567_89AB_CDEF;
