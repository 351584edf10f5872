//! The link core with a W-bit stream: [StreamSplit] -> [LinkCore] ->
//! [StreamJoin]. W is a multiple of 64 in 64..=1024; W = 64 is [LinkCore]
//! itself (the converters are plain wires there).
//!
//! Ports (the standalone core `mosaic gen link --width W` writes):
//! - `clock`, `reset` (synchronous, active high);
//! - stream in `tx_data` (W bits) `/tx_valid/tx_ready`: the word is sent as
//!   W/64 link words, lowest 64 bits first; hold `tx_data` and `tx_valid`
//!   until `tx_ready` (used when the traffic generator is off);
//! - stream out `rx_data` (W bits) `/rx_valid`: W/64 link words gathered,
//!   the first in the lowest bits, valid for one clock; `rx_gap` strobes
//!   when stream words were lost before the next one delivered. No
//!   back-pressure: the receiver must take a word every clock it is valid;
//! - physical lanes `tx_lines$k` (out) and `rx_lines$k` (in), k < N + S;
//! - the register port `reg_*` and `snapshot` (see the bridge's contract);
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
use crate::params::CoreError;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct LinkCoreWide<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Stream in (when the traffic generator is off).
    pub tx_data: Signal<In, Bits<W>>,
    pub tx_valid: Signal<In, Bit>,
    pub tx_ready: Signal<Out, Bit>,
    /// Stream out.
    pub rx_data: Signal<Out, Bits<W>>,
    pub rx_valid: Signal<Out, Bit>,
    /// One-clock strobe: stream words were lost before the next one delivered.
    pub rx_gap: Signal<Out, Bit>,
    /// Physical lanes to and from the pins.
    pub tx_lines: Vec<Signal<Out, Bit>>,
    pub rx_lines: Vec<Signal<In, Bit>>,
    /// Register port.
    pub reg_addr: Signal<In, Bits<16>>,
    pub reg_wdata: Signal<In, Bits<32>>,
    pub reg_read: Signal<In, Bit>,
    pub reg_write: Signal<In, Bit>,
    pub reg_ack: Signal<Out, Bit>,
    pub reg_rdata: Signal<Out, Bits<32>>,
    pub reg_error: Signal<Out, Bit>,
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
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_ready: Default::default(),
            rx_data: Default::default(),
            rx_valid: Default::default(),
            rx_gap: Default::default(),
            tx_lines: (0..phys).map(|_| Default::default()).collect(),
            rx_lines: (0..phys).map(|_| Default::default()).collect(),
            reg_addr: Default::default(),
            reg_wdata: Default::default(),
            reg_read: Default::default(),
            reg_write: Default::default(),
            reg_ack: Default::default(),
            reg_rdata: Default::default(),
            reg_error: Default::default(),
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
        self.tx_split.in_data.next = self.tx_data.val();
        self.tx_split.in_valid.next = self.tx_valid.val();
        self.tx_ready.next = self.tx_split.in_ready.val();
        self.core.tx_data.next = self.tx_split.out_data.val();
        self.core.tx_valid.next = self.tx_split.out_valid.val();
        self.tx_split.out_ready.next = self.core.tx_ready.val();

        // Stream out: 64-bit words -> W bits.
        self.rx_join.in_data.next = self.core.rx_data.val();
        self.rx_join.in_valid.next = self.core.rx_valid.val();
        self.rx_join.in_sof.next = self.core.rx_sof.val();
        self.rx_gap.next = self.core.rx_gap.val();
        self.rx_data.next = self.rx_join.out_data.val();
        self.rx_valid.next = self.rx_join.out_valid.val();

        // Everything else passes through.
        for q in 0..self.tx_lines.len() {
            self.tx_lines[q].next = self.core.tx_lines[q].val();
            self.core.rx_lines[q].next = self.rx_lines[q].val();
        }
        self.core.reg_addr.next = self.reg_addr.val();
        self.core.reg_wdata.next = self.reg_wdata.val();
        self.core.reg_read.next = self.reg_read.val();
        self.core.reg_write.next = self.reg_write.val();
        self.reg_ack.next = self.core.reg_ack.val();
        self.reg_rdata.next = self.core.reg_rdata.val();
        self.reg_error.next = self.core.reg_error.val();
        self.core.snapshot.next = self.snapshot.val();
        self.core.bridge_dropped.next = self.bridge_dropped.val();
        self.leds.next = self.core.leds.val();
    }
}
