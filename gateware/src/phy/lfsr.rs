//! One generic bit-serial LFSR over a two-tap polynomial x^a + x^b + 1, the
//! single core behind the PRBS generator and checker and the payload
//! scrambler and descrambler (as in verilog-ethernet's `lfsr`).
//!
//! The core keeps the last `W` bits that entered it (`history`, bit 0 = the
//! newest) and computes, combinationally,
//!
//! `data_out = data_in ^ history[a - 1] ^ history[b - 1]`
//!
//! What enters the history on an `enable` decides the role:
//!
//! | mode                   | enters history | role                                        |
//! |------------------------|----------------|---------------------------------------------|
//! | [LfsrMode::Scramble]   | `data_out`     | scrambler; PRBS generator with `data_in = 0` |
//! | [LfsrMode::Descramble] | `data_in`      | descrambler; PRBS checker (`data_out` = error) |
//!
//! The taps are inputs, so a parent can select a polynomial at run time
//! (PRBS pattern) or tie them to constants (scrambler). In
//! [LfsrMode::Descramble], `free_run` shifts in the prediction
//! (`history[a - 1] ^ history[b - 1]`) instead of `data_in`: a locked PRBS
//! checker then runs on its own, so a flipped line bit is one error, not one
//! per tap it passes.

use rust_hdl::prelude::*;

/// Which bit the LFSR shifts into its history.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LfsrMode {
    /// Shift in `data_out`: a scrambler, or a generator with `data_in = 0`.
    Scramble,
    /// Shift in `data_in`: a self-synchronizing descrambler or checker.
    Descramble,
}

/// Width of the tap-index ports (indices up to 63).
pub const TAP_BITS: usize = 6;

/// Generic two-tap LFSR with a `W`-bit history.
#[derive(LogicBlock)]
pub struct Lfsr<const W: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (active high): clears the history.
    pub reset: Signal<In, Bit>,
    /// Advance one bit on this clock edge.
    pub enable: Signal<In, Bit>,
    /// The input bit: payload (scrambler), line bit (descrambler, checker), 0 (generator).
    pub data_in: Signal<In, Bit>,
    /// Descramble mode: shift in the prediction instead of `data_in`.
    pub free_run: Signal<In, Bit>,
    /// History index of the x^a tap: a - 1 (0 = the previous bit).
    pub tap_a: Signal<In, Bits<TAP_BITS>>,
    /// History index of the x^b tap: b - 1; must be < W.
    pub tap_b: Signal<In, Bits<TAP_BITS>>,
    /// `data_in ^ history[tap_a] ^ history[tap_b]` (combinational).
    pub data_out: Signal<Out, Bit>,
    /// The whole history is zero (a generator's lock-up state, or a stuck-at-0 input).
    pub history_zero: Signal<Out, Bit>,
    history: DFF<Bits<W>>,
    feed_output: Constant<Bit>,
}

impl<const W: usize> Lfsr<W> {
    /// A `W`-bit LFSR in the given mode.
    pub fn new(mode: LfsrMode) -> Self {
        assert!((2..=1 << TAP_BITS).contains(&W), "Lfsr width W must be in 2..={}, not {W}", 1 << TAP_BITS);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            enable: Default::default(),
            data_in: Default::default(),
            free_run: Default::default(),
            tap_a: Default::default(),
            tap_b: Default::default(),
            data_out: Default::default(),
            history_zero: Default::default(),
            history: Default::default(),
            feed_output: Constant::new(mode == LfsrMode::Scramble),
        }
    }
}

impl<const W: usize> Logic for Lfsr<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, history);
        self.data_out.next = self.data_in.val()
            ^ self.history.q.val().get_bit(self.tap_a.val().index())
            ^ self.history.q.val().get_bit(self.tap_b.val().index());
        self.history_zero.next = !self.history.q.val().any();
        if self.enable.val() {
            if self.feed_output.val() {
                self.history.d.next = (self.history.q.val() << 1).replace_bit(0, self.data_out.val());
            } else if self.free_run.val() {
                self.history.d.next =
                    (self.history.q.val() << 1).replace_bit(0, self.data_out.val() ^ self.data_in.val());
            } else {
                self.history.d.next = (self.history.q.val() << 1).replace_bit(0, self.data_in.val());
            }
        }
        if self.reset.val() {
            self.history.d.next = 0.into();
        }
    }
}
