//! The per-lane RX front end after bit recovery: a 66-bit deserializer.
//! It is all a lane keeps at the line rate; everything done once per block
//! runs in the shared [RxEngine](super::rx_engine::RxEngine).
//!
//! ```text
//! bit_valid/bit_value ─► shift (66, first bit ends in bit 0) ─► hold ─► port (full/take)
//!                              ▲ slip: complete one bit later
//! ```
//!
//! A block completes every 66 recovered bits: `hold` takes the last 66
//! bits and `full` rises until the engine takes it. `slip` (block lock
//! hunting) makes the block in progress complete one bit later, so from
//! then on blocks start one bit later: the same framing as dropping the
//! bit after the judged block (clause 49 slip, as [crate::phy::block_lock]),
//! but the request may come any time before the next block completes,
//! which is what lets the engine judge the header a round later.
//!
//! Latency: `full` rises one clock after the block's last `bit_valid`.

use super::ports::BlockSource;
use rust_hdl::prelude::*;

/// One lane's 66-bit deserializer (see the module docs).
#[derive(LogicBlock, Default)]
pub struct BlockDeser {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: framing restarts at the next bit.
    pub reset: Signal<In, Bit>,
    /// A recovered line bit is on `bit_value`.
    pub bit_valid: Signal<In, Bit>,
    /// The recovered line bit.
    pub bit_value: Signal<In, Bit>,
    /// The block handshake with the engine.
    pub port: BlockSource,
    shift: DFF<Bits<66>>,
    count: DFF<Bits<7>>,
    /// A slip is pending: the block in progress needs one more bit.
    extra: DFF<Bit>,
    word: DFF<Bits<66>>,
    ready: DFF<Bit>,
    next_shift: Signal<Local, Bits<66>>,
}

impl Logic for BlockDeser {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, shift, count, extra, word, ready);
        if self.port.take.val() {
            self.ready.d.next = false;
        }
        if self.port.slip.val() {
            self.extra.d.next = true;
        }
        // Line bit k of a block ends in bit k: shift in from the top.
        self.next_shift.next = (self.shift.q.val() >> 1) | (bit_cast::<66, 1>(self.bit_value.val().into()) << 65);
        if self.bit_valid.val() {
            self.shift.d.next = self.next_shift.val();
            if self.count.q.val() == 65 {
                if self.extra.q.val() | self.port.slip.val() {
                    // Stay at the last bit: the next one completes the block.
                    self.extra.d.next = false;
                } else {
                    self.count.d.next = 0.into();
                    self.word.d.next = self.next_shift.val();
                    self.ready.d.next = true;
                }
            } else {
                self.count.d.next = self.count.q.val() + 1;
            }
        }
        if self.reset.val() {
            self.count.d.next = 0.into();
            self.extra.d.next = false;
            self.ready.d.next = false;
        }
        self.port.hold.next = self.word.q.val();
        self.port.full.next = self.ready.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn cycle(uut: &mut BlockDeser) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    fn as_bits(hold: Bits<66>) -> Vec<bool> {
        (0..66).map(|k| hold.get_bit(k)).collect()
    }

    /// Feeds `bits` one per 3 clocks, slipping once (just after the block
    /// with index `slip_after` completes), taking each block 5 clocks after
    /// `full`; returns the blocks taken.
    fn run(bits: &[bool], slip_after: usize) -> Vec<Vec<bool>> {
        let mut uut = BlockDeser::default();
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        let mut out = vec![];
        let mut full_for = 0;
        for &b in bits {
            for phase in 0..3 {
                uut.bit_valid.next = phase == 0;
                uut.bit_value.next = b;
                uut.port.take.next = false;
                uut.port.slip.next = false;
                if uut.port.full.val() {
                    full_for += 1;
                    if full_for == 5 {
                        out.push(as_bits(uut.port.hold.val()));
                        uut.port.take.next = true;
                        uut.port.slip.next = out.len() == slip_after + 1;
                        full_for = 0;
                    }
                }
                cycle(&mut uut);
            }
        }
        out
    }

    #[test]
    fn blocks_are_66_bit_windows_and_a_slip_moves_the_framing_one_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        let bits: Vec<bool> = (0..66 * 10).map(|_| rng.gen()).collect();
        let out = run(&bits, 3);
        // Blocks 0..=3 at offset 0; the slip after block 3 drops bit 264.
        assert_eq!(out.len(), 9, "the slipped framing leaves 9 whole blocks in 660 bits");
        for (i, blk) in out.iter().enumerate() {
            let start = if i <= 3 { 66 * i } else { 66 * i + 1 };
            assert_eq!(blk, &bits[start..start + 66].to_vec(), "block {i}");
        }
    }

    #[test]
    fn full_stays_until_taken() {
        let mut uut = BlockDeser::default();
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        uut.bit_valid.next = true;
        uut.bit_value.next = true;
        for _ in 0..66 {
            assert!(!uut.port.full.val());
            cycle(&mut uut);
        }
        uut.bit_valid.next = false;
        for _ in 0..10 {
            cycle(&mut uut);
            assert!(uut.port.full.val());
        }
        assert_eq!(uut.port.hold.val().to_u128(), (1u128 << 66) - 1);
        uut.port.take.next = true;
        cycle(&mut uut);
        assert!(!uut.port.full.val());
    }

    #[test]
    fn block_deser_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut BlockDeser::default());
        crate::verilog::verilator_lint("block_deser", &v).unwrap();
        let stats = crate::verilog::yosys_synth_ice40("block_deser", &v).unwrap();
        println!("BlockDeser on iCE40: {stats:?}");
        assert!(stats.luts < 40, "a front end is a counter and enables, not {} LUTs", stats.luts);
    }
}
