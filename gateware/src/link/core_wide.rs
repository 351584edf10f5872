//! The link core with a W-bit stream: [StreamSplit] -> [LinkCore] ->
//! [StreamJoin]. W is a multiple of 64 in 64..=1024; W = 64 is [LinkCore]
//! itself (the converters are plain wires there).
//!
//! Ports (the standalone core `mosaic gen link --width W` writes):
//! - `clock`, `reset` (synchronous, active high);
//! - stream in `tx_stream` ([StreamIn], `tx_stream$data` W bits): the word
//!   is sent as W/64 link words, lowest 64 bits first; hold data and valid
//!   until ready (used when the traffic generator is off);
//! - stream out `rx_stream` ([FlowOut], `rx_stream$data` W bits): W/64 link words gathered,
//!   the first in the lowest bits, valid for one clock; `rx_gap` strobes
//!   when stream words were lost before the next one delivered. No
//!   back-pressure: the receiver must take a word every clock it is valid;
//! - physical lanes `tx_lines$k` (out) and `rx_lines$k` (in), k < N + S;
//! - the register port `reg_bus` ([RegBusSlave]) and `snapshot`;
//! - `bridge_dropped` (shown as `BRIDGE_DROPPED`), `leds`.
//!
//! All but the two streams are [LinkCore]'s ports, passed through.
//!
//! Why the link itself stays 64 bits wide: its receiver gathers at most one
//! 64-bit word per clock, while N lanes carry N * 64 payload bits every
//! 66 * OSR clocks, and the link parameters require N + 2 <= 66 * OSR, so
//! the lanes never fill the 64-bit path. A wider stream needs width
//! conversion at the ports (with back-pressure on the way in), not a wider
//! datapath. The link counts W-bit stream words (`TX_WORDS`, `RX_WORDS`).
//!
//! Word boundaries travel on the link: the transmitter starts a W-bit word
//! only when all its W/64 link words fit the current gearbox round, so each
//! round starts on a boundary (it needs N >= W/64), and the join restarts
//! at every round's first word (`rx_sof`). A W-bit word cut by a gap is not
//! delivered, and the next whole word after it is.

use super::core::{CoreConfig, LinkCore};
use super::stream_width::{check_width, StreamJoin, StreamSplit};
use super::word_stream::{FlowOut, StreamIn, StreamOut};
use crate::control::reg_bus::RegBusSlave;
use crate::params::CoreError;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct LinkCoreWide<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Stream in (when the traffic generator is off).
    pub tx_stream: StreamIn<W>,
    /// Stream out.
    pub rx_stream: FlowOut<W>,
    /// One-clock strobe: stream words were lost before the next one delivered.
    pub rx_gap: Signal<Out, Bit>,
    /// Physical lanes to and from the pins.
    pub tx_lines: Vec<Signal<Out, Bit>>,
    pub rx_lines: Vec<Signal<In, Bit>>,
    /// Register port.
    pub reg_bus: RegBusSlave,
    pub snapshot: Signal<In, Bit>,
    /// Bridge frames dropped (live), readable as BRIDGE_DROPPED.
    pub bridge_dropped: Signal<In, Bits<32>>,
    /// Status LEDs, as [LinkCore]'s (bit 0: link up).
    pub leds: Signal<Out, Bits<8>>,
    /// The parts, public for tests that look inside (`join` is a Verilog
    /// keyword, hence the prefixes).
    pub tx_split: StreamSplit<W>,
    pub core: LinkCore,
    pub rx_join: StreamJoin<W>,
}

impl<const W: usize> LinkCoreWide<W> {
    /// The core for `cfg` with a W-bit stream, or the rule W or `cfg` breaks.
    pub fn try_new(cfg: &CoreConfig) -> Result<Self, CoreError> {
        check_width("LinkCoreWide", W)?;
        let lanes = cfg.params.lanes;
        if W / 64 > lanes {
            let why = format!(
                "a {W}-bit stream word travels in one gearbox round: it needs N >= W/64 = {} data lanes, not {lanes}",
                W / 64
            );
            return Err(CoreError::new("LinkCoreWide", why));
        }
        let core = LinkCore::try_new(&CoreConfig { stream_words: W / 64, ..cfg.clone() })?;
        Ok(Self::with_core(core))
    }

    /// As [LinkCoreWide::try_new], panicking with its message (tests, fixed configurations).
    pub fn new(cfg: &CoreConfig) -> Self {
        Self::try_new(cfg).unwrap_or_else(|e| panic!("{e}"))
    }

    fn with_core(core: LinkCore) -> Self {
        let phys = core.tx_lines.len();
        Self {
            clock: Default::default(),
            reset: Default::default(),
            tx_stream: Default::default(),
            rx_stream: Default::default(),
            rx_gap: Default::default(),
            tx_lines: (0..phys).map(|_| Default::default()).collect(),
            rx_lines: (0..phys).map(|_| Default::default()).collect(),
            reg_bus: Default::default(),
            snapshot: Default::default(),
            bridge_dropped: Default::default(),
            leds: Default::default(),
            tx_split: StreamSplit::new(),
            core,
            rx_join: StreamJoin::new(),
        }
    }
}

impl<const W: usize> Logic for LinkCoreWide<W> {
    #[hdl_gen]
    fn update(&mut self) {
        self.tx_split.clock.next = self.clock.val();
        self.core.clock.next = self.clock.val();
        self.rx_join.clock.next = self.clock.val();
        self.tx_split.reset.next = self.reset.val();
        self.core.reset.next = self.reset.val();
        // The receiving side starts over at a word boundary while the link is down.
        self.rx_join.reset.next = self.reset.val() | !self.core.leds.val().get_bit(0);

        // Stream in: W bits -> 64-bit words.
        StreamIn::<W>::link(&mut self.tx_stream, &mut self.tx_split.wide);
        StreamOut::<64>::join(&mut self.tx_split.narrow, &mut self.core.tx_stream);

        // Stream out: 64-bit words -> W bits.
        FlowOut::<64>::join(&mut self.core.rx_stream, &mut self.rx_join.narrow);
        self.rx_join.narrow_sof.next = self.core.rx_sof.val();
        self.rx_gap.next = self.core.rx_gap.val();
        FlowOut::<W>::link(&mut self.rx_stream, &mut self.rx_join.wide);

        // Everything else passes through.
        for q in 0..self.tx_lines.len() {
            self.tx_lines[q].next = self.core.tx_lines[q].val();
            self.core.rx_lines[q].next = self.rx_lines[q].val();
        }
        RegBusSlave::link(&mut self.reg_bus, &mut self.core.reg_bus);
        self.core.snapshot.next = self.snapshot.val();
        self.core.bridge_dropped.next = self.bridge_dropped.val();
        self.leds.next = self.core.leds.val();
    }
}
