//! Line sample streams: each line bit is held for OSR clocks.

/// Each bit repeated `osr` times.
pub fn samples_from_bits(bits: &[bool], osr: usize) -> Vec<bool> {
    bits.iter().flat_map(|&b| std::iter::repeat_n(b, osr)).collect()
}

/// The clock phase (0..osr) at which bits start: every level change of
/// `samples` is at an index = phase mod osr. None if changes disagree or
/// there are none.
pub fn find_bit_phase(samples: &[bool], osr: usize) -> Option<usize> {
    let mut phase = None;
    for i in 1..samples.len() {
        if samples[i] != samples[i - 1] {
            let p = i % osr;
            match phase {
                None => phase = Some(p),
                Some(q) if q != p => return None,
                _ => {}
            }
        }
    }
    phase
}

/// One bit per `osr` samples, taken at the first sample of each bit that
/// starts at `phase` (partial leading bits are dropped).
pub fn bits_from_samples(samples: &[bool], osr: usize, phase: usize) -> Vec<bool> {
    samples.iter().skip(phase).step_by(osr).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_roundtrip() {
        let bits = [true, false, false, true, true, false, true];
        for osr in 1..=8 {
            let mut s = vec![false; 3];
            s.extend(samples_from_bits(&bits, osr));
            if osr > 1 {
                assert_eq!(find_bit_phase(&s, osr), Some(3 % osr));
            }
            assert_eq!(bits_from_samples(&s, osr, 3 % osr)[3 / osr..][..bits.len()], bits[..]);
        }
    }
}
