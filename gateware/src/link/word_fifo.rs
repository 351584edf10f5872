//! A FIFO of 64-bit words in block RAM, from a stream without back-pressure
//! ([FlowIn]) to a valid/ready stream ([StreamOut]).
//!
//! Why: the receiver delivers a round's N words on N consecutive clocks,
//! but a traffic checker with a B-bit CRC step takes a word only every
//! 64 / B clocks; the FIFO holds the round until the checker has drained it.
//!
//! ```text
//!  push ─► DeskewRam (depth words, registered read) ─► pop (data, valid / ready)
//! ```
//! A word pushed at a clock edge can be popped from the second clock after
//! it; after a pop the next word shows one clock later, so words leave at
//! most every other clock (the checker takes them every 64 / B >= 2 clocks).
//! A word pushed while the FIFO is full is dropped (the checker then counts
//! the frame it belonged to as bad); [WordFifo::new]'s depth is chosen so
//! that this does not happen while the checker keeps up with the link.

use super::deskew_ram::{DeskewRam, RAM_ADDR_BITS};
use super::word_stream::{FlowIn, StreamOut};
use rust_hdl::prelude::*;

/// Largest depth: the pointers carry one bit more than the address.
pub const MAX_FIFO_WORDS: usize = 1 << (RAM_ADDR_BITS - 1);

#[derive(LogicBlock)]
pub struct WordFifo {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the FIFO.
    pub reset: Signal<In, Bit>,
    /// Words in; one taken in every clock it is valid (dropped when full).
    pub push: FlowIn<64>,
    /// Words out, oldest first, each held with `valid` until `ready`.
    pub pop: StreamOut<64>,
    ram: DeskewRam,
    /// Next word to write and to read (modulo 2 * depth).
    wr_ptr: DFF<Bits<RAM_ADDR_BITS>>,
    rd_ptr: DFF<Bits<RAM_ADDR_BITS>>,
    /// `wr_ptr` a clock late: the words the registered read port can show.
    readable: DFF<Bits<RAM_ADDR_BITS>>,
    /// A word left last clock: the read port still shows it.
    popped: DFF<Bit>,
    held: Signal<Local, Bits<RAM_ADDR_BITS>>,
    full: Signal<Local, Bit>,
    addr_mask: Constant<Bits<RAM_ADDR_BITS>>,
    depth: Constant<Bits<RAM_ADDR_BITS>>,
}

impl WordFifo {
    /// A FIFO of `depth` words, a power of two in 2..=[MAX_FIFO_WORDS].
    pub fn new(depth: usize) -> Self {
        assert!(
            depth.is_power_of_two() && (2..=MAX_FIFO_WORDS).contains(&depth),
            "WordFifo: depth must be a power of two in 2..={MAX_FIFO_WORDS}, not {depth}"
        );
        Self {
            clock: Default::default(),
            reset: Default::default(),
            push: Default::default(),
            pop: Default::default(),
            ram: DeskewRam::new(depth),
            wr_ptr: Default::default(),
            rd_ptr: Default::default(),
            readable: Default::default(),
            popped: Default::default(),
            held: Default::default(),
            full: Default::default(),
            addr_mask: Constant::new(((depth - 1) as u64).into()),
            depth: Constant::new((depth as u64).into()),
        }
    }
}

impl Logic for WordFifo {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, wr_ptr, rd_ptr, readable, popped);
        self.ram.clock.next = self.clock.val();
        self.held.next = self.wr_ptr.q.val() - self.rd_ptr.q.val();
        self.full.next = self.held.val() == self.depth.val();
        self.ram.wr_en.next = self.push.valid.val() & !self.full.val();
        self.ram.wr_addr.next = self.wr_ptr.q.val() & self.addr_mask.val();
        self.ram.wr_data.next = self.push.data.val();
        self.ram.rd_addr.next = self.rd_ptr.q.val() & self.addr_mask.val();
        self.pop.data.next = self.ram.rd_data.val();
        self.pop.valid.next = (self.readable.q.val() != self.rd_ptr.q.val()) & !self.popped.q.val();
        if self.push.valid.val() & !self.full.val() {
            self.wr_ptr.d.next = self.wr_ptr.q.val() + 1;
        }
        self.readable.d.next = self.wr_ptr.q.val();
        self.popped.d.next = self.pop.valid.val() & self.pop.ready.val();
        if self.pop.valid.val() & self.pop.ready.val() {
            self.rd_ptr.d.next = self.rd_ptr.q.val() + 1;
        }
        if self.reset.val() {
            self.wr_ptr.d.next = 0.into();
            self.rd_ptr.d.next = 0.into();
            self.readable.d.next = 0.into();
            self.popped.d.next = false;
        }
    }
}
