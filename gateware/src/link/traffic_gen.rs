//! The frame generator (the frame format is in [super::traffic]).
//!
//! The CRC-32 of words 0..=F-2 is stepped B bits per clock (B fixed at
//! construction, one of [STEP_BITS]): a word is offered once its first
//! 64 / B - 1 pieces are in the CRC, and its last piece goes in as it is
//! taken. So at most one word leaves every 64 / B clocks (the trailer, which
//! the CRC does not cover, right after the word before it), and the words
//! are the same, bit for bit, for every B. B = 64 offers every word at once.
//!
//! ```text
//!  seq, LFSR ─► word mux (header / payload / trailer) ─► stream.data
//!                   │
//!                   └─► >> part x B ─► Crc32Step (B bits) ─► crc
//! ```

use super::crc32::{Crc32Step, STEP_BITS};
use super::traffic::{FRAME_MAGIC, FRAME_WORDS, PAYLOAD_LFSR_SEED, PAYLOAD_LFSR_TAPS};
use super::word_stream::StreamOut;
use crate::params::LinkParams;
use rust_hdl::prelude::*;

/// Frame generator: offers a word whenever enabled and its CRC pieces are in;
/// advances on `ready`.
#[derive(LogicBlock)]
pub struct TrafficGen {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// 1 = generate frames.
    pub cfg_enable: Signal<In, Bit>,
    /// Stream out.
    pub stream: StreamOut<64>,
    /// Words accepted by the sink.
    pub words: Signal<Out, Bits<32>>,
    index: DFF<Bits<4>>,
    seq: DFF<Bits<32>>,
    crc: DFFWithInit<Bits<32>>,
    lfsr: DFFWithInit<Bits<64>>,
    word_count: DFF<Bits<32>>,
    /// The offered word's next piece for the CRC (of 64 / B).
    part: DFF<Bits<3>>,
    /// `part` x B: a shift whose low log2(B) bits are zero, so the piece
    /// select is a 64 / B to 1 mux of B bits.
    piece_shift: Signal<Local, Bits<6>>,
    word: Signal<Local, Bits<64>>,
    /// The offered word is covered by the CRC (not the trailer).
    crc_word: Signal<Local, Bit>,
    at_last_piece: Signal<Local, Bit>,
    take: Signal<Local, Bit>,
    step: Crc32Step,
    last: Constant<Bits<4>>,
    magic: Constant<Bits<64>>,
    ones: Constant<Bits<32>>,
    taps: Constant<Bits<64>>,
    log2_step: Constant<Bits<6>>,
    last_part: Constant<Bits<3>>,
}

impl TrafficGen {
    /// A generator stepping its CRC `step_bits` bits per clock (one of [STEP_BITS]).
    pub fn new(step_bits: usize) -> Self {
        assert!(STEP_BITS.contains(&step_bits), "TrafficGen: step_bits must be one of {STEP_BITS:?}, not {step_bits}");
        Self {
            clock: Default::default(),
            reset: Default::default(),
            cfg_enable: Default::default(),
            stream: Default::default(),
            words: Default::default(),
            index: Default::default(),
            seq: Default::default(),
            crc: DFFWithInit::new(0xFFFF_FFFFu64.into()),
            lfsr: DFFWithInit::new(PAYLOAD_LFSR_SEED.into()),
            word_count: Default::default(),
            part: Default::default(),
            piece_shift: Default::default(),
            word: Default::default(),
            crc_word: Default::default(),
            at_last_piece: Default::default(),
            take: Default::default(),
            step: Crc32Step::new(step_bits),
            last: Constant::new((FRAME_WORDS - 1).into()),
            magic: Constant::new((FRAME_MAGIC << 32).into()),
            ones: Constant::new(0xFFFF_FFFFu64.into()),
            taps: Constant::new(PAYLOAD_LFSR_TAPS.into()),
            log2_step: Constant::new((step_bits.trailing_zeros() as u64).into()),
            last_part: Constant::new(((64 / step_bits - 1) as u64).into()),
        }
    }

    /// The generator for a link: B from [LinkParams::traffic_step_bits].
    pub fn for_link(p: &LinkParams) -> Self {
        Self::new(p.traffic_step_bits())
    }
}

impl Default for TrafficGen {
    /// The 64-bit step: a word every clock.
    fn default() -> Self {
        Self::new(64)
    }
}

impl Logic for TrafficGen {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, index, seq, crc, lfsr, word_count, part);
        self.word.next = self.lfsr.q.val();
        if self.index.q.val() == 0 {
            self.word.next = self.magic.val() | bit_cast::<64, 32>(self.seq.q.val());
        }
        if self.index.q.val() == self.last.val() {
            self.word.next = (bit_cast::<64, 32>(self.seq.q.val()) << 32)
                // `^`, not `!`: in the generated Verilog a `~` inside this
                // 64-bit expression would set the upper 32 bits too.
                | bit_cast::<64, 32>(self.crc.q.val() ^ self.ones.val());
        }
        self.stream.data.next = self.word.val();
        self.crc_word.next = self.index.q.val() != self.last.val();
        self.at_last_piece.next = self.part.q.val() == self.last_part.val();
        self.piece_shift.next = bit_cast::<6, 3>(self.part.q.val()) << self.log2_step.val();
        self.stream.valid.next = self.cfg_enable.val() & (self.at_last_piece.val() | !self.crc_word.val());
        self.take.next =
            self.cfg_enable.val() & (self.at_last_piece.val() | !self.crc_word.val()) & self.stream.ready.val();
        self.step.crc_in.next = self.crc.q.val();
        self.step.word.next = self.word.val() >> self.piece_shift.val();
        self.words.next = self.word_count.q.val();
        // The pieces before the last go in while the word waits to be offered.
        if self.cfg_enable.val() & self.crc_word.val() & !self.at_last_piece.val() {
            self.crc.d.next = self.step.crc_out.val();
            self.part.d.next = self.part.q.val() + 1;
        }
        if self.take.val() {
            self.part.d.next = 0.into();
            if self.word_count.q.val() != self.ones.val() {
                self.word_count.d.next = self.word_count.q.val() + 1;
            }
            if self.index.q.val() == self.last.val() {
                self.index.d.next = 0.into();
                self.seq.d.next = self.seq.q.val() + 1;
                self.crc.d.next = self.ones.val();
            } else {
                self.index.d.next = self.index.q.val() + 1;
                self.crc.d.next = self.step.crc_out.val();
            }
            if (self.index.q.val() != 0) & (self.index.q.val() != self.last.val()) {
                if self.lfsr.q.val().get_bit(0) {
                    self.lfsr.d.next = (self.lfsr.q.val() >> 1) ^ self.taps.val();
                } else {
                    self.lfsr.d.next = self.lfsr.q.val() >> 1;
                }
            }
        }
        if self.reset.val() {
            self.index.d.next = 0.into();
            self.seq.d.next = 0.into();
            self.crc.d.next = self.ones.val();
            self.word_count.d.next = 0.into();
            self.part.d.next = 0.into();
        }
    }
}
