//! A whole block's payload scrambled in one clock (x^58 + x^39 + 1, as
//! [crate::phy::scrambler::Scrambler] does bit by bit): the scrambler's 58
//! history bits are the lane's last 58 *sent* payload bits, so a lane's
//! scrambler state is just those bits in the TX state RAM.
//!
//! `s[i] = d[i] ^ s[i - 39] ^ s[i - 58]`: bits 0..38 need only the history;
//! bits 39..63 need `s[i - 39]` from the first 25, so two XOR levels.

use rust_hdl::prelude::*;

/// Scrambles 64 payload bits after the previous 58 sent ones (combinational).
#[derive(LogicBlock, Default)]
pub struct Scramble64 {
    /// The lane's last 58 sent payload bits, oldest in bit 0.
    pub history: Signal<In, Bits<58>>,
    /// The block's payload, payload bit 0 (first on the line) in bit 0.
    pub plain: Signal<In, Bits<64>>,
    /// The payload as sent.
    pub scrambled: Signal<Out, Bits<64>>,
    /// The history after this block.
    pub next_history: Signal<Out, Bits<58>>,
    /// History alone: right for sent bits 0..38 (their taps are all history).
    first: Signal<Local, Bits<122>>,
    early: Signal<Local, Bits<64>>,
    /// History then the early bits: every tap of every bit is right.
    stream: Signal<Local, Bits<122>>,
    out: Signal<Local, Bits<64>>,
}

impl Logic for Scramble64 {
    #[hdl_gen]
    fn update(&mut self) {
        // Sent bit i is stream[58 + i]: s[i - 39] is stream[i + 19], s[i - 58] is stream[i].
        self.first.next = bit_cast::<122, 58>(self.history.val());
        self.early.next = self.plain.val() ^ self.first.val().get_bits::<64>(19) ^ self.first.val().get_bits::<64>(0);
        self.stream.next = bit_cast::<122, 58>(self.history.val()) | (bit_cast::<122, 64>(self.early.val()) << 58);
        self.out.next = self.plain.val() ^ self.stream.val().get_bits::<64>(19) ^ self.stream.val().get_bits::<64>(0);
        self.scrambled.next = self.out.val();
        self.next_history.next = self.out.val().get_bits::<58>(6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Bit-serial reference: s = d ^ s[-39] ^ s[-58], from zero history.
    fn serial(plain: &[u64]) -> Vec<u64> {
        let mut s: Vec<bool> = vec![false; 58];
        let mut out = vec![];
        for &w in plain {
            let mut o = 0u64;
            for i in 0..64 {
                let t = s.len();
                let b = ((w >> i) & 1 == 1) ^ s[t - 39] ^ s[t - 58];
                o |= (b as u64) << i;
                s.push(b);
            }
            out.push(o);
        }
        out
    }

    #[test]
    fn matches_the_bit_serial_scrambler_and_descrambles_back() {
        let mut rng = ChaCha8Rng::seed_from_u64(39);
        let plain: Vec<u64> = (0..50).map(|_| rng.gen()).collect();
        let mut uut = Scramble64::default();
        uut.connect_all();
        let mut history = Bits::<58>::default();
        let mut sent = vec![];
        for &w in &plain {
            uut.history.next = history;
            uut.plain.next = w.into();
            simulate(&mut uut, 100);
            sent.push(uut.scrambled.val().to_u64());
            history = uut.next_history.val();
        }
        assert_eq!(sent, serial(&plain));
        // The RX engine's block descrambler gives the payloads back.
        let mut d = super::super::descramble::Descramble64::default();
        d.connect_all();
        let mut rx_history = Bits::<58>::default();
        for (k, &w) in sent.iter().enumerate() {
            d.history.next = rx_history;
            d.scrambled.next = w.into();
            simulate(&mut d, 100);
            assert_eq!(d.plain.val().to_u64(), plain[k], "block {k}");
            rx_history = d.next_history.val();
        }
    }

    #[test]
    fn scramble64_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut Scramble64::default());
        crate::verilog::verilator_lint("scramble64", &v).unwrap();
        let stats = crate::verilog::yosys_synth_ice40("scramble64", &v).unwrap();
        println!("Scramble64 on iCE40: {stats:?}");
        assert!(stats.luts <= 128, "two XOR levels at most, not {} LUTs", stats.luts);
    }
}
