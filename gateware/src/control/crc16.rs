//! CRC-16/IBM-3740 (poly 0x1021, init 0xFFFF, MSB first, no final XOR), one
//! byte per clock: the CRC of bridge frames (see [crate::control::protocol::Crc16Params]).
//!
//! The byte step is the usual closed form of the 0x1021 polynomial:
//! `x = (crc >> 8) ^ byte; x ^= x >> 4;
//!  crc' = (crc << 8) ^ (x << 12) ^ (x << 5) ^ x` (16-bit arithmetic),
//! which is what eight shift-and-XOR steps of 0x1021 reduce to.

use crate::control::protocol::Crc16Params;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct Crc16 {
    /// Design clock.
    pub clock: Signal<In, Clock>,
    /// Restart at the initial value (0xFFFF); wins over `strobe`.
    pub clear: Signal<In, Bit>,
    /// Byte folded in when `strobe` is high.
    pub data: Signal<In, Bits<8>>,
    /// Fold `data` into the CRC this clock.
    pub strobe: Signal<In, Bit>,
    /// CRC of the bytes folded in since the last `clear`.
    pub crc: Signal<Out, Bits<16>>,
    /// CRC after folding in `data` (combinational), for a check in the same clock.
    pub crc_next: Signal<Out, Bits<16>>,
    /// The CRC register, held inverted so that its power-up 0 is the initial 0xFFFF.
    state_n: DFF<Bits<16>>,
    cur: Signal<Local, Bits<16>>,
    x0: Signal<Local, Bits<16>>,
    x1: Signal<Local, Bits<16>>,
    stepped: Signal<Local, Bits<16>>,
    init: Constant<Bits<16>>,
}

impl Default for Crc16 {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            clear: Default::default(),
            data: Default::default(),
            strobe: Default::default(),
            crc: Default::default(),
            crc_next: Default::default(),
            state_n: Default::default(),
            cur: Default::default(),
            x0: Default::default(),
            x1: Default::default(),
            stepped: Default::default(),
            init: Constant::new((Crc16Params::INIT as u64).into()),
        }
    }
}

impl Logic for Crc16 {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, state_n);
        self.cur.next = !self.state_n.q.val();
        self.x0.next = (self.cur.val() >> 8) ^ bit_cast::<16, 8>(self.data.val());
        self.x1.next = self.x0.val() ^ (self.x0.val() >> 4);
        self.stepped.next = (self.cur.val() << 8) ^ (self.x1.val() << 12) ^ (self.x1.val() << 5) ^ self.x1.val();
        self.crc.next = self.cur.val();
        self.crc_next.next = self.stepped.val();
        if self.strobe.val() {
            self.state_n.d.next = !self.stepped.val();
        }
        if self.clear.val() {
            self.state_n.d.next = !self.init.val();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn cycle(uut: &mut Crc16) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    /// Random strings, random gaps between bytes, random clears: the gateware
    /// CRC equals the `crc` crate's CRC_16_IBM_3740 after every byte.
    #[test]
    fn matches_crc_crate_on_random_strings() {
        let reference = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);
        assert_eq!(reference.checksum(b"123456789"), 0x29B1);
        let mut rng = ChaCha8Rng::seed_from_u64(0x16);
        let mut uut = Crc16::default();
        uut.connect_all();
        cycle(&mut uut);
        let mut checked = 0;
        for _ in 0..200 {
            let len = rng.gen_range(0..40);
            let msg: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            uut.clear.next = true;
            cycle(&mut uut);
            uut.clear.next = false;
            for (i, &b) in msg.iter().enumerate() {
                for _ in 0..rng.gen_range(0..3) {
                    uut.data.next = (rng.gen::<u8>() as u64).into();
                    cycle(&mut uut);
                }
                uut.data.next = (b as u64).into();
                uut.strobe.next = true;
                simulate(&mut uut, 100);
                assert_eq!(uut.crc_next.val().to_u16(), reference.checksum(&msg[..=i]));
                cycle(&mut uut);
                uut.strobe.next = false;
                simulate(&mut uut, 100);
                assert_eq!(uut.crc.val().to_u16(), reference.checksum(&msg[..=i]));
                checked += 1;
            }
            assert_eq!(uut.crc.val().to_u16(), reference.checksum(&msg));
        }
        assert!(checked > 1000);
    }

    #[test]
    fn crc16_is_synthesizable() {
        let mut uut = Crc16::default();
        let v = verilog_of(&mut uut);
        verilator_lint("crc16", &v).unwrap();
        yosys_synth_ice40("crc16", &v).unwrap();
    }
}
