//! The TX engine's raw PRBS (BERT) step: a lane's next 66 line bits of
//! PRBS7..PRBS31 at once, from its last 31 sent bits (its generator state
//! in the TX state RAM). It continues the bit-serial
//! [PrbsGen](crate::phy::prbs::PrbsGen) sequence that `LaneTx` sends in
//! PRBS mode, 66 bits per block, and reuses the word checker's generator
//! ([PrbsWordCheck]'s `predicted`, 32 bits after a 31-bit history) three
//! times: 32 + 32 + 2 bits. Combinational.
//!
//! Bit orders: `history` as in [crate::phy::prbs_word] (newest in bit 0);
//! `block` as the serializer sends it (line bit k in bit k). A history
//! whose low n bits (the pattern's whole state) are zero would stay zero,
//! so it is seeded with a 1, as `PrbsGen` feeds a 1 on an all-zero history:
//! the first block after reset, or after a pattern change that left zeros.

use crate::phy::prbs_word::PrbsWordCheck;
use rust_hdl::prelude::*;

/// 66 PRBS line bits after a lane's history (see the module docs).
#[derive(LogicBlock, Default)]
pub struct PrbsBlockGen {
    /// The lane's last 31 sent PRBS bits, newest in bit 0.
    pub history: Signal<In, Bits<31>>,
    /// Pattern code ([crate::phy::prbs::PrbsPattern::code]; 5..=7: PRBS31).
    pub pattern: Signal<In, Bits<3>>,
    /// The next 66 line bits, line bit k in bit k.
    pub block: Signal<Out, Bits<66>>,
    /// The history after them.
    pub next_history: Signal<Out, Bits<31>>,
    first: PrbsWordCheck,
    second: PrbsWordCheck,
    third: PrbsWordCheck,
    state_mask: Signal<Local, Bits<31>>,
    seeded: Signal<Local, Bits<31>>,
    gathered: Signal<Local, Bits<66>>,
}

impl Logic for PrbsBlockGen {
    #[hdl_gen]
    fn update(&mut self) {
        // The pattern's state: its newest n history bits.
        self.state_mask.next = 0x7FFF_FFFFu64.into();
        if self.pattern.val() == 0 {
            self.state_mask.next = 0x7Fu64.into();
        }
        if self.pattern.val() == 1 {
            self.state_mask.next = 0x1FFu64.into();
        }
        if self.pattern.val() == 2 {
            self.state_mask.next = 0x7FFFu64.into();
        }
        if self.pattern.val() == 3 {
            self.state_mask.next = 0x7F_FFFFu64.into();
        }
        self.seeded.next = self.history.val();
        if (self.history.val() & self.state_mask.val()) == 0 {
            self.seeded.next = self.history.val() | 1;
        }
        // Line bits 0..31, 32..63, 64..65; each word has its first bit in bit 31.
        self.first.history.next = self.seeded.val();
        self.first.word.next = 0.into();
        self.first.pattern.next = self.pattern.val();
        self.second.history.next = self.first.predicted.val().get_bits::<31>(0);
        self.second.word.next = 0.into();
        self.second.pattern.next = self.pattern.val();
        self.third.history.next = self.second.predicted.val().get_bits::<31>(0);
        self.third.word.next = 0.into();
        self.third.pattern.next = self.pattern.val();
        // Gather line bit 65 first, so that it ends in the top bit.
        self.gathered.next = 0.into();
        for i in 0..2 {
            self.gathered.next = self.gathered.val() << 1;
            if self.third.predicted.val().get_bit(30 + i) {
                self.gathered.next = self.gathered.val() | 1;
            }
        }
        for i in 0..32 {
            self.gathered.next = self.gathered.val() << 1;
            if self.second.predicted.val().get_bit(i) {
                self.gathered.next = self.gathered.val() | 1;
            }
        }
        for i in 0..32 {
            self.gathered.next = self.gathered.val() << 1;
            if self.first.predicted.val().get_bit(i) {
                self.gathered.next = self.gathered.val() | 1;
            }
        }
        self.block.next = self.gathered.val();
        // Newest first: line bits 65, 64 (the third word's first two), then 63..35.
        self.next_history.next = (bit_cast::<31, 29>(self.second.predicted.val().get_bits::<29>(0)) << 2)
            | bit_cast::<31, 2>(self.third.predicted.val().get_bits::<2>(30));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phy::prbs::PrbsPattern;

    /// x^n + x^k + 1 bit by bit from a seed of a single 1 (as `PrbsGen`
    /// starts from its zero history), the first bit sent first.
    fn serial(p: PrbsPattern, bits: usize) -> Vec<bool> {
        let (n, k) = p.taps();
        let mut s = vec![false; n - 1];
        s.push(true);
        let mut out = vec![];
        for _ in 0..bits {
            let b = s[s.len() - n] ^ s[s.len() - k];
            s.push(b);
            out.push(b);
        }
        out
    }

    #[test]
    fn blocks_continue_the_serial_sequence_for_every_pattern() {
        let mut uut = PrbsBlockGen::default();
        uut.connect_all();
        for p in PrbsPattern::ALL {
            let want = serial(p, 66 * 5);
            let mut history = Bits::<31>::default();
            let mut got = vec![];
            for _ in 0..5 {
                uut.history.next = history;
                uut.pattern.next = (p.code() as u64).into();
                simulate(&mut uut, 100);
                let b = uut.block.val();
                got.extend((0..66).map(|k| b.get_bit(k)));
                history = uut.next_history.val();
            }
            assert_eq!(got, want, "{}", p.name());
        }
    }

    #[test]
    fn prbs_block_gen_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut PrbsBlockGen::default());
        crate::verilog::verilator_lint("prbs_block_gen", &v).unwrap();
        let stats = crate::verilog::yosys_synth_ice40("prbs_block_gen", &v).unwrap();
        println!("PrbsBlockGen on iCE40: {stats:?}");
    }
}
