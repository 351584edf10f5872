//! Link transmitter: the TX gearbox (stream words dealt round-robin over the
//! N logical lanes), the writable TX lane map (logical -> physical, spares),
//! alignment-marker rounds, and the P = N + S lanes on the time-shared TX
//! engine ([TxLanes]: one [TxEngine](super::engine::tx_engine::TxEngine)
//! for scrambling, sync headers, markers, BIP-8 and PRBS, and a 66-bit
//! serializer per lane).
//!
//! ```text
//!  stream ─► gearbox ─► TxWordStage (RAM, by logical lane, 2 rounds) ─► TxLanes ─► lines
//!                                   └─ live_carry[slot] (id) ◄── slot ──┘
//! ```
//!
//! Rounds: the serializers share one block boundary every 66 * OSR clocks,
//! the take. Between two takes the gearbox accepts up to N stream words,
//! one per clock, for logical lanes 0, 1, ... in order, staging each by
//! its logical lane ([TxWordStage], whose docs give the timing). At a data
//! round's take the staged words are handed to the engine, which sends
//! each physical lane the word of the logical lane it carries (its id in
//! `live_carry`, read in the clock the engine reads the stage), or an idle block, as the next
//! block (on the line from the following take); one round in M is a marker
//! round, where every lane sends its marker and the staged words wait.
//! Words therefore occupy a prefix of the logical lanes of a round, and the
//! receiver restores order by walking lanes 0..N-1. `block_tick` is the
//! take (a block starts on the line); `marker_tick` is the take where the
//! markers start on the line. A word waits one round more than on the
//! per-lane transmitter this replaces (the engine loads a lane's next
//! block after the boundary that empties its hold register).
//!
//! Stream words of W = 64 k bits arrive as k link words back to back; a
//! stream word is started only when all k fit in the current round (lanes
//! left and clocks before the take), so every round starts at a stream-word
//! boundary and a receiver that loses a round resumes on a whole word.
//! `ready` is low until `link_up` (words offered before the link can carry
//! them wait instead of being lost); a started stream word is finished.
//!
//! Lane map writes go to the map the registers show at once, and reach the
//! lanes in the last clock before a marker round's take (a write until
//! then is in that marker period): the markers carry the new ids, every
//! data block after them goes by the new map and every one before them by
//! the old one, so a receiver never reads a moved lane's blocks as the old
//! logical lane. `reset` restores the identity map.
//!
//! Where the map lives. `tx_map` and `carry` (what the registers show and
//! the swap writes) stay in flip-flops: the register decode and the
//! failover walk read `map_rdata` / `carry_rdata` in the clock they select
//! them. Each map has one read port: the register side's, except in a
//! write's first clock, when the swap reads through it the moved lane's
//! old physical lane and the logical lane it displaces (the register reads
//! answer clocks later, the failover walk waits while `map_pending`). The
//! swap writes each map in two halves on consecutive clocks (the second
//! from registers); a request waits a clock rather than start in the clock
//! before the live copy, so the copy never holds half a swap.
//! The live copy stays in flip-flops too: it must change atomically on one
//! clock (a copy pass into block RAM over P clocks would race map writes
//! landing meanwhile, and a stalled write would be lost to the failover
//! walk, which does not wait). Only `carry` has a live copy: the word stage
//! is by logical lane, and the engine reads a physical lane's word at the
//! id `live_carry` gives it, through the same AND-OR read as its marker id
//! (answered registered, `LaneIdController`). The entries are 8 (physical
//! lane) and 9 (logical id or none) bits wide, not the registers' 12.
//!
//! PRBS (BERT) mode: `cfg_prbs_enable` makes the engine send raw PRBS on
//! every lane; the gearbox accepts nothing meanwhile.
//!
//! Area (yosys 0.23 `synth_ecp5`, OSR 4, N + 1 physical lanes, stream
//! words of 64 bits; `area_blocks -- --ecp5 --lanes 8 24 --part "link TX"`,
//! per lane = the slope from 8 to 24 physical lanes):
//!
//! | LinkTx, ECP5            | 8 lanes    | 24 lanes    | per lane  | intercept |
//! |-------------------------|------------|-------------|-----------|-----------|
//! | per-lane serializer counters, 12-bit map, 4 copies (before) | 4,221 LUT4 | 10,356 LUT4 | 383 LUT4 | ~1.2k |
//! | this                    | 3,092 LUT4 | 5,321 LUT4  | 139 LUT4, 160 FF | ~2.0k |
//!
//! plus 6 DP16KD (word stage and lane state). Where the lanes' LUT4 went,
//! from the same synthesis with the blocks kept apart (per lane, before ->
//! now): each serializer 280 -> 68 (its own bit and block counters, decoded
//! in the clock they were used, made yosys' delay-driven LUT mapping fold
//! the 11-bit decode into every one of its 66 bits; one shared
//! [SerTiming](super::engine::ser_timing::SerTiming) with registered
//! strobes now); the lane map and gearbox here 247 -> ~77 (12-bit entries
//! -> 8 / 9 bits, no live copy of `tx_map`, one read port per map, and the
//! swap's second half from registers: decoding the reads' AND-OR trees per
//! lane in the same clock had yosys copy the trees into the lanes); the
//! word stage's two valid flags a lane -> a word count (nothing per lane);
//! the engine ~7 (its slot decodes). What stays per lane: the serializer
//! (66 LUT4 for load/shift/zero, 134 FF with the hold register) and the
//! maps' three 8/9-bit copies with their AND-OR reads and swap writes.
//! The intercept of a two-point fit moves with the mapping of the shared
//! logic between runs (the engine's 66-bit gathers; see `engine`'s docs):
//! read the totals, which fell at both lane counts.

use super::engine::ports::SLOT_BITS;
use super::engine::tx_lanes::TxLanes;
use super::tx_word_stage::TxWordStage;
use super::word_stream::StreamIn;
use crate::params::LinkParams;
use rust_hdl::prelude::*;

/// Width of a `carry` entry: a logical id (< N <= 256) or [CARRY_NONE].
const CARRY_BITS: usize = SLOT_BITS + 1;
/// `carry`'s "carries no logical lane" (0xFFF at the ports).
const CARRY_NONE: u64 = (1 << CARRY_BITS) - 1;

#[derive(LogicBlock)]
pub struct LinkTx {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Stream in: one 64-bit word per clock when `valid & ready`.
    pub stream: StreamIn<64>,
    /// The link can carry words (the receiver's `link_up`).
    pub link_up: Signal<In, Bit>,
    /// One-clock strobe: the last link word of a stream word was taken.
    pub word_end: Signal<Out, Bit>,
    /// The P = N + S physical lanes (Verilog ports `lines$0` ..).
    pub lines: Vec<Signal<Out, Bit>>,
    /// Raw PRBS on every lane (BERT) instead of blocks.
    pub cfg_prbs_enable: Signal<In, Bit>,
    pub cfg_prbs_pattern: Signal<In, Bits<3>>,
    /// Lane map write: logical lane `map_logical` moves to physical lane
    /// `map_physical`; the lane that was there (if any) takes its old place.
    /// The request is registered and applied in the next two clocks (one a
    /// clock later while the previous write finishes, or just before the
    /// live copy), so that the logic choosing it (the register decode, the
    /// failover walk) and the swap are not one combinational path.
    /// Requests must come at least two clocks apart, except one right after
    /// a request the failover walk made (the walk itself waits for
    /// `map_pending` to fall). A request out of range (logical >= N or
    /// physical >= N + S) is ignored.
    pub map_write: Signal<In, Bit>,
    pub map_logical: Signal<In, Bits<12>>,
    pub map_physical: Signal<In, Bits<12>>,
    /// Lane map read: physical lane of logical lane `map_sel`.
    pub map_sel: Signal<In, Bits<12>>,
    pub map_rdata: Signal<Out, Bits<12>>,
    /// Carry read: logical lane carried by physical lane `carry_sel` (0xFFF: none).
    pub carry_sel: Signal<In, Bits<12>>,
    pub carry_rdata: Signal<Out, Bits<12>>,
    /// A write is waiting or being applied (the two clocks after
    /// `map_write`, or three): the maps are changing, and in the write's
    /// first clock the two reads serve it, so `map_rdata` and `carry_rdata`
    /// are not the entries `map_sel` and `carry_sel` select.
    pub map_pending: Signal<Out, Bit>,
    /// One-clock strobes: a block started / a marker round started.
    pub block_tick: Signal<Out, Bit>,
    pub marker_tick: Signal<Out, Bit>,
    lanes: TxLanes,
    stage: TxWordStage,
    // The maps hold lane indices at their own width (a physical lane fits
    // the engine's slot, a logical id or `none` one bit more), not the
    // registers' 12 bits: every map flip-flop, read and write mux is per
    // lane, and 12 bits would cost half as much again.
    tx_map: Vec<DFFWithInit<Bits<SLOT_BITS>>>,
    carry: Vec<DFFWithInit<Bits<CARRY_BITS>>>,
    /// The carry map the engine uses (a copy of `carry` taken before a
    /// marker round). No live copy of `tx_map` is needed: the word stage is
    /// by logical lane, and the engine reads a physical lane's word at the
    /// logical id it carries.
    live_carry: Vec<DFFWithInit<Bits<CARRY_BITS>>>,
    /// Identity values of the maps, for `reset`.
    map_init: Vec<Constant<Bits<SLOT_BITS>>>,
    carry_init: Vec<Constant<Bits<CARRY_BITS>>>,
    fill: DFF<Bits<12>>,
    /// Link words of the current stream word taken so far.
    phase: DFF<Bits<5>>,
    /// Clocks since the last take.
    since_take: DFF<Bits<10>>,
    word_start_ok: Signal<Local, Bit>,
    /// The block the next take hands to the engine, in the marker period.
    block_index: DFF<Bits<17>>,
    /// The word stage's buffer being filled, and the one the engine reads.
    fill_buf: DFF<Bit>,
    read_buf: DFF<Bit>,
    /// The words in the buffer the engine reads (its lanes 0..read_count-1).
    read_count: DFF<Bits<12>>,
    rd_count_now: Signal<Local, Bits<12>>,
    /// The engine's registered id read.
    id_q: DFF<Bits<12>>,
    /// The logical id the engine's slot carries (`none` past the lanes).
    id_sel: Signal<Local, Bits<CARRY_BITS>>,
    live_id: Signal<Local, Bits<CARRY_BITS>>,
    rd_buf_now: Signal<Local, Bit>,
    take: Signal<Local, Bit>,
    marker_round: Signal<Local, Bit>,
    accept: Signal<Local, Bit>,
    /// A write request in range, applied this clock (its first half)
    /// unless `wr_hold`.
    wr_pending: DFF<Bit>,
    wr_logical: DFF<Bits<SLOT_BITS>>,
    wr_physical: DFF<Bits<SLOT_BITS>>,
    /// The pending request waits a clock: the last write's second half is
    /// applied now, or the live copy is taken next clock (a write is never
    /// half in it).
    wr_hold: Signal<Local, Bit>,
    wr_first: Signal<Local, Bit>,
    /// The write's second half, the clock after the first, from registers
    /// (decoding the reads' AND-OR trees per lane in the same clock made
    /// yosys' LUT mapping copy the trees into every lane: ~70 ECP5 LUT4 a
    /// lane more): the displaced logical lane `sec_disp` moves to the moved
    /// lane's old physical lane `sec_old` (if it is a lane, not the moved
    /// one), and that physical lane now carries it (unless it is the one
    /// written).
    second: DFF<Bit>,
    sec_old: DFF<Bits<SLOT_BITS>>,
    sec_disp: DFF<Bits<CARRY_BITS>>,
    sec_move: DFF<Bit>,
    sec_carry: DFF<Bit>,
    /// One read port per map, shared by the register side (`map_sel`,
    /// `carry_sel`) and the write (the moved lane's old physical lane, the
    /// logical lane it displaces), which has it while `wr_pending`.
    map_addr: Signal<Local, Bits<12>>,
    carry_addr: Signal<Local, Bits<12>>,
    map_word: Signal<Local, Bits<SLOT_BITS>>,
    carry_word: Signal<Local, Bits<CARRY_BITS>>,
    // Per lane: the read port's address names it (the write's first half
    // too), and all ones then. Every read of the maps is an AND-OR over the
    // lanes (a tree after synthesis) instead of a priority chain of 2:1
    // muxes, whose depth grew with the lanes: at 16+2 the map write's chain
    // (map_physical -> displaced -> tx_map) held the ULX3S full link to 31.9 MHz.
    hit_map: Vec<Signal<Local, Bit>>,
    hit_carry: Vec<Signal<Local, Bit>>,
    sel_map: Vec<Signal<Local, Bits<SLOT_BITS>>>,
    sel_carry: Vec<Signal<Local, Bits<CARRY_BITS>>>,
    sel_id: Vec<Signal<Local, Bits<CARRY_BITS>>>,
    n_lanes: Constant<Bits<12>>,
    p_lanes: Constant<Bits<12>>,
    last_block: Constant<Bits<17>>,
    /// The block after a marker: its take starts the marker on the line.
    after_marker: Constant<Bits<17>>,
    unused: Constant<Bits<12>>,
    /// All ones at the maps' widths (the AND-OR selects); `none` in `carry`.
    ones_slot: Constant<Bits<SLOT_BITS>>,
    none: Constant<Bits<CARRY_BITS>>,
    /// 66 OSR - 2: the clock before a take, counted from the last one.
    snap_clock: Constant<Bits<10>>,
    /// 66 OSR - 3: no write's first half in the clock before the live copy.
    guard_clock: Constant<Bits<10>>,
    /// k - 1: the last link word of a stream word.
    last_chunk: Constant<Bits<5>>,
    /// N - k: the last lane a stream word may start on.
    last_start_lane: Constant<Bits<12>>,
    /// 66 OSR - 1 - k: clocks after a take a stream word may still start
    /// (the take comes 66 OSR clocks after the last, the first one 66 OSR - 1
    /// after reset, and takes nothing in that clock).
    last_start_clock: Constant<Bits<10>>,
}

impl LinkTx {
    /// A transmitter for stream words of `stream_words` link words (W / 64).
    pub fn new(p: &LinkParams, stream_words: usize) -> Self {
        assert_eq!(p.validate(), Ok(()), "LinkTx: invalid link parameters");
        let lanes = TxLanes::try_new(p).unwrap_or_else(|e| panic!("LinkTx: {e}"));
        let n = p.lanes;
        let phys = p.physical_lanes();
        let k = stream_words;
        assert!(
            (1..=16).contains(&k) && k <= n,
            "LinkTx: a stream word must fit one round: W/64 must be in 1..=min(16, N = {n}), not {k}"
        );
        let carry_id = |q: usize| if q < n { q as u64 } else { CARRY_NONE };
        Self {
            clock: Default::default(),
            reset: Default::default(),
            stream: Default::default(),
            link_up: Default::default(),
            word_end: Default::default(),
            lines: (0..phys).map(|_| Default::default()).collect(),
            cfg_prbs_enable: Default::default(),
            cfg_prbs_pattern: Default::default(),
            map_write: Default::default(),
            map_logical: Default::default(),
            map_physical: Default::default(),
            map_sel: Default::default(),
            map_rdata: Default::default(),
            carry_sel: Default::default(),
            carry_rdata: Default::default(),
            map_pending: Default::default(),
            block_tick: Default::default(),
            marker_tick: Default::default(),
            lanes,
            stage: TxWordStage::new(p),
            tx_map: (0..n).map(|l| DFFWithInit::new((l as u64).into())).collect(),
            carry: (0..phys).map(|q| DFFWithInit::new(carry_id(q).into())).collect(),
            live_carry: (0..phys).map(|q| DFFWithInit::new(carry_id(q).into())).collect(),
            map_init: (0..n).map(|l| Constant::new((l as u64).into())).collect(),
            carry_init: (0..phys).map(|q| Constant::new(carry_id(q).into())).collect(),
            fill: Default::default(),
            phase: Default::default(),
            since_take: Default::default(),
            word_start_ok: Default::default(),
            block_index: Default::default(),
            fill_buf: Default::default(),
            read_buf: Default::default(),
            read_count: Default::default(),
            rd_count_now: Default::default(),
            id_q: Default::default(),
            id_sel: Default::default(),
            live_id: Default::default(),
            rd_buf_now: Default::default(),
            take: Default::default(),
            marker_round: Default::default(),
            accept: Default::default(),
            wr_pending: Default::default(),
            wr_logical: Default::default(),
            wr_physical: Default::default(),
            wr_hold: Default::default(),
            wr_first: Default::default(),
            second: Default::default(),
            sec_old: Default::default(),
            sec_disp: Default::default(),
            sec_move: Default::default(),
            sec_carry: Default::default(),
            map_addr: Default::default(),
            carry_addr: Default::default(),
            map_word: Default::default(),
            carry_word: Default::default(),
            hit_map: (0..n).map(|_| Default::default()).collect(),
            hit_carry: (0..phys).map(|_| Default::default()).collect(),
            sel_map: (0..n).map(|_| Default::default()).collect(),
            sel_carry: (0..phys).map(|_| Default::default()).collect(),
            sel_id: (0..phys).map(|_| Default::default()).collect(),
            n_lanes: Constant::new((n as u64).into()),
            p_lanes: Constant::new((phys as u64).into()),
            last_block: Constant::new(((p.marker_period - 1) as u64).into()),
            after_marker: Constant::new(1u64.into()),
            unused: Constant::new(0xFFFu64.into()),
            ones_slot: Constant::new(((1u64 << SLOT_BITS) - 1).into()),
            none: Constant::new(CARRY_NONE.into()),
            snap_clock: Constant::new(((66 * p.osr - 2) as u64).into()),
            guard_clock: Constant::new(((66 * p.osr - 3) as u64).into()),
            last_chunk: Constant::new(((k - 1) as u64).into()),
            last_start_lane: Constant::new(((n - k) as u64).into()),
            last_start_clock: Constant::new(((66 * p.osr - 1 - k) as u64).into()),
        }
    }
}

impl Logic for LinkTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            fill,
            phase,
            since_take,
            block_index,
            fill_buf,
            read_buf,
            read_count,
            id_q,
            wr_pending,
            wr_logical,
            wr_physical,
            second,
            sec_old,
            sec_disp,
            sec_move,
            sec_carry
        );
        // A request waits while the last write's second half is applied,
        // and in the clock before the live copy. Requests come at least two
        // clocks apart (the register port's do; the failover walk waits for
        // `map_pending`), so one waiting request is never overtaken.
        self.wr_hold.next = self.second.q.val()
            | ((self.block_index.q.val() == 0) & (self.since_take.q.val() == self.guard_clock.val()));
        self.wr_first.next = self.wr_pending.q.val() & !self.wr_hold.val();
        self.wr_pending.d.next = self.map_write.val()
            & (self.map_logical.val() < self.n_lanes.val())
            & (self.map_physical.val() < self.p_lanes.val())
            & !self.reset.val();
        self.wr_logical.d.next = self.map_logical.val().get_bits::<SLOT_BITS>(0);
        self.wr_physical.d.next = self.map_physical.val().get_bits::<SLOT_BITS>(0);
        if self.wr_pending.q.val() & self.wr_hold.val() & !self.reset.val() {
            self.wr_pending.d.next = true;
            self.wr_logical.d.next = self.wr_logical.q.val();
            self.wr_physical.d.next = self.wr_physical.q.val();
        }
        self.map_pending.next = self.wr_pending.q.val() | self.second.q.val();
        // The serializers' shared block boundary paces the gearbox.
        self.lanes.clock.next = self.clock.val();
        self.lanes.reset.next = self.reset.val();
        self.lanes.cfg_prbs_enable.next = self.cfg_prbs_enable.val();
        self.lanes.cfg_prbs_pattern.next = self.cfg_prbs_pattern.val();
        self.take.next = self.lanes.boundary.val();
        self.marker_round.next = self.block_index.q.val() == 0;
        self.block_tick.next = self.take.val();
        self.marker_tick.next = self.take.val() & (self.block_index.q.val() == self.after_marker.val());
        // The maps' read ports: a write's first half has them.
        self.map_addr.next = self.map_sel.val();
        self.carry_addr.next = self.carry_sel.val();
        if self.wr_first.val() {
            self.map_addr.next = bit_cast::<12, SLOT_BITS>(self.wr_logical.q.val());
            self.carry_addr.next = bit_cast::<12, SLOT_BITS>(self.wr_physical.q.val());
        }
        self.map_word.next = 0.into();
        for l in 0..self.tx_map.len() {
            self.tx_map[l].clock.next = self.clock.val();
            self.tx_map[l].d.next = self.tx_map[l].q.val();
            self.hit_map[l].next = self.map_addr.val().index() == l;
            self.sel_map[l].next = 0.into();
            if self.hit_map[l].val() {
                self.sel_map[l].next = self.ones_slot.val();
            }
            self.map_word.next = self.map_word.val() | (self.tx_map[l].q.val() & self.sel_map[l].val());
        }
        // An index past the lanes reads `unused`, as the lanes' own ids do.
        self.map_rdata.next = bit_cast::<12, SLOT_BITS>(self.map_word.val());
        if self.map_addr.val() >= self.n_lanes.val() {
            self.map_rdata.next = self.unused.val();
        }
        self.carry_word.next = 0.into();
        for q in 0..self.carry.len() {
            self.hit_carry[q].next = self.carry_addr.val().index() == q;
            self.sel_carry[q].next = 0.into();
            if self.hit_carry[q].val() {
                self.sel_carry[q].next = self.none.val();
            }
            self.carry_word.next = self.carry_word.val() | (self.carry[q].q.val() & self.sel_carry[q].val());
        }
        self.carry_rdata.next = bit_cast::<12, CARRY_BITS>(self.carry_word.val());
        if (self.carry_addr.val() >= self.p_lanes.val()) | (self.carry_word.val() == self.none.val()) {
            self.carry_rdata.next = self.unused.val();
        }
        // Stream side: one word per clock, for logical lanes 0..N-1 in order;
        // nothing is accepted on a data round's take (the stage is being sent).
        // A stream word starts only when the link is up and all its link
        // words fit this round; once started it is finished.
        self.word_start_ok.next = self.link_up.val()
            & (self.fill.q.val() <= self.last_start_lane.val())
            & (self.since_take.q.val() <= self.last_start_clock.val());
        self.accept.next = (self.fill.q.val() < self.n_lanes.val())
            & !(self.take.val() & !self.marker_round.val())
            & ((self.phase.q.val() != 0) | self.word_start_ok.val())
            & !self.reset.val()
            & !self.cfg_prbs_enable.val();
        self.stream.ready.next = self.accept.val();
        self.word_end.next =
            self.stream.valid.val() & self.accept.val() & (self.phase.q.val() == self.last_chunk.val());
        if self.stream.valid.val() & self.accept.val() {
            self.fill.d.next = self.fill.q.val() + 1;
            if self.phase.q.val() == self.last_chunk.val() {
                self.phase.d.next = 0.into();
            } else {
                self.phase.d.next = self.phase.q.val() + 1;
            }
        }
        self.since_take.d.next = self.since_take.q.val() + 1;
        // The word stage, by logical lane: the gearbox writes the buffer it
        // fills; a data round's take hands it and its word count to the
        // engine (on the take's own clock, see TxWordStage) and fills the
        // other one from lane 0 for the next round.
        self.stage.clock.next = self.clock.val();
        self.stage.reset.next = self.reset.val();
        self.stage.wr_en.next = self.stream.valid.val() & self.accept.val();
        self.stage.wr_buf.next = self.fill_buf.q.val();
        self.stage.wr_lane.next = self.fill.q.val().get_bits::<SLOT_BITS>(0);
        self.stage.wr_data.next = self.stream.data.val();
        self.rd_buf_now.next = self.read_buf.q.val();
        self.rd_count_now.next = self.read_count.q.val();
        if self.take.val() & !self.marker_round.val() {
            self.rd_buf_now.next = self.fill_buf.q.val();
            self.rd_count_now.next = self.fill.q.val();
            self.read_buf.d.next = self.fill_buf.q.val();
            self.read_count.d.next = self.fill.q.val();
            self.fill_buf.d.next = !self.fill_buf.q.val();
        }
        self.stage.rd_buf.next = self.rd_buf_now.val();
        self.stage.rd_count.next = self.rd_count_now.val();
        // The logical lane the engine's slot carries (the engine reads a
        // slot's word and id in the same clock): it addresses the word
        // stage, and answers the id read registered (as a block RAM would).
        // A spare's `none` addresses no staged word (ids are below N).
        self.id_sel.next = 0.into();
        for q in 0..self.carry.len() {
            self.sel_id[q].next = 0.into();
            if self.lanes.word.lane.val().index() == q {
                self.sel_id[q].next = self.none.val();
            }
            self.id_sel.next = self.id_sel.val() | (self.live_carry[q].q.val() & self.sel_id[q].val());
        }
        self.live_id.next = self.id_sel.val();
        if bit_cast::<12, SLOT_BITS>(self.lanes.word.lane.val()) >= self.p_lanes.val() {
            self.live_id.next = self.none.val();
        }
        self.stage.port.lane.next = self.live_id.val().get_bits::<SLOT_BITS>(0);
        self.lanes.word.valid.next = self.stage.port.valid.val();
        self.lanes.word.payload.next = self.stage.port.payload.val();
        self.lanes.word.ctrl.next = self.stage.port.ctrl.val();
        self.stage.port.take.next = self.lanes.word.take.val();
        self.id_q.d.next = bit_cast::<12, CARRY_BITS>(self.live_id.val());
        if self.live_id.val() == self.none.val() {
            self.id_q.d.next = self.unused.val();
        }
        self.lanes.map.id.next = self.id_q.q.val();
        if self.take.val() {
            self.since_take.d.next = 0.into();
            if !self.marker_round.val() {
                self.fill.d.next = 0.into();
            }
            if self.block_index.q.val() == self.last_block.val() {
                self.block_index.d.next = 0.into();
            } else {
                self.block_index.d.next = self.block_index.q.val() + 1;
            }
        }
        for q in 0..self.carry.len() {
            self.carry[q].clock.next = self.clock.val();
            self.carry[q].d.next = self.carry[q].q.val();
            self.live_carry[q].clock.next = self.clock.val();
            self.live_carry[q].d.next = self.live_carry[q].q.val();
            self.lines[q].next = self.lanes.lines[q].val();
        }
        // Lane map write (a swap keeps the map a permutation), from the
        // clock after the request. First half: the moved lane goes to its
        // new physical lane, which carries it; the read ports have the moved
        // lane's old physical lane (`map_word`) and the logical lane it
        // displaces (`carry_word`), kept for the second half, the next clock.
        self.second.d.next = self.wr_first.val();
        self.sec_old.d.next = self.map_word.val();
        self.sec_disp.d.next = self.carry_word.val();
        self.sec_move.d.next = (self.carry_word.val() != self.none.val())
            & (self.carry_word.val() != bit_cast::<CARRY_BITS, SLOT_BITS>(self.wr_logical.q.val()));
        self.sec_carry.d.next = self.map_word.val() != self.wr_physical.q.val();
        if self.wr_first.val() {
            for l in 0..self.tx_map.len() {
                if self.hit_map[l].val() {
                    self.tx_map[l].d.next = self.wr_physical.q.val();
                }
            }
            for q in 0..self.carry.len() {
                if self.hit_carry[q].val() {
                    self.carry[q].d.next = bit_cast::<CARRY_BITS, SLOT_BITS>(self.wr_logical.q.val());
                }
            }
        }
        if self.second.q.val() {
            for l in 0..self.tx_map.len() {
                if self.sec_move.q.val() & (self.sec_disp.q.val().index() == l) {
                    self.tx_map[l].d.next = self.sec_old.q.val();
                }
            }
            for q in 0..self.carry.len() {
                if self.sec_carry.q.val() & (self.sec_old.q.val().index() == q) {
                    self.carry[q].d.next = self.sec_disp.q.val();
                }
            }
        }
        // The lanes take the written map in the last clock before a marker
        // round's take: the markers carry it, and the words read after them.
        // (Not earlier: the engine reads the last data round's words, by the
        // old ids, up to SLOTS + 1 clocks after that round's take.)
        if !self.take.val() & (self.block_index.q.val() == 0) & (self.since_take.q.val() == self.snap_clock.val()) {
            for q in 0..self.carry.len() {
                self.live_carry[q].d.next = self.carry[q].q.val();
            }
        }
        if self.reset.val() {
            self.second.d.next = false;
            self.fill.d.next = 0.into();
            self.phase.d.next = 0.into();
            self.since_take.d.next = 0.into();
            self.block_index.d.next = self.after_marker.val();
            self.fill_buf.d.next = false;
            self.read_buf.d.next = true;
            self.read_count.d.next = 0.into();
            for l in 0..self.tx_map.len() {
                self.tx_map[l].d.next = self.map_init[l].val();
            }
            for q in 0..self.carry.len() {
                self.carry[q].d.next = self.carry_init[q].val();
                self.live_carry[q].d.next = self.carry_init[q].val();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The lane map as the registers show it, in software: logical ->
    /// physical, and physical -> logical (None: a spare).
    struct MapModel {
        map: Vec<usize>,
        carry: Vec<Option<usize>>,
    }

    impl MapModel {
        fn identity(n: usize, phys: usize) -> Self {
            MapModel { map: (0..n).collect(), carry: (0..phys).map(|q| (q < n).then_some(q)).collect() }
        }

        /// Logical lane `l` moves to physical lane `p`; the lane there takes its old place.
        fn swap(&mut self, l: usize, p: usize) {
            let (old, d) = (self.map[l], self.carry[p]);
            self.map[l] = p;
            self.carry[p] = Some(l);
            if let Some(d) = d.filter(|&d| d != l) {
                self.map[d] = old;
            }
            if old != p {
                self.carry[old] = d;
            }
        }
    }

    fn edge(uut: &mut LinkTx) {
        uut.clock.next = Clock { clk: true };
        simulate(uut, 1000);
        uut.clock.next = Clock { clk: false };
        simulate(uut, 1000);
    }

    /// Every entry of both maps through the read ports (combinational).
    fn read_maps(uut: &mut LinkTx, n: usize, phys: usize) -> (Vec<u64>, Vec<u64>) {
        let (mut map, mut carry) = (vec![], vec![]);
        for i in 0..n.max(phys) {
            uut.map_sel.next = (i as u64).into();
            uut.carry_sel.next = (i as u64).into();
            simulate(uut, 1000);
            if i < n {
                map.push(uut.map_rdata.val().to_u64());
            }
            if i < phys {
                carry.push(uut.carry_rdata.val().to_u64());
            }
        }
        (map, carry)
    }

    #[test]
    fn random_swaps_read_back_as_the_software_model_across_the_live_copies() {
        let p = LinkParams { lanes: 5, spares: 2, osr: 1, marker_period: 4, deskew_depth: 2 };
        let (n, phys) = (p.lanes, p.physical_lanes());
        let mut uut = LinkTx::new(&p, 1);
        uut.connect_all();
        uut.reset.next = true;
        edge(&mut uut);
        uut.reset.next = false;
        let mut model = MapModel::identity(n, phys);
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        let (mut writes, mut held) = (0, 0);
        let want = |m: &MapModel| {
            let map: Vec<u64> = m.map.iter().map(|&q| q as u64).collect();
            let carry: Vec<u64> = m.carry.iter().map(|c| c.map_or(0xFFF, |l| l as u64)).collect();
            (map, carry)
        };
        // OSR 1, M = 4: a live copy every 264 clocks; 3000 clocks cross 11.
        let mut t = 0;
        while t < 3000 {
            // One request, or two in consecutive clocks (a failover walk's
            // write, then the register port's), then at least two idle clocks.
            let pair = rng.gen_bool(0.2);
            for _ in 0..if pair { 2 } else { 1 } {
                let (l, q) = (rng.gen_range(0..n), rng.gen_range(0..phys));
                uut.map_write.next = true;
                uut.map_logical.next = (l as u64).into();
                uut.map_physical.next = (q as u64).into();
                edge(&mut uut);
                t += 1;
                model.swap(l, q);
                writes += 1;
            }
            uut.map_write.next = false;
            let mut pending = 0;
            while uut.map_pending.val() {
                edge(&mut uut);
                t += 1;
                pending += 1;
            }
            // First and second halves (and the second request's), plus any hold.
            if pending > if pair { 3 } else { 2 } {
                held += 1;
            }
            for _ in 0..rng.gen_range(0..6) {
                edge(&mut uut);
                t += 1;
            }
            assert_eq!(read_maps(&mut uut, n, phys), want(&model), "after {writes} writes, clock {t}");
        }
        // An out-of-range request is ignored.
        uut.map_write.next = true;
        uut.map_logical.next = (n as u64).into();
        uut.map_physical.next = 0.into();
        edge(&mut uut);
        uut.map_write.next = false;
        edge(&mut uut);
        edge(&mut uut);
        assert_eq!(read_maps(&mut uut, n, phys), want(&model));
        assert!(writes > 500 && held > 0, "{writes} writes, {held} held");
        // Reset restores the identity.
        uut.reset.next = true;
        edge(&mut uut);
        uut.reset.next = false;
        assert_eq!(read_maps(&mut uut, n, phys), want(&MapModel::identity(n, phys)));
    }
}
