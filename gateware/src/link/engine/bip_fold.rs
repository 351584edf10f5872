//! BIP-8 of one 64-bit payload: the XOR of its eight bytes
//! ([crate::link::marker::bip_fold] in software). Combinational; the TX
//! block step and the RX marker step fold every block with it.

use rust_hdl::prelude::*;

/// One payload's BIP-8 fold (see the module docs).
#[derive(LogicBlock, Default)]
pub struct Bip8Fold {
    pub payload: Signal<In, Bits<64>>,
    /// The XOR of the payload's bytes.
    pub fold: Signal<Out, Bits<8>>,
}

impl Logic for Bip8Fold {
    #[hdl_gen]
    fn update(&mut self) {
        self.fold.next = self.payload.val().get_bits::<8>(0)
            ^ self.payload.val().get_bits::<8>(8)
            ^ self.payload.val().get_bits::<8>(16)
            ^ self.payload.val().get_bits::<8>(24)
            ^ self.payload.val().get_bits::<8>(32)
            ^ self.payload.val().get_bits::<8>(40)
            ^ self.payload.val().get_bits::<8>(48)
            ^ self.payload.val().get_bits::<8>(56);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::marker::bip_fold;
    use rand::{Rng, SeedableRng};

    #[test]
    fn folds_as_the_software_model() {
        let mut uut = Bip8Fold::default();
        uut.connect_all();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for _ in 0..200 {
            let p: u64 = rng.gen();
            uut.payload.next = p.into();
            simulate(&mut uut, 10);
            assert_eq!(uut.fold.val().index(), bip_fold(p) as usize, "payload {p:#x}");
        }
    }
}
