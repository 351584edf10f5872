//! The external view of the link for the stream-contract tests: a wire
//! between the core's TX and RX pins with its own faults (permutation,
//! per-lane skew, stuck lanes, line-bit flips timed to the transmitter's
//! blocks), and a scoreboard that looks every delivered stream word up in
//! the history of sent words.

use std::collections::{HashMap, VecDeque};

/// Where a flip lands: a block of a TX lane (counted in takes since the
/// wire started), a line bit of that block (0, 1 header; 2.. payload).
#[derive(Clone, Copy, Debug)]
pub struct Flip {
    pub tx_lane: usize,
    pub take: u64,
    pub bit: usize,
}

/// The pins' wire: TX lane `t` arrives on RX lane `perm[t]` after
/// `delay[t]` clocks; `stuck[rx]` = (from clock, level).
pub struct Wire {
    pub osr: usize,
    pub perm: Vec<usize>,
    pub delay: Vec<usize>,
    pub stuck: Vec<Option<(u64, bool)>>,
    pub flips: Vec<Flip>,
    lines: Vec<VecDeque<bool>>,
    clock: u64,
    takes: u64,
    /// Clock at which each take's block starts on the line.
    take_start: HashMap<u64, u64>,
    /// Take indices of marker rounds.
    pub marker_takes: Vec<u64>,
    /// Flips applied so far.
    pub flipped: usize,
}

impl Wire {
    pub fn new(osr: usize, perm: Vec<usize>, delay: Vec<usize>) -> Wire {
        let n = perm.len();
        assert_eq!(delay.len(), n);
        Wire {
            osr,
            perm,
            lines: delay.iter().map(|&d| std::iter::repeat_n(false, d).collect()).collect(),
            delay,
            stuck: vec![None; n],
            flips: vec![],
            clock: 0,
            takes: 0,
            take_start: HashMap::new(),
            marker_takes: vec![],
            flipped: 0,
        }
    }

    /// One clock: `tx` are the TX pins now, `take`/`marker` the
    /// transmitter's strobes now; returns the RX pins.
    pub fn step(&mut self, tx: &[bool], take: bool, marker: bool) -> Vec<bool> {
        if take {
            // The block taken on this edge is on the pins OSR clocks later,
            // which this wire (reading the pins before each edge) sees OSR + 1
            // steps on (the header-flip test checks that every flip lands).
            self.take_start.insert(self.takes, self.clock + self.osr as u64 + 1);
            if marker {
                self.marker_takes.push(self.takes);
            }
            self.takes += 1;
        }
        let mut rx = vec![false; tx.len()];
        for (t, &bit) in tx.iter().enumerate() {
            let mut b = bit;
            for f in &self.flips {
                if f.tx_lane != t {
                    continue;
                }
                if let Some(&start) = self.take_start.get(&f.take) {
                    let first = start + (f.bit * self.osr) as u64;
                    if (first..first + self.osr as u64).contains(&self.clock) {
                        b = !b;
                        if self.clock == first {
                            self.flipped += 1;
                        }
                    }
                }
            }
            let line = &mut self.lines[t];
            line.push_back(b);
            let out = line.pop_front().unwrap();
            let r = self.perm[t];
            rx[r] = match self.stuck[r] {
                Some((from, level)) if self.clock >= from => level,
                _ => out,
            };
        }
        self.clock += 1;
        rx
    }

    pub fn takes(&self) -> u64 {
        self.takes
    }

    pub fn clock(&self) -> u64 {
        self.clock
    }
}

/// What the scoreboard found (all counts in stream words).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub sent: usize,
    pub delivered: usize,
    /// Missing words with a gap flagged between their neighbours.
    pub flagged_missing: usize,
    /// Delivered in place of the expected word, a few bits off: what the
    /// line put into a locked lane's payload (caught by BIP and the CRC).
    pub line_corrupted: usize,
    /// Missing with no gap flagged.
    pub unflagged_missing: usize,
    /// Delivered again, or out of order.
    pub reordered: usize,
    /// Delivered but never sent (not a near copy of the expected word).
    pub inserted: usize,
    /// Gap strobes seen.
    pub gaps: usize,
}

impl Tally {
    /// Words the contract forbids: lost, reordered, duplicated or inserted
    /// without a flag.
    pub fn violations(&self) -> usize {
        self.unflagged_missing + self.reordered + self.inserted
    }
}

/// Most bits a word may differ by to count as corrupted by the line (a
/// dying lane's last block, three descrambler errors per flip).
const LINE_BITS: u32 = 40;

/// The scoreboard: words are `Vec<u64>` limbs (one for W = 64).
#[derive(Default)]
pub struct Scoreboard {
    sent: Vec<Vec<u64>>,
    index: HashMap<Vec<u64>, usize>,
    next: usize,
    gap_pending: bool,
    pub tally: Tally,
}

impl Scoreboard {
    pub fn sent(&mut self, w: Vec<u64>) {
        self.index.insert(w.clone(), self.sent.len());
        self.sent.push(w);
        self.tally.sent += 1;
    }

    pub fn gap(&mut self) {
        self.gap_pending = true;
        self.tally.gaps += 1;
    }

    pub fn delivered(&mut self, w: Vec<u64>) {
        self.tally.delivered += 1;
        match self.index.get(&w).copied() {
            Some(j) if j >= self.next => {
                let missing = j - self.next;
                if self.gap_pending {
                    self.tally.flagged_missing += missing;
                } else {
                    self.tally.unflagged_missing += missing;
                }
                self.next = j + 1;
            }
            Some(_) => self.tally.reordered += 1,
            None => {
                let near = self
                    .sent
                    .get(self.next)
                    .map(|e| e.iter().zip(&w).map(|(a, b)| (a ^ b).count_ones()).sum::<u32>() <= LINE_BITS);
                if near == Some(true) {
                    self.tally.line_corrupted += 1;
                    self.next += 1;
                } else {
                    self.tally.inserted += 1;
                }
            }
        }
        self.gap_pending = false;
    }

    /// Sent words not delivered yet: flagged when a gap is pending.
    pub fn finish(&mut self) -> Tally {
        let tail = self.sent.len() - self.next.min(self.sent.len());
        if self.gap_pending {
            self.tally.flagged_missing += tail;
        } else {
            self.tally.unflagged_missing += tail;
        }
        self.next = self.sent.len();
        self.tally
    }
}
