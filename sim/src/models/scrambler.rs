//! Payload scrambler models, x^58 + x^39 + 1 (see `block_format`):
//! scrambled s[t] = d[t] ^ s[t - 39] ^ s[t - 58].

use mosaic_gateware::phy::block_format::SCRAMBLER_TAPS;

fn tap(history: u64) -> bool {
    let (a, b) = SCRAMBLER_TAPS;
    ((history >> (a - 1)) ^ (history >> (b - 1))) & 1 == 1
}

const MASK: u64 = (1u64 << SCRAMBLER_TAPS.1) - 1;

/// Self-synchronizing scrambler.
#[derive(Clone, Debug, Default)]
pub struct ScramblerModel {
    /// Previous scrambled bits, bit 0 = the newest.
    history: u64,
}

impl ScramblerModel {
    /// A scrambler with zero history (as the gateware after reset).
    pub fn new() -> Self {
        Self::default()
    }

    /// Scrambles one bit.
    pub fn bit(&mut self, d: bool) -> bool {
        let s = d ^ tap(self.history);
        self.history = ((self.history << 1) | s as u64) & MASK;
        s
    }

    /// Scrambles 64 payload bits, LSB first.
    pub fn word(&mut self, d: u64) -> u64 {
        (0..64).fold(0u64, |acc, i| acc | (self.bit((d >> i) & 1 == 1) as u64) << i)
    }
}

/// Self-synchronizing descrambler: correct after 58 correct received bits.
#[derive(Clone, Debug, Default)]
pub struct DescramblerModel {
    /// Previous received bits, bit 0 = the newest.
    history: u64,
}

impl DescramblerModel {
    /// A descrambler with zero history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Descrambles one received bit.
    pub fn bit(&mut self, r: bool) -> bool {
        let d = r ^ tap(self.history);
        self.history = ((self.history << 1) | r as u64) & MASK;
        d
    }

    /// Descrambles 64 received payload bits, LSB first.
    pub fn word(&mut self, r: u64) -> u64 {
        (0..64).fold(0u64, |acc, i| acc | (self.bit((r >> i) & 1 == 1) as u64) << i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn roundtrip_and_self_sync() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let data: Vec<u64> = (0..50).map(|_| rng.gen()).collect();
        let mut s = ScramblerModel::new();
        let line: Vec<u64> = data.iter().map(|&d| s.word(d)).collect();
        // Scrambling changes the data.
        assert_ne!(line, data);
        let mut d = DescramblerModel::new();
        let back: Vec<u64> = line.iter().map(|&r| d.word(r)).collect();
        assert_eq!(back, data);
        // A descrambler joining mid-stream is right from the 2nd word (58 bits).
        let mut late = DescramblerModel::new();
        let back: Vec<u64> = line[10..].iter().map(|&r| late.word(r)).collect();
        assert_ne!(back[0], data[10]);
        assert_eq!(&back[1..], &data[11..]);
    }

    #[test]
    fn one_line_error_is_three_payload_errors_at_0_39_58() {
        let mut s = ScramblerModel::new();
        let mut line: Vec<bool> = (0..500).map(|i| s.bit(i % 3 == 0)).collect();
        line[200] ^= true;
        let mut d = DescramblerModel::new();
        let wrong: Vec<usize> =
            line.iter().enumerate().filter_map(|(i, &r)| (d.bit(r) != (i % 3 == 0)).then_some(i)).collect();
        assert_eq!(wrong, vec![200, 239, 258]);
    }
}
