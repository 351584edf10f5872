//! PRBS patterns (ITU-T O.150), a bit-serial generator and a
//! self-synchronizing checker, both built on the generic [Lfsr].
//!
//! The pattern table ([PrbsPattern]) is the one description of the
//! polynomials: the gateware's tap table and the software models in
//! `mosaic-sim` are both derived from it.

use crate::phy::lfsr::{Lfsr, LfsrMode, TAP_BITS};
use rust_hdl::prelude::*;

/// A PRBS polynomial x^n + x^k + 1, by its `cfg_prbs_pattern` code.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PrbsPattern {
    /// x^7 + x^6 + 1 (code 0).
    Prbs7,
    /// x^9 + x^5 + 1 (code 1).
    Prbs9,
    /// x^15 + x^14 + 1 (code 2).
    Prbs15,
    /// x^23 + x^18 + 1 (code 3).
    Prbs23,
    /// x^31 + x^28 + 1 (code 4).
    Prbs31,
}

/// History bits the gateware keeps: the longest polynomial's degree.
pub const PRBS_HISTORY: usize = 31;

impl PrbsPattern {
    /// All patterns, in code order.
    pub const ALL: [PrbsPattern; 5] =
        [PrbsPattern::Prbs7, PrbsPattern::Prbs9, PrbsPattern::Prbs15, PrbsPattern::Prbs23, PrbsPattern::Prbs31];

    /// The pattern with this `cfg_prbs_pattern` code (0..=4), if any.
    pub fn from_code(code: u8) -> Option<PrbsPattern> {
        Self::ALL.get(code as usize).copied()
    }

    /// The `cfg_prbs_pattern` code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The exponents (n, k) of x^n + x^k + 1, n > k.
    pub fn taps(self) -> (usize, usize) {
        match self {
            PrbsPattern::Prbs7 => (7, 6),
            PrbsPattern::Prbs9 => (9, 5),
            PrbsPattern::Prbs15 => (15, 14),
            PrbsPattern::Prbs23 => (23, 18),
            PrbsPattern::Prbs31 => (31, 28),
        }
    }

    /// The degree n (the pattern repeats every 2^n - 1 bits).
    pub fn degree(self) -> usize {
        self.taps().0
    }

    /// Display name, e.g. "PRBS31".
    pub fn name(self) -> &'static str {
        match self {
            PrbsPattern::Prbs7 => "PRBS7",
            PrbsPattern::Prbs9 => "PRBS9",
            PrbsPattern::Prbs15 => "PRBS15",
            PrbsPattern::Prbs23 => "PRBS23",
            PrbsPattern::Prbs31 => "PRBS31",
        }
    }
}

/// The gateware tap table: 8 entries (codes 0..=7) of 6-bit history indices
/// packed LSB first; codes 5..=7 are not patterns and select PRBS31.
fn tap_table(long: bool) -> Bits<48> {
    let mut table = 0u64;
    for code in 0..8u8 {
        let p = PrbsPattern::from_code(code).unwrap_or(PrbsPattern::Prbs31);
        let (n, k) = p.taps();
        let index = if long { n - 1 } else { k - 1 } as u64;
        table |= index << (code as usize * TAP_BITS);
    }
    table.into()
}

/// The LFSR taps of the pattern `cfg_pattern` names (combinational), for
/// the bit-serial generator and checker.
#[derive(LogicBlock)]
pub struct PrbsTaps {
    /// Pattern code (see [PrbsPattern::code]).
    pub cfg_pattern: Signal<In, Bits<3>>,
    /// The short and the long tap as history indices (k - 1 and n - 1).
    pub tap_a: Signal<Out, Bits<TAP_BITS>>,
    pub tap_b: Signal<Out, Bits<TAP_BITS>>,
    taps_long: Constant<Bits<48>>,
    taps_short: Constant<Bits<48>>,
}

impl PrbsTaps {
    pub fn new() -> Self {
        Self {
            cfg_pattern: Default::default(),
            tap_a: Default::default(),
            tap_b: Default::default(),
            taps_long: Constant::new(tap_table(true)),
            taps_short: Constant::new(tap_table(false)),
        }
    }
}

impl Default for PrbsTaps {
    fn default() -> Self {
        Self::new()
    }
}

impl Logic for PrbsTaps {
    #[hdl_gen]
    fn update(&mut self) {
        // One constant per code, not a shift by `code * 6`: yosys made that
        // product a DSP multiplier, on the path from CTRL to every lane.
        self.tap_a.next = self.taps_short.val().get_bits::<TAP_BITS>(0);
        self.tap_b.next = self.taps_long.val().get_bits::<TAP_BITS>(0);
        for code in 0..8 {
            if self.cfg_pattern.val().index() == code {
                self.tap_a.next = self.taps_short.val().get_bits::<TAP_BITS>(code * 6);
                self.tap_b.next = self.taps_long.val().get_bits::<TAP_BITS>(code * 6);
            }
        }
    }
}

/// Bit-serial PRBS generator with a run-time selectable pattern.
///
/// `prbs_out` is the bit to send now; an `enable` consumes it and the next
/// bit appears after the clock edge. The generator never sticks in the
/// all-zero state: when its whole history is zero (after reset, or a
/// pattern change that left only zeros), it feeds a 1.
#[derive(LogicBlock)]
pub struct PrbsGen {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (active high).
    pub reset: Signal<In, Bit>,
    /// Consume `prbs_out` and advance one bit.
    pub enable: Signal<In, Bit>,
    /// Pattern code (see [PrbsPattern::code]).
    pub cfg_pattern: Signal<In, Bits<3>>,
    /// The current PRBS bit.
    pub prbs_out: Signal<Out, Bit>,
    lfsr: Lfsr<PRBS_HISTORY>,
    taps: PrbsTaps,
}

impl Default for PrbsGen {
    fn default() -> Self {
        Self::new()
    }
}

impl PrbsGen {
    /// A generator (the pattern is chosen at run time by `cfg_pattern`).
    pub fn new() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            enable: Default::default(),
            cfg_pattern: Default::default(),
            prbs_out: Default::default(),
            lfsr: Lfsr::new(LfsrMode::Scramble),
            taps: PrbsTaps::new(),
        }
    }
}

impl Logic for PrbsGen {
    #[hdl_gen]
    fn update(&mut self) {
        self.lfsr.clock.next = self.clock.val();
        self.lfsr.reset.next = self.reset.val();
        self.lfsr.enable.next = self.enable.val();
        self.taps.cfg_pattern.next = self.cfg_pattern.val();
        self.lfsr.tap_a.next = self.taps.tap_a.val();
        self.lfsr.tap_b.next = self.taps.tap_b.val();
        self.lfsr.data_in.next = self.lfsr.history_zero.val();
        self.lfsr.free_run.next = false;
        self.prbs_out.next = self.lfsr.data_out.val();
    }
}

/// Good bits in a row (after a full history) needed to lock.
pub const PRBS_LOCK_GOOD: u64 = 64;
/// Bits per error-rate window while locked.
pub const PRBS_WINDOW: u64 = 64;
/// Errors within one window that drop the lock.
pub const PRBS_UNLOCK_ERRORS: u64 = 16;

/// PRBS checker: while hunting it predicts each received bit from the
/// previous n received bits (self-synchronizing: no seed, relocks by
/// itself); once locked its history runs on its own predictions, as a
/// reference generator, so one flipped line bit is exactly one counted error
/// (a self-synchronizing check would count it again at each tap, 3 in all).
/// A slipped or lost line then mispredicts about half the bits and unlocks
/// it within a window. Locks after [PRBS_LOCK_GOOD] correct predictions
/// in a row over a non-zero history (a stuck-at-0 input never locks; a
/// stuck-at-1 input mispredicts every bit); unlocks on [PRBS_UNLOCK_ERRORS]
/// errors in a window of [PRBS_WINDOW] bits, or on an all-zero history.
/// `errors` and `bits` count only while locked and saturate at 2^32 - 1.
#[derive(LogicBlock)]
pub struct PrbsCheck {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (active high): unlocks and zeroes the counters.
    pub reset: Signal<In, Bit>,
    /// `data_in` holds a received bit this clock.
    pub enable: Signal<In, Bit>,
    /// The received bit.
    pub data_in: Signal<In, Bit>,
    /// Pattern code (see [PrbsPattern::code]).
    pub cfg_pattern: Signal<In, Bits<3>>,
    /// Hold `errors` and `bits` (for a consistent read); checking goes on.
    pub freeze: Signal<In, Bit>,
    /// Zero `errors` and `bits`.
    pub clear: Signal<In, Bit>,
    /// Locked to the pattern.
    pub lock: Signal<Out, Bit>,
    /// Mispredicted bits counted while locked (saturating).
    pub errors: Signal<Out, Bits<32>>,
    /// Bits checked while locked (saturating): the BER denominator.
    pub bits: Signal<Out, Bits<32>>,
    /// This clock's bit is mispredicted (combinational, with `enable`).
    pub bit_error: Signal<Out, Bit>,
    lfsr: Lfsr<PRBS_HISTORY>,
    taps: PrbsTaps,
    lock_good: Constant<Bits<7>>,
    window_last: Constant<Bits<7>>,
    unlock_errors: Constant<Bits<7>>,
    locked: DFF<Bit>,
    good_run: DFF<Bits<7>>,
    window_pos: DFF<Bits<7>>,
    window_errors: DFF<Bits<7>>,
    err_count: DFF<Bits<32>>,
    bit_count: DFF<Bits<32>>,
}

impl Default for PrbsCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl PrbsCheck {
    /// A checker (the pattern is chosen at run time by `cfg_pattern`).
    pub fn new() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            enable: Default::default(),
            data_in: Default::default(),
            cfg_pattern: Default::default(),
            freeze: Default::default(),
            clear: Default::default(),
            lock: Default::default(),
            errors: Default::default(),
            bits: Default::default(),
            bit_error: Default::default(),
            lfsr: Lfsr::new(LfsrMode::Descramble),
            taps: PrbsTaps::new(),
            lock_good: Constant::new(PRBS_LOCK_GOOD.into()),
            window_last: Constant::new((PRBS_WINDOW - 1).into()),
            unlock_errors: Constant::new(PRBS_UNLOCK_ERRORS.into()),
            locked: Default::default(),
            good_run: Default::default(),
            window_pos: Default::default(),
            window_errors: Default::default(),
            err_count: Default::default(),
            bit_count: Default::default(),
        }
    }
}

impl Logic for PrbsCheck {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, locked, good_run, window_pos, window_errors, err_count, bit_count);
        self.lfsr.clock.next = self.clock.val();
        self.lfsr.reset.next = self.reset.val();
        self.lfsr.enable.next = self.enable.val();
        self.lfsr.data_in.next = self.data_in.val();
        // Hunting: predict from the line (self-synchronizing). Locked: run
        // on the predictions, so each flipped bit counts once.
        self.lfsr.free_run.next = self.locked.q.val();
        self.taps.cfg_pattern.next = self.cfg_pattern.val();
        self.lfsr.tap_a.next = self.taps.tap_a.val();
        self.lfsr.tap_b.next = self.taps.tap_b.val();
        self.bit_error.next = self.enable.val() & self.lfsr.data_out.val();
        self.lock.next = self.locked.q.val();
        self.errors.next = self.err_count.q.val();
        self.bits.next = self.bit_count.q.val();

        if self.enable.val() {
            if self.locked.q.val() {
                // Counting while locked; the window bounds the error rate.
                if !self.freeze.val() {
                    if !self.bit_count.q.val().all() {
                        self.bit_count.d.next = self.bit_count.q.val() + 1;
                    }
                    if self.lfsr.data_out.val() & !self.err_count.q.val().all() {
                        self.err_count.d.next = self.err_count.q.val() + 1;
                    }
                }
                if self.lfsr.data_out.val() {
                    self.window_errors.d.next = self.window_errors.q.val() + 1;
                }
                self.window_pos.d.next = self.window_pos.q.val() + 1;
                if self.window_pos.q.val() == self.window_last.val() {
                    self.window_pos.d.next = 0.into();
                    self.window_errors.d.next = 0.into();
                }
                if (self.lfsr.data_out.val() & (self.window_errors.q.val() + 1 == self.unlock_errors.val()))
                    | self.lfsr.history_zero.val()
                {
                    self.locked.d.next = false;
                    self.good_run.d.next = 0.into();
                }
            } else {
                // Hunting: a run of correct predictions over a live history.
                if self.lfsr.data_out.val() | self.lfsr.history_zero.val() {
                    self.good_run.d.next = 0.into();
                } else {
                    self.good_run.d.next = self.good_run.q.val() + 1;
                    if self.good_run.q.val() + 1 == self.lock_good.val() {
                        self.locked.d.next = true;
                        self.window_pos.d.next = 0.into();
                        self.window_errors.d.next = 0.into();
                    }
                }
            }
        }
        if self.clear.val() | self.reset.val() {
            self.err_count.d.next = 0.into();
            self.bit_count.d.next = 0.into();
        }
        if self.reset.val() {
            self.locked.d.next = false;
            self.good_run.d.next = 0.into();
            self.window_pos.d.next = 0.into();
            self.window_errors.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each code selects its polynomial's taps as history indices (k - 1,
    /// n - 1); codes past the table read as PRBS31.
    #[test]
    fn taps_follow_the_pattern_code() {
        let mut uut = PrbsTaps::new();
        uut.connect_all();
        let mut seen = vec![];
        for code in 0..8u64 {
            uut.cfg_pattern.next = code.into();
            simulate(&mut uut, 10);
            seen.push((uut.tap_a.val().index(), uut.tap_b.val().index()));
        }
        // x^7 + x^6 + 1, x^9 + x^5 + 1, x^15 + x^14 + 1, x^23 + x^18 + 1, x^31 + x^28 + 1.
        let p31 = (27, 30);
        assert_eq!(seen, [(5, 6), (4, 8), (13, 14), (17, 22), p31, p31, p31, p31]);
    }
}
