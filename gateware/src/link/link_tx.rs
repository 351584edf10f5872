//! Link transmitter: the TX gearbox (stream words dealt round-robin over the
//! N logical lanes), the writable TX lane map (logical -> physical, spares),
//! alignment-marker rounds, and the P = N + S lane transmitters.
//!
//! Rounds: every lane transmitter takes a block at the same clock (they run
//! in lockstep), once per 66 * OSR clocks. Between two takes the gearbox
//! accepts up to N stream words, one per clock, for logical lanes 0, 1, ...
//! in order, staging each in the physical lane that carries it. At a data
//! round's take every lane sends its staged word, or an idle block; one
//! round in M is a marker round, where every lane sends its marker and the
//! staged words wait. Words therefore occupy a prefix of the logical lanes
//! of a round, and the receiver restores order by walking lanes 0..N-1.
//!
//! Stream words of W = 64 k bits arrive as k link words back to back; a
//! stream word is started only when all k fit in the current round (lanes
//! left and clocks before the take), so every round starts at a stream-word
//! boundary and a receiver that loses a round resumes on a whole word.
//! `ready` is low until `link_up` (words offered before the link can carry
//! them wait instead of being lost); a started stream word is finished.
//!
//! Lane map writes go to the map the registers show at once, and reach the
//! lanes at the take of the last data round before a marker round: the
//! markers that follow carry the new ids, and every data block after them
//! goes by the new map, so a receiver never reads a moved lane's blocks as
//! the old logical lane. `reset` restores the identity map.

use super::tx_feed::TxFeed;
use super::word_stream::StreamIn;
use crate::params::LinkParams;
use crate::phy::lane_tx::LaneTx;
use rust_hdl::prelude::*;

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
    /// The request is registered and applied the next clock, so that the
    /// logic choosing it (the register decode, the failover walk) and the
    /// swap are not one combinational path.
    pub map_write: Signal<In, Bit>,
    pub map_logical: Signal<In, Bits<12>>,
    pub map_physical: Signal<In, Bits<12>>,
    /// Lane map read: physical lane of logical lane `map_sel`.
    pub map_sel: Signal<In, Bits<12>>,
    pub map_rdata: Signal<Out, Bits<12>>,
    /// Carry read: logical lane carried by physical lane `carry_sel` (0xFFF: none).
    pub carry_sel: Signal<In, Bits<12>>,
    pub carry_rdata: Signal<Out, Bits<12>>,
    /// One-clock strobes: a block started / a marker round started.
    pub block_tick: Signal<Out, Bit>,
    pub marker_tick: Signal<Out, Bit>,
    lanes: Vec<LaneTx>,
    feeds: Vec<TxFeed>,
    tx_map: Vec<DFFWithInit<Bits<12>>>,
    carry: Vec<DFFWithInit<Bits<12>>>,
    /// The maps the lanes use (copies of the two above, taken before a marker round).
    live_map: Vec<DFFWithInit<Bits<12>>>,
    live_carry: Vec<DFFWithInit<Bits<12>>>,
    /// Identity values of the maps, for `reset`.
    map_init: Vec<Constant<Bits<12>>>,
    carry_init: Vec<Constant<Bits<12>>>,
    fill: DFF<Bits<12>>,
    /// Link words of the current stream word taken so far.
    phase: DFF<Bits<5>>,
    /// Clocks since the last take.
    since_take: DFF<Bits<10>>,
    word_start_ok: Signal<Local, Bit>,
    block_index: DFF<Bits<17>>,
    take: Signal<Local, Bit>,
    marker_round: Signal<Local, Bit>,
    fill_phys: Signal<Local, Bits<12>>,
    accept: Signal<Local, Bit>,
    wr_pending: DFF<Bit>,
    wr_logical: DFF<Bits<12>>,
    wr_physical: DFF<Bits<12>>,
    old_phys: Signal<Local, Bits<12>>,
    displaced: Signal<Local, Bits<12>>,
    // Per lane: all ones when a lane index names it. Every read of the maps
    // is an AND-OR over the lanes (a tree after synthesis) instead of a
    // priority chain of 2:1 muxes, whose depth grew with the lanes: at 16+2
    // the map write's chain (map_physical -> displaced -> tx_map) held the
    // ULX3S full link to 31.9 MHz.
    sel_fill: Vec<Signal<Local, Bits<12>>>,
    sel_map: Vec<Signal<Local, Bits<12>>>,
    sel_logical: Vec<Signal<Local, Bits<12>>>,
    sel_physical: Vec<Signal<Local, Bits<12>>>,
    sel_carry: Vec<Signal<Local, Bits<12>>>,
    n_lanes: Constant<Bits<12>>,
    p_lanes: Constant<Bits<12>>,
    last_block: Constant<Bits<17>>,
    unused: Constant<Bits<12>>,
    /// k - 1: the last link word of a stream word.
    last_chunk: Constant<Bits<5>>,
    /// N - k: the last lane a stream word may start on.
    last_start_lane: Constant<Bits<12>>,
    /// 66 OSR - 1 - k: clocks after a take a stream word may still start
    /// (the take comes 66 OSR - 1 clocks after the last, and takes nothing
    /// in that clock).
    last_start_clock: Constant<Bits<10>>,
}

impl LinkTx {
    /// A transmitter for stream words of `stream_words` link words (W / 64).
    pub fn new(p: &LinkParams, stream_words: usize) -> Self {
        assert_eq!(p.validate(), Ok(()), "LinkTx: invalid link parameters");
        let n = p.lanes;
        let phys = p.physical_lanes();
        let k = stream_words;
        assert!(
            (1..=16).contains(&k) && k <= n,
            "LinkTx: a stream word must fit one round: W/64 must be in 1..=min(16, N = {n}), not {k}"
        );
        let carry_id = |q: usize| if q < n { q as u64 } else { 0xFFF };
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
            block_tick: Default::default(),
            marker_tick: Default::default(),
            lanes: (0..phys).map(|_| LaneTx::new(p.osr)).collect(),
            feeds: (0..phys).map(|_| TxFeed::default()).collect(),
            tx_map: (0..n).map(|l| DFFWithInit::new((l as u64).into())).collect(),
            carry: (0..phys).map(|q| DFFWithInit::new(carry_id(q).into())).collect(),
            live_map: (0..n).map(|l| DFFWithInit::new((l as u64).into())).collect(),
            live_carry: (0..phys).map(|q| DFFWithInit::new(carry_id(q).into())).collect(),
            map_init: (0..n).map(|l| Constant::new((l as u64).into())).collect(),
            carry_init: (0..phys).map(|q| Constant::new(carry_id(q).into())).collect(),
            fill: Default::default(),
            phase: Default::default(),
            since_take: Default::default(),
            word_start_ok: Default::default(),
            block_index: Default::default(),
            take: Default::default(),
            marker_round: Default::default(),
            fill_phys: Default::default(),
            accept: Default::default(),
            wr_pending: Default::default(),
            wr_logical: Default::default(),
            wr_physical: Default::default(),
            old_phys: Default::default(),
            displaced: Default::default(),
            sel_fill: (0..n).map(|_| Default::default()).collect(),
            sel_map: (0..n).map(|_| Default::default()).collect(),
            sel_logical: (0..n).map(|_| Default::default()).collect(),
            sel_physical: (0..phys).map(|_| Default::default()).collect(),
            sel_carry: (0..phys).map(|_| Default::default()).collect(),
            n_lanes: Constant::new((n as u64).into()),
            p_lanes: Constant::new((phys as u64).into()),
            last_block: Constant::new(((p.marker_period - 1) as u64).into()),
            unused: Constant::new(0xFFFu64.into()),
            last_chunk: Constant::new(((k - 1) as u64).into()),
            last_start_lane: Constant::new(((n - k) as u64).into()),
            last_start_clock: Constant::new(((66 * p.osr - 1 - k) as u64).into()),
        }
    }
}

impl Logic for LinkTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, fill, phase, since_take, block_index, wr_pending, wr_logical, wr_physical);
        self.wr_pending.d.next = self.map_write.val() & !self.reset.val();
        self.wr_logical.d.next = self.map_logical.val();
        self.wr_physical.d.next = self.map_physical.val();
        for l in 0..self.tx_map.len() {
            self.tx_map[l].clock.next = self.clock.val();
            self.tx_map[l].d.next = self.tx_map[l].q.val();
            self.live_map[l].clock.next = self.clock.val();
            self.live_map[l].d.next = self.live_map[l].q.val();
        }
        // The lanes run in lockstep; lane 0's strobe paces the gearbox.
        self.take.next = self.lanes[0].block_take.val();
        self.marker_round.next = self.block_index.q.val() == 0;
        self.block_tick.next = self.take.val();
        self.marker_tick.next = self.take.val() & self.marker_round.val();
        // Physical lane of the logical lane being filled, and map reads; an
        // index past the lanes reads `unused`, as the lanes' own ids do.
        self.fill_phys.next = 0.into();
        self.map_rdata.next = 0.into();
        self.old_phys.next = 0.into();
        for l in 0..self.tx_map.len() {
            self.sel_fill[l].next = 0.into();
            self.sel_map[l].next = 0.into();
            self.sel_logical[l].next = 0.into();
            if self.fill.q.val().index() == l {
                self.sel_fill[l].next = self.unused.val();
            }
            if self.map_sel.val().index() == l {
                self.sel_map[l].next = self.unused.val();
            }
            if self.wr_logical.q.val().index() == l {
                self.sel_logical[l].next = self.unused.val();
            }
            self.fill_phys.next = self.fill_phys.val() | (self.live_map[l].q.val() & self.sel_fill[l].val());
            self.map_rdata.next = self.map_rdata.val() | (self.tx_map[l].q.val() & self.sel_map[l].val());
            self.old_phys.next = self.old_phys.val() | (self.tx_map[l].q.val() & self.sel_logical[l].val());
        }
        if self.fill.q.val() >= self.n_lanes.val() {
            self.fill_phys.next = self.unused.val();
        }
        if self.map_sel.val() >= self.n_lanes.val() {
            self.map_rdata.next = self.unused.val();
        }
        if self.wr_logical.q.val() >= self.n_lanes.val() {
            self.old_phys.next = self.unused.val();
        }
        self.displaced.next = 0.into();
        self.carry_rdata.next = 0.into();
        for q in 0..self.carry.len() {
            self.sel_physical[q].next = 0.into();
            self.sel_carry[q].next = 0.into();
            if self.wr_physical.q.val().index() == q {
                self.sel_physical[q].next = self.unused.val();
            }
            if self.carry_sel.val().index() == q {
                self.sel_carry[q].next = self.unused.val();
            }
            self.displaced.next = self.displaced.val() | (self.carry[q].q.val() & self.sel_physical[q].val());
            self.carry_rdata.next = self.carry_rdata.val() | (self.carry[q].q.val() & self.sel_carry[q].val());
        }
        if self.wr_physical.q.val() >= self.p_lanes.val() {
            self.displaced.next = self.unused.val();
        }
        if self.carry_sel.val() >= self.p_lanes.val() {
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
        for q in 0..self.lanes.len() {
            self.carry[q].clock.next = self.clock.val();
            self.carry[q].d.next = self.carry[q].q.val();
            self.feeds[q].clock.next = self.clock.val();
            self.feeds[q].reset.next = self.reset.val();
            self.feeds[q].wdata.next = self.stream.data.val();
            self.feeds[q].we.next = self.stream.valid.val() & self.accept.val() & (self.fill_phys.val().index() == q);
            self.feeds[q].take.next = self.take.val();
            self.feeds[q].marker_round.next = self.marker_round.val();
            self.feeds[q].lane_id.next = self.live_carry[q].q.val();
            self.live_carry[q].clock.next = self.clock.val();
            self.live_carry[q].d.next = self.live_carry[q].q.val();
            self.lanes[q].clock.next = self.clock.val();
            self.lanes[q].reset.next = self.reset.val();
            self.lanes[q].block_data.next = self.feeds[q].block_data.val();
            self.lanes[q].block_ctrl.next = self.feeds[q].block_ctrl.val();
            self.lanes[q].cfg_prbs_enable.next = self.cfg_prbs_enable.val();
            self.lanes[q].cfg_prbs_pattern.next = self.cfg_prbs_pattern.val();
            self.lines[q].next = self.lanes[q].tx_line.val();
        }
        // Lane map write, one clock after the request (a swap keeps the map
        // a permutation).
        if self.wr_pending.q.val() {
            for l in 0..self.tx_map.len() {
                if self.wr_logical.q.val().index() == l {
                    self.tx_map[l].d.next = self.wr_physical.q.val();
                }
                if (self.displaced.val().index() == l) & (self.displaced.val() != self.wr_logical.q.val()) {
                    self.tx_map[l].d.next = self.old_phys.val();
                }
            }
            for q in 0..self.carry.len() {
                if self.old_phys.val().index() == q {
                    self.carry[q].d.next = self.displaced.val();
                }
                if self.wr_physical.q.val().index() == q {
                    self.carry[q].d.next = self.wr_logical.q.val();
                }
            }
        }
        // The lanes take the written map before a marker round.
        if self.take.val() & (self.block_index.q.val() == self.last_block.val()) {
            for l in 0..self.tx_map.len() {
                self.live_map[l].d.next = self.tx_map[l].q.val();
            }
            for q in 0..self.carry.len() {
                self.live_carry[q].d.next = self.carry[q].q.val();
            }
        }
        if self.reset.val() {
            self.fill.d.next = 0.into();
            self.phase.d.next = 0.into();
            self.since_take.d.next = 0.into();
            self.block_index.d.next = 0.into();
            for l in 0..self.tx_map.len() {
                self.tx_map[l].d.next = self.map_init[l].val();
                self.live_map[l].d.next = self.map_init[l].val();
            }
            for q in 0..self.carry.len() {
                self.carry[q].d.next = self.carry_init[q].val();
                self.live_carry[q].d.next = self.carry_init[q].val();
            }
        }
    }
}
