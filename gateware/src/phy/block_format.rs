//! The lane block format: the contract between the lane PHY and the link layer.
//!
//! A block is 66 bits, sent on the lane in this order:
//!
//! | line bit | content                                                   |
//! |----------|-----------------------------------------------------------|
//! | 0, 1     | sync header, not scrambled: `0,1` = data, `1,0` = control |
//! | 2 ..= 65 | payload bit 0 ..= 63 (LSB first), scrambled               |
//!
//! Sync headers `0,0` and `1,1` are invalid and count as sync-header errors
//! (the block-lock state machine hunts on them, IEEE 802.3 clause 49 style).
//!
//! The payload is scrambled with the self-synchronizing scrambler
//! x^58 + x^39 + 1 (IEEE 802.3 clause 49): every payload bit `d` is sent as
//! `s = d ^ s[-39] ^ s[-58]` where `s[-k]` is the k-th previous *scrambled
//! payload* bit on that lane. The sync header bits do not enter the scrambler.
//! The descrambler needs no seed and recovers after 58 correct bits, so a
//! lane can be (re)locked at any time; one line-bit error becomes exactly
//! three payload-bit errors (at +0, +39 and +58 payload bits).
//!
//! In the block interface between PHY and link, a block is `block_data:
//! Bits<64>` (the payload, unscrambled) and `block_ctrl: Bit` (1 = control).
//! Control blocks carry their type in payload bits 7..0 (see [CtrlType]).

/// Bits in a block on the line.
pub const BLOCK_BITS: usize = 66;
/// Payload bits in a block.
pub const PAYLOAD_BITS: usize = 64;
/// Sync header bits (first on the line).
pub const SYNC_BITS: usize = 2;
/// Sync header of a data block, as (first line bit, second line bit).
pub const SYNC_DATA: (bool, bool) = (false, true);
/// Sync header of a control block, as (first line bit, second line bit).
pub const SYNC_CTRL: (bool, bool) = (true, false);
/// Scrambler taps: x^58 + x^39 + 1.
pub const SCRAMBLER_TAPS: (usize, usize) = (39, 58);

/// Control block types (payload bits 7..0 of a control block).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CtrlType {
    /// Idle fill: sent when the stream has no word for a lane this round.
    Idle = 0x1E,
    /// Alignment marker (see the link layer's marker module for its fields).
    Marker = 0x4B,
}

/// The idle control block payload.
pub const IDLE_PAYLOAD: u64 = CtrlType::Idle as u64;
