//! Traffic generator and checker for the wide stream.
//!
//! A frame is [FRAME_WORDS] 64-bit words:
//!
//! | word            | content                                                  |
//! |-----------------|----------------------------------------------------------|
//! | 0               | header: [FRAME_MAGIC] in bits 63..32, sequence in 31..0   |
//! | 1 ..= F-2       | payload from a free-running 64-bit LFSR                   |
//! | F-1             | trailer: sequence in 63..32, CRC-32 of words 0..=F-2 in 31..0 |
//!
//! The checker hunts for a header, recomputes the CRC, and counts good
//! frames, bad frames (CRC or trailer mismatch) and lost frames (gaps in the
//! sequence numbers of good frames). Data that is wrong can therefore only
//! be counted as good if it passes CRC-32 and both sequence fields.

use super::crc32::Crc32Step;
use super::word_stream::{FlowIn, StreamOut};
use rust_hdl::prelude::*;

/// Words per frame.
pub const FRAME_WORDS: u64 = 8;
/// Header magic (bits 63..32 of word 0).
pub const FRAME_MAGIC: u64 = 0x4D4F_5346;
/// Galois LFSR taps of the payload generator (x^64 + x^63 + x^61 + x^60 + 1).
pub const PAYLOAD_LFSR_TAPS: u64 = 0xD800_0000_0000_0000;
/// Seed of the payload LFSR.
pub const PAYLOAD_LFSR_SEED: u64 = 0x0123_4567_89AB_CDEF;

/// Frame generator: offers a word whenever enabled; advances on `ready`.
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
    step: Crc32Step,
    last: Constant<Bits<4>>,
    magic: Constant<Bits<64>>,
    ones: Constant<Bits<32>>,
    taps: Constant<Bits<64>>,
}

impl Default for TrafficGen {
    fn default() -> Self {
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
            step: Default::default(),
            last: Constant::new((FRAME_WORDS - 1).into()),
            magic: Constant::new((FRAME_MAGIC << 32).into()),
            ones: Constant::new(0xFFFF_FFFFu64.into()),
            taps: Constant::new(PAYLOAD_LFSR_TAPS.into()),
        }
    }
}

impl Logic for TrafficGen {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, index, seq, crc, lfsr, word_count);
        self.stream.data.next = self.lfsr.q.val();
        if self.index.q.val() == 0 {
            self.stream.data.next = self.magic.val() | bit_cast::<64, 32>(self.seq.q.val());
        }
        if self.index.q.val() == self.last.val() {
            self.stream.data.next = (bit_cast::<64, 32>(self.seq.q.val()) << 32)
                // `^`, not `!`: in the generated Verilog a `~` inside this
                // 64-bit expression would set the upper 32 bits too.
                | bit_cast::<64, 32>(self.crc.q.val() ^ self.ones.val());
        }
        self.stream.valid.next = self.cfg_enable.val();
        self.step.crc_in.next = self.crc.q.val();
        self.step.word.next = self.stream.data.val();
        self.words.next = self.word_count.q.val();
        if self.cfg_enable.val() & self.stream.ready.val() {
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
        }
    }
}

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
    gap: Signal<Local, Bits<32>>,
    trailer_ok: Signal<Local, Bit>,
    step: Crc32Step,
    last: Constant<Bits<4>>,
    magic: Constant<Bits<32>>,
    ones: Constant<Bits<32>>,
}

impl Default for TrafficCheck {
    fn default() -> Self {
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
            gap: Default::default(),
            trailer_ok: Default::default(),
            step: Default::default(),
            last: Constant::new((FRAME_WORDS - 1).into()),
            magic: Constant::new(FRAME_MAGIC.into()),
            ones: Constant::new(0xFFFF_FFFFu64.into()),
        }
    }
}

impl Logic for TrafficCheck {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, index, seq, expected, synced, crc, word_count, good, bad, lost);
        self.step.crc_in.next = self.crc.q.val();
        self.step.word.next = self.stream.data.val();
        self.words.next = self.word_count.q.val();
        self.good_frames.next = self.good.q.val();
        self.bad_frames.next = self.bad.q.val();
        self.lost_frames.next = self.lost.q.val();
        self.gap.next = self.seq.q.val() - self.expected.q.val();
        self.trailer_ok.next = (self.stream.data.val().get_bits::<32>(0) == !self.crc.q.val())
            & (self.stream.data.val().get_bits::<32>(32) == self.seq.q.val());
        if self.stream.valid.val() {
            if self.word_count.q.val() != self.ones.val() {
                self.word_count.d.next = self.word_count.q.val() + 1;
            }
            if self.index.q.val() == 0 {
                // Hunting for a header; anything else is skipped.
                if self.stream.data.val().get_bits::<32>(32) == self.magic.val() {
                    self.seq.d.next = self.stream.data.val().get_bits::<32>(0);
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
        }
    }
}
