//! Alignment markers: the per-lane control block that carries the logical
//! lane id and a BIP-8 over the lane's previous marker period.
//!
//! Sent on every physical lane at the same block index (every M blocks),
//! as a control block (sync header `1,0`), scrambled like any block:
//!
//! | payload bits | content                                               |
//! |--------------|-------------------------------------------------------|
//! | 7..0         | block type [CtrlType::Marker] (0x4B)                  |
//! | 23..8        | fixed pattern [MARKER_PATTERN_LO] (0x5AC3)            |
//! | 35..24       | logical lane id; [UNUSED_LANE_ID] on an unused spare   |
//! | 39..36       | id check: XOR of the id's three nibbles [id_check]    |
//! | 47..40       | BIP-8 of the period before this marker                |
//! | 55..48       | complement of the BIP-8 (catches a stuck marker field) |
//! | 63..56       | fixed pattern [MARKER_PATTERN_HI] (0xE1)              |
//!
//! BIP-8: bit i is the XOR of bit i of every byte of the payloads of all
//! non-marker blocks sent on the lane since its previous marker. One line
//! error becomes three payload errors in the descrambler, at offsets 0, 39
//! and 58 payload bits: 0, 7 and 2 mod 8 - three distinct BIP bits, so one
//! isolated line error inside a period costs exactly 3 BIP errors.
//!
//! The id check makes a flipped id bit a bad marker (counted, tolerated)
//! rather than a valid marker with another id, which means the transmitter
//! moved the lane: the receiver must tell the two apart to keep the link up
//! under one error without ever reading a moved lane as the old one.
//!
//! A lane received with inverted polarity shows every marker as a *data*
//! block whose payload is the complement of a marker; the link detects
//! that and inverts the lane's receiver.

use crate::phy::block_format::CtrlType;

pub const MARKER_TYPE: u64 = CtrlType::Marker as u64;
pub const MARKER_PATTERN_LO: u64 = 0x5AC3;
pub const MARKER_PATTERN_HI: u64 = 0xE1;
/// Lane id carried by a physical lane that carries no logical lane.
pub const UNUSED_LANE_ID: u64 = 0xFFF;

/// Mask of the fixed bits a receiver checks (type, patterns).
pub const MARKER_FIXED_MASK: u64 = 0xFF00_0000_00FF_FFFF;
/// Lowest bit of the lane id and of its check nibble.
pub const MARKER_ID_LSB: usize = 24;
pub const MARKER_CHECK_LSB: usize = 36;
/// Lowest bit of the BIP-8 and of its complement.
pub const MARKER_BIP_LSB: usize = 40;
pub const MARKER_BIP_INV_LSB: usize = 48;

/// The 4-bit check of a lane id: the XOR of its three nibbles (catches
/// every single-bit error in the id).
pub fn id_check(lane_id: u64) -> u64 {
    (lane_id ^ (lane_id >> 4) ^ (lane_id >> 8)) & 0xF
}
/// Value of those fixed bits.
pub const MARKER_FIXED_VALUE: u64 = (MARKER_PATTERN_HI << 56) | (MARKER_PATTERN_LO << 8) | MARKER_TYPE;

/// Marker payload for a lane id and a BIP-8.
pub fn marker_payload(lane_id: u64, bip: u8) -> u64 {
    let id = lane_id & 0xFFF;
    MARKER_FIXED_VALUE
        | (id << MARKER_ID_LSB)
        | (id_check(id) << MARKER_CHECK_LSB)
        | ((bip as u64) << MARKER_BIP_LSB)
        | (((!bip) as u64) << MARKER_BIP_INV_LSB)
}

/// True when `payload` (of a control block) is a well-formed marker.
pub fn is_marker(payload: u64) -> bool {
    payload & MARKER_FIXED_MASK == MARKER_FIXED_VALUE
        && ((payload >> MARKER_BIP_LSB) as u8) == !((payload >> MARKER_BIP_INV_LSB) as u8)
        && (payload >> MARKER_CHECK_LSB) & 0xF == id_check(marker_lane_id(payload))
}

/// Lane id of a marker payload.
pub fn marker_lane_id(payload: u64) -> u64 {
    (payload >> MARKER_ID_LSB) & 0xFFF
}

/// BIP-8 carried by a marker payload.
pub fn marker_bip(payload: u64) -> u8 {
    (payload >> MARKER_BIP_LSB) as u8
}

/// The BIP-8 contribution of one block payload (XOR of its 8 bytes).
pub fn bip_fold(payload: u64) -> u8 {
    payload.to_le_bytes().iter().fold(0, |a, b| a ^ b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_round_trip() {
        for id in [0u64, 1, 17, 399, 0xFFE, UNUSED_LANE_ID] {
            for bip in [0u8, 0x5A, 0xFF] {
                let m = marker_payload(id, bip);
                assert!(is_marker(m));
                assert_eq!(marker_lane_id(m), id);
                assert_eq!(marker_bip(m), bip);
                assert!(!is_marker(!m), "an inverted marker must not look like a marker");
                // Any single-bit corruption of any field, the id included, is detected.
                for b in 0..64 {
                    assert!(!is_marker(m ^ (1 << b)), "bit {b} flip undetected");
                }
            }
        }
    }

    #[test]
    fn one_line_error_is_three_bip_bits() {
        // Descrambler error offsets 0, 39, 58 land in distinct BIP bits.
        let bits: std::collections::HashSet<_> = [0usize, 39, 58].iter().map(|o| o % 8).collect();
        assert_eq!(bits.len(), 3);
    }
}
