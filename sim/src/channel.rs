//! Software model of the optical channel, per lane and per clock sample.
//!
//! A lane takes the TX line sample stream (each line bit held OSR clocks)
//! and returns the RX sample stream, one sample per clock. Impairments:
//!
//! - fixed delay in whole bits, plus a sampling-phase offset in clocks
//!   (0..OSR), plus slow drift: the delay grows (or shrinks) by one clock
//!   every K bits, as with a slightly faster (slower) receiver clock;
//! - seeded random bit errors at a given BER, decided once per line bit so
//!   that a flipped bit is flipped in all its samples; the model counts
//!   exactly how many flipped bits it has delivered;
//! - stuck-at-0/1 (a dead emitter or detector) and polarity inversion.
//!
//! [Channel] bundles many lanes with a permutation (an imaging fiber can be
//! rotated or mis-mapped).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;
use thiserror::Error;

/// A channel parameter outside its rule.
#[derive(Debug, Error, PartialEq)]
pub enum ChannelError {
    #[error("{name} must be {rule}, not {value}")]
    OutOfRange { name: &'static str, rule: String, value: String },
    #[error("map must be a permutation of 0..{lanes}: {problem}")]
    NotAPermutation { lanes: usize, problem: String },
}

fn out_of_range(name: &'static str, rule: impl Into<String>, value: impl ToString) -> ChannelError {
    ChannelError::OutOfRange { name, rule: rule.into(), value: value.to_string() }
}

/// Slow sampling-phase drift.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    /// K: the delay changes by one clock every K line bits (K >= 1).
    pub every_bits: u64,
    /// true: the delay grows (receiver clock faster: a sample is repeated);
    /// false: it shrinks (a sample is dropped) until it reaches zero.
    pub later: bool,
}

/// The impairments of one lane (the default is a perfect wire).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LaneImpairments {
    /// Fixed delay in whole line bits.
    pub delay_bits: usize,
    /// Extra delay in clocks, 0..OSR (the sampling-phase offset).
    pub phase: usize,
    /// Slow drift of the delay, if any.
    pub drift: Option<Drift>,
    /// Probability that a line bit is flipped (0.0..=1.0).
    pub ber: f64,
    /// The lane's output is stuck at this level.
    pub stuck: Option<bool>,
    /// The lane's polarity is inverted.
    pub invert: bool,
}

impl LaneImpairments {
    /// Checks the parameters against `osr`.
    pub fn validate(&self, osr: usize) -> Result<(), ChannelError> {
        if !(1..=8).contains(&osr) {
            return Err(out_of_range("osr", "in 1..=8", osr));
        }
        if self.phase >= osr {
            return Err(out_of_range("phase", format!("in 0..{osr} (clocks, below osr)"), self.phase));
        }
        if !(0.0..=1.0).contains(&self.ber) {
            return Err(out_of_range("ber", "in 0.0..=1.0", self.ber));
        }
        if let Some(d) = self.drift {
            if d.every_bits == 0 {
                return Err(out_of_range("drift.every_bits (K)", "at least 1", 0));
            }
        }
        Ok(())
    }
}

#[derive(Copy, Clone, Debug)]
struct Sample {
    level: bool,
    flipped: bool,
    bit: u64,
}

/// One lane of the channel.
#[derive(Clone, Debug)]
pub struct LaneChannel {
    osr: usize,
    imp: LaneImpairments,
    rng: ChaCha8Rng,
    /// TX clock at which line bits start (mod OSR).
    tx_phase: usize,
    /// Samples in flight; the front is the one delivered now.
    line: VecDeque<Sample>,
    /// Current delay in clocks.
    delay: usize,
    clocks_in: u64,
    bit_flip: bool,
    drift_clocks: u64,
    flipped: u64,
    last_counted: Option<u64>,
}

impl LaneChannel {
    /// A lane with these impairments; `seed` drives its bit errors.
    pub fn new(osr: usize, imp: LaneImpairments, seed: u64) -> Result<Self, ChannelError> {
        imp.validate(osr)?;
        let delay = imp.delay_bits * osr + imp.phase;
        Ok(Self {
            osr,
            rng: ChaCha8Rng::seed_from_u64(seed),
            tx_phase: 0,
            line: VecDeque::with_capacity(delay + osr + 2),
            delay,
            clocks_in: 0,
            bit_flip: false,
            drift_clocks: 0,
            flipped: 0,
            last_counted: None,
            imp,
        })
    }

    /// TX line bits start at clocks = `tx_phase` mod OSR (default 0: the
    /// transmitter's first bit starts on the channel's first clock).
    pub fn with_tx_phase(mut self, tx_phase: usize) -> Self {
        assert!(tx_phase < self.osr, "tx_phase must be in 0..{}, not {tx_phase}", self.osr);
        self.tx_phase = tx_phase;
        self
    }

    /// The impairments.
    pub fn impairments(&self) -> &LaneImpairments {
        &self.imp
    }

    /// Stuck-at level from now on (None: working again).
    pub fn set_stuck(&mut self, stuck: Option<bool>) {
        self.imp.stuck = stuck;
    }

    /// Polarity from now on.
    pub fn set_invert(&mut self, invert: bool) {
        self.imp.invert = invert;
    }

    /// Bit error rate from now on.
    pub fn set_ber(&mut self, ber: f64) {
        assert!((0.0..=1.0).contains(&ber), "ber must be in 0.0..=1.0, not {ber}");
        self.imp.ber = ber;
    }

    /// Flipped line bits delivered so far (each counted once, whatever OSR).
    pub fn flipped_bits(&self) -> u64 {
        self.flipped
    }

    /// The current delay in clocks (delay_bits * OSR + phase + drift so far).
    pub fn delay_clocks(&self) -> usize {
        self.delay
    }

    /// One clock: takes the TX sample, returns the RX sample.
    pub fn step(&mut self, tx: bool) -> bool {
        let osr = self.osr as u64;
        let rel = self.clocks_in + osr - self.tx_phase as u64;
        let bit = rel / osr;
        if rel.is_multiple_of(osr) || self.clocks_in == 0 {
            // A new line bit: decide its fate once, for all its samples.
            self.bit_flip = self.imp.ber > 0.0 && self.imp.stuck.is_none() && self.rng.gen_bool(self.imp.ber);
        }
        self.line.push_back(Sample { level: tx ^ self.bit_flip, flipped: self.bit_flip, bit });
        self.clocks_in += 1;

        if let Some(d) = self.imp.drift {
            self.drift_clocks += 1;
            if self.drift_clocks == d.every_bits * osr {
                self.drift_clocks = 0;
                if d.later {
                    self.delay += 1;
                } else if self.delay > 0 {
                    self.delay -= 1;
                }
            }
        }

        while self.line.len() > self.delay + 1 {
            self.line.pop_front();
        }
        let level = if self.line.len() == self.delay + 1 {
            let s = self.line[0];
            if s.flipped && self.last_counted != Some(s.bit) {
                self.last_counted = Some(s.bit);
                self.flipped += 1;
            }
            s.level
        } else {
            false // nothing has arrived yet: a dark line
        };
        match self.imp.stuck {
            Some(v) => v,
            None => level ^ self.imp.invert,
        }
    }
}

/// Many lanes with a permutation: TX lane `t` arrives on RX lane `map[t]`.
#[derive(Clone, Debug)]
pub struct Channel {
    lanes: Vec<LaneChannel>,
    map: Vec<usize>,
}

impl Channel {
    /// One [LaneChannel] per entry of `impairments` (TX lane order), lane
    /// `t` seeded from (`seed`, `t`).
    pub fn new(
        osr: usize,
        impairments: Vec<LaneImpairments>,
        map: Vec<usize>,
        seed: u64,
    ) -> Result<Self, ChannelError> {
        let n = impairments.len();
        if map.len() != n {
            return Err(ChannelError::NotAPermutation { lanes: n, problem: format!("it has {} entries", map.len()) });
        }
        let mut seen = vec![false; n];
        for (t, &r) in map.iter().enumerate() {
            if r >= n || seen[r] {
                return Err(ChannelError::NotAPermutation {
                    lanes: n,
                    problem: format!("entry {t} = {r} is out of range or repeated"),
                });
            }
            seen[r] = true;
        }
        let lanes = impairments
            .into_iter()
            .enumerate()
            .map(|(t, imp)| {
                let lane_seed = seed ^ (t as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                LaneChannel::new(osr, imp, lane_seed)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { lanes, map })
    }

    /// `lanes` perfect lanes, identity map.
    pub fn perfect(osr: usize, lanes: usize) -> Result<Self, ChannelError> {
        Self::new(osr, vec![LaneImpairments::default(); lanes], (0..lanes).collect(), 0)
    }

    /// Number of lanes.
    pub fn len(&self) -> usize {
        self.lanes.len()
    }

    /// True if there are no lanes.
    pub fn is_empty(&self) -> bool {
        self.lanes.is_empty()
    }

    /// The permutation (TX lane -> RX lane).
    pub fn map(&self) -> &[usize] {
        &self.map
    }

    /// TX lane `t`'s channel.
    pub fn lane(&self, t: usize) -> &LaneChannel {
        &self.lanes[t]
    }

    /// TX lane `t`'s channel, to change impairments mid-run.
    pub fn lane_mut(&mut self, t: usize) -> &mut LaneChannel {
        &mut self.lanes[t]
    }

    /// Flipped bits delivered, summed over lanes.
    pub fn flipped_bits(&self) -> u64 {
        self.lanes.iter().map(|l| l.flipped_bits()).sum()
    }

    /// One clock: `tx[t]` is TX lane t's sample; writes `rx[map[t]]`.
    pub fn step(&mut self, tx: &[bool], rx: &mut [bool]) {
        assert!(
            tx.len() == self.lanes.len() && rx.len() == self.lanes.len(),
            "channel has {} lanes; got {} tx and {} rx samples",
            self.lanes.len(),
            tx.len(),
            rx.len()
        );
        for (t, lane) in self.lanes.iter_mut().enumerate() {
            rx[self.map[t]] = lane.step(tx[t]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::line::samples_from_bits;

    fn random_bits(n: usize, seed: u64) -> Vec<bool> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| rng.gen()).collect()
    }

    fn run(lane: &mut LaneChannel, input: &[bool]) -> Vec<bool> {
        input.iter().map(|&s| lane.step(s)).collect()
    }

    #[test]
    fn delay_and_phase_are_exact() {
        for osr in [1, 3, 4] {
            let input = samples_from_bits(&random_bits(200, 1), osr);
            let imp = LaneImpairments { delay_bits: 5, phase: osr - 1, ..Default::default() };
            let mut lane = LaneChannel::new(osr, imp, 0).unwrap();
            let out = run(&mut lane, &input);
            let d = 5 * osr + osr - 1;
            assert!(out[..d].iter().all(|&s| !s));
            assert_eq!(&out[d..], &input[..input.len() - d]);
            assert_eq!(lane.flipped_bits(), 0);
        }
    }

    #[test]
    fn errors_flip_whole_bits_and_are_counted_exactly() {
        let osr = 4;
        let bits = random_bits(20_000, 2);
        let input = samples_from_bits(&bits, osr);
        let imp = LaneImpairments { ber: 1e-2, ..Default::default() };
        let mut lane = LaneChannel::new(osr, imp, 99).unwrap();
        let out = run(&mut lane, &input);
        let mut flipped = 0;
        for (i, chunk) in out.chunks(osr).enumerate() {
            // All samples of a bit agree: the error hit the whole bit.
            assert!(chunk.iter().all(|&s| s == chunk[0]), "bit {i} split");
            flipped += (chunk[0] != bits[i]) as u64;
        }
        assert_eq!(flipped, lane.flipped_bits());
        // 200 expected; 5 sigma is ~70.
        assert!((130..=270).contains(&flipped), "{flipped} flips");
        // Same seed, same errors.
        let mut again = LaneChannel::new(osr, LaneImpairments { ber: 1e-2, ..Default::default() }, 99).unwrap();
        assert_eq!(run(&mut again, &input), out);
    }

    #[test]
    fn errors_in_flight_are_not_counted_yet() {
        let imp = LaneImpairments { ber: 1.0, delay_bits: 10, ..Default::default() };
        let mut lane = LaneChannel::new(2, imp, 0).unwrap();
        for _ in 0..20 {
            lane.step(false);
        }
        assert_eq!(lane.flipped_bits(), 0);
        lane.step(false);
        assert_eq!(lane.flipped_bits(), 1);
        lane.step(false);
        assert_eq!(lane.flipped_bits(), 1);
        lane.step(false);
        assert_eq!(lane.flipped_bits(), 2);
    }

    #[test]
    fn stuck_and_inverted() {
        let input = samples_from_bits(&random_bits(100, 3), 2);
        for level in [false, true] {
            let imp = LaneImpairments { stuck: Some(level), ber: 0.5, ..Default::default() };
            let mut lane = LaneChannel::new(2, imp, 0).unwrap();
            assert!(run(&mut lane, &input).iter().all(|&s| s == level));
            assert_eq!(lane.flipped_bits(), 0);
        }
        let imp = LaneImpairments { invert: true, ..Default::default() };
        let mut lane = LaneChannel::new(2, imp, 0).unwrap();
        let out = run(&mut lane, &input);
        assert!(out.iter().zip(&input).all(|(o, i)| o != i));
    }

    #[test]
    fn drift_repeats_or_drops_one_sample_every_k_bits() {
        let osr = 4;
        let k = 10u64;
        let input = samples_from_bits(&random_bits(400, 4), osr);
        for later in [true, false] {
            let imp =
                LaneImpairments { delay_bits: 30, drift: Some(Drift { every_bits: k, later }), ..Default::default() };
            let mut lane = LaneChannel::new(osr, imp, 0).unwrap();
            let out = run(&mut lane, &input);
            let step = 400 / k as usize;
            let end = if later { 30 * osr + step } else { 30 * osr - step };
            assert_eq!(lane.delay_clocks(), end);
            // The delay changes by one clock after every K * OSR clocks.
            for t in 0..input.len() {
                let moved = (t + 1) / (k as usize * osr);
                let d = if later { 120 + moved } else { 120 - moved };
                if t >= d {
                    assert_eq!(out[t], input[t - d], "later={later} t={t}");
                }
            }
        }
    }

    #[test]
    fn permutation_routes_lanes() {
        let map = vec![2, 0, 1];
        let mut ch = Channel::new(1, vec![LaneImpairments::default(); 3], map, 0).unwrap();
        let mut rx = [false; 3];
        ch.step(&[true, false, false], &mut rx);
        assert_eq!(rx, [false, false, true]);
        ch.step(&[false, true, false], &mut rx);
        assert_eq!(rx, [true, false, false]);
    }

    #[test]
    fn bad_parameters_are_named() {
        let e = Channel::new(1, vec![LaneImpairments::default(); 2], vec![0, 0], 0).unwrap_err();
        assert!(e.to_string().contains("permutation"), "{e}");
        let e = LaneChannel::new(2, LaneImpairments { phase: 2, ..Default::default() }, 0).unwrap_err();
        assert_eq!(e.to_string(), "phase must be in 0..2 (clocks, below osr), not 2");
        let e = LaneChannel::new(2, LaneImpairments { ber: 1.5, ..Default::default() }, 0).unwrap_err();
        assert_eq!(e.to_string(), "ber must be in 0.0..=1.0, not 1.5");
    }
}
