//! Oversampling bit recovery: one line sample per clock in, one bit per
//! OSR clocks out, sampled in the middle of the bit.
//!
//! A down-counter (`tick`) fires a strobe every OSR clocks; the strobe
//! samples the line. Each line transition is binned by the counter value it
//! arrives at, i.e. by how many clocks *before the next strobe* the bit
//! started. Over a window of [WINDOW_BITS] bits the bin with most transitions
//! is the edge; the strobe belongs [centre_bin] clocks after it (the middle
//! of the bit). At the end of each window the next strobe interval is
//! stretched or shortened to move the sampling point:
//!
//! * hunting (`bit_lock` = 0): straight onto the middle (one window to lock);
//! * locked: by at most one clock per window, so noise cannot throw it far,
//!   while drift of up to one sample per window is followed.
//!
//! Because the sampling point moves by changing the *interval* between
//! strobes, a move across the OSR boundary needs no special case: when the
//! far end sends slightly slower, intervals of OSR + 1 now and then drop the
//! extra bit times, faster, OSR - 1 gives the extra bit - exactly one strobe
//! per line bit either way.
//!
//! A window without any transition (dead or stuck lane) drops `bit_lock`.
//! For OSR 1 and 2 there is nothing to choose between: the phase is fixed
//! and `bit_lock` is 1.

use rust_hdl::prelude::*;

/// Bits per decision window of the phase picker.
pub const WINDOW_BITS: usize = 64;
const WINDOW_LOG2: usize = 6;
/// Width of the per-phase transition counters (holds up to WINDOW_BITS).
const HIST_BITS: usize = WINDOW_LOG2 + 1;
/// Width of the strobe counter (intervals up to OSR + OSR/2 = 12 clocks).
const TICK_BITS: usize = 4;

/// Smallest OSR that gets adaptive phase picking.
pub const MIN_ADAPTIVE_OSR: usize = 3;

/// The counter value (clocks before the strobe) at which a bit's first
/// sample arrives when the strobe is in the middle of the bit: OSR / 2.
pub fn centre_bin(osr: usize) -> usize {
    osr / 2
}

/// Clocks from reset release until `bit_lock` rises on a toggling line, at
/// most (OSR >= 3): the first full window plus the register stages
/// (including the one between the window end and the decision).
pub fn lock_clocks_bound(osr: usize) -> usize {
    if osr < MIN_ADAPTIVE_OSR {
        1
    } else {
        (WINDOW_BITS + 1) * osr + 5
    }
}

/// Oversampling bit recovery (see the module docs).
#[derive(LogicBlock)]
pub struct BitRecovery {
    /// Clock: one line sample per clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high.
    pub reset: Signal<In, Bit>,
    /// The line sample of this clock (polarity already corrected).
    pub line_in: Signal<In, Bit>,
    /// One-clock strobe: `bit_value` holds a recovered bit.
    pub bit_valid: Signal<Out, Bit>,
    /// The recovered bit (valid with `bit_valid`).
    pub bit_value: Signal<Out, Bit>,
    /// The sampling phase has been found (always 1 for OSR < 3).
    pub bit_lock: Signal<Out, Bit>,
    smp: DFF<Bit>,
    prev: DFF<Bit>,
    tick: DFF<Bits<TICK_BITS>>,
    win: DFF<Bits<WINDOW_LOG2>>,
    locked: DFF<Bit>,
    valid_r: DFF<Bit>,
    value_r: DFF<Bit>,
    hist: Vec<DFF<Bits<HIST_BITS>>>,
    // Argmax chain over the bins, seeded with the centre bin so that a tie
    // keeps the current phase (no dithering on a split edge).
    best_cnt: Vec<Signal<Local, Bits<HIST_BITS>>>,
    best_idx: Vec<Signal<Local, Bits<TICK_BITS>>>,
    bin_id: Vec<Constant<Bits<TICK_BITS>>>,
    is_centre: Vec<Constant<Bit>>,
    is_last: Vec<Constant<Bit>>,
    best_cnt_final: Signal<Local, Bits<HIST_BITS>>,
    best_idx_final: Signal<Local, Bits<TICK_BITS>>,
    // The window's result, registered at the window end and acted on one
    // clock later: the argmax chain is the longest path of the whole link
    // core, and this register takes it off the strobe counter's path.
    decide: DFF<Bit>,
    win_cnt: DFF<Bits<HIST_BITS>>,
    win_idx: DFF<Bits<TICK_BITS>>,
    centre_cnt: Signal<Local, Bits<HIST_BITS>>,
    transition: Signal<Local, Bit>,
    strobe: Signal<Local, Bit>,
    window_end: Signal<Local, Bit>,
    osr_c: Constant<Bits<TICK_BITS>>,
    centre_c: Constant<Bits<TICK_BITS>>,
    adaptive: Constant<Bit>,
}

impl BitRecovery {
    /// Bit recovery for `osr` clocks per line bit.
    ///
    /// # Panics
    /// If `osr` is not in 1..=8.
    pub fn new(osr: usize) -> Self {
        assert!((1..=8).contains(&osr), "BitRecovery: osr must be in 1..=8, not {osr}");
        let bins = osr;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            line_in: Default::default(),
            bit_valid: Default::default(),
            bit_value: Default::default(),
            bit_lock: Default::default(),
            smp: Default::default(),
            prev: Default::default(),
            tick: Default::default(),
            win: Default::default(),
            locked: Default::default(),
            valid_r: Default::default(),
            value_r: Default::default(),
            hist: (0..bins).map(|_| Default::default()).collect(),
            best_cnt: (0..=bins).map(|_| Default::default()).collect(),
            best_idx: (0..=bins).map(|_| Default::default()).collect(),
            bin_id: (0..bins).map(|i| Constant::new((i as u64).into())).collect(),
            is_centre: (0..bins).map(|i| Constant::new(i == centre_bin(osr))).collect(),
            is_last: (0..bins).map(|i| Constant::new(i + 1 == bins)).collect(),
            best_cnt_final: Default::default(),
            best_idx_final: Default::default(),
            decide: Default::default(),
            win_cnt: Default::default(),
            win_idx: Default::default(),
            centre_cnt: Default::default(),
            transition: Default::default(),
            strobe: Default::default(),
            window_end: Default::default(),
            osr_c: Constant::new((osr as u64).into()),
            centre_c: Constant::new((centre_bin(osr) as u64).into()),
            adaptive: Constant::new(osr >= MIN_ADAPTIVE_OSR),
        }
    }
}

impl Logic for BitRecovery {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, smp, prev, tick, win, locked, valid_r, value_r, decide, win_cnt, win_idx);
        for i in 0..self.hist.len() {
            self.hist[i].clock.next = self.clock.val();
            self.hist[i].d.next = self.hist[i].q.val();
        }
        self.smp.d.next = self.line_in.val();
        self.prev.d.next = self.smp.q.val();
        self.transition.next = self.smp.q.val() ^ self.prev.q.val();
        self.strobe.next = self.tick.q.val() == 0;
        self.window_end.next = self.strobe.val() & self.win.q.val().all() & self.adaptive.val();

        // Histogram: a transition arriving `tick` clocks before the strobe.
        for i in 0..self.hist.len() {
            if self.transition.val() & (self.tick.q.val() == self.bin_id[i].val()) {
                self.hist[i].d.next = self.hist[i].q.val() + 1;
            }
        }
        self.centre_cnt.next = 0.into();
        for i in 0..self.hist.len() {
            if self.is_centre[i].val() {
                self.centre_cnt.next = self.hist[i].q.val();
            }
        }
        self.best_cnt[0].next = self.centre_cnt.val();
        self.best_idx[0].next = self.centre_c.val();
        for i in 0..self.hist.len() {
            if self.hist[i].q.val() > self.best_cnt[i].val() {
                self.best_cnt[i + 1].next = self.hist[i].q.val();
                self.best_idx[i + 1].next = self.bin_id[i].val();
            } else {
                self.best_cnt[i + 1].next = self.best_cnt[i].val();
                self.best_idx[i + 1].next = self.best_idx[i].val();
            }
        }
        // (rust-hdl cannot index a Vec by its length in HDL; pick the last stage.)
        self.best_cnt_final.next = 0.into();
        self.best_idx_final.next = 0.into();
        for i in 0..self.hist.len() {
            if self.is_last[i].val() {
                self.best_cnt_final.next = self.best_cnt[i + 1].val();
                self.best_idx_final.next = self.best_idx[i + 1].val();
            }
        }

        // Strobe counter: normally reload OSR - 1; at a window end move the
        // sampling point by changing this one interval.
        self.tick.d.next = self.tick.q.val() - 1;
        if self.strobe.val() {
            self.tick.d.next = self.osr_c.val() - 1;
            self.win.d.next = self.win.q.val() + 1;
        }
        self.decide.d.next = self.window_end.val();
        if self.window_end.val() {
            for i in 0..self.hist.len() {
                self.hist[i].d.next = 0.into();
            }
            self.win_cnt.d.next = self.best_cnt_final.val();
            self.win_idx.d.next = self.best_idx_final.val();
        }
        // One clock after the window end the counter holds OSR - 1 (the
        // window end is a strobe): set it to the interval wanted, minus the
        // clock already spent.
        if self.decide.q.val() {
            if self.win_cnt.q.val() == 0 {
                // No transition in a whole window: the lane is dead or stuck.
                self.locked.d.next = false;
            } else if !self.locked.q.val() {
                self.locked.d.next = true;
                self.tick.d.next = self.osr_c.val() + self.centre_c.val() - self.win_idx.q.val() - 2;
            } else if self.win_idx.q.val() < self.centre_c.val() {
                // Edge closer to the strobe than the middle: sample later.
                self.tick.d.next = self.osr_c.val() - 1;
            } else if self.win_idx.q.val() > self.centre_c.val() {
                self.tick.d.next = self.osr_c.val() - 3;
            }
        }

        self.valid_r.d.next = self.strobe.val();
        self.value_r.d.next = self.smp.q.val();
        self.bit_valid.next = self.valid_r.q.val();
        self.bit_value.next = self.value_r.q.val();
        self.bit_lock.next = self.locked.q.val() | !self.adaptive.val();

        if self.reset.val() {
            self.tick.d.next = 0.into();
            self.win.d.next = 0.into();
            self.locked.d.next = false;
            self.valid_r.d.next = false;
            self.decide.d.next = false;
            for i in 0..self.hist.len() {
                self.hist[i].d.next = 0.into();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn cycle(uut: &mut BitRecovery) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    /// Line samples for `bits`, each held `osr` samples, starting `phase`
    /// samples late; every `drift_every` samples one sample is dropped
    /// (`drift_sign` < 0: far end faster) or repeated (> 0: slower).
    fn line(bits: &[bool], osr: usize, phase: usize, drift_every: usize, drift_sign: i32) -> Vec<bool> {
        let mut raw: Vec<bool> = vec![false; phase];
        for &b in bits {
            raw.extend(std::iter::repeat_n(b, osr));
        }
        if drift_every == 0 {
            return raw;
        }
        let mut out = Vec::with_capacity(raw.len());
        for (i, &s) in raw.iter().enumerate() {
            let event = i > 0 && i % drift_every == 0;
            if event && drift_sign < 0 {
                continue;
            }
            out.push(s);
            if event && drift_sign > 0 {
                out.push(s);
            }
        }
        out
    }

    /// Runs the recovery over `samples`; returns (bits after bit_lock, clock of lock).
    fn recover(osr: usize, samples: &[bool]) -> (Vec<bool>, Option<usize>) {
        let mut uut = BitRecovery::new(osr);
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        let mut got = vec![];
        let mut lock_at = None;
        for (t, &s) in samples.iter().enumerate() {
            uut.line_in.next = s;
            cycle(&mut uut);
            if uut.bit_lock.val() && lock_at.is_none() {
                lock_at = Some(t);
            }
            if lock_at.is_some() {
                assert!(uut.bit_lock.val(), "lost bit lock at clock {t}");
                if uut.bit_valid.val() {
                    got.push(uut.bit_value.val());
                }
            }
        }
        (got, lock_at)
    }

    /// `got` (minus its first `skip` bits) must appear in `sent` contiguously, except its last few.
    fn assert_contained(sent: &[bool], got: &[bool], skip: usize, what: &str) {
        let probe = &got[skip..skip + 48];
        let starts: Vec<usize> = (0..sent.len() - 48).filter(|&s| &sent[s..s + 48] == probe).collect();
        assert_eq!(starts.len(), 1, "{what}: recovered bits not found once in the sent bits");
        let s = starts[0];
        let n = (got.len() - skip).min(sent.len() - s) - 4;
        for k in 0..n {
            assert_eq!(got[skip + k], sent[s + k], "{what}: bit {k} after alignment differs");
        }
    }

    #[test]
    fn recovers_every_phase_and_follows_drift() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for osr in 3..=8 {
            for phase in 0..osr {
                for &(every, sign) in &[(0usize, 0i32), (150 * osr, 1), (150 * osr, -1)] {
                    let sent: Vec<bool> = (0..1500).map(|_| rng.gen()).collect();
                    let samples = line(&sent, osr, phase, every, sign);
                    let (got, lock) = recover(osr, &samples);
                    let what = format!("osr {osr} phase {phase} drift {sign}/{every}");
                    let lock = lock.unwrap_or_else(|| panic!("{what}: no bit lock"));
                    assert!(lock <= lock_clocks_bound(osr), "{what}: lock at {lock}");
                    // Drift of one sample per 150 bits means ~10 slips over the run:
                    // the bit count must follow exactly (no bit lost or doubled).
                    assert_contained(&sent, &got, 2, &what);
                }
            }
        }
    }

    #[test]
    fn fixed_phase_below_osr_3() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for osr in 1..=2 {
            let sent: Vec<bool> = (0..300).map(|_| rng.gen()).collect();
            let (got, lock) = recover(osr, &line(&sent, osr, 0, 0, 0));
            assert_eq!(lock, Some(0));
            assert_contained(&sent, &got, 4, &format!("osr {osr}"));
        }
    }

    #[test]
    fn bit_recovery_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut BitRecovery::new(4));
        crate::verilog::verilator_lint("bit_recovery", &v).unwrap();
        crate::verilog::yosys_synth_ice40("bit_recovery", &v).unwrap();
    }

    #[test]
    fn stuck_line_drops_bit_lock() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let osr = 4;
        let sent: Vec<bool> = (0..200).map(|_| rng.gen()).collect();
        let mut samples = line(&sent, osr, 1, 0, 0);
        samples.extend(std::iter::repeat_n(true, 3 * WINDOW_BITS * osr));
        let mut uut = BitRecovery::new(osr);
        uut.connect_all();
        let mut was_locked = false;
        for &s in &samples {
            uut.line_in.next = s;
            cycle(&mut uut);
            was_locked |= uut.bit_lock.val();
        }
        assert!(was_locked);
        assert!(!uut.bit_lock.val(), "bit_lock should drop on a stuck line");
    }
}
