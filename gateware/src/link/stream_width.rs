//! Stream width converters between a W-bit user stream and the link's
//! 64-bit word stream (W a multiple of 64, 64..=1024).
//!
//! - [StreamSplit]: a W-bit word with valid/ready in (`wide`), its 64-bit
//!   chunks with valid/ready out (`narrow`), lowest 64 bits first. It holds
//!   no copy of the word: it reads the chunks from `wide.data`, so the source
//!   must keep the word and `wide.valid` steady until `wide.ready` (the usual
//!   valid/ready rule). `wide.ready` is high on the clock the last chunk is
//!   taken, so a steady source moves 64 bits per clock, as the 64-bit
//!   stream does.
//! - [StreamJoin]: 64-bit words with valid in (`narrow`, no back-pressure,
//!   like the link's receive stream), a W-bit word with valid out (`wide`),
//!   the first word in the lowest bits. The last word goes straight through
//!   to the output, so `wide.valid` is high on the clock of that word. `narrow_sof` marks a
//!   word that starts a W-bit word (the link's round start): a partial word
//!   before it is dropped, so the join realigns on the next whole word
//!   after a gap.
//!
//! At W = 64 both are plain wires (no delay, no state in use). `reset` puts
//! both at the start of a W-bit word; at W > 64 a join in reset drops the
//! words it gets.

use super::word_stream::{FlowIn, FlowOut, StreamIn, StreamOut};
use crate::params::CoreError;
use rust_hdl::prelude::*;

/// Widest stream the converters take.
pub const MAX_WIDTH: usize = 1024;

/// Ok when `w` is a stream width the converters take; the error names `block`.
pub fn check_width(block: &'static str, w: usize) -> Result<(), CoreError> {
    if !w.is_multiple_of(64) || !(64..=MAX_WIDTH).contains(&w) {
        return Err(CoreError::new(
            block,
            format!("stream width (W) must be a multiple of 64 in 64..={MAX_WIDTH}, not {w}"),
        ));
    }
    Ok(())
}

fn chunk_index(k: usize) -> Constant<Bits<4>> {
    Constant::new((k as u64).into())
}

/// Which 64-bit chunk of a W-bit word is at the port: counts `step`s and
/// wraps after the last chunk; `reset` returns to the first.
#[derive(LogicBlock)]
pub struct ChunkCount<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// A chunk moves this clock.
    pub step: Signal<In, Bit>,
    /// The chunk at the port is the first of a word, whatever came before.
    pub restart: Signal<In, Bit>,
    /// The chunk at the port (0 = lowest 64 bits).
    pub index: Signal<Out, Bits<4>>,
    /// It is the word's last chunk.
    pub at_last: Signal<Out, Bit>,
    idx: DFF<Bits<4>>,
    cur: Signal<Local, Bits<4>>,
    last: Constant<Bits<4>>,
}

impl<const W: usize> ChunkCount<W> {
    pub fn new() -> Self {
        check_width("ChunkCount", W).unwrap_or_else(|e| panic!("{e}"));
        Self {
            clock: Default::default(),
            reset: Default::default(),
            step: Default::default(),
            restart: Default::default(),
            index: Default::default(),
            at_last: Default::default(),
            idx: Default::default(),
            cur: Default::default(),
            last: chunk_index(W / 64 - 1),
        }
    }
}

impl<const W: usize> Default for ChunkCount<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize> Logic for ChunkCount<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, idx);
        self.cur.next = self.idx.q.val();
        if self.restart.val() {
            self.cur.next = 0.into();
        }
        self.index.next = self.cur.val();
        self.at_last.next = self.cur.val() == self.last.val();
        if self.step.val() {
            if self.cur.val() == self.last.val() {
                self.idx.d.next = 0.into();
            } else {
                self.idx.d.next = self.cur.val() + 1;
            }
        }
        if self.reset.val() {
            self.idx.d.next = 0.into();
        }
    }
}

#[derive(LogicBlock)]
pub struct StreamSplit<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// W-bit words in.
    pub wide: StreamIn<W>,
    /// 64-bit chunks out, lowest first.
    pub narrow: StreamOut<64>,
    /// Chunk of the current word being offered.
    count: ChunkCount<W>,
    /// Per chunk k: its index and its lowest bit (64 k).
    chunk_no: Vec<Constant<Bits<4>>>,
    chunk_lo: Vec<Constant<Bits<16>>>,
}

impl<const W: usize> StreamSplit<W> {
    pub fn new() -> Self {
        check_width("StreamSplit", W).unwrap_or_else(|e| panic!("{e}"));
        let chunks = W / 64;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            wide: Default::default(),
            narrow: Default::default(),
            count: ChunkCount::new(),
            chunk_no: (0..chunks).map(chunk_index).collect(),
            chunk_lo: (0..chunks).map(|k| Constant::new(((64 * k) as u64).into())).collect(),
        }
    }
}

impl<const W: usize> Default for StreamSplit<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize> Logic for StreamSplit<W> {
    #[hdl_gen]
    fn update(&mut self) {
        self.count.clock.next = self.clock.val();
        self.count.reset.next = self.reset.val();
        self.count.step.next = self.wide.valid.val() & self.narrow.ready.val();
        self.count.restart.next = false;
        self.narrow.data.next = self.wide.data.val().get_bits::<64>(0);
        for k in 0..self.chunk_no.len() {
            if self.count.index.val() == self.chunk_no[k].val() {
                self.narrow.data.next = self.wide.data.val().get_bits::<64>(self.chunk_lo[k].val().index());
            }
        }
        self.narrow.valid.next = self.wide.valid.val();
        self.wide.ready.next = self.narrow.ready.val() & self.count.at_last.val();
    }
}

#[derive(LogicBlock)]
pub struct StreamJoin<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// 64-bit words in, first of a W-bit word first.
    pub narrow: FlowIn<64>,
    /// With `narrow.valid`: this word starts a W-bit word.
    pub narrow_sof: Signal<In, Bit>,
    /// W-bit words out.
    pub wide: FlowOut<W>,
    /// Words of the current W-bit word so far, shifting down: the newest
    /// enters at the top, so after W/64 words the first is at the bottom.
    acc: DFF<Bits<W>>,
    count: ChunkCount<W>,
    shifted: Signal<Local, Bits<W>>,
    /// Lowest bit of the top chunk (W - 64).
    top_lo: Constant<Bits<16>>,
}

impl<const W: usize> StreamJoin<W> {
    pub fn new() -> Self {
        check_width("StreamJoin", W).unwrap_or_else(|e| panic!("{e}"));
        Self {
            clock: Default::default(),
            reset: Default::default(),
            narrow: Default::default(),
            narrow_sof: Default::default(),
            wide: Default::default(),
            acc: Default::default(),
            count: ChunkCount::new(),
            shifted: Default::default(),
            top_lo: Constant::new(((W - 64) as u64).into()),
        }
    }
}

impl<const W: usize> Default for StreamJoin<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize> Logic for StreamJoin<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, acc);
        self.count.clock.next = self.clock.val();
        self.count.reset.next = self.reset.val();
        self.count.step.next = self.narrow.valid.val();
        self.count.restart.next = self.narrow.valid.val() & self.narrow_sof.val();
        self.shifted.next = (self.acc.q.val() >> 64) | (bit_cast::<W, 64>(self.narrow.data.val()) << self.top_lo.val());
        self.wide.data.next = self.shifted.val();
        self.wide.valid.next = self.narrow.valid.val() & self.count.at_last.val();
        if self.narrow.valid.val() {
            self.acc.d.next = self.shifted.val();
        }
    }
}
