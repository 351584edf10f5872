//! The link core: transmitter, channel emulator, receiver, traffic
//! generator/checker, automatic spare failover and the register decode of
//! the whole map in regmap.rs, behind one simple register port.
//!
//! Ports (the standalone core `mosaic gen link` writes; [PORT_DOCS] documents each):
//! - `clock`, `reset` (synchronous, active high);
//! - stream in `tx_stream` (a [StreamIn]: `tx_stream$data/valid/ready`),
//!   stream out `rx_stream` (a [FlowOut]: `rx_stream$data/valid`) with
//!   `rx_sof` and `rx_gap` (used when the traffic generator is off; the
//!   checker always watches). See [super::link_rx] for the contract:
//!   words come out in order, and any words lost are flagged by `rx_gap`;
//!   `tx_stream$ready` is low until the link is up;
//! - physical lanes `tx_lines$k` (out) and `rx_lines$k` (in), k < N + S;
//! - the register port `reg_bus` (a [RegBusSlave]: `reg_bus$addr` ..) and `snapshot`;
//! - `bridge_dropped` (shown as `BRIDGE_DROPPED`), `leds`.
//!
//! The address decode takes every address from [RegMap]: identity registers
//! are generated from the map's reset values, the others are looked up by
//! name, so the host, the docs and this decode cannot disagree.

use super::link_rx::LinkRx;
use super::link_tx::LinkTx;
use super::traffic::{TrafficCheck, TrafficGen};
use super::word_stream::{FlowOut, StreamIn};
use crate::control::config_reg::{field_lsb, field_mask, ConfigReg};
use crate::control::ctrl_fields::CtrlFields;
use crate::control::map_decode::{addr, lane_word, Identity, MapDecode};
use crate::control::reg_bus::RegBusSlave;
use crate::control::reg_port::RegPort;
use crate::control::regmap::{RegMap, LANE_REGS};
use crate::emu::channel::ChannelEmu;
use crate::emu::lane::MAX_DELAY_BITS;
use crate::emu::style::EmuStyle;
use crate::params::{CoreError, LinkParams};
use rust_hdl::prelude::*;

/// Build-time options of a link core beyond the link shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreConfig {
    pub params: LinkParams,
    /// Largest channel-emulator delay per lane, in line bits.
    pub max_delay_bits: usize,
    /// Value of `BUILD_ID`.
    pub build_id: u32,
    /// Value of `CLOCK_HZ` (0 in simulation).
    pub clock_hz: u32,
    /// Link words per stream word (W / 64): a stream word never spans two
    /// gearbox rounds, and `TX_WORDS`/`RX_WORDS` count stream words.
    pub stream_words: usize,
    /// How the channel emulator stores its state (the board's family
    /// decides it: [crate::boards::Family::emu_style]).
    pub emu_style: EmuStyle,
}

impl CoreConfig {
    pub fn new(params: LinkParams) -> Self {
        // The emulator lane's delay line holds up to 127 line bits (about two
        // blocks); larger skews are tested with the software channel model.
        let max_delay_bits = 127;
        CoreConfig { params, max_delay_bits, build_id: 0, clock_hz: 0, stream_words: 1, emu_style: EmuStyle::Registers }
    }

    /// Every rule the core's parts would otherwise assert; the first broken
    /// one, naming the parameter, the rule and the value.
    pub fn check(&self) -> Result<(), String> {
        // The link's rules, then the lanes one RX engine serves.
        super::engine::rx_engine::RxEngine::check(&self.params).map_err(|e| e.to_string())?;
        let (n, k) = (self.params.lanes, self.stream_words);
        // The transmitter starts a stream word only where all of it fits the round.
        if !(1..=16).contains(&k) || k > n {
            return Err(format!(
                "a stream word must fit one gearbox round: stream_words (W/64) must be in 1..=min(16, N = {n}), not {k}"
            ));
        }
        if self.max_delay_bits > MAX_DELAY_BITS {
            return Err(format!("max_delay_bits must be in 0..={MAX_DELAY_BITS}, not {}", self.max_delay_bits));
        }
        Ok(())
    }
}

/// The ports of the standalone core (`mosaic gen link` prints this list with
/// the Verilog): (name, or name prefix ending in `$` for a lane vector; doc).
pub const PORT_DOCS: &[(&str, &str)] = &[
    ("clock", "link clock: one line sample per clock on every lane"),
    ("reset", "synchronous reset, active high: clears the link, identity lane map"),
    ("tx_stream$data", "stream in: a W-bit word (the lowest 64 bits go first on the link)"),
    ("tx_stream$valid", "stream in: tx_stream$data is offered; hold it and tx_stream$valid until tx_stream$ready"),
    ("tx_stream$ready", "stream in: the word is taken this clock; low until the link is up, and while a word would not fit the current round"),
    ("rx_stream$data", "stream out: a W-bit word, valid for one clock; no back-pressure (take every word)"),
    ("rx_stream$valid", "stream out: rx_stream$data holds the next word, in order"),
    ("rx_sof", "stream out (W = 64 core): with rx_stream$valid, the first word of a gearbox round"),
    ("rx_gap", "stream out: one-clock strobe, stream words were lost before the next one delivered (counted in RX_GAPS)"),
    ("tx_lines$", "physical TX lane k (N + S lanes), one line bit per OSR clocks"),
    ("rx_lines$", "physical RX lane k, sampled every clock (any order, any skew within the deskew depth)"),
    ("reg_bus$addr", "register port: address (see `mosaic regs`)"),
    ("reg_bus$wdata", "register port: write data"),
    ("reg_bus$read", "register port: read strobe, hold reg_bus$addr until reg_bus$ack"),
    ("reg_bus$write", "register port: write strobe, hold reg_bus$addr/reg_bus$wdata until reg_bus$ack"),
    ("reg_bus$ack", "register port: the access is done this clock"),
    ("reg_bus$rdata", "register port: read data, with reg_bus$ack"),
    ("reg_bus$error", "register port: with reg_bus$ack, the address is unmapped or read only"),
    ("snapshot", "latch every counter into its snapshot register (one clock)"),
    ("bridge_dropped", "count of frames your host bridge dropped, shown as BRIDGE_DROPPED (tie to 0 if none)"),
    ("leds", "status: bit 0 link up, 1 a lane marker-locked, 2 good frames seen, 3 heartbeat"),
];

/// The `FEATURES` bits this core has (every one the map knows).
pub const LINK_FEATURES: [&str; 7] =
    ["channel_emulator", "internal_loopback", "auto_failover", "traffic", "bert", "link", "lane_permutation"];

/// This core's `FEATURES` value.
pub fn features(map: &RegMap) -> u32 {
    map.feature_bits(&LINK_FEATURES)
}

#[derive(LogicBlock)]
pub struct LinkCore {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Stream in (when the traffic generator is off).
    pub tx_stream: StreamIn<64>,
    /// Stream out.
    pub rx_stream: FlowOut<64>,
    /// With `rx_stream.valid`: the first word of a gearbox round (a stream-word boundary).
    pub rx_sof: Signal<Out, Bit>,
    /// One-clock strobe: words were lost before the next one delivered.
    pub rx_gap: Signal<Out, Bit>,
    /// Physical lanes to and from the pins.
    pub tx_lines: Vec<Signal<Out, Bit>>,
    pub rx_lines: Vec<Signal<In, Bit>>,
    /// Register port.
    pub reg_bus: RegBusSlave,
    pub snapshot: Signal<In, Bit>,
    /// Bridge frames dropped (live), readable as BRIDGE_DROPPED.
    pub bridge_dropped: Signal<In, Bits<32>>,
    /// Status LEDs: 0 link up, 1 any lane marker-locked, 2 frames good, 3 heartbeat.
    pub leds: Signal<Out, Bits<8>>,
    /// The transmitter, public for tests that time faults to its blocks.
    pub tx: LinkTx,
    emu: ChannelEmu,
    rx: LinkRx,
    gen: TrafficGen,
    check: TrafficCheck,
    // Configuration registers, and CTRL's fields.
    ctrl: ConfigReg,
    cf: CtrlFields,
    fo_threshold: ConfigReg,
    fo_window: ConfigReg,
    // Counters (live) and their snapshots.
    tx_words: DFF<Bits<32>>,
    rx_words: DFF<Bits<32>>,
    uptime: DFF<Bits<32>>,
    failovers: DFF<Bits<32>>,
    gaps: DFF<Bits<32>>,
    rx_phase: DFF<Bits<5>>,
    rx_idx: Signal<Local, Bits<5>>,
    rx_word_end: Signal<Local, Bit>,
    last_chunk: Constant<Bits<5>>,
    snaps: Vec<DFF<Bits<32>>>,
    // Register access.
    regs: RegPort,
    dec: MapDecode,
    // Failover engine.
    fo_busy: DFF<Bit>,
    fo_lane: DFF<Bits<12>>,
    fo_phys: DFF<Bits<13>>,
    holdoff: DFF<Bits<32>>,
    retired: Vec<DFF<Bit>>,
    // Combinational.
    link_reset: Signal<Local, Bit>,
    loopback: Signal<Local, Bit>,
    map_off: Signal<Local, Bits<16>>,
    in_map: Signal<Local, Bit>,
    rd_value: Signal<Local, Bits<32>>,
    rd_hit: Signal<Local, Bit>,
    wr_hit: Signal<Local, Bit>,
    cur_retired: Signal<Local, Bit>,
    any_mlock: Signal<Local, Bit>,
    // Addresses, field positions and lane words, from the map.
    a_snapshot: Constant<Bits<16>>,
    a_clear: Constant<Bits<16>>,
    a_link_status: Constant<Bits<16>>,
    a_bridge_dropped: Constant<Bits<16>>,
    at_clear: Constant<Bits<32>>,
    fo_markers: Signal<Local, Bits<32>>,
    fo_periods: Signal<Local, Bits<32>>,
    at_link_up: Constant<Bits<32>>,
    at_lanes_found: Constant<Bits<32>>,
    at_fo_markers: Constant<Bits<32>>,
    at_fo_periods: Constant<Bits<32>>,
    /// LANE_STATUS, LANE_SYNC_ERRORS, ..., LANE_BAD_MARKERS: the word of each in a lane's block.
    w_lane: Vec<Constant<Bits<3>>>,
    /// Counter snapshot registers, in the order of `snaps`.
    a_counters: Vec<Constant<Bits<16>>>,
    map_base: Constant<Bits<16>>,
    n_phys: Constant<Bits<16>>,
    n_lanes: Constant<Bits<16>>,
    p_lanes13: Constant<Bits<13>>,
    unused: Constant<Bits<12>>,
    holdoff_clocks: Constant<Bits<32>>,
    ones: Constant<Bits<32>>,
}

/// Counter registers of the core, in snapshot order.
const COUNTERS: [&str; 9] = [
    "REALIGNS",
    "FAILOVERS",
    "TX_WORDS",
    "RX_WORDS",
    "GOOD_FRAMES",
    "BAD_FRAMES",
    "LOST_FRAMES",
    "UPTIME_BLOCKS",
    "RX_GAPS",
];

impl LinkCore {
    /// The core for `cfg`, or the rule `cfg` breaks ([CoreConfig::check]).
    pub fn try_new(cfg: &CoreConfig) -> Result<Self, CoreError> {
        cfg.check().map_err(|why| CoreError::new("LinkCore", why))?;
        Ok(Self::build(cfg))
    }

    /// As [LinkCore::try_new], panicking with its message (tests, fixed configurations).
    pub fn new(cfg: &CoreConfig) -> Self {
        Self::try_new(cfg).unwrap_or_else(|e| panic!("{e}"))
    }

    fn build(cfg: &CoreConfig) -> Self {
        let p = &cfg.params;
        let map = RegMap::new(p);
        let phys = p.physical_lanes();
        let features = features(&map);
        let identity = Identity { features, build_id: cfg.build_id, clock_hz: cfg.clock_hz };
        // A lane needs block lock (64 blocks), marker lock (up to M blocks)
        // and the hunt (up to M blocks) before it is missed: wait that long
        // after reset and after every failover.
        let holdoff = ((2 * p.marker_period + 160) * 66 * p.osr) as u64;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            tx_stream: Default::default(),
            rx_stream: Default::default(),
            rx_sof: Default::default(),
            rx_gap: Default::default(),
            tx_lines: (0..phys).map(|_| Default::default()).collect(),
            rx_lines: (0..phys).map(|_| Default::default()).collect(),
            reg_bus: Default::default(),
            snapshot: Default::default(),
            bridge_dropped: Default::default(),
            leds: Default::default(),
            tx: LinkTx::new(p, cfg.stream_words),
            emu: ChannelEmu::new(&map, cfg.max_delay_bits, cfg.emu_style),
            rx: LinkRx::new(p),
            gen: TrafficGen::for_link(p),
            check: TrafficCheck::for_link(p),
            ctrl: ConfigReg::new(&map, "CTRL", features),
            cf: CtrlFields::new(&map),
            fo_threshold: ConfigReg::new(&map, "FAILOVER_THRESHOLD", features),
            fo_window: ConfigReg::new(&map, "FAILOVER_WINDOW", features),
            tx_words: Default::default(),
            rx_words: Default::default(),
            uptime: Default::default(),
            failovers: Default::default(),
            gaps: Default::default(),
            rx_phase: Default::default(),
            rx_idx: Default::default(),
            rx_word_end: Default::default(),
            last_chunk: Constant::new(((cfg.stream_words - 1) as u64).into()),
            snaps: (0..COUNTERS.len()).map(|_| Default::default()).collect(),
            regs: Default::default(),
            dec: MapDecode::new(&map, identity),
            fo_busy: Default::default(),
            fo_lane: Default::default(),
            fo_phys: Default::default(),
            holdoff: Default::default(),
            retired: (0..phys).map(|_| Default::default()).collect(),
            link_reset: Default::default(),
            loopback: Default::default(),
            map_off: Default::default(),
            in_map: Default::default(),
            rd_value: Default::default(),
            rd_hit: Default::default(),
            wr_hit: Default::default(),
            cur_retired: Default::default(),
            any_mlock: Default::default(),
            a_snapshot: addr(&map, "SNAPSHOT"),
            a_clear: addr(&map, "CLEAR"),
            a_link_status: addr(&map, "LINK_STATUS"),
            a_bridge_dropped: addr(&map, "BRIDGE_DROPPED"),
            at_clear: field_mask(&map, "CLEAR", "clear", 1),
            fo_markers: Default::default(),
            fo_periods: Default::default(),
            at_link_up: field_lsb(&map, "LINK_STATUS", "link_up", 1),
            at_lanes_found: field_lsb(&map, "LINK_STATUS", "lanes_found", 12),
            at_fo_markers: field_lsb(&map, "FAILOVER_THRESHOLD", "markers", 8),
            at_fo_periods: field_lsb(&map, "FAILOVER_WINDOW", "periods", 16),
            w_lane: LANE_REGS.iter().map(|n| lane_word(&map, n)).collect(),
            a_counters: COUNTERS.iter().map(|n| addr(&map, n)).collect(),
            map_base: addr(&map, "TX_MAP"),
            n_phys: Constant::new((map.field("TX_MAP", "physical").max as u64 + 1).into()),
            n_lanes: Constant::new((p.lanes as u64).into()),
            p_lanes13: Constant::new((phys as u64).into()),
            unused: Constant::new(0xFFFu64.into()),
            holdoff_clocks: Constant::new(holdoff.into()),
            ones: Constant::new(0xFFFF_FFFFu64.into()),
        }
    }
}

impl Logic for LinkCore {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, tx_words, rx_words, uptime, failovers, gaps, rx_phase, fo_busy, fo_lane, fo_phys, holdoff
        );
        for i in 0..self.snaps.len() {
            self.snaps[i].clock.next = self.clock.val();
            self.snaps[i].d.next = self.snaps[i].q.val();
        }
        // Configuration registers and CTRL's fields.
        self.ctrl.clock.next = self.clock.val();
        self.fo_threshold.clock.next = self.clock.val();
        self.fo_window.clock.next = self.clock.val();
        self.ctrl.reset.next = self.reset.val();
        self.fo_threshold.reset.next = self.reset.val();
        self.fo_window.reset.next = self.reset.val();
        self.ctrl.addr.next = self.reg_bus.addr.val();
        self.fo_threshold.addr.next = self.reg_bus.addr.val();
        self.fo_window.addr.next = self.reg_bus.addr.val();
        self.ctrl.write.next = self.reg_bus.write.val();
        self.fo_threshold.write.next = self.reg_bus.write.val();
        self.fo_window.write.next = self.reg_bus.write.val();
        self.ctrl.wdata.next = self.reg_bus.wdata.val();
        self.fo_threshold.wdata.next = self.reg_bus.wdata.val();
        self.fo_window.wdata.next = self.reg_bus.wdata.val();
        self.ctrl.raddr.next = self.regs.raddr.val();
        self.fo_threshold.raddr.next = self.regs.raddr.val();
        self.fo_window.raddr.next = self.regs.raddr.val();
        self.cf.ctrl.next = self.ctrl.value.val();
        self.link_reset.next = self.reset.val() | self.cf.link_reset.val();
        self.loopback.next = self.cf.loopback.val();

        // Datapath: source -> TX -> (loopback or pins) -> emulator -> RX.
        self.tx.clock.next = self.clock.val();
        self.tx.reset.next = self.link_reset.val();
        self.tx.link_up.next = self.rx.link_up.val();
        self.tx.cfg_prbs_enable.next = self.cf.bert_enable.val();
        self.tx.cfg_prbs_pattern.next = self.cf.bert_pattern.val();
        self.gen.clock.next = self.clock.val();
        self.gen.reset.next = self.link_reset.val();
        self.gen.cfg_enable.next = self.cf.traffic_enable.val();
        self.gen.stream.ready.next = self.tx.stream.ready.val();
        if self.cf.traffic_enable.val() {
            self.tx.stream.data.next = self.gen.stream.data.val();
            self.tx.stream.valid.next = self.gen.stream.valid.val();
        } else {
            self.tx.stream.data.next = self.tx_stream.data.val();
            self.tx.stream.valid.next = self.tx_stream.valid.val();
        }
        self.tx_stream.ready.next = self.tx.stream.ready.val() & !self.cf.traffic_enable.val();
        self.emu.clock.next = self.clock.val();
        self.emu.reset.next = self.reset.val();
        self.rx.clock.next = self.clock.val();
        self.rx.reset.next = self.link_reset.val();
        self.rx.cfg_prbs_enable.next = self.cf.bert_enable.val();
        self.rx.cfg_prbs_pattern.next = self.cf.bert_pattern.val();
        self.rx.tx_marker_tick.next = self.tx.marker_tick.val();
        // Verilog cannot slice an expression: shift into a signal, then slice.
        self.fo_markers.next = self.fo_threshold.value.val() >> self.at_fo_markers.val();
        self.fo_periods.next = self.fo_window.value.val() >> self.at_fo_periods.val();
        self.rx.cfg_bip_threshold.next = self.fo_markers.val().get_bits::<8>(0);
        self.rx.cfg_bip_window.next = self.fo_periods.val().get_bits::<16>(0);
        self.any_mlock.next = false;
        for q in 0..self.tx_lines.len() {
            self.tx_lines[q].next = self.tx.lines[q].val();
            if self.loopback.val() {
                self.emu.line_in[q].next = self.tx.lines[q].val();
            } else {
                self.emu.line_in[q].next = self.rx_lines[q].val();
            }
            self.rx.lines[q].next = self.emu.line_out[q].val();
            self.retired[q].clock.next = self.clock.val();
            self.retired[q].d.next = self.retired[q].q.val();
        }
        self.rx_stream.data.next = self.rx.stream.data.val();
        self.rx_stream.valid.next = self.rx.stream.valid.val();
        self.rx_sof.next = self.rx.sof.val();
        self.rx_gap.next = self.rx.gap.val();
        self.check.clock.next = self.clock.val();
        self.check.reset.next = self.link_reset.val();
        self.check.stream.data.next = self.rx.stream.data.val();
        self.check.stream.valid.next = self.rx.stream.valid.val();

        // Counters.
        // Stream words: the last link word of each; a round starts a new one.
        if self.tx.word_end.val() & (self.tx_words.q.val() != self.ones.val()) {
            self.tx_words.d.next = self.tx_words.q.val() + 1;
        }
        self.rx_idx.next = self.rx_phase.q.val();
        if self.rx.sof.val() {
            self.rx_idx.next = 0.into();
        }
        self.rx_word_end.next = self.rx.stream.valid.val() & (self.rx_idx.val() == self.last_chunk.val());
        if self.rx.stream.valid.val() {
            if self.rx_word_end.val() {
                self.rx_phase.d.next = 0.into();
            } else {
                self.rx_phase.d.next = self.rx_idx.val() + 1;
            }
        }
        if self.rx_word_end.val() & (self.rx_words.q.val() != self.ones.val()) {
            self.rx_words.d.next = self.rx_words.q.val() + 1;
        }
        if self.rx.gap.val() & (self.gaps.q.val() != self.ones.val()) {
            self.gaps.d.next = self.gaps.q.val() + 1;
        }
        if self.tx.block_tick.val() & (self.uptime.q.val() != self.ones.val()) {
            self.uptime.d.next = self.uptime.q.val() + 1;
        }

        // Register decode: which region, and the index within it.
        self.map_off.next = self.reg_bus.addr.val() - self.map_base.val();
        self.dec.raddr.next = self.regs.raddr.val();
        self.dec.addr.next = self.reg_bus.addr.val();
        self.in_map.next = (self.reg_bus.addr.val() >= self.map_base.val()) & (self.map_off.val() < self.n_lanes.val());
        self.rx.lane_sel.next = self.dec.lane.val();
        self.emu.rd_lane.next = self.dec.emu_lane.val();
        self.emu.rd_reg.next = self.dec.emu_word.val();
        self.emu.wr.next = false;
        self.emu.wr_lane.next = self.dec.emu_lane.val();
        self.emu.wr_reg.next = self.dec.emu_word.val();
        self.emu.wr_data.next = self.reg_bus.wdata.val();
        self.tx.map_sel.next = bit_cast::<12, 16>(self.map_off.val());
        self.tx.map_write.next = false;
        self.tx.map_logical.next = bit_cast::<12, 16>(self.map_off.val());
        // TX_MAP's only field, `physical`, is the whole word below n_phys.
        self.tx.map_physical.next = self.reg_bus.wdata.val().get_bits::<12>(0);
        self.tx.carry_sel.next = bit_cast::<12, 13>(self.fo_phys.q.val());
        self.rx.snapshot.next = self.snapshot.val();
        self.rx.clear.next = false;

        // Read value of the latched address `raddr` (reg_bus.addr is held too).
        self.rd_value.next = 0.into();
        self.rd_hit.next = false;
        if self.dec.id_hit.val() {
            self.rd_value.next = self.dec.id_value.val();
            self.rd_hit.next = true;
        }
        for i in 0..self.a_counters.len() {
            if self.regs.raddr.val() == self.a_counters[i].val() {
                self.rd_value.next = self.snaps[i].q.val();
                self.rd_hit.next = true;
            }
        }
        if self.ctrl.rd_hit.val() {
            self.rd_value.next = self.ctrl.rd_value.val();
            self.rd_hit.next = true;
        }
        if (self.regs.raddr.val() == self.a_snapshot.val()) | (self.regs.raddr.val() == self.a_clear.val()) {
            self.rd_hit.next = true;
        }
        if self.regs.raddr.val() == self.a_link_status.val() {
            self.rd_value.next = (bit_cast::<32, 1>(self.rx.link_up.val().into()) << self.at_link_up.val())
                | (bit_cast::<32, 12>(self.rx.lanes_found.val()) << self.at_lanes_found.val());
            self.rd_hit.next = true;
        }
        if self.fo_threshold.rd_hit.val() {
            self.rd_value.next = self.fo_threshold.rd_value.val();
            self.rd_hit.next = true;
        }
        if self.fo_window.rd_hit.val() {
            self.rd_value.next = self.fo_window.rd_value.val();
            self.rd_hit.next = true;
        }
        if self.regs.raddr.val() == self.a_bridge_dropped.val() {
            self.rd_value.next = self.bridge_dropped.val();
            self.rd_hit.next = true;
        }
        if self.dec.in_lanes.val() {
            // Every word of a lane's block is one of LANE_REGS.
            self.rd_hit.next = true;
            if self.dec.lane_word.val() == self.w_lane[0].val() {
                self.rd_value.next = self.rx.sel_status.val();
            }
            if self.dec.lane_word.val() == self.w_lane[1].val() {
                self.rd_value.next = self.rx.sel_sync_errors.val();
            }
            if self.dec.lane_word.val() == self.w_lane[2].val() {
                self.rd_value.next = self.rx.sel_lock_losses.val();
            }
            if self.dec.lane_word.val() == self.w_lane[3].val() {
                self.rd_value.next = self.rx.sel_prbs_errors.val();
            }
            if self.dec.lane_word.val() == self.w_lane[4].val() {
                self.rd_value.next = self.rx.sel_bip_errors.val();
            }
            if self.dec.lane_word.val() == self.w_lane[5].val() {
                self.rd_value.next = self.rx.sel_latency.val();
            }
            if self.dec.lane_word.val() == self.w_lane[6].val() {
                self.rd_value.next = self.rx.sel_bits.val();
            }
            if self.dec.lane_word.val() == self.w_lane[7].val() {
                self.rd_value.next = self.rx.sel_bad_markers.val();
            }
        }
        if self.dec.in_emu.val() {
            self.rd_value.next = self.emu.rd_data.val();
            self.rd_hit.next = true;
        }
        if self.in_map.val() {
            self.rd_value.next = bit_cast::<32, 12>(self.tx.map_rdata.val());
            self.rd_hit.next = true;
        }

        // Writes: which register takes `reg_bus.addr` (RegPort answers).
        self.wr_hit.next = self.ctrl.wr_hit.val() | self.fo_threshold.wr_hit.val() | self.fo_window.wr_hit.val();
        if self.reg_bus.write.val() {
            if self.reg_bus.addr.val() == self.a_clear.val() {
                self.wr_hit.next = true;
                if (self.reg_bus.wdata.val() & self.at_clear.val()) != 0 {
                    self.rx.clear.next = true;
                    self.tx_words.d.next = 0.into();
                    self.rx_words.d.next = 0.into();
                    self.failovers.d.next = 0.into();
                    self.uptime.d.next = 0.into();
                    self.gaps.d.next = 0.into();
                }
            }
            if self.reg_bus.addr.val() == self.a_snapshot.val() {
                self.wr_hit.next = true;
            }
            if self.dec.in_emu.val() & self.emu.wr_ok.val() {
                self.emu.wr.next = true;
                self.wr_hit.next = true;
            }
            if self.in_map.val() & (self.reg_bus.wdata.val() < bit_cast::<32, 16>(self.n_phys.val())) {
                self.tx.map_write.next = true;
                self.wr_hit.next = true;
            }
        }
        // Register port protocol: reads answer after the lane muxes settle.
        self.regs.clock.next = self.clock.val();
        self.regs.reset.next = self.reset.val();
        RegBusSlave::link(&mut self.reg_bus, &mut self.regs.bus);
        self.regs.rd_value.next = self.rd_value.val();
        self.regs.rd_hit.next = self.rd_hit.val();
        self.regs.wr_hit.next = self.wr_hit.val();
        // Lane counter reads wait for a snapshot under way in the RX engine
        // (its lane read port itself answers within the port's three clocks).
        self.regs.rd_hold.next = self.rx.busy.val() & self.dec.in_lanes.val();

        // Snapshot: every core counter in the same clock.
        if self.snapshot.val() | (self.reg_bus.write.val() & (self.reg_bus.addr.val() == self.a_snapshot.val())) {
            self.rx.snapshot.next = true;
            self.snaps[0].d.next = self.rx.realigns.val();
            self.snaps[1].d.next = self.failovers.q.val();
            self.snaps[2].d.next = self.tx_words.q.val();
            self.snaps[3].d.next = self.rx_words.q.val();
            self.snaps[4].d.next = self.check.good_frames.val();
            self.snaps[5].d.next = self.check.bad_frames.val();
            self.snaps[6].d.next = self.check.lost_frames.val();
            self.snaps[7].d.next = self.uptime.q.val();
            self.snaps[8].d.next = self.gaps.q.val();
        }
        self.check.reset.next = self.link_reset.val() | self.rx.clear.val();

        // Automatic failover: a logical lane the receiver cannot find moves
        // to a spare that carries nothing and has not failed before.
        self.cur_retired.next = false;
        for q in 0..self.retired.len() {
            if self.fo_phys.q.val().index() == q {
                self.cur_retired.next = self.retired[q].q.val();
            }
        }
        if self.holdoff.q.val() != 0 {
            self.holdoff.d.next = self.holdoff.q.val() - 1;
        }
        if !self.fo_busy.q.val() {
            // A lane is down when the receiver cannot find it (block or
            // marker lock lost), or when its BIP errors pass the threshold.
            if self.cf.auto_failover.val() & (self.holdoff.q.val() == 0) {
                if self.rx.missing_valid.val() & !self.rx.link_up.val() {
                    self.fo_busy.d.next = true;
                    self.fo_lane.d.next = self.rx.missing.val();
                    self.fo_phys.d.next = 0.into();
                } else if self.rx.bip_alarm.val() {
                    self.fo_busy.d.next = true;
                    self.fo_lane.d.next = self.rx.bip_alarm_lane.val();
                    self.fo_phys.d.next = 0.into();
                }
            }
        } else if !(self.reg_bus.write.val()
            | self.reg_bus.read.val()
            | self.regs.busy.val()
            | self.tx.map_pending.val())
        {
            // (While a map write is applied the map reads serve it: wait.)
            self.tx.map_sel.next = self.fo_lane.q.val();
            if self.fo_phys.q.val() == self.p_lanes13.val() {
                // No free spare: the link stays down; look again later.
                self.fo_busy.d.next = false;
                self.holdoff.d.next = self.holdoff_clocks.val();
            } else if (self.tx.carry_rdata.val() == self.unused.val()) & !self.cur_retired.val() {
                self.tx.map_write.next = true;
                self.tx.map_logical.next = self.fo_lane.q.val();
                self.tx.map_physical.next = bit_cast::<12, 13>(self.fo_phys.q.val());
                for q in 0..self.retired.len() {
                    if self.tx.map_rdata.val().index() == q {
                        self.retired[q].d.next = true;
                    }
                }
                if self.failovers.q.val() != self.ones.val() {
                    self.failovers.d.next = self.failovers.q.val() + 1;
                }
                self.fo_busy.d.next = false;
                self.holdoff.d.next = self.holdoff_clocks.val();
            } else {
                self.fo_phys.d.next = self.fo_phys.q.val() + 1;
            }
        }

        // LEDs.
        if self.rx.lanes_found.val() != 0 {
            self.any_mlock.next = true;
        }
        self.leds.next = bit_cast::<8, 1>(self.rx.link_up.val().into())
            | (bit_cast::<8, 1>(self.any_mlock.val().into()) << 1)
            | (bit_cast::<8, 1>((self.check.good_frames.val() != 0).into()) << 2)
            | (bit_cast::<8, 1>(self.uptime.q.val().get_bit(12).into()) << 3);

        if self.reset.val() {
            self.tx_words.d.next = 0.into();
            self.rx_words.d.next = 0.into();
            self.uptime.d.next = 0.into();
            self.failovers.d.next = 0.into();
            self.gaps.d.next = 0.into();
            self.rx_phase.d.next = 0.into();
            self.fo_busy.d.next = false;
            self.holdoff.d.next = self.holdoff_clocks.val();
            for q in 0..self.retired.len() {
                self.retired[q].d.next = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(cfg: &CoreConfig) -> String {
        LinkCore::try_new(cfg).err().expect("the configuration must be refused").to_string()
    }

    #[test]
    fn try_new_refuses_what_the_parts_would_assert() {
        let p = LinkParams { lanes: 2, spares: 1, ..LinkParams::DEFAULT };
        assert!(LinkCore::try_new(&CoreConfig::new(p)).is_ok());
        let bad = CoreConfig::new(LinkParams { osr: 9, ..p });
        assert_eq!(refusal(&bad), "LinkCore: osr must be in 1..=8, not 9");
        let wide = CoreConfig { stream_words: 4, ..CoreConfig::new(p) };
        assert_eq!(
            refusal(&wide),
            "LinkCore: a stream word must fit one gearbox round: stream_words (W/64) must be in 1..=min(16, N = 2), not 4"
        );
        let long = CoreConfig { max_delay_bits: 128, ..CoreConfig::new(p) };
        assert_eq!(refusal(&long), "LinkCore: max_delay_bits must be in 0..=127, not 128");
    }

    #[test]
    #[should_panic(expected = "LinkCore: osr must be in 1..=8, not 0")]
    fn new_panics_with_the_refusal() {
        LinkCore::new(&CoreConfig::new(LinkParams { osr: 0, ..LinkParams::DEFAULT }));
    }
}
