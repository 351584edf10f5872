//! One physical lane's deskew FIFO bookkeeping: its pointers and the three
//! flags of every entry; the entries' 64-bit words live in the link's shared
//! [DeskewRam](super::deskew_ram) at `lane * D + wr_slot`.
//!
//! The RX engine's event stream gives at most one block per clock, so a
//! block is written the clock it arrives (`write`), no waiting for a write
//! port. Flags per entry: control, marker slot, invalid sync header (a
//! block that must never be delivered as data).
//!
//! Pointers are 9 bits wide and wrap at 512; since D is a power of two
//! (<= 256) the slot is the pointer's low bits and `wptr - rptr` the fill
//! (0..=D), so no separate count is kept.
//!
//! * `write` with the FIFO full is an overflow (the skew is beyond D - 1
//!   blocks): `overflow` strobes and the FIFO is flushed rather than left
//!   with a gap, so it never holds blocks of two periods back to back;
//! * a lane that is not marker-locked (`locked` low) holds nothing;
//! * `pop` drops the head; while `hunt`, a head that is not a marker is
//!   dropped too (the aligner looks for markers at every needed head).
//!
//! Every output is assigned once, from registers or a Local (the link's
//! aligner reads them while it drives this block's inputs: a
//! default-then-override on a port glitches event simulators).

use rust_hdl::prelude::*;

/// FIFO pointer width (a power-of-two depth D <= 256 plus the wrap bit).
pub const PTR_BITS: usize = 9;

/// Flag bits of an entry.
pub const FLAG_CTRL: u64 = 1;
pub const FLAG_MARKER: u64 = 2;
pub const FLAG_BAD: u64 = 4;

/// One lane's FIFO pointers and flags (see the module docs).
#[derive(LogicBlock)]
pub struct DeskewLane {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Store a block with these flags (bit 0 control, 1 marker slot, 2
    /// invalid header) at `wr_slot`, this clock.
    pub write: Signal<In, Bit>,
    pub wr_flags: Signal<In, Bits<3>>,
    /// The lane is marker-locked (the FIFO is flushed while not).
    pub locked: Signal<In, Bit>,
    /// Aligner: drop heads that are not markers; pop the head.
    pub hunt: Signal<In, Bit>,
    pub pop: Signal<In, Bit>,
    /// Where a write goes, and the head's slot (words in the shared RAM).
    pub wr_slot: Signal<Out, Bits<8>>,
    pub rd_slot: Signal<Out, Bits<8>>,
    /// The head's flags, valid with `nonempty`.
    pub head_ctrl: Signal<Out, Bit>,
    pub head_marker: Signal<Out, Bit>,
    pub head_bad: Signal<Out, Bit>,
    pub nonempty: Signal<Out, Bit>,
    /// One-clock strobe: a block came with the FIFO full.
    pub overflow: Signal<Out, Bit>,
    flags: Vec<DFF<Bits<3>>>,
    wptr: DFF<Bits<PTR_BITS>>,
    rptr: DFF<Bits<PTR_BITS>>,
    fill: Signal<Local, Bits<PTR_BITS>>,
    wslot: Signal<Local, Bits<PTR_BITS>>,
    rslot: Signal<Local, Bits<PTR_BITS>>,
    head: Signal<Local, Bits<3>>,
    full: Signal<Local, Bit>,
    over: Signal<Local, Bit>,
    take: Signal<Local, Bit>,
    depth: Constant<Bits<PTR_BITS>>,
    slot_mask: Constant<Bits<PTR_BITS>>,
}

impl DeskewLane {
    /// A lane's FIFO of `depth` (D, a power of two in 2..=256, as
    /// `LinkParams::validate` asks).
    pub fn new(depth: usize) -> Self {
        assert!(
            (2..=256).contains(&depth) && depth.is_power_of_two(),
            "DeskewLane: depth must be a power of two in 2..=256, not {depth}"
        );
        Self {
            clock: Default::default(),
            reset: Default::default(),
            write: Default::default(),
            wr_flags: Default::default(),
            locked: Default::default(),
            hunt: Default::default(),
            pop: Default::default(),
            wr_slot: Default::default(),
            rd_slot: Default::default(),
            head_ctrl: Default::default(),
            head_marker: Default::default(),
            head_bad: Default::default(),
            nonempty: Default::default(),
            overflow: Default::default(),
            flags: (0..depth).map(|_| Default::default()).collect(),
            wptr: Default::default(),
            rptr: Default::default(),
            fill: Default::default(),
            wslot: Default::default(),
            rslot: Default::default(),
            head: Default::default(),
            full: Default::default(),
            over: Default::default(),
            take: Default::default(),
            depth: Constant::new((depth as u64).into()),
            slot_mask: Constant::new(((depth - 1) as u64).into()),
        }
    }
}

impl Logic for DeskewLane {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, wptr, rptr);
        self.fill.next = self.wptr.q.val() - self.rptr.q.val();
        self.full.next = self.fill.val() == self.depth.val();
        // Slots as Locals: Verilog cannot slice an expression.
        self.wslot.next = self.wptr.q.val() & self.slot_mask.val();
        self.rslot.next = self.rptr.q.val() & self.slot_mask.val();
        self.head.next = 0.into();
        for i in 0..self.flags.len() {
            self.flags[i].clock.next = self.clock.val();
            self.flags[i].d.next = self.flags[i].q.val();
            if self.rslot.val().index() == i {
                self.head.next = self.flags[i].q.val();
            }
            if self.write.val() & (self.wslot.val().index() == i) {
                self.flags[i].d.next = self.wr_flags.val();
            }
        }
        self.take.next = (self.fill.val() != 0) & (self.pop.val() | (self.hunt.val() & !self.head.val().get_bit(1)));
        // A write into a full FIFO fits when the head leaves in the same clock.
        self.over.next = self.write.val() & self.full.val() & !self.take.val();
        if self.write.val() {
            self.wptr.d.next = self.wptr.q.val() + 1;
        }
        if self.take.val() {
            self.rptr.d.next = self.rptr.q.val() + 1;
        }
        if !self.locked.val() | self.over.val() | self.reset.val() {
            self.wptr.d.next = 0.into();
            self.rptr.d.next = 0.into();
        }
        self.wr_slot.next = self.wslot.val().get_bits::<8>(0);
        self.rd_slot.next = self.rslot.val().get_bits::<8>(0);
        self.head_ctrl.next = self.head.val().get_bit(0);
        self.head_marker.next = self.head.val().get_bit(1);
        self.head_bad.next = self.head.val().get_bit(2);
        self.nonempty.next = self.fill.val() != 0;
        self.overflow.next = self.over.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(uut: &mut DeskewLane) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    /// (nonempty, rd_slot, head flags) as the aligner sees them.
    fn head(uut: &DeskewLane) -> (bool, u64, u64) {
        let f = uut.head_ctrl.val() as u64 | (uut.head_marker.val() as u64) << 1 | (uut.head_bad.val() as u64) << 2;
        (uut.nonempty.val(), uut.rd_slot.val().to_u64(), f)
    }

    fn write(uut: &mut DeskewLane, flags: u64) -> (u64, bool) {
        uut.write.next = true;
        uut.wr_flags.next = flags.into();
        simulate(uut, 100);
        let seen = (uut.wr_slot.val().to_u64(), uut.overflow.val());
        cycle(uut);
        uut.write.next = false;
        simulate(uut, 100);
        seen
    }

    #[test]
    fn writes_pops_hunts_overflows_and_flushes_exactly() {
        let mut uut = DeskewLane::new(4);
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        uut.locked.next = true;
        simulate(&mut uut, 100);
        assert_eq!(head(&uut), (false, 0, 0));
        // Four blocks fill D = 4: slots 0..3 in order, no overflow.
        let flags = [FLAG_CTRL | FLAG_MARKER, 0, FLAG_BAD, FLAG_CTRL];
        for (i, &f) in flags.iter().enumerate() {
            assert_eq!(write(&mut uut, f), (i as u64, false));
        }
        assert_eq!(head(&uut), (true, 0, FLAG_CTRL | FLAG_MARKER));
        // Pop two; the heads follow with their own flags.
        uut.pop.next = true;
        cycle(&mut uut);
        simulate(&mut uut, 100);
        assert_eq!(head(&uut), (true, 1, 0));
        cycle(&mut uut);
        uut.pop.next = false;
        simulate(&mut uut, 100);
        assert_eq!(head(&uut), (true, 2, FLAG_BAD));
        // Two more wrap around into slots 0 and 1: full again.
        assert_eq!(write(&mut uut, FLAG_MARKER), (0, false));
        assert_eq!(write(&mut uut, 0), (1, false));
        // Hunting drops the non-marker heads 2 and 3 (one per clock) and
        // stops at the marker in slot 0.
        uut.hunt.next = true;
        for _ in 0..4 {
            cycle(&mut uut);
        }
        uut.hunt.next = false;
        simulate(&mut uut, 100);
        assert_eq!(head(&uut), (true, 0, FLAG_MARKER));
        // Two writes bring it to D again; the next block overflows and flushes.
        for s in [2u64, 3] {
            assert_eq!(write(&mut uut, 0), (s, false));
        }
        assert_eq!(write(&mut uut, 0), (0, true), "a block into a full FIFO overflows");
        assert_eq!((head(&uut).0, head(&uut).1), (false, 0), "flushed: empty, at slot 0");
        // A write and a pop in the same clock keep the fill.
        assert_eq!(write(&mut uut, FLAG_CTRL), (0, false));
        uut.pop.next = true;
        assert_eq!(write(&mut uut, 0), (1, false));
        uut.pop.next = false;
        simulate(&mut uut, 100);
        assert_eq!(head(&uut), (true, 1, 0));
        // Full (slots 1, 2, 3, 0): a write with a pop in its clock is no overflow.
        for s in [2u64, 3, 0] {
            assert_eq!(write(&mut uut, 0), (s, false));
        }
        uut.pop.next = true;
        assert_eq!(write(&mut uut, FLAG_MARKER), (1, false), "the head left as the block came");
        uut.pop.next = false;
        simulate(&mut uut, 100);
        assert_eq!(head(&uut), (true, 2, 0));
        // Losing marker lock empties it.
        uut.locked.next = false;
        cycle(&mut uut);
        simulate(&mut uut, 100);
        assert!(!head(&uut).0, "emptied");
        assert_eq!(write(&mut uut, 0), (0, false), "nothing is kept while unlocked");
        simulate(&mut uut, 100);
        assert!(!head(&uut).0);
    }

    #[test]
    fn deskew_lane_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut DeskewLane::new(4));
        crate::verilog::verilator_lint("deskew_lane", &v).unwrap();
        let stats = crate::verilog::yosys_synth_ice40("deskew_lane", &v).unwrap();
        println!("DeskewLane D = 4 on iCE40: {stats:?}");
        assert!(stats.luts > 0 && stats.luts < 80, "{stats:?}");
    }
}
