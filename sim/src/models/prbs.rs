//! PRBS generator and checker models: b[t] = b[t - n] ^ b[t - k] for the
//! polynomial x^n + x^k + 1 (ITU-T O.150 patterns, [PrbsPattern]).

use mosaic_gateware::phy::prbs::PrbsPattern;

/// Mask of the low `n` bits.
fn low_mask(n: usize) -> u64 {
    (1u64 << n) - 1
}

/// A PRBS bit source (an endless iterator of bits).
#[derive(Clone, Debug)]
pub struct PrbsModel {
    pattern: PrbsPattern,
    /// The last n bits produced, bit 0 = the newest.
    history: u64,
}

impl PrbsModel {
    /// The generator seeded with all ones (the usual O.150 seed).
    pub fn new(pattern: PrbsPattern) -> Self {
        Self::with_history(pattern, u64::MAX)
    }

    /// The generator continuing after the bits `history` (bit 0 = the newest
    /// bit already sent); panics if the low n bits are all zero (a lock-up).
    pub fn with_history(pattern: PrbsPattern, history: u64) -> Self {
        let history = history & low_mask(pattern.degree());
        assert!(history != 0, "{}: an all-zero history never leaves zero", pattern.name());
        Self { pattern, history }
    }

    /// The generator that continues the sequence whose bits so far end with
    /// `seen` (oldest first; at least n bits are used).
    pub fn continuing(pattern: PrbsPattern, seen: &[bool]) -> Self {
        let n = pattern.degree();
        assert!(seen.len() >= n, "need {n} bits to seed {}, got {}", pattern.name(), seen.len());
        let history = seen[seen.len() - n..].iter().fold(0u64, |h, &b| (h << 1) | b as u64);
        Self::with_history(pattern, history)
    }

    /// The pattern.
    pub fn pattern(&self) -> PrbsPattern {
        self.pattern
    }

    /// The next bit.
    pub fn next_bit(&mut self) -> bool {
        let (n, k) = self.pattern.taps();
        let bit = ((self.history >> (n - 1)) ^ (self.history >> (k - 1))) & 1 == 1;
        self.history = ((self.history << 1) | bit as u64) & low_mask(n);
        bit
    }
}

impl Iterator for PrbsModel {
    type Item = bool;
    fn next(&mut self) -> Option<bool> {
        Some(self.next_bit())
    }
}

/// A self-synchronizing PRBS checker: predicts each bit from the previous n
/// received bits. Bits are counted once n bits have been received. (The
/// gateware checker works like this only while hunting; once locked it runs
/// on its own predictions, and its reference is [PrbsModel] itself.)
#[derive(Clone, Debug)]
pub struct PrbsCheckerModel {
    pattern: PrbsPattern,
    history: u64,
    received: u64,
    /// Mispredicted bits (after the first n).
    pub errors: u64,
    /// Checked bits (after the first n).
    pub bits: u64,
}

impl PrbsCheckerModel {
    /// A checker with an empty history.
    pub fn new(pattern: PrbsPattern) -> Self {
        Self { pattern, history: 0, received: 0, errors: 0, bits: 0 }
    }

    /// Checks one received bit; true if it was mispredicted (and counted).
    pub fn check(&mut self, bit: bool) -> bool {
        let (n, k) = self.pattern.taps();
        let predicted = ((self.history >> (n - 1)) ^ (self.history >> (k - 1))) & 1 == 1;
        self.history = ((self.history << 1) | bit as u64) & low_mask(n);
        self.received += 1;
        if self.received <= n as u64 {
            return false;
        }
        self.bits += 1;
        let error = predicted != bit;
        self.errors += error as u64;
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_patterns_are_maximal_length() {
        for p in [PrbsPattern::Prbs7, PrbsPattern::Prbs9, PrbsPattern::Prbs15] {
            let period = (1usize << p.degree()) - 1;
            let mut g = PrbsModel::new(p);
            let first: Vec<bool> = (&mut g).take(period).collect();
            let again: Vec<bool> = (&mut g).take(period).collect();
            assert_eq!(first, again, "{} repeats after 2^n - 1", p.name());
            // Maximal length: every non-zero n-bit window appears exactly once per period.
            let mut seen = vec![false; period + 1];
            let n = p.degree();
            let cyc: Vec<bool> = first.iter().chain(first.iter()).copied().collect();
            for i in 0..period {
                let w = cyc[i..i + n].iter().fold(0usize, |a, &b| (a << 1) | b as usize);
                assert!(w != 0 && !seen[w], "{}: window {w:#x} repeated or zero", p.name());
                seen[w] = true;
            }
            // 2^(n-1) ones per period.
            assert_eq!(first.iter().filter(|&&b| b).count(), 1 << (n - 1));
        }
    }

    #[test]
    fn prbs7_known_prefix() {
        // Derived by hand from b[t] = b[t-7] ^ b[t-6] with seven ones before
        // t = 0: b0..b5 = 1^1 = 0, b6 = b[-1]^b0 = 1, b12 = b5^b6 = 1, ...
        let bits: String = PrbsModel::new(PrbsPattern::Prbs7).take(32).map(|b| if b { '1' } else { '0' }).collect();
        assert_eq!(bits, "00000010000011000010100011110010");
    }

    #[test]
    fn checker_counts_three_per_flipped_bit() {
        for p in PrbsPattern::ALL {
            let mut bits: Vec<bool> = PrbsModel::new(p).take(300).collect();
            bits[150] ^= true;
            let mut c = PrbsCheckerModel::new(p);
            for b in bits {
                c.check(b);
            }
            assert_eq!(c.errors, 3, "{}", p.name());
            assert_eq!(c.bits, 300 - p.degree() as u64);
        }
    }
}
