//! A whole block's payload descrambled in one clock (x^58 + x^39 + 1, as
//! [crate::phy::scrambler::Descrambler] does bit by bit): the descrambler's 58
//! history bits are the lane's last 58 received payload bits, i.e. the
//! previous block's payload bits 6..63, so a lane's descrambler state is
//! just those bits in the lane state RAM.

use rust_hdl::prelude::*;

/// Descrambles 64 payload bits against the previous 58 (combinational).
#[derive(LogicBlock, Default)]
pub struct Descramble64 {
    /// The lane's last 58 received payload bits, oldest in bit 0.
    pub history: Signal<In, Bits<58>>,
    /// The block's received payload, payload bit 0 (first on the line) in bit 0.
    pub scrambled: Signal<In, Bits<64>>,
    /// `plain[i] = scrambled[i] ^ r[i - 39] ^ r[i - 58]` over the received stream `r`.
    pub plain: Signal<Out, Bits<64>>,
    /// The history after this block.
    pub next_history: Signal<Out, Bits<58>>,
    /// History then payload: received bit i of the block is `stream[58 + i]`.
    stream: Signal<Local, Bits<122>>,
}

impl Logic for Descramble64 {
    #[hdl_gen]
    fn update(&mut self) {
        self.stream.next = bit_cast::<122, 58>(self.history.val()) | (bit_cast::<122, 64>(self.scrambled.val()) << 58);
        // r[i - 39] is stream[i + 19], r[i - 58] is stream[i].
        self.plain.next =
            self.scrambled.val() ^ self.stream.val().get_bits::<64>(19) ^ self.stream.val().get_bits::<64>(0);
        self.next_history.next = self.scrambled.val().get_bits::<58>(6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Bit-serial reference: d = r ^ r[-39] ^ r[-58], from zero history.
    fn serial(received: &[u64]) -> Vec<u64> {
        let mut r: Vec<bool> = vec![false; 58];
        let mut out = vec![];
        for &w in received {
            let mut d = 0u64;
            for i in 0..64 {
                let b = (w >> i) & 1 == 1;
                let t = r.len();
                d |= ((b ^ r[t - 39] ^ r[t - 58]) as u64) << i;
                r.push(b);
            }
            out.push(d);
        }
        out
    }

    fn hardware(received: &[u64]) -> Vec<u64> {
        let mut uut = Descramble64::default();
        uut.connect_all();
        let mut history = Bits::<58>::default();
        let mut out = vec![];
        for &w in received {
            uut.history.next = history;
            uut.scrambled.next = w.into();
            simulate(&mut uut, 100);
            out.push(uut.plain.val().to_u64());
            history = uut.next_history.val();
        }
        out
    }

    #[test]
    fn matches_the_bit_serial_descrambler_block_by_block() {
        let mut rng = ChaCha8Rng::seed_from_u64(58);
        let received: Vec<u64> = (0..50).map(|_| rng.gen()).collect();
        let want = serial(&received);
        assert_eq!(hardware(&received), want);
        // One flipped received bit costs exactly three plain bits (at +0, +39, +58).
        let mut flipped = received.clone();
        flipped[10] ^= 1 << 30;
        let errs: u32 = hardware(&flipped).iter().zip(&want).map(|(a, b)| (a ^ b).count_ones()).sum();
        assert_eq!(errs, 3);
    }

    #[test]
    fn descramble64_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut Descramble64::default());
        crate::verilog::verilator_lint("descramble64", &v).unwrap();
        let stats = crate::verilog::yosys_synth_ice40("descramble64", &v).unwrap();
        assert_eq!(stats.luts, 64, "one XOR3 LUT per payload bit");
    }
}
