//! PRBS checking 32 bits at a time, for the time-shared BERT engine
//! ([crate::bert::engine]): one checker serves every lane, so its state
//! (the last 31 bits) comes from RAM with the lane's next word.
//!
//! Bit order. A word holds 32 consecutive line bits, the first received in
//! bit 31 and the last in bit 0; the history holds the 31 bits before the
//! word, the newest in bit 0. Together they are one 63-bit sequence `s`
//! (`s = history << 32 | word`) in which `s[j + d]` came `d` bits before
//! `s[j]`, so the PRBS recurrence of x^n + x^k + 1 reads
//! `s[j] = s[j + n] ^ s[j + k]`.
//!
//! Two checks, as the bit-serial [crate::phy::prbs::PrbsCheck] does them:
//! * `sync_ok` (hunting, self-synchronizing): every bit of the word obeys the
//!   recurrence over the received bits, and the word is not all zeros (a run
//!   of 32 zeros never occurs in PRBS7..PRBS31, so a stuck-at-0 line, which
//!   obeys every recurrence, is refused);
//! * `predicted` (locked, free-running): the 32 bits the generator sends
//!   after the history, computed from the history alone, so that a flipped
//!   line bit is one mismatch (a self-synchronizing check would count it
//!   again at both taps). Each predicted bit is the parity of a fixed set of
//!   history bits: [prediction_masks] works the sets out when the core is
//!   built.

use crate::phy::prbs::PrbsPattern;
use rust_hdl::prelude::*;

/// Line bits per checked word.
pub const WORD_BITS: usize = 32;
/// History bits kept between words (the longest polynomial's degree).
pub const HISTORY_BITS: usize = 31;

/// For each bit j of the predicted word, the history bits whose parity it is
/// (bit i of the mask = history bit i).
pub fn prediction_masks(p: PrbsPattern) -> [u32; WORD_BITS] {
    let (n, k) = p.taps();
    // t[x]: position x of the sequence as a set of history bits.
    let mut t = [0u32; WORD_BITS + HISTORY_BITS];
    for i in 0..HISTORY_BITS {
        t[WORD_BITS + i] = 1 << i;
    }
    // Oldest first: position j depends on the older positions j + n, j + k.
    for j in (0..WORD_BITS).rev() {
        t[j] = t[j + n] ^ t[j + k];
    }
    let mut m = [0u32; WORD_BITS];
    m.copy_from_slice(&t[..WORD_BITS]);
    m
}

/// The masks as constants, element j for predicted bit j.
fn mask_constants(p: PrbsPattern) -> Vec<Constant<Bits<31>>> {
    prediction_masks(p).iter().map(|&m| Constant::new((m as u64).into())).collect()
}

/// Combinational word checker (see the module docs). Pattern codes 5..=7
/// check PRBS31, as in [crate::phy::prbs].
#[derive(LogicBlock)]
pub struct PrbsWordCheck {
    /// The 31 line bits before the word, newest in bit 0.
    pub history: Signal<In, Bits<31>>,
    /// 32 line bits, first received in bit 31.
    pub word: Signal<In, Bits<32>>,
    /// Pattern code ([PrbsPattern::code]).
    pub pattern: Signal<In, Bits<3>>,
    /// Every bit of `word` follows from the received bits before it, and
    /// `word` is not all zeros.
    pub sync_ok: Signal<Out, Bit>,
    /// The generator's 32 bits after `history`.
    pub predicted: Signal<Out, Bits<32>>,
    seq: Signal<Local, Bits<64>>,
    p7: Signal<Local, Bits<32>>,
    p9: Signal<Local, Bits<32>>,
    p15: Signal<Local, Bits<32>>,
    p23: Signal<Local, Bits<32>>,
    p31: Signal<Local, Bits<32>>,
    mismatch: Signal<Local, Bits<32>>,
    m7: Vec<Constant<Bits<31>>>,
    m9: Vec<Constant<Bits<31>>>,
    m15: Vec<Constant<Bits<31>>>,
    m23: Vec<Constant<Bits<31>>>,
    m31: Vec<Constant<Bits<31>>>,
}

impl Default for PrbsWordCheck {
    fn default() -> Self {
        Self {
            history: Default::default(),
            word: Default::default(),
            pattern: Default::default(),
            sync_ok: Default::default(),
            predicted: Default::default(),
            seq: Default::default(),
            p7: Default::default(),
            p9: Default::default(),
            p15: Default::default(),
            p23: Default::default(),
            p31: Default::default(),
            mismatch: Default::default(),
            m7: mask_constants(PrbsPattern::Prbs7),
            m9: mask_constants(PrbsPattern::Prbs9),
            m15: mask_constants(PrbsPattern::Prbs15),
            m23: mask_constants(PrbsPattern::Prbs23),
            m31: mask_constants(PrbsPattern::Prbs31),
        }
    }
}

impl Logic for PrbsWordCheck {
    #[hdl_gen]
    fn update(&mut self) {
        self.seq.next = (bit_cast::<64, 31>(self.history.val()) << 32) | bit_cast::<64, 32>(self.word.val());
        // Free-running prediction, one parity per bit, for every pattern
        // (set bit by bit: a shift of a <= 32-bit value costs rust-hdl's
        // simulator a big-integer round trip, and this block runs every clock).
        self.p7.next = 0.into();
        self.p9.next = 0.into();
        self.p15.next = 0.into();
        self.p23.next = 0.into();
        self.p31.next = 0.into();
        for j in 0..32 {
            self.p7.next = self.p7.val().replace_bit(j, (self.history.val() & self.m7[j].val()).xor());
            self.p9.next = self.p9.val().replace_bit(j, (self.history.val() & self.m9[j].val()).xor());
            self.p15.next = self.p15.val().replace_bit(j, (self.history.val() & self.m15[j].val()).xor());
            self.p23.next = self.p23.val().replace_bit(j, (self.history.val() & self.m23[j].val()).xor());
            self.p31.next = self.p31.val().replace_bit(j, (self.history.val() & self.m31[j].val()).xor());
        }
        // Self-synchronizing check: s[j] ^ s[j + n] ^ s[j + k] over the word.
        self.predicted.next = self.p31.val();
        self.mismatch.next = self.word.val() ^ self.seq.val().get_bits::<32>(31) ^ self.seq.val().get_bits::<32>(28);
        if self.pattern.val() == 0 {
            self.predicted.next = self.p7.val();
            self.mismatch.next = self.word.val() ^ self.seq.val().get_bits::<32>(7) ^ self.seq.val().get_bits::<32>(6);
        }
        if self.pattern.val() == 1 {
            self.predicted.next = self.p9.val();
            self.mismatch.next = self.word.val() ^ self.seq.val().get_bits::<32>(9) ^ self.seq.val().get_bits::<32>(5);
        }
        if self.pattern.val() == 2 {
            self.predicted.next = self.p15.val();
            self.mismatch.next =
                self.word.val() ^ self.seq.val().get_bits::<32>(15) ^ self.seq.val().get_bits::<32>(14);
        }
        if self.pattern.val() == 3 {
            self.predicted.next = self.p23.val();
            self.mismatch.next =
                self.word.val() ^ self.seq.val().get_bits::<32>(23) ^ self.seq.val().get_bits::<32>(18);
        }
        self.sync_ok.next = !self.mismatch.val().any() & self.word.val().any();
    }
}

/// Number of ones in a 32-bit word, as a sum of eight nibble look-ups (a
/// shallow adder tree rather than a 32-deep chain of increments).
#[derive(LogicBlock)]
pub struct Popcount32 {
    pub value: Signal<In, Bits<32>>,
    pub count: Signal<Out, Bits<6>>,
    /// Ones in each nibble value 0..=15, 4 bits per entry.
    nibble_ones: Constant<Bits<64>>,
}

impl Default for Popcount32 {
    fn default() -> Self {
        let mut table = 0u64;
        for v in 0..16u64 {
            table |= (v.count_ones() as u64) << (4 * v);
        }
        Self { value: Default::default(), count: Default::default(), nibble_ones: Constant::new(table.into()) }
    }
}

impl Logic for Popcount32 {
    #[hdl_gen]
    fn update(&mut self) {
        self.count.next =
            (bit_cast::<6, 4>(self.nibble_ones.val().get_bits::<4>(self.value.val().get_bits::<4>(0).index() * 4))
                + bit_cast::<6, 4>(
                    self.nibble_ones.val().get_bits::<4>(self.value.val().get_bits::<4>(4).index() * 4),
                ))
                + (bit_cast::<6, 4>(
                    self.nibble_ones.val().get_bits::<4>(self.value.val().get_bits::<4>(8).index() * 4),
                ) + bit_cast::<6, 4>(
                    self.nibble_ones.val().get_bits::<4>(self.value.val().get_bits::<4>(12).index() * 4),
                ))
                + ((bit_cast::<6, 4>(
                    self.nibble_ones.val().get_bits::<4>(self.value.val().get_bits::<4>(16).index() * 4),
                ) + bit_cast::<6, 4>(
                    self.nibble_ones.val().get_bits::<4>(self.value.val().get_bits::<4>(20).index() * 4),
                )) + (bit_cast::<6, 4>(
                    self.nibble_ones.val().get_bits::<4>(self.value.val().get_bits::<4>(24).index() * 4),
                ) + bit_cast::<6, 4>(
                    self.nibble_ones.val().get_bits::<4>(self.value.val().get_bits::<4>(28).index() * 4),
                )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Independent model: the generator run bit by bit, b[t] = b[t-n] ^ b[t-k].
    fn stream(p: PrbsPattern, seed: u64, len: usize) -> Vec<bool> {
        let (n, k) = p.taps();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut b: Vec<bool> = (0..n).map(|_| rng.gen()).collect();
        if b.iter().all(|&x| !x) {
            b[0] = true;
        }
        while b.len() < len {
            let t = b.len();
            b.push(b[t - n] ^ b[t - k]);
        }
        b
    }

    /// History (31 bits before `at`, newest in bit 0) and word (32 bits from
    /// `at`, first in bit 31) of a bit stream.
    fn split(b: &[bool], at: usize) -> (u32, u32) {
        let h = (0..31).fold(0u32, |h, i| h | (b[at - 1 - i] as u32) << i);
        let w = (0..32).fold(0u32, |w, i| w << 1 | b[at + i] as u32);
        (h, w)
    }

    fn check(uut: &mut PrbsWordCheck, p: PrbsPattern, h: u32, w: u32) -> (bool, u32) {
        uut.history.next = (h as u64).into();
        uut.word.next = (w as u64).into();
        uut.pattern.next = (p.code() as u64).into();
        simulate(uut, 100);
        (uut.sync_ok.val(), uut.predicted.val().index() as u32)
    }

    #[test]
    fn predicts_the_generator_and_accepts_its_words() {
        let mut uut = PrbsWordCheck::default();
        uut.connect_all();
        for p in PrbsPattern::ALL {
            let b = stream(p, p.code() as u64, 2000);
            for at in (40..1900).step_by(37) {
                let (h, w) = split(&b, at);
                let (ok, pred) = check(&mut uut, p, h, w);
                assert_eq!(pred, w, "{} at {at}", p.name());
                assert!(ok, "{} at {at}", p.name());
            }
        }
    }

    #[test]
    fn one_flipped_bit_is_one_mismatch_and_breaks_sync() {
        let mut uut = PrbsWordCheck::default();
        uut.connect_all();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for p in PrbsPattern::ALL {
            let b = stream(p, 9, 500);
            for _ in 0..40 {
                let at = rng.gen_range(40..400);
                let (h, w) = split(&b, at);
                let bad = w ^ 1 << rng.gen_range(0..32);
                let (ok, pred) = check(&mut uut, p, h, bad);
                assert_eq!((pred ^ bad).count_ones(), 1, "{}", p.name());
                assert!(!ok, "{}", p.name());
            }
        }
    }

    #[test]
    fn stuck_lines_never_sync_and_codes_5_to_7_are_prbs31() {
        let mut uut = PrbsWordCheck::default();
        uut.connect_all();
        for p in PrbsPattern::ALL {
            assert!(!check(&mut uut, p, 0, 0).0, "stuck at 0, {}", p.name());
            assert!(!check(&mut uut, p, 0x7FFF_FFFF, u32::MAX).0, "stuck at 1, {}", p.name());
        }
        let b = stream(PrbsPattern::Prbs31, 1, 200);
        let (h, w) = split(&b, 100);
        for code in 5..8u64 {
            uut.history.next = (h as u64).into();
            uut.word.next = (w as u64).into();
            uut.pattern.next = code.into();
            simulate(&mut uut, 100);
            assert!(uut.sync_ok.val());
            assert_eq!(uut.predicted.val().index() as u32, w);
        }
    }

    #[test]
    fn popcount_matches_count_ones() {
        let mut uut = Popcount32::default();
        uut.connect_all();
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for v in [0u32, u32::MAX, 1, 0x8000_0000, 0x5555_5555].into_iter().chain((0..500).map(|_| rng.gen())) {
            uut.value.next = (v as u64).into();
            simulate(&mut uut, 100);
            assert_eq!(uut.count.val().index() as u32, v.count_ones(), "{v:#x}");
        }
    }

    #[test]
    fn word_checker_verilog_lints() {
        verilator_lint("prbs_word_check", &verilog_of(&mut PrbsWordCheck::default())).unwrap();
        verilator_lint("popcount32", &verilog_of(&mut Popcount32::default())).unwrap();
    }
}
