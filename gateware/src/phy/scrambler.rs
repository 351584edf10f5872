//! Bit-serial self-synchronizing payload scrambler and descrambler,
//! x^58 + x^39 + 1 (IEEE 802.3 clause 49; see [crate::phy::block_format]),
//! both thin wrappers of the generic [Lfsr].

use crate::phy::block_format::SCRAMBLER_TAPS;
use crate::phy::lfsr::{Lfsr, LfsrMode, TAP_BITS};
use rust_hdl::prelude::*;

/// History bits of the payload scrambler (the polynomial's degree).
pub const SCRAMBLER_HISTORY: usize = 58;

fn tap_constants() -> (Constant<Bits<TAP_BITS>>, Constant<Bits<TAP_BITS>>) {
    let (a, b) = SCRAMBLER_TAPS;
    assert_eq!(b, SCRAMBLER_HISTORY, "scrambler history must match SCRAMBLER_TAPS");
    (Constant::new(((a - 1) as u64).into()), Constant::new(((b - 1) as u64).into()))
}

/// Payload scrambler: `data_out = data_in ^ s[-39] ^ s[-58]`, where `s` are
/// the previous scrambled bits; `enable` consumes `data_in` and advances.
pub type Scrambler = PayloadLfsr<false>;

/// Payload descrambler: `data_out = data_in ^ r[-39] ^ r[-58]`, where `r` are
/// the previous received bits; recovers after 58 correct bits, needs no seed.
pub type Descrambler = PayloadLfsr<true>;

/// The scrambler (`DESCRAMBLE` false) or the descrambler (true): the
/// history holds the scrambled bits, sent or received.
#[derive(LogicBlock)]
pub struct PayloadLfsr<const DESCRAMBLE: bool> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (active high): zero history.
    pub reset: Signal<In, Bit>,
    /// Advance one payload bit on this clock.
    pub enable: Signal<In, Bit>,
    /// Plain payload bit (scrambler), received scrambled bit (descrambler).
    pub data_in: Signal<In, Bit>,
    /// Scrambled or descrambled bit (combinational from `data_in`).
    pub data_out: Signal<Out, Bit>,
    lfsr: Lfsr<SCRAMBLER_HISTORY>,
    tap_a: Constant<Bits<TAP_BITS>>,
    tap_b: Constant<Bits<TAP_BITS>>,
}

impl<const DESCRAMBLE: bool> PayloadLfsr<DESCRAMBLE> {
    /// A new instance with zero history.
    pub fn new() -> Self {
        let (tap_a, tap_b) = tap_constants();
        let mode = if DESCRAMBLE { LfsrMode::Descramble } else { LfsrMode::Scramble };
        Self {
            clock: Default::default(),
            reset: Default::default(),
            enable: Default::default(),
            data_in: Default::default(),
            data_out: Default::default(),
            lfsr: Lfsr::new(mode),
            tap_a,
            tap_b,
        }
    }
}

impl<const DESCRAMBLE: bool> Default for PayloadLfsr<DESCRAMBLE> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const DESCRAMBLE: bool> Logic for PayloadLfsr<DESCRAMBLE> {
    #[hdl_gen]
    fn update(&mut self) {
        self.lfsr.clock.next = self.clock.val();
        self.lfsr.reset.next = self.reset.val();
        self.lfsr.enable.next = self.enable.val();
        self.lfsr.data_in.next = self.data_in.val();
        self.lfsr.free_run.next = false;
        self.lfsr.tap_a.next = self.tap_a.val();
        self.lfsr.tap_b.next = self.tap_b.val();
        self.data_out.next = self.lfsr.data_out.val();
    }
}
