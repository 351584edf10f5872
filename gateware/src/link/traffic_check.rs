//! The frame checker (the frame format is in [super::traffic]).
//!
//! The checker hunts for a header, recomputes the CRC, and counts good
//! frames, bad frames (CRC or trailer mismatch) and lost frames (gaps in the
//! sequence numbers of good frames). Data that is wrong can therefore only
//! be counted as good if it passes CRC-32 and both sequence fields.
//!
//! The CRC is stepped B bits per clock (B fixed at construction, one of
//! [STEP_BITS]), so a word the CRC covers takes 64 / B clocks; a skipped
//! word or a trailer takes one. For B < 64 the received words wait in a
//! [WordFifo] in block RAM (the receiver delivers a round's N words on
//! consecutive clocks); B = 64 takes every word the clock it arrives, as the
//! stream delivers it, and has no FIFO. The counts are the same for every B
//! as long as the FIFO does not overflow, which [TrafficCheck::for_link]'s
//! depth and [LinkParams::traffic_step_bits] rule out on a working link.
//!
//! ```text
//!  stream ─► [WordFifo, B < 64] ─► word ─► >> part x B ─► Crc32Step (B bits) ─► crc
//!                                     └─► header / trailer compare ─► counters
//! ```
//! Counters saturate at 0xFFFFFFFF and clear on `reset`; `words` counts the
//! words arriving on `stream`.

use super::crc32::{Crc32Step, STEP_BITS};
use super::traffic::{FRAME_MAGIC, FRAME_WORDS};
use super::word_fifo::WordFifo;
use super::word_stream::FlowIn;
use crate::params::LinkParams;
use rust_hdl::prelude::*;

/// Frame checker on the received stream.
#[derive(LogicBlock)]
pub struct TrafficCheck {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Stream in (always ready).
    pub stream: FlowIn<64>,
    /// Counters (saturating).
    pub words: Signal<Out, Bits<32>>,
    pub good_frames: Signal<Out, Bits<32>>,
    pub bad_frames: Signal<Out, Bits<32>>,
    pub lost_frames: Signal<Out, Bits<32>>,
    index: DFF<Bits<4>>,
    seq: DFF<Bits<32>>,
    expected: DFF<Bits<32>>,
    synced: DFF<Bit>,
    crc: DFFWithInit<Bits<32>>,
    word_count: DFF<Bits<32>>,
    good: DFF<Bits<32>>,
    bad: DFF<Bits<32>>,
    lost: DFF<Bits<32>>,
    /// The current word's next piece for the CRC (of 64 / B).
    part: DFF<Bits<3>>,
    /// `part` x B: a shift whose low log2(B) bits are zero, so the piece
    /// select is a 64 / B to 1 mux of B bits.
    piece_shift: Signal<Local, Bits<6>>,
    /// The received words' queue: one for B < 64, none for B = 64.
    fifo: Vec<WordFifo>,
    /// The word being checked, and whether there is one.
    word: Signal<Local, Bits<64>>,
    word_valid: Signal<Local, Bit>,
    is_header: Signal<Local, Bit>,
    /// The word is covered by the CRC (a header being taken, or payload).
    crc_word: Signal<Local, Bit>,
    at_last_piece: Signal<Local, Bit>,
    /// The word is done with this clock.
    take: Signal<Local, Bit>,
    gap: Signal<Local, Bits<32>>,
    trailer_ok: Signal<Local, Bit>,
    step: Crc32Step,
    last: Constant<Bits<4>>,
    magic: Constant<Bits<32>>,
    ones: Constant<Bits<32>>,
    log2_step: Constant<Bits<6>>,
    last_part: Constant<Bits<3>>,
}

impl TrafficCheck {
    /// A checker stepping its CRC `step_bits` bits per clock (one of
    /// [STEP_BITS]); for B < 64 with a FIFO of `fifo_words` words (a power
    /// of two), ignored for B = 64.
    pub fn new(step_bits: usize, fifo_words: usize) -> Self {
        assert!(
            STEP_BITS.contains(&step_bits),
            "TrafficCheck: step_bits must be one of {STEP_BITS:?}, not {step_bits}"
        );
        Self {
            clock: Default::default(),
            reset: Default::default(),
            stream: Default::default(),
            words: Default::default(),
            good_frames: Default::default(),
            bad_frames: Default::default(),
            lost_frames: Default::default(),
            index: Default::default(),
            seq: Default::default(),
            expected: Default::default(),
            synced: Default::default(),
            crc: DFFWithInit::new(0xFFFF_FFFFu64.into()),
            word_count: Default::default(),
            good: Default::default(),
            bad: Default::default(),
            lost: Default::default(),
            part: Default::default(),
            piece_shift: Default::default(),
            fifo: if step_bits < 64 { vec![WordFifo::new(fifo_words)] } else { vec![] },
            word: Default::default(),
            word_valid: Default::default(),
            is_header: Default::default(),
            crc_word: Default::default(),
            at_last_piece: Default::default(),
            take: Default::default(),
            gap: Default::default(),
            trailer_ok: Default::default(),
            step: Crc32Step::new(step_bits),
            last: Constant::new((FRAME_WORDS - 1).into()),
            magic: Constant::new(FRAME_MAGIC.into()),
            ones: Constant::new(0xFFFF_FFFFu64.into()),
            log2_step: Constant::new((step_bits.trailing_zeros() as u64).into()),
            last_part: Constant::new(((64 / step_bits - 1) as u64).into()),
        }
    }

    /// The checker for a link: B from [LinkParams::traffic_step_bits], and a
    /// FIFO of [fifo_words_for] words.
    pub fn for_link(p: &LinkParams) -> Self {
        Self::new(p.traffic_step_bits(), fifo_words_for(p))
    }
}

/// FIFO depth for a link of N lanes: two rounds (2N words), and at least 256,
/// the words of an iCE40 EBR (SB_RAM40_4K, 256 x 16; 4 of them for 64 bits):
/// a smaller RAM would be flip-flops there and no cheaper on ECP5 (DP16KD).
pub fn fifo_words_for(p: &LinkParams) -> usize {
    (2 * p.lanes).next_power_of_two().max(256)
}

impl Default for TrafficCheck {
    /// The 64-bit step: a word every clock, no FIFO.
    fn default() -> Self {
        Self::new(64, 256)
    }
}

impl Logic for TrafficCheck {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, index, seq, expected, synced, crc, word_count, good, bad, lost, part);
        self.word.next = self.stream.data.val();
        self.word_valid.next = self.stream.valid.val();
        for i in 0..self.fifo.len() {
            self.fifo[i].clock.next = self.clock.val();
            self.fifo[i].reset.next = self.reset.val();
            self.fifo[i].push.data.next = self.stream.data.val();
            self.fifo[i].push.valid.next = self.stream.valid.val();
            self.word.next = self.fifo[i].pop.data.val();
            self.word_valid.next = self.fifo[i].pop.valid.val();
        }
        self.is_header.next = self.word.val().get_bits::<32>(32) == self.magic.val();
        self.crc_word.next = ((self.index.q.val() == 0) & self.is_header.val())
            | ((self.index.q.val() != 0) & (self.index.q.val() != self.last.val()));
        self.at_last_piece.next = self.part.q.val() == self.last_part.val();
        self.piece_shift.next = bit_cast::<6, 3>(self.part.q.val()) << self.log2_step.val();
        self.take.next = self.word_valid.val() & (self.at_last_piece.val() | !self.crc_word.val());
        for i in 0..self.fifo.len() {
            self.fifo[i].pop.ready.next = self.take.val();
        }
        self.step.crc_in.next = self.crc.q.val();
        self.step.word.next = self.word.val() >> self.piece_shift.val();
        self.words.next = self.word_count.q.val();
        self.good_frames.next = self.good.q.val();
        self.bad_frames.next = self.bad.q.val();
        self.lost_frames.next = self.lost.q.val();
        self.gap.next = self.seq.q.val() - self.expected.q.val();
        self.trailer_ok.next = (self.word.val().get_bits::<32>(0) == !self.crc.q.val())
            & (self.word.val().get_bits::<32>(32) == self.seq.q.val());
        if self.stream.valid.val() & (self.word_count.q.val() != self.ones.val()) {
            self.word_count.d.next = self.word_count.q.val() + 1;
        }
        // The pieces before the last go in on the clocks before the word is taken.
        if self.word_valid.val() & self.crc_word.val() & !self.at_last_piece.val() {
            self.crc.d.next = self.step.crc_out.val();
            self.part.d.next = self.part.q.val() + 1;
        }
        if self.take.val() {
            self.part.d.next = 0.into();
            if self.index.q.val() == 0 {
                // Hunting for a header; anything else is skipped.
                if self.is_header.val() {
                    self.seq.d.next = self.word.val().get_bits::<32>(0);
                    self.crc.d.next = self.step.crc_out.val();
                    self.index.d.next = 1.into();
                }
            } else if self.index.q.val() == self.last.val() {
                self.index.d.next = 0.into();
                self.crc.d.next = self.ones.val();
                if self.trailer_ok.val() {
                    if self.good.q.val() != self.ones.val() {
                        self.good.d.next = self.good.q.val() + 1;
                    }
                    // Frames skipped since the last good one are lost (only
                    // counted once the checker has seen a first good frame).
                    if self.synced.q.val() & (self.gap.val() != 0) & !self.gap.val().get_bit(31) {
                        if (self.lost.q.val() + self.gap.val()) >= self.lost.q.val() {
                            self.lost.d.next = self.lost.q.val() + self.gap.val();
                        } else {
                            self.lost.d.next = self.ones.val();
                        }
                    }
                    self.expected.d.next = self.seq.q.val() + 1;
                    self.synced.d.next = true;
                } else {
                    if self.bad.q.val() != self.ones.val() {
                        self.bad.d.next = self.bad.q.val() + 1;
                    }
                    if self.synced.q.val() {
                        self.expected.d.next = self.expected.q.val() + 1;
                    }
                }
            } else {
                self.crc.d.next = self.step.crc_out.val();
                self.index.d.next = self.index.q.val() + 1;
            }
        }
        if self.reset.val() {
            self.index.d.next = 0.into();
            self.synced.d.next = false;
            self.crc.d.next = self.ones.val();
            self.word_count.d.next = 0.into();
            self.good.d.next = 0.into();
            self.bad.d.next = 0.into();
            self.lost.d.next = 0.into();
            self.part.d.next = 0.into();
        }
    }
}
