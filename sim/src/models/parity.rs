//! Cross-lane erasure code model (issue 15): each gearbox round of N data
//! blocks carries P = 0, 1 or 2 parity blocks, and up to P blocks of a
//! round whose positions are known (erasures: a dead lane, an invalid
//! header, a missing FIFO head) are rebuilt from the others, as RAID does
//! across disks.
//!
//! Every 64-bit block is eight independent byte columns over GF(2^8)
//! (x^8 + x^4 + x^3 + x^2 + 1, generator g = 2, RAID-6's field):
//! - P = XOR of the data blocks;
//! - Q = sum over lanes i of g^(N-1-i) * D_i, i.e. Horner's rule in lane
//!   order, `q = xtime(q) ^ D_i` for i = 0, 1, .., N-1: one "multiply by g"
//!   of eight bytes a clock, which is what a gearbox walking the lanes in
//!   order can afford.
//!
//! The coefficients g^(N-1-i) are distinct and non-zero while N <= 255 (g
//! has order 255), which makes P + Q an MDS code: any two erasures are
//! rebuilt. [ParityCode::new] refuses P = 2 with more lanes.
//!
//! Written from the field's definition (log / antilog tables built here),
//! independently of the gateware.

/// The field polynomial x^8 + x^4 + x^3 + x^2 + 1 without its x^8 term.
pub const GF_POLY: u8 = 0x1D;

/// Most data lanes P = 2 serves (the order of g).
pub const MAX_LANES_P2: usize = 255;

/// Multiplies one field element by g = x.
pub fn gf_xtime(a: u8) -> u8 {
    (a << 1) ^ if a & 0x80 != 0 { GF_POLY } else { 0 }
}

/// Multiplies each of the eight bytes of a block by g (what the gateware's
/// Horner step does: a shift and a conditional XOR per byte).
pub fn xtime64(w: u64) -> u64 {
    let high = w & 0x8080_8080_8080_8080;
    ((w & !high) << 1) ^ ((high >> 7) * GF_POLY as u64)
}

/// Log and antilog tables of g.
struct Tables {
    exp: [u8; 510],
    log: [u8; 256],
}

fn tables() -> &'static Tables {
    use std::sync::OnceLock;
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Tables { exp: [0; 510], log: [0; 256] };
        let mut a = 1u8;
        for k in 0..255 {
            t.exp[k] = a;
            t.exp[k + 255] = a;
            t.log[a as usize] = k as u8;
            a = gf_xtime(a);
        }
        t
    })
}

/// Field product.
pub fn gf_mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    let t = tables();
    t.exp[t.log[a as usize] as usize + t.log[b as usize] as usize]
}

/// Field inverse (`a` non-zero).
pub fn gf_inv(a: u8) -> u8 {
    assert_ne!(a, 0, "0 has no inverse");
    let t = tables();
    t.exp[255 - t.log[a as usize] as usize]
}

/// g^k.
pub fn gf_pow_g(k: usize) -> u8 {
    tables().exp[k % 255]
}

/// Each byte of `w` times `c`.
pub fn mul64(c: u8, w: u64) -> u64 {
    (0..8).fold(0, |acc, b| acc | (gf_mul(c, (w >> (8 * b)) as u8) as u64) << (8 * b))
}

/// A round had more erasures than the code rebuilds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{erased} blocks of the round are erased; P = {parity} rebuilds at most {parity}")]
pub struct TooManyErasures {
    pub erased: usize,
    pub parity: usize,
}

/// The code of a link with `data_lanes` data lanes and `parity` parity lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParityCode {
    pub data_lanes: usize,
    pub parity: usize,
}

impl ParityCode {
    /// Checks P in 0..=2 and, for P = 2, N <= [MAX_LANES_P2].
    pub fn new(data_lanes: usize, parity: usize) -> Result<Self, String> {
        if data_lanes == 0 {
            return Err("data lanes (N) must be at least 1".into());
        }
        if parity > 2 {
            return Err(format!("parity lanes (P) must be 0, 1 or 2, not {parity}"));
        }
        if parity == 2 && data_lanes > MAX_LANES_P2 {
            return Err(format!("parity lanes P = 2 serve at most {MAX_LANES_P2} data lanes (N), not {data_lanes}"));
        }
        Ok(Self { data_lanes, parity })
    }

    /// Q's coefficient of data lane `lane`: g^(N-1-lane).
    pub fn q_coefficient(&self, lane: usize) -> u8 {
        gf_pow_g(self.data_lanes - 1 - lane)
    }

    /// The round's parity blocks (P of them: [P] or [P, Q]).
    pub fn encode(&self, data: &[u64]) -> Vec<u64> {
        assert_eq!(data.len(), self.data_lanes, "a round has N data blocks");
        let p = data.iter().fold(0, |a, d| a ^ d);
        let q = data.iter().fold(0, |q, &d| xtime64(q) ^ d);
        [p, q][..self.parity].to_vec()
    }

    /// Rebuilds the erased (`None`) blocks of a round of N data blocks
    /// followed by its P parity blocks, in place.
    pub fn rebuild(&self, round: &mut [Option<u64>]) -> Result<(), TooManyErasures> {
        let n = self.data_lanes;
        assert_eq!(round.len(), n + self.parity, "a round has N + P blocks");
        let erased: Vec<usize> = (0..round.len()).filter(|&i| round[i].is_none()).collect();
        if erased.len() > self.parity {
            return Err(TooManyErasures { erased: erased.len(), parity: self.parity });
        }
        let data_erased: Vec<usize> = erased.iter().copied().filter(|&i| i < n).collect();
        // Syndromes over the data blocks present: P' = P ^ sum, Q' = Q ^ sum c_i D_i.
        let present = |i: usize| round[i].unwrap_or(0);
        let mut sp = (0..n).fold(0, |a, i| a ^ present(i));
        let mut sq = (0..n).fold(0, |q, i| xtime64(q) ^ present(i));
        match data_erased.as_slice() {
            [] => {}
            [x] if round[n].is_some() => {
                // P survives: the lost block is what P lacks.
                sp ^= round[n].unwrap();
                round[*x] = Some(sp);
            }
            [x] => {
                // P is lost too, so Q must be there: c_x D_x = Q'.
                sq ^= round[n + 1].unwrap();
                round[*x] = Some(mul64(gf_inv(self.q_coefficient(*x)), sq));
            }
            [x, y] => {
                sp ^= round[n].unwrap();
                sq ^= round[n + 1].unwrap();
                let (cx, cy) = (self.q_coefficient(*x), self.q_coefficient(*y));
                // D_x ^ D_y = P', c_x D_x ^ c_y D_y = Q'.
                let dx = mul64(gf_inv(cx ^ cy), sq ^ mul64(cy, sp));
                round[*x] = Some(dx);
                round[*y] = Some(sp ^ dx);
            }
            _ => unreachable!("at most P = 2 erasures"),
        }
        let data: Vec<u64> = round[..n].iter().map(|b| b.unwrap()).collect();
        for (k, parity) in self.encode(&data).into_iter().enumerate() {
            round[n + k].get_or_insert(parity);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn the_field_has_inverses_and_g_has_order_255() {
        for a in 1..=255u8 {
            assert_eq!(gf_mul(a, gf_inv(a)), 1, "a = {a}");
        }
        let powers: std::collections::HashSet<u8> = (0..255).map(gf_pow_g).collect();
        assert_eq!(powers.len(), 255);
        assert!(!powers.contains(&0));
        assert_eq!(gf_pow_g(255), 1);
    }

    #[test]
    fn xtime64_is_bytewise_multiplication_by_g() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..1000 {
            let w: u64 = rng.gen();
            assert_eq!(xtime64(w), mul64(2, w));
        }
        assert_eq!(gf_xtime(0x80), GF_POLY);
    }

    #[test]
    fn horner_q_equals_the_coefficient_sum() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let code = ParityCode::new(37, 2).unwrap();
        let data: Vec<u64> = (0..37).map(|_| rng.gen()).collect();
        let direct = (0..37).fold(0, |q, i| q ^ mul64(code.q_coefficient(i), data[i]));
        assert_eq!(code.encode(&data)[1], direct);
        assert_eq!(code.encode(&data)[0], data.iter().fold(0, |a, d| a ^ d));
    }

    fn check_every_erasure_set(n: usize, p: usize, seed: u64) -> usize {
        let code = ParityCode::new(n, p).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let data: Vec<u64> = (0..n).map(|_| rng.gen()).collect();
        let full: Vec<u64> = data.iter().copied().chain(code.encode(&data)).collect();
        let total = n + p;
        let mut sets = 0;
        for x in 0..total {
            for y in x..total {
                let mut round: Vec<Option<u64>> = full.iter().map(|&b| Some(b)).collect();
                round[x] = None;
                round[y] = None;
                let erased = if x == y { 1 } else { 2 };
                if erased > p {
                    assert_eq!(code.rebuild(&mut round), Err(TooManyErasures { erased, parity: p }));
                    continue;
                }
                code.rebuild(&mut round).unwrap();
                let rebuilt: Vec<u64> = round.iter().map(|b| b.unwrap()).collect();
                assert_eq!(rebuilt, full, "N = {n}, P = {p}, erased {x} and {y}");
                sets += 1;
            }
        }
        sets
    }

    #[test]
    fn p1_rebuilds_any_one_erasure_and_refuses_two() {
        assert_eq!(check_every_erasure_set(16, 1, 3), 17);
        assert_eq!(check_every_erasure_set(1, 1, 4), 2);
    }

    #[test]
    fn p2_rebuilds_any_one_or_two_erasures() {
        // 18 singles + C(18, 2) = 153 pairs.
        assert_eq!(check_every_erasure_set(16, 2, 5), 18 + 153);
        // The largest N: the coefficients g^254 .. g^0 are all distinct.
        assert_eq!(check_every_erasure_set(255, 2, 6), 257 + 257 * 256 / 2);
    }

    #[test]
    fn p0_has_no_parity_and_refuses_any_erasure() {
        let code = ParityCode::new(4, 0).unwrap();
        assert!(code.encode(&[1, 2, 3, 4]).is_empty());
        let mut round = [Some(1), None, Some(3), Some(4)];
        assert_eq!(code.rebuild(&mut round), Err(TooManyErasures { erased: 1, parity: 0 }));
    }

    #[test]
    fn parameters_are_checked() {
        assert_eq!(ParityCode::new(16, 3).unwrap_err(), "parity lanes (P) must be 0, 1 or 2, not 3");
        assert_eq!(
            ParityCode::new(256, 2).unwrap_err(),
            "parity lanes P = 2 serve at most 255 data lanes (N), not 256"
        );
        assert!(ParityCode::new(400, 1).is_ok());
        assert_eq!(ParityCode::new(0, 1).unwrap_err(), "data lanes (N) must be at least 1");
    }
}
