//! The RX engine's raw PRBS (BERT) check of one lane's 66-bit block, built
//! from the BERT engine's 32-bit step ([PrbsWordCheck], [Popcount32]).
//!
//! A block is 66 line bits; the step checks 32. Three steps cover it:
//! A = line bits 0..31, B = 32..63, C = 34..65 (C overlaps B on 30 bits
//! and counts only its last two). Hunting, each step's history is the
//! received bits before its word (the self-synchronizing check); locked,
//! it is the prediction of the step before it (free-running, so a flipped
//! line bit is one error, not three).
//!
//! ```text
//! block (line bit k in bit k) ─► reversed (newest in bit 0) ─► A ─► B ─► C ─► errors, sync_ok, histories
//!        history (RAM) ─────────────────────────────────────┘
//! ```

use crate::phy::prbs_word::{Popcount32, PrbsWordCheck};
use rust_hdl::prelude::*;

/// Line bits per block.
pub const BLOCK_BITS: u64 = 66;

/// Combinational PRBS check of one block (see the module docs).
#[derive(LogicBlock, Default)]
pub struct PrbsBlockCheck {
    /// The 31 line bits before the block (received while hunting,
    /// predicted while locked), newest in bit 0.
    pub history: Signal<In, Bits<31>>,
    /// The checker is locked: predict from the history.
    pub locked: Signal<In, Bit>,
    /// The block, line bit k in bit k (as the front end holds it).
    pub block: Signal<In, Bits<66>>,
    /// Pattern code ([crate::phy::prbs::PrbsPattern::code]).
    pub pattern: Signal<In, Bits<3>>,
    /// Every bit of the block follows from the received bits before it
    /// (and no 32-bit part is all zeros): the hunting check.
    pub sync_ok: Signal<Out, Bit>,
    /// Bits that differ from the prediction (meaningful while locked).
    pub errors: Signal<Out, Bits<7>>,
    /// The block's last 31 bits as received, and as predicted.
    pub rx_history: Signal<Out, Bits<31>>,
    pub pred_history: Signal<Out, Bits<31>>,
    step_a: PrbsWordCheck,
    step_b: PrbsWordCheck,
    step_c: PrbsWordCheck,
    count_a: Popcount32,
    count_b: Popcount32,
    rev: Signal<Local, Bits<66>>,
    /// `rev`'s low 64 bits and its top two, built apart: a shift of more
    /// than 64 bits is a multi-word helper call in Verilator, and the
    /// reversal was most of a virtual board's simulation time.
    rev_lo: Signal<Local, Bits<64>>,
    rev_hi: Signal<Local, Bits<2>>,
    diff_c: Signal<Local, Bits<32>>,
}

impl Logic for PrbsBlockCheck {
    #[hdl_gen]
    fn update(&mut self) {
        // The block as a sequence, newest bit (line bit 65) in bit 0.
        self.rev_lo.next = 0.into();
        for j in 2..66 {
            self.rev_lo.next = self.rev_lo.val() << 1;
            if self.block.val().get_bit(j) {
                self.rev_lo.next = self.rev_lo.val() | 1;
            }
        }
        self.rev_hi.next = bit_cast::<2, 1>(self.block.val().get_bits::<1>(1));
        if self.block.val().get_bit(0) {
            self.rev_hi.next = self.rev_hi.val() | 2;
        }
        self.rev.next = bit_cast::<66, 64>(self.rev_lo.val()) | (bit_cast::<66, 2>(self.rev_hi.val()) << 64);
        self.step_a.pattern.next = self.pattern.val();
        self.step_b.pattern.next = self.pattern.val();
        self.step_c.pattern.next = self.pattern.val();
        self.step_a.history.next = self.history.val();
        self.step_a.word.next = self.rev.val().get_bits::<32>(34);
        self.step_b.word.next = self.rev.val().get_bits::<32>(2);
        self.step_c.word.next = self.rev.val().get_bits::<32>(0);
        // Histories: line bits 1..31 before B, 3..33 before C.
        self.step_b.history.next = self.rev.val().get_bits::<31>(34);
        self.step_c.history.next = self.rev.val().get_bits::<31>(32);
        if self.locked.val() {
            self.step_b.history.next = self.step_a.predicted.val().get_bits::<31>(0);
            self.step_c.history.next = (bit_cast::<31, 29>(self.step_a.predicted.val().get_bits::<29>(0)) << 2)
                | bit_cast::<31, 2>(self.step_b.predicted.val().get_bits::<2>(30));
        }
        self.count_a.value.next = self.step_a.word.val() ^ self.step_a.predicted.val();
        self.count_b.value.next = self.step_b.word.val() ^ self.step_b.predicted.val();
        self.diff_c.next = self.step_c.word.val() ^ self.step_c.predicted.val();
        // C's first 30 bits are B's last 30: only line bits 64, 65 are new.
        self.errors.next = bit_cast::<7, 6>(self.count_a.count.val())
            + bit_cast::<7, 6>(self.count_b.count.val())
            + bit_cast::<7, 1>(self.diff_c.val().get_bits::<1>(0))
            + bit_cast::<7, 1>(self.diff_c.val().get_bits::<1>(1));
        self.sync_ok.next = self.step_a.sync_ok.val() & self.step_b.sync_ok.val() & self.step_c.sync_ok.val();
        self.rx_history.next = self.rev.val().get_bits::<31>(0);
        self.pred_history.next = self.step_c.predicted.val().get_bits::<31>(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phy::prbs::PrbsPattern;

    /// The generator's bits from a seed (x^n + x^k + 1, s[j] = s[j-n] ^ s[j-k]).
    fn prbs_bits(p: PrbsPattern, len: usize) -> Vec<bool> {
        let (n, k) = p.taps();
        let mut s: Vec<bool> = (0..n).map(|i| i % 3 != 1).collect();
        while s.len() < len + n {
            let j = s.len();
            s.push(s[j - n] ^ s[j - k]);
        }
        s.split_off(n)
    }

    fn block_of(bits: &[bool]) -> Bits<66> {
        let mut b: Bits<66> = 0.into();
        for (k, &v) in bits.iter().enumerate() {
            if v {
                b = b | (bit_cast::<66, 1>(1.into()) << (k as u64));
            }
        }
        b
    }

    fn history_of(before: &[bool]) -> u64 {
        // The 31 bits before, newest in bit 0.
        before.iter().rev().take(31).enumerate().fold(0, |h, (i, &v)| h | ((v as u64) << i))
    }

    #[test]
    fn hunts_predicts_and_counts_one_error_per_flipped_bit_for_every_pattern() {
        let mut uut = PrbsBlockCheck::default();
        uut.connect_all();
        for p in PrbsPattern::ALL {
            let s = prbs_bits(p, 31 + 3 * 66);
            uut.pattern.next = (p.code() as u64).into();
            for blk in 0..3 {
                let at = 31 + blk * 66;
                let hist = history_of(&s[..at]);
                let mut line = s[at..at + 66].to_vec();
                uut.history.next = hist.into();
                uut.block.next = block_of(&line);
                for locked in [false, true] {
                    uut.locked.next = locked;
                    simulate(&mut uut, 100);
                    assert!(uut.sync_ok.val(), "{p:?} block {blk}: clean block must pass the hunt");
                    if locked {
                        assert_eq!(uut.errors.val().to_u64(), 0, "{p:?} block {blk}");
                    }
                    assert_eq!(uut.rx_history.val().to_u64(), history_of(&s[..at + 66]));
                    assert_eq!(uut.pred_history.val().to_u64(), history_of(&s[..at + 66]));
                }
                // Flip line bits 0, 33, 64 and 65 (one in each step, two in C's new part).
                for k in [0, 33, 64, 65] {
                    line[k] = !line[k];
                }
                uut.block.next = block_of(&line);
                uut.locked.next = true;
                simulate(&mut uut, 100);
                assert_eq!(uut.errors.val().to_u64(), 4, "{p:?} block {blk}: one error per flipped bit");
                assert_eq!(uut.pred_history.val().to_u64(), history_of(&s[..at + 66]), "prediction ignores the line");
                uut.locked.next = false;
                simulate(&mut uut, 100);
                assert!(!uut.sync_ok.val(), "{p:?}: a flipped block fails the hunt");
            }
        }
    }

    #[test]
    fn prbs_block_check_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut PrbsBlockCheck::default());
        crate::verilog::verilator_lint("prbs_block_check", &v).unwrap();
        let stats = crate::verilog::yosys_synth_ice40("prbs_block_check", &v).unwrap();
        println!("PrbsBlockCheck on iCE40: {stats:?}");
        assert!(stats.luts > 0);
    }
}
