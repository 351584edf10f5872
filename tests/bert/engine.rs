//! The time-shared BERT checker at scale: up to the most lanes one engine
//! serves, fed bit streams from an independent software PRBS generator with
//! flips, slips and dead lanes at known places; every count is compared
//! exactly.

use mosaic_gateware::bert::core::BertConfig;
use mosaic_gateware::bert::engine::{max_lanes, BertEngine};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::phy::prbs::PrbsPattern;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

/// What one lane's line does.
#[derive(Clone, Copy, PartialEq)]
enum Line {
    Prbs,
    Stuck(bool),
}

/// One lane's source: PRBS bits b[t] = b[t-n] ^ b[t-k] from a random seed,
/// one every `osr` clocks, but every 64th bit interval one clock short (the
/// most bit recovery ever shortens it), with chosen bits flipped or dropped.
struct LaneSource {
    line: Line,
    taps: (usize, usize),
    hist: Vec<bool>,
    osr: usize,
    wait: usize,
    sent: usize,
    flips: Vec<usize>,
    slips: Vec<usize>,
}

impl LaneSource {
    fn new(line: Line, p: PrbsPattern, seed: u64, osr: usize, phase: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (n, _) = p.taps();
        let mut hist: Vec<bool> = (0..n).map(|_| rng.gen()).collect();
        hist[0] = true;
        LaneSource { line, taps: p.taps(), hist, osr, wait: phase, sent: 0, flips: vec![], slips: vec![] }
    }

    fn next_bit(&mut self) -> bool {
        let (n, k) = self.taps;
        let t = self.hist.len();
        let b = self.hist[t - n] ^ self.hist[t - k];
        self.hist.push(b);
        if self.hist.len() > 4 * n {
            self.hist.drain(..2 * n);
        }
        b
    }

    /// This clock's (valid, value).
    fn clock(&mut self) -> (bool, bool) {
        if self.wait > 0 {
            self.wait -= 1;
            return (false, false);
        }
        self.wait = if self.sent % 64 == 63 { self.osr - 2 } else { self.osr - 1 };
        let mut b = self.next_bit();
        if self.slips.contains(&self.sent) {
            b = self.next_bit();
        }
        let flip = self.flips.contains(&self.sent);
        self.sent += 1;
        match self.line {
            Line::Prbs => (true, b ^ flip),
            Line::Stuck(v) => (true, v),
        }
    }
}

struct Bench {
    uut: BertEngine,
    lanes: Vec<LaneSource>,
    clocks: u64,
}

impl Bench {
    fn new(lines: &[Line], p: PrbsPattern, osr: usize) -> Bench {
        let mut uut = BertEngine::new(lines.len(), osr);
        uut.connect_all();
        let lanes =
            lines.iter().enumerate().map(|(q, &l)| LaneSource::new(l, p, 1000 + q as u64, osr, q % osr)).collect();
        let mut b = Bench { uut, lanes, clocks: 0 };
        b.uut.pattern.next = (p.code() as u64).into();
        b.uut.reset.next = true;
        b.run(2);
        b.uut.reset.next = false;
        b
    }

    fn run(&mut self, clocks: u64) {
        for _ in 0..clocks {
            for (q, l) in self.lanes.iter_mut().enumerate() {
                let (v, b) = l.clock();
                self.uut.bit_valid[q].next = v;
                self.uut.bit_value[q].next = b;
            }
            mosaic_gateware::sim_clock::cycle(&mut self.uut, |u| &mut u.clock);
            self.uut.restart.next = false;
            self.uut.clear.next = false;
            self.uut.snapshot.next = false;
            self.clocks += 1;
        }
    }

    fn pulse(&mut self, f: fn(&mut BertEngine) -> &mut Signal<In, Bit>) {
        f(&mut self.uut).next = true;
        self.run(1);
    }

    /// Takes a snapshot, waits for it, returns every lane's (errors, bits).
    fn snapshot(&mut self) -> Vec<(u32, u32)> {
        self.pulse(|u| &mut u.snapshot);
        let mut waited = 0;
        while self.uut.busy.val() {
            self.run(1);
            waited += 1;
        }
        let slots = self.lanes.len().max(4) as u64;
        assert!(waited <= 2 * slots + 4, "snapshot took {waited} clocks for {slots} slots");
        (0..self.lanes.len())
            .map(|q| {
                self.uut.rd_lane.next = (q as u64).into();
                self.run(1);
                (self.uut.rd_errors.val().index() as u32, self.uut.rd_bits.val().index() as u32)
            })
            .collect()
    }

    fn locks(&self) -> Vec<bool> {
        self.uut.lock.iter().map(|l| l.val()).collect()
    }
}

#[test]
fn the_most_lanes_an_engine_serves_lock_and_count_every_flip() {
    let osr = 4;
    let n = max_lanes(osr);
    assert!(n >= 100, "100 lanes at OSR 4 must fit one engine, not {n}");
    let mut b = Bench::new(&vec![Line::Prbs; n], PrbsPattern::Prbs31, osr);
    // Lock: two good words after a full history, so within 4 words.
    b.run(4 * 32 * osr as u64 + 2 * n as u64);
    assert!(b.locks().iter().all(|&l| l), "not all locked: {:?}", b.locks());
    let first = b.snapshot();
    // Lane q gets q % 7 flips, 70 bits apart, from bit 800 on.
    for (q, l) in b.lanes.iter_mut().enumerate() {
        l.flips = (0..q % 7).map(|i| 800 + 70 * i).collect();
    }
    b.run(40 * 32 * osr as u64);
    let second = b.snapshot();
    for q in 0..n {
        let errors = second[q].0 - first[q].0;
        assert_eq!(errors, (q % 7) as u32, "lane {q} errors");
        let bits = second[q].1 - first[q].1;
        assert_eq!(bits % 32, 0, "lane {q} bits {bits}");
        // Bits sent in the interval, one short interval per 64.
        let clocks = 40 * 32 * osr as i64 + 2 * n as i64;
        let sent = clocks * 64 / (64 * osr as i64 - 1);
        assert!((bits as i64 - sent).abs() <= 64, "lane {q}: {bits} bits counted, {sent} sent");
    }
    assert!(b.locks().iter().all(|&l| l), "isolated flips unlocked a lane");
    assert!(b.uut.any_error.val());
}

#[test]
fn dead_and_slipped_lanes_and_restart_clear() {
    let osr = 3;
    let lines = [Line::Prbs, Line::Stuck(false), Line::Stuck(true), Line::Prbs, Line::Prbs];
    for p in PrbsPattern::ALL {
        let mut b = Bench::new(&lines, p, osr);
        // A slip on lane 3 at bit 600: it loses lock and finds it again.
        b.lanes[3].slips = vec![600];
        b.run(500 * osr as u64);
        assert_eq!(b.locks(), vec![true, false, false, true, true], "{}", p.name());
        let mut lost = false;
        for _ in 0..400 * osr {
            b.run(1);
            lost |= !b.locks()[3];
        }
        assert!(lost, "{}: the slip never unlocked lane 3", p.name());
        assert_eq!(b.locks(), vec![true, false, false, true, true], "{}: relock", p.name());
        let s = b.snapshot();
        assert_eq!((s[0].0, s[1], s[2], s[4].0), (0, (0, 0), (0, 0), 0), "{}: {s:?}", p.name());
        assert!(s[3].0 > 0, "{}: the slip counted no errors", p.name());
        assert!(b.uut.any_error.val());
        // CLEAR zeroes the counters, not the lock.
        b.pulse(|u| &mut u.clear);
        let s = b.snapshot();
        assert!(s.iter().all(|&(e, bits)| e == 0 && bits <= 3 * 32), "{}: after clear {s:?}", p.name());
        assert!(!b.uut.any_error.val());
        assert_eq!(b.locks(), vec![true, false, false, true, true]);
        // A restart unlocks every lane; they lock again by themselves.
        b.pulse(|u| &mut u.restart);
        b.run(2 * 5 + 4);
        assert_eq!(b.locks(), vec![false; 5], "{}: after restart", p.name());
        b.run(200 * osr as u64);
        assert_eq!(b.locks(), vec![true, false, false, true, true], "{}: after restart", p.name());
    }
}

#[test]
fn a_bert_core_with_more_lanes_than_an_engine_serves_is_refused() {
    let p = LinkParams { lanes: 90, spares: 3, osr: 3, ..LinkParams::DEFAULT };
    let e = BertConfig::new(p).check().unwrap_err();
    assert_eq!(e, "a BERT core checks at most 92 lanes at OSR 3 (93 asked): use fewer lanes or a higher OSR");
    assert!(BertConfig::new(LinkParams { lanes: 98, spares: 2, osr: 4, ..LinkParams::DEFAULT }).check().is_ok());
}
