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
//! it. The read port is addressed with the pointer as it will be after this
//! clock (show-ahead), so after a pop the next word shows at once and a word
//! can leave every clock. The only read of a word in the clock it is
//! written is of an empty FIFO's head, which is not shown until the next
//! clock, so the RAM needs no old-word logic for that case.
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
    take: Signal<Local, Bit>,
    next_rd: Signal<Local, Bits<RAM_ADDR_BITS>>,
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
            ram: DeskewRam::never_reading_while_writing(depth),
            wr_ptr: Default::default(),
            rd_ptr: Default::default(),
            readable: Default::default(),
            take: Default::default(),
            next_rd: Default::default(),
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
        dff_setup!(self, clock, wr_ptr, rd_ptr, readable);
        self.ram.clock.next = self.clock.val();
        self.held.next = self.wr_ptr.q.val() - self.rd_ptr.q.val();
        self.full.next = self.held.val() == self.depth.val();
        self.ram.wr_en.next = self.push.valid.val() & !self.full.val();
        self.ram.wr_addr.next = self.wr_ptr.q.val() & self.addr_mask.val();
        self.ram.wr_data.next = self.push.data.val();
        self.pop.data.next = self.ram.rd_data.val();
        self.pop.valid.next = self.readable.q.val() != self.rd_ptr.q.val();
        self.take.next = self.pop.valid.val() & self.pop.ready.val();
        self.next_rd.next = self.rd_ptr.q.val();
        if self.take.val() {
            self.next_rd.next = self.rd_ptr.q.val() + 1;
        }
        self.ram.rd_addr.next = self.next_rd.val() & self.addr_mask.val();
        self.rd_ptr.d.next = self.next_rd.val();
        if self.push.valid.val() & !self.full.val() {
            self.wr_ptr.d.next = self.wr_ptr.q.val() + 1;
        }
        self.readable.d.next = self.wr_ptr.q.val();
        if self.reset.val() {
            self.wr_ptr.d.next = 0.into();
            self.rd_ptr.d.next = 0.into();
            self.readable.d.next = 0.into();
        }
    }
}
