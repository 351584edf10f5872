//! Marker lock model: what a receiver learns from one lane's delivered
//! blocks (descrambled payloads with their header kind), written from the
//! rules (IEEE 802.3 clause 82 style, our marker format from
//! `mosaic_gateware::link::marker`), not from the gateware:
//! - lock on the first valid marker, then expect one every M blocks;
//! - at the expected position a valid marker with the lane's id is good
//!   and its BIP-8 is checked against the XOR of the period's payloads
//!   (every bit of difference is a BIP error); anything else is a bad
//!   marker, and 4 bad in a row unlock;
//! - a valid marker with another id unlocks at once; the new id is
//!   believed only when the next marker repeats it;
//! - unlocked, an inverted marker (the complement of a valid one, seen as
//!   data) toggles the lane's polarity;
//! - a loss of block lock unlocks (and forgets a pending new id).
//!
//! Counters saturate at 2^32 - 1.

use mosaic_gateware::link::marker::{bip_fold, is_marker, marker_bip, marker_lane_id};

/// What one block did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarkerEvent {
    /// A good marker with the lane's id (or the one that brought the lock).
    pub marker_seen: bool,
    /// That marker's BIP-8 disagreed with the period.
    pub bip_bad: bool,
}

/// One lane's marker lock (see the module docs).
#[derive(Clone, Debug)]
pub struct MarkerLockModel {
    period: usize,
    /// Locked, and the lane id learned.
    pub locked: bool,
    pub lane_id: u64,
    /// The lane's polarity was found inverted.
    pub inverted: bool,
    /// BIP-8 bit errors and bad markers, saturating.
    pub bip_errors: u32,
    pub bad_markers: u32,
    since_marker: usize,
    bad_run: u32,
    bip: u8,
    moved_to: Option<u64>,
}

impl MarkerLockModel {
    /// A lane whose markers come every `period` blocks.
    pub fn new(period: usize) -> Self {
        Self {
            period,
            locked: false,
            lane_id: 0,
            inverted: false,
            bip_errors: 0,
            bad_markers: 0,
            since_marker: 0,
            bad_run: 0,
            bip: 0,
            moved_to: None,
        }
    }

    /// Block lock was lost.
    pub fn block_lock_lost(&mut self) {
        self.locked = false;
        self.moved_to = None;
    }

    /// One delivered block: its payload, control header, invalid header.
    pub fn block(&mut self, payload: u64, ctrl: bool, bad: bool) -> MarkerEvent {
        let mut ev = MarkerEvent::default();
        let marker = ctrl && !bad && is_marker(payload);
        let id = marker_lane_id(payload);
        if !self.locked {
            if marker {
                if self.moved_to.is_none_or(|m| m == id) {
                    self.locked = true;
                    self.lane_id = id;
                    self.since_marker = 0;
                    self.bad_run = 0;
                    self.bip = 0;
                    self.moved_to = None;
                    ev.marker_seen = true;
                } else {
                    self.moved_to = Some(id);
                }
            } else if !ctrl && !bad && is_inverted_marker(payload) {
                self.inverted = !self.inverted;
            }
        } else if self.since_marker == self.period - 1 {
            self.since_marker = 0;
            let period_bip = std::mem::take(&mut self.bip);
            if marker && id == self.lane_id {
                self.bad_run = 0;
                ev.marker_seen = true;
                let diff = (period_bip ^ marker_bip(payload)).count_ones();
                ev.bip_bad = diff != 0;
                self.bip_errors = self.bip_errors.saturating_add(diff);
            } else {
                self.bad_markers = self.bad_markers.saturating_add(1);
                self.bad_run += 1;
                if self.bad_run == 4 {
                    self.locked = false;
                }
                if marker {
                    self.locked = false;
                    self.moved_to = Some(id);
                }
            }
        } else {
            self.since_marker += 1;
            self.bip ^= bip_fold(payload);
        }
        ev
    }
}

/// The complement of a marker's fixed fields and BIP pair (its id check
/// is not needed to see the polarity).
fn is_inverted_marker(payload: u64) -> bool {
    use mosaic_gateware::link::marker::{MARKER_BIP_INV_LSB, MARKER_BIP_LSB, MARKER_FIXED_MASK, MARKER_FIXED_VALUE};
    let p = !payload;
    p & MARKER_FIXED_MASK == MARKER_FIXED_VALUE && ((p >> MARKER_BIP_LSB) as u8) == !((p >> MARKER_BIP_INV_LSB) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_gateware::link::marker::marker_payload;

    #[test]
    fn locks_checks_bip_counts_bad_markers_and_follows_a_move() {
        let mut m = MarkerLockModel::new(4);
        assert_eq!(m.block(7, false, false), MarkerEvent::default());
        assert!(!m.locked);
        let e = m.block(marker_payload(5, 0), true, false);
        assert_eq!(e, MarkerEvent { marker_seen: true, bip_bad: false });
        assert_eq!((m.locked, m.lane_id), (true, 5));
        // A period of three data blocks; its marker carries a BIP two bits off.
        let data = [0x0102u64, 0xFF, 0x1_0000];
        let bip = data.iter().fold(0, |a, &d| a ^ bip_fold(d));
        for d in data {
            m.block(d, false, false);
        }
        let e = m.block(marker_payload(5, bip ^ 0x81), true, false);
        assert_eq!(e, MarkerEvent { marker_seen: true, bip_bad: true });
        assert_eq!((m.bip_errors, m.bad_markers), (2, 0));
        // A data block in the marker slot is a bad marker; the lock holds.
        for _ in 0..4 {
            m.block(0, false, false);
        }
        assert_eq!((m.locked, m.bad_markers), (true, 1));
        // A valid marker with id 9: unlocked at once, relocked on the next 9.
        for _ in 0..3 {
            m.block(0, false, false);
        }
        m.block(marker_payload(9, 0), true, false);
        assert!(!m.locked);
        m.block(marker_payload(8, 0), true, false);
        assert!(!m.locked, "8 is not the id the last marker showed");
        m.block(marker_payload(8, 0), true, false);
        assert_eq!((m.locked, m.lane_id), (true, 8));
        m.block_lock_lost();
        assert!(!m.locked);
        m.block(!marker_payload(3, 0), false, false);
        assert!(m.inverted, "an inverted marker while unlocked toggles the polarity");
    }
}
