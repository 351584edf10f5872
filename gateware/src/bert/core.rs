//! The BERT core: the lane PHY of every physical lane in raw-PRBS mode, the
//! channel emulator and their registers, behind the same register port as
//! the link core ([crate::link::core::LinkCore]). It is the image for a board
//! too small for the link (the iCEBreaker: one link lane needs ~7.3k iCE40
//! cells, the UP5K has 5280) and a channel-characterization tool anywhere:
//! per-lane bit error rates through jumper wires or the emulator.
//!
//! One [LaneTx] sends PRBS on every physical lane (all lanes carry the same
//! pattern in step). Per physical lane: an emulator lane ([ChannelEmu],
//! without the permutation, which identical lanes would not show) and the
//! lane PHY's oversampling [BitRecovery]. The recovered bits go to one
//! time-shared checker ([BertEngine]) that visits a lane per clock and keeps
//! every lane's checker state and counters in block RAM (self-synchronizing
//! while it hunts, free-running once locked, so each flipped line bit is one
//! error; bits are counted in words of 32). That keeps a lane to about 280
//! ECP5 LUT4: 100 lanes (98+2) use 55% of the ULX3S's logic and meet 40 MHz
//! (`mosaic build --board ulx3s --core bert`).
//!
//! Registers (the map's `bert`, `channel_emulator` and `internal_loopback`
//! features; `FEATURES` says so, and every other address answers with an
//! error, which the host turns into "not on this board"):
//! identity, `CTRL` (`loopback`, `bert_pattern`; `bert_enable` reads 1: this
//! core is always in BERT mode), `SNAPSHOT`, `CLEAR`, `UPTIME_BLOCKS`,
//! `BRIDGE_DROPPED`, `LANE_STATUS` (`bit_lock`, `prbs_lock`),
//! `LANE_PRBS_ERRORS`, `LANE_BITS` and the `EMU_*` block but `EMU_SOURCE`.
//! A write to `CTRL` restarts every checker (a new pattern needs a fresh
//! lock) and so zeroes the lane counters and snapshots; `CLEAR` zeroes the
//! counters. Both, and `SNAPSHOT`, take effect within two rounds of the
//! engine (2 x lanes clocks); a counter read in that time waits for them.
//!
//! LEDs: 0 every lane PRBS-locked, 1 any lane locked, 2 a lane has counted
//! a bit error (since the last `CLEAR` or `CTRL` write), 3 heartbeat.

use crate::bert::engine::{max_lanes, BertEngine};
use crate::control::config_reg::{field_mask, ConfigReg};
use crate::control::ctrl_fields::CtrlFields;
use crate::control::map_decode::{addr, lane_word, Identity, MapDecode};
use crate::control::reg_bus::RegBusSlave;
use crate::control::reg_port::RegPort;
use crate::control::regmap::RegMap;
use crate::emu::channel::ChannelEmu;
use crate::emu::lane::MAX_DELAY_BITS;
use crate::emu::style::EmuStyle;
use crate::params::{CoreError, LinkParams};
use crate::phy::bit_recovery::BitRecovery;
use crate::phy::lane_tx::LaneTx;
use rust_hdl::prelude::*;

/// Feature names this core reports in `FEATURES`.
pub const BERT_FEATURES: [&str; 3] = ["channel_emulator", "internal_loopback", "bert"];

/// Build-time options of a BERT core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BertConfig {
    /// Lane shape: N + S physical lanes at OSR (N and S are reported as
    /// built; every physical lane is tested the same way).
    pub params: LinkParams,
    /// Largest channel-emulator delay per lane, in line bits.
    pub max_delay_bits: usize,
    /// Value of `BUILD_ID`.
    pub build_id: u32,
    /// Value of `CLOCK_HZ` (0 in simulation).
    pub clock_hz: u32,
    /// How the channel emulator stores its state (the board's family
    /// decides it: [crate::boards::Family::emu_style]).
    pub emu_style: EmuStyle,
}

impl BertConfig {
    /// Whether this core can be built: valid parameters, no more lanes than
    /// one checker engine serves at this OSR, a delay line the emulator has.
    pub fn check(&self) -> Result<(), String> {
        let p = &self.params;
        p.validate().map_err(|e| e.to_string())?;
        let most = max_lanes(p.osr);
        if p.physical_lanes() > most {
            return Err(format!(
                "a BERT core checks at most {most} lanes at OSR {} ({} asked): use fewer lanes or a higher OSR",
                p.osr,
                p.physical_lanes()
            ));
        }
        if self.max_delay_bits > MAX_DELAY_BITS {
            return Err(format!("max_delay_bits must be in 0..={MAX_DELAY_BITS}, not {}", self.max_delay_bits));
        }
        Ok(())
    }

    pub fn new(params: LinkParams) -> Self {
        // A BERT lane needs no deskew, so a short delay line is enough to
        // show skew and saves flip-flops on the small boards.
        BertConfig { params, max_delay_bits: 31, build_id: 0, clock_hz: 0, emu_style: EmuStyle::Registers }
    }
}

#[derive(LogicBlock)]
pub struct BertCore {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Physical lanes to and from the pins.
    pub tx_lines: Vec<Signal<Out, Bit>>,
    pub rx_lines: Vec<Signal<In, Bit>>,
    /// Register port (the bridge's contract, as on the link core).
    pub reg_bus: RegBusSlave,
    pub snapshot: Signal<In, Bit>,
    /// Bridge frames dropped (live), readable as BRIDGE_DROPPED.
    pub bridge_dropped: Signal<In, Bits<32>>,
    /// Status LEDs (see the module docs).
    pub leds: Signal<Out, Bits<8>>,
    tx: LaneTx,
    emu: ChannelEmu,
    bitrec: Vec<BitRecovery>,
    engine: BertEngine,
    ctrl: ConfigReg,
    cf: CtrlFields,
    /// One clock with the checkers out of PRBS mode: restarts them.
    restart: DFF<Bit>,
    uptime: DFF<Bits<32>>,
    snap_uptime: DFF<Bits<32>>,
    // Register access.
    regs: RegPort,
    dec: MapDecode,
    // Combinational.
    clear: Signal<Local, Bit>,
    take_snapshot: Signal<Local, Bit>,
    rd_value: Signal<Local, Bits<32>>,
    rd_hit: Signal<Local, Bit>,
    wr_hit: Signal<Local, Bit>,
    all_locked: Signal<Local, Bit>,
    any_locked: Signal<Local, Bit>,
    /// Per lane: LANE_STATUS when the read names the lane, else 0 (an
    /// AND-OR read, balanced by synthesis).
    lane_status: Vec<Signal<Local, Bits<32>>>,
    a_snapshot: Constant<Bits<16>>,
    a_clear: Constant<Bits<16>>,
    a_uptime: Constant<Bits<16>>,
    a_bridge_dropped: Constant<Bits<16>>,
    at_clear: Constant<Bits<32>>,
    m_bit_lock: Constant<Bits<32>>,
    m_prbs_lock: Constant<Bits<32>>,
    w_status: Constant<Bits<3>>,
    w_prbs_errors: Constant<Bits<3>>,
    w_bits: Constant<Bits<3>>,
    /// EMU_SOURCE's word: the permutation, which this core lacks.
    w_source: Constant<Bits<2>>,
    ones: Constant<Bits<32>>,
}

fn per_lane<T: Default>(phys: usize) -> Vec<T> {
    (0..phys).map(|_| T::default()).collect()
}

impl BertCore {
    /// The core for `cfg`, or the rule `cfg` breaks ([BertConfig::check]).
    pub fn try_new(cfg: &BertConfig) -> Result<Self, CoreError> {
        cfg.check().map_err(|why| CoreError::new("BertCore", why))?;
        Ok(Self::build(cfg))
    }

    /// As [BertCore::try_new], panicking with its message (tests, fixed configurations).
    pub fn new(cfg: &BertConfig) -> Self {
        Self::try_new(cfg).unwrap_or_else(|e| panic!("{e}"))
    }

    fn build(cfg: &BertConfig) -> Self {
        let p = &cfg.params;
        let full = RegMap::new(p);
        let features = full.feature_bits(&BERT_FEATURES);
        let map = full.clone().with_features(features);
        let phys = p.physical_lanes();
        let identity = Identity { features, build_id: cfg.build_id, clock_hz: cfg.clock_hz };
        Self {
            clock: Default::default(),
            reset: Default::default(),
            tx_lines: per_lane(phys),
            rx_lines: per_lane(phys),
            reg_bus: Default::default(),
            snapshot: Default::default(),
            bridge_dropped: Default::default(),
            leds: Default::default(),
            tx: LaneTx::new(p.osr),
            emu: ChannelEmu::without_permutation(&full, cfg.max_delay_bits, cfg.emu_style),
            bitrec: (0..phys).map(|_| BitRecovery::new(p.osr)).collect(),
            engine: BertEngine::new(phys, p.osr),
            ctrl: ConfigReg::new(&map, "CTRL", features),
            cf: CtrlFields::new(&map),
            restart: Default::default(),
            uptime: Default::default(),
            snap_uptime: Default::default(),
            regs: Default::default(),
            dec: MapDecode::new(&map, identity),
            clear: Default::default(),
            take_snapshot: Default::default(),
            rd_value: Default::default(),
            rd_hit: Default::default(),
            wr_hit: Default::default(),
            all_locked: Default::default(),
            any_locked: Default::default(),
            lane_status: per_lane(phys),
            a_snapshot: addr(&map, "SNAPSHOT"),
            a_clear: addr(&map, "CLEAR"),
            a_uptime: addr(&map, "UPTIME_BLOCKS"),
            a_bridge_dropped: addr(&map, "BRIDGE_DROPPED"),
            at_clear: field_mask(&map, "CLEAR", "clear", 1),
            m_bit_lock: field_mask(&map, "LANE_STATUS", "bit_lock", 1),
            m_prbs_lock: field_mask(&map, "LANE_STATUS", "prbs_lock", 1),
            w_status: lane_word(&map, "LANE_STATUS"),
            w_prbs_errors: lane_word(&map, "LANE_PRBS_ERRORS"),
            w_bits: lane_word(&map, "LANE_BITS"),
            w_source: lane_word(&full, "EMU_SOURCE"),
            ones: Constant::new(0xFFFF_FFFFu64.into()),
        }
    }
}

impl Logic for BertCore {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, restart, uptime, snap_uptime);
        self.ctrl.clock.next = self.clock.val();
        self.ctrl.reset.next = self.reset.val();
        self.ctrl.addr.next = self.reg_bus.addr.val();
        self.ctrl.write.next = self.reg_bus.write.val();
        self.ctrl.wdata.next = self.reg_bus.wdata.val();
        self.ctrl.raddr.next = self.regs.raddr.val();
        self.cf.ctrl.next = self.ctrl.value.val();
        self.emu.clock.next = self.clock.val();
        self.emu.reset.next = self.reset.val();
        self.restart.d.next = false;
        // Decoded before the lanes use them (a later assignment in this
        // function would not reach an earlier read).
        self.clear.next = self.reg_bus.write.val()
            & (self.reg_bus.addr.val() == self.a_clear.val())
            & ((self.reg_bus.wdata.val() & self.at_clear.val()) != 0);
        self.take_snapshot.next =
            self.snapshot.val() | (self.reg_bus.write.val() & (self.reg_bus.addr.val() == self.a_snapshot.val()));

        // Lanes: PRBS out, through the emulator (internal loopback) or the
        // pins, into bit recovery and the shared checker.
        self.tx.clock.next = self.clock.val();
        self.tx.reset.next = self.reset.val();
        self.tx.block_data.next = 0.into();
        self.tx.block_ctrl.next = false;
        self.tx.cfg_prbs_enable.next = true;
        self.tx.cfg_prbs_pattern.next = self.cf.bert_pattern.val();
        self.engine.clock.next = self.clock.val();
        self.engine.reset.next = self.reset.val();
        self.engine.pattern.next = self.cf.bert_pattern.val();
        self.engine.restart.next = self.restart.q.val();
        self.engine.clear.next = self.clear.val();
        self.engine.snapshot.next = self.take_snapshot.val();
        self.all_locked.next = true;
        self.any_locked.next = false;
        for q in 0..self.bitrec.len() {
            self.tx_lines[q].next = self.tx.tx_line.val();
            if self.cf.loopback.val() {
                self.emu.line_in[q].next = self.tx.tx_line.val();
            } else {
                self.emu.line_in[q].next = self.rx_lines[q].val();
            }
            self.bitrec[q].clock.next = self.clock.val();
            self.bitrec[q].reset.next = self.reset.val();
            self.bitrec[q].line_in.next = self.emu.line_out[q].val();
            self.engine.bit_valid[q].next = self.bitrec[q].bit_valid.val();
            self.engine.bit_value[q].next = self.bitrec[q].bit_value.val();
            self.all_locked.next = self.all_locked.val() & self.engine.lock[q].val();
            self.any_locked.next = self.any_locked.val() | self.engine.lock[q].val();
        }
        if self.tx.block_take.val() & (self.uptime.q.val() != self.ones.val()) {
            self.uptime.d.next = self.uptime.q.val() + 1;
        }
        if self.take_snapshot.val() {
            self.snap_uptime.d.next = self.uptime.q.val();
        }

        // Register decode: which region, and the index within it.
        self.dec.raddr.next = self.regs.raddr.val();
        self.dec.addr.next = self.reg_bus.addr.val();
        self.emu.rd_lane.next = self.dec.emu_lane.val();
        self.emu.rd_reg.next = self.dec.emu_word.val();
        self.emu.wr.next = false;
        self.emu.wr_lane.next = self.dec.emu_lane.val();
        self.emu.wr_reg.next = self.dec.emu_word.val();
        self.emu.wr_data.next = self.reg_bus.wdata.val();

        // Read value of the latched address `raddr` (reg_bus.addr is held too).
        self.rd_value.next = 0.into();
        self.rd_hit.next = false;
        if self.dec.id_hit.val() {
            self.rd_value.next = self.dec.id_value.val();
            self.rd_hit.next = true;
        }
        if self.ctrl.rd_hit.val() {
            // bert_enable is absent here and reads 1 (the map says so).
            self.rd_value.next = self.ctrl.rd_value.val();
            self.rd_hit.next = true;
        }
        if (self.regs.raddr.val() == self.a_snapshot.val()) | (self.regs.raddr.val() == self.a_clear.val()) {
            self.rd_hit.next = true;
        }
        if self.regs.raddr.val() == self.a_uptime.val() {
            self.rd_value.next = self.snap_uptime.q.val();
            self.rd_hit.next = true;
        }
        if self.regs.raddr.val() == self.a_bridge_dropped.val() {
            self.rd_value.next = self.bridge_dropped.val();
            self.rd_hit.next = true;
        }
        self.engine.rd_lane.next = self.dec.lane.val();
        for q in 0..self.bitrec.len() {
            // LANE_STATUS: this core has bit_lock and prbs_lock.
            self.lane_status[q].next = 0.into();
            if self.dec.lane.val().index() == q {
                if self.bitrec[q].bit_lock.val() {
                    self.lane_status[q].next = self.lane_status[q].val() | self.m_bit_lock.val();
                }
                if self.engine.lock[q].val() {
                    self.lane_status[q].next = self.lane_status[q].val() | self.m_prbs_lock.val();
                }
            }
        }
        if self.dec.in_lanes.val() {
            if self.dec.lane_word.val() == self.w_status.val() {
                self.rd_value.next = 0.into();
                for q in 0..self.bitrec.len() {
                    self.rd_value.next = self.rd_value.val() | self.lane_status[q].val();
                }
                self.rd_hit.next = true;
            }
            if self.dec.lane_word.val() == self.w_prbs_errors.val() {
                self.rd_value.next = self.engine.rd_errors.val();
                self.rd_hit.next = true;
            }
            if self.dec.lane_word.val() == self.w_bits.val() {
                self.rd_value.next = self.engine.rd_bits.val();
                self.rd_hit.next = true;
            }
        }
        // EMU_SOURCE needs the permutation, which this core lacks.
        if self.dec.in_emu.val() & (self.dec.emu_word.val() != self.w_source.val()) {
            self.rd_value.next = self.emu.rd_data.val();
            self.rd_hit.next = true;
        }

        // Writes: which register takes `reg_bus.addr` (RegPort answers).
        self.wr_hit.next = self.ctrl.wr_hit.val();
        // A new pattern needs fresh checkers.
        if self.ctrl.wr_hit.val() {
            self.restart.d.next = true;
        }
        if self.reg_bus.write.val() {
            if self.reg_bus.addr.val() == self.a_clear.val() {
                self.wr_hit.next = true;
                if self.clear.val() {
                    self.uptime.d.next = 0.into();
                }
            }
            if self.reg_bus.addr.val() == self.a_snapshot.val() {
                self.wr_hit.next = true;
            }
            if self.dec.in_emu.val() & (self.dec.emu_word.val() != self.w_source.val()) & self.emu.wr_ok.val() {
                self.emu.wr.next = true;
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
        // Counter reads wait for a snapshot (or restart) under way.
        self.regs.rd_hold.next = self.engine.busy.val() & self.dec.in_lanes.val();

        self.leds.next = bit_cast::<8, 1>(self.all_locked.val().into())
            | (bit_cast::<8, 1>(self.any_locked.val().into()) << 1)
            | (bit_cast::<8, 1>(self.engine.any_error.val().into()) << 2)
            | (bit_cast::<8, 1>(self.uptime.q.val().get_bit(12).into()) << 3);

        if self.reset.val() {
            self.uptime.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_new_refuses_what_the_parts_would_assert() {
        let p = LinkParams { lanes: 4, spares: 1, osr: 3, ..LinkParams::DEFAULT };
        assert!(BertCore::try_new(&BertConfig::new(p)).is_ok());
        let many = BertConfig::new(LinkParams { lanes: 100, spares: 2, ..p });
        let e = BertCore::try_new(&many).err().expect("102 lanes at OSR 3 must be refused").to_string();
        assert_eq!(
            e,
            "BertCore: a BERT core checks at most 92 lanes at OSR 3 (102 asked): use fewer lanes or a higher OSR"
        );
        let long = BertConfig { max_delay_bits: 200, ..BertConfig::new(p) };
        let e = BertCore::try_new(&long).err().expect("a 200-bit delay line must be refused").to_string();
        assert_eq!(e, "BertCore: max_delay_bits must be in 0..=127, not 200");
    }
}
