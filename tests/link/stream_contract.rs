//! The stream contract, tested from outside the core as an integrator would:
//! the TX pins reach the RX pins through a wire with its own faults (seeded
//! permutation, skew, lanes dying at random moments, line-bit flips in sync
//! headers, payloads and alignment markers), a source offers random stream
//! words from reset on, and a scoreboard looks every delivered word up in
//! the sent history. At W = 64 (LinkCore) and, for the cases that raise
//! stream flags, W = 128 (LinkCoreWide): no
//! word is lost, duplicated, reordered or inserted without `rx_gap`; a
//! payload flip is line corruption, counted exactly by BIP.

use mosaic_gateware::link::core::{CoreConfig, LinkCore};
use mosaic_gateware::link::core_wide::LinkCoreWide;
use mosaic_gateware::params::LinkParams;
use mosaic_link::link::*;
use mosaic_link::scoreboard::{Flip, Scoreboard, Tally, Wire};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

const P: LinkParams = LinkParams { lanes: 4, spares: 2, osr: 1, marker_period: 16, deskew_depth: 2 };

/// The stream side and pins of a core, for W = 64 k.
trait StreamDut: CorePorts {
    const LIMBS: usize;
    fn set_tx(&mut self, w: &[u64], valid: bool);
    fn tx_ready(&self) -> bool;
    fn rx(&self) -> Option<Vec<u64>>;
    fn rx_gap(&self) -> bool;
    fn pins(&self) -> Vec<bool>;
    fn set_pins(&mut self, rx: &[bool]);
    /// The transmitter's (block, marker round) strobes.
    fn ticks(&self) -> (bool, bool);
}

/// The methods whose ports both cores name alike.
macro_rules! same_ports {
    () => {
        fn tx_ready(&self) -> bool {
            self.tx_stream.ready.val()
        }
        fn rx_gap(&self) -> bool {
            self.rx_gap.val()
        }
        fn pins(&self) -> Vec<bool> {
            self.tx_lines.iter().map(|l| l.val()).collect()
        }
        fn set_pins(&mut self, rx: &[bool]) {
            for (p, &b) in self.rx_lines.iter_mut().zip(rx) {
                p.next = b;
            }
        }
    };
}

impl StreamDut for LinkCore {
    const LIMBS: usize = 1;
    fn set_tx(&mut self, w: &[u64], valid: bool) {
        self.tx_stream.data.next = w[0].into();
        self.tx_stream.valid.next = valid;
    }
    fn rx(&self) -> Option<Vec<u64>> {
        self.rx_stream.valid.val().then(|| vec![self.rx_stream.data.val().to_u64()])
    }
    fn ticks(&self) -> (bool, bool) {
        (self.tx.block_tick.val(), self.tx.marker_tick.val())
    }
    same_ports!();
}

impl StreamDut for LinkCoreWide<128> {
    const LIMBS: usize = 2;
    fn set_tx(&mut self, w: &[u64], valid: bool) {
        let mut b = Bits::<128>::default();
        b.set_bits::<64>(0, w[0].into());
        b.set_bits::<64>(64, w[1].into());
        self.tx_stream.data.next = b;
        self.tx_stream.valid.next = valid;
    }
    fn rx(&self) -> Option<Vec<u64>> {
        let d = self.rx_stream.data.val();
        self.rx_stream.valid.val().then(|| vec![d.get_bits::<64>(0).to_u64(), d.get_bits::<64>(64).to_u64()])
    }
    same_ports!();
    fn ticks(&self) -> (bool, bool) {
        (self.core.tx.block_tick.val(), self.core.tx.marker_tick.val())
    }
}

/// A fault scenario on the wire.
#[derive(Clone, Default)]
struct Faults {
    /// Extra delay per TX lane, in line bits.
    skew: Vec<usize>,
    /// (RX lane, clock, level) deaths.
    deaths: Vec<(usize, u64, bool)>,
    flips: Vec<Flip>,
    auto_failover: bool,
}

/// Lane counters summed over the physical lanes, and link counters.
#[derive(Debug, Default)]
struct Counters {
    sync_errors: u32,
    bip_errors: u32,
    bad_markers: u32,
    realigns: u32,
    rx_gaps: u32,
    tx_words: u32,
    rx_words: u32,
}

struct Outcome {
    tally: Tally,
    counters: Counters,
    /// Takes that were marker rounds, and flips applied.
    marker_takes: Vec<u64>,
    flipped: usize,
    ever_ready: bool,
}

/// Runs `clocks` clocks of saturating random traffic from reset through a
/// permuted wire with `faults`, then drains; returns the scoreboard.
fn run<C: StreamDut + 'static>(core: C, p: LinkParams, seed: u64, faults: &Faults, clocks: u64) -> Outcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let phys = p.physical_lanes();
    let mut perm: Vec<usize> = (0..phys).collect();
    perm.shuffle(&mut rng);
    let mut delay: Vec<usize> = (0..phys).map(|_| rng.gen_range(1..=8) * p.osr).collect();
    for (t, s) in faults.skew.iter().enumerate() {
        delay[t] += s * p.osr;
    }
    let mut wire = Wire::new(p.osr, perm, delay);
    for &(rx, at, level) in &faults.deaths {
        wire.stuck[rx] = Some((at, level));
    }
    wire.flips = faults.flips.clone();
    let wire = Rc::new(RefCell::new(wire));
    let mut s = LinkSim::with_core(core, p);
    let w = wire.clone();
    s.each_clock = Some(Box::new(move |u: &mut C| {
        let (take, marker) = u.ticks();
        let rx = w.borrow_mut().step(&u.pins(), take, marker);
        u.set_pins(&rx);
    }));
    let ctrl = if faults.auto_failover { ctrl(&["auto_failover"]) } else { 0 };
    s.write_reg("CTRL", 0, ctrl);
    let mut sb = Scoreboard::default();
    let word = |rng: &mut ChaCha8Rng| (0..C::LIMBS).map(|_| rng.gen()).collect::<Vec<u64>>();
    let mut offer = word(&mut rng);
    let mut ever_ready = false;
    let drain = 66 * p.osr as u64 * (p.deskew_depth as u64 + 6);
    for t in 0..clocks + drain {
        let offering = t < clocks;
        let taken = offering && s.h.uut.tx_ready();
        ever_ready |= s.h.uut.tx_ready();
        let o = offer.clone();
        s.step(|u| {
            LinkSim::<C>::idle(u);
            u.set_tx(&o, offering);
        });
        if taken {
            sb.sent(std::mem::replace(&mut offer, word(&mut rng)));
        }
        if s.h.uut.rx_gap() {
            sb.gap();
        }
        if let Some(w) = s.h.uut.rx() {
            sb.delivered(w);
        }
    }
    let tally = sb.finish();
    s.snapshot();
    let mut c = Counters::default();
    for q in 0..phys {
        c.sync_errors += s.read_reg("LANE_SYNC_ERRORS", q);
        c.bip_errors += s.read_reg("LANE_BIP_ERRORS", q);
        c.bad_markers += s.read_reg("LANE_BAD_MARKERS", q);
    }
    c.realigns = s.read_reg("REALIGNS", 0);
    c.rx_gaps = s.read_reg("RX_GAPS", 0);
    c.tx_words = s.read_reg("TX_WORDS", 0);
    c.rx_words = s.read_reg("RX_WORDS", 0);
    let w = wire.borrow();
    Outcome { tally, counters: c, marker_takes: w.marker_takes.clone(), flipped: w.flipped, ever_ready }
}

fn report(what: &str, o: &Outcome) {
    let t = &o.tally;
    eprintln!(
        "{what}: sent {} delivered {} flagged-missing {} line-corrupted {} unflagged-lost {} reordered {} inserted {} gaps {} | {:?}",
        t.sent, t.delivered, t.flagged_missing, t.line_corrupted, t.unflagged_missing, t.reordered, t.inserted, t.gaps,
        o.counters
    );
}

fn assert_contract(what: &str, o: &Outcome) {
    report(what, o);
    let t = &o.tally;
    assert_eq!(t.violations(), 0, "{what}: words lost, reordered or inserted without a flag: {t:?}");
    assert_eq!(t.gaps as u32, o.counters.rx_gaps, "{what}: RX_GAPS differs from the rx_gap strobes");
    assert!(t.sent > 200, "{what}: vacuous, only {} words sent", t.sent);
}

/// Takes of data rounds in marker periods `from..` (not the last data
/// round of a period, whose descrambler errors would reach the marker).
fn data_take(rng: &mut ChaCha8Rng, period: u64) -> u64 {
    period * P.marker_period as u64 + rng.gen_range(1..P.marker_period as u64 - 1)
}

/// Runs `f` on the link core (W = 64, with `seeds64` seeds) and on the
/// 128-bit core (W = 128, with `seeds128`): the wide core adds only the
/// width adapters over the same lanes, so it runs the cases that reach
/// its stream flags (gaps, drops, link restarts) over fewer seeds.
fn widths(seeds64: u64, seeds128: u64, f: impl Fn(&str, u64, Box<dyn Fn(&Faults, u64, u64) -> Outcome>)) {
    f(
        "W=64",
        seeds64,
        Box::new(|faults, seed, clocks| run(LinkCore::new(&CoreConfig::new(P)), P, seed, faults, clocks)),
    );
    if seeds128 > 0 {
        f(
            "W=128",
            seeds128,
            Box::new(|faults, seed, clocks| {
                run(LinkCoreWide::<128>::new(&CoreConfig::new(P)), P, seed, faults, clocks)
            }),
        );
    }
}

#[test]
fn clean_wire_with_skew_up_to_the_deskew_range_delivers_every_word() {
    widths(2, 1, |w, seeds, run| {
        for seed in 0..seeds {
            let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
            // D = 2 absorbs one block: lanes spread over 0..=60 extra bits.
            let mut skew: Vec<usize> = (0..P.physical_lanes()).map(|_| rng.gen_range(0..=60)).collect();
            skew[0] = 60;
            skew[1] = 0;
            let o = run(&Faults { skew, ..Default::default() }, seed, 20_000);
            assert_contract(&format!("{w} skew seed {seed}"), &o);
            let t = o.tally;
            assert_eq!((t.delivered, t.flagged_missing, t.line_corrupted, t.gaps), (t.sent, 0, 0, 0));
            // Words offered from reset on waited for the link, none were lost,
            // and the counters count stream words.
            assert_eq!((o.counters.tx_words as usize, o.counters.rx_words as usize), (t.sent, t.delivered));
            assert_eq!(o.counters.realigns, 0);
        }
    });
}

#[test]
fn skew_beyond_the_deskew_range_keeps_the_link_down_and_takes_nothing() {
    // The link never comes up: the width adapters never see a word.
    widths(1, 0, |w, _, run| {
        let mut skew = vec![0; P.physical_lanes()];
        skew[2] = 150; // over two blocks, D = 2 absorbs one
        let o = run(&Faults { skew, ..Default::default() }, 7, 25_000);
        report(&format!("{w} skew beyond range"), &o);
        assert!(!o.ever_ready, "{w}: tx_ready went high on a link that cannot come up");
        assert_eq!((o.tally.sent, o.tally.delivered), (0, 0));
    });
}

#[test]
fn lanes_dying_at_random_moments_lose_only_flagged_words() {
    widths(2, 1, |w, seeds, run| {
        for seed in 0..seeds {
            let mut rng = ChaCha8Rng::seed_from_u64(200 + seed);
            // Two deaths (stuck 0, then stuck 1) on distinct RX lanes after link-up.
            let mut lanes: Vec<usize> = (0..P.physical_lanes()).collect();
            lanes.shuffle(&mut rng);
            let first = rng.gen_range(11_000..14_000);
            let second = first + rng.gen_range(14_000..16_000);
            let faults = Faults {
                deaths: vec![(lanes[0], first, false), (lanes[1], second, true)],
                auto_failover: true,
                ..Default::default()
            };
            let o = run(&faults, seed, second + 16_000);
            assert_contract(&format!("{w} deaths seed {seed}"), &o);
            // At most the block a lane died in: its header was good.
            assert!(o.tally.line_corrupted <= 2, "{w}: {} words corrupted", o.tally.line_corrupted);
            // The link came back each time (words flow at the end).
            assert!(o.tally.delivered > o.tally.sent / 2, "{w}: the link did not come back: {:?}", o.tally);
        }
    });
}

#[test]
fn a_flipped_sync_header_costs_one_flagged_round_and_no_realign() {
    widths(1, 1, |w, _, run| {
        let mut rng = ChaCha8Rng::seed_from_u64(300);
        let flips: Vec<Flip> = (0..6)
            .map(|k| Flip {
                tx_lane: rng.gen_range(0..P.lanes),
                take: data_take(&mut rng, 12 + 2 * k),
                bit: k as usize % 2,
            })
            .collect();
        let o = run(&Faults { flips: flips.clone(), ..Default::default() }, 3, 30_000);
        assert_contract(&format!("{w} header flips"), &o);
        assert_eq!(o.flipped, flips.len(), "flips not all on the line");
        assert_eq!(o.counters.sync_errors, flips.len() as u32, "{w}: a flip missed its header");
        assert_eq!(o.counters.realigns, 0, "{w}: a header flip realigned the link");
        assert_eq!(o.tally.line_corrupted, 0);
        assert_eq!(o.tally.gaps, flips.len(), "{w}: one gap per flipped round");
        assert!(o.tally.flagged_missing <= flips.len() * P.lanes);
    });
}

#[test]
fn a_flipped_payload_bit_is_line_corruption_counted_exactly_by_bip() {
    // No flag is raised (the CRC and BIP see it): W = 64 only.
    widths(1, 0, |w, _, run| {
        let mut rng = ChaCha8Rng::seed_from_u64(400);
        let flips: Vec<Flip> = (0..6)
            .map(|k| Flip {
                tx_lane: rng.gen_range(0..P.lanes),
                take: data_take(&mut rng, 12 + 2 * k),
                bit: rng.gen_range(2..66),
            })
            .collect();
        let o = run(&Faults { flips: flips.clone(), ..Default::default() }, 4, 30_000);
        assert_contract(&format!("{w} payload flips"), &o);
        assert_eq!(o.flipped, flips.len());
        assert_eq!(o.counters.bip_errors, 3 * flips.len() as u32, "{w}: BIP is not 3 bits per line error");
        assert_eq!((o.counters.realigns, o.counters.sync_errors, o.tally.gaps), (0, 0, 0));
        assert_eq!(o.tally.flagged_missing, 0);
        assert!((flips.len()..=2 * flips.len()).contains(&o.tally.line_corrupted), "{w}: {:?}", o.tally);
    });
}

#[test]
fn one_damaged_marker_is_counted_and_keeps_the_link_up() {
    // The link stays up and unflagged: W = 64 only.
    widths(1, 0, |w, _, run| {
        let mut rng = ChaCha8Rng::seed_from_u64(500);
        // Pattern, lane id and BIP fields (line bit = payload bit + 2), one
        // marker in every other period, on every lane, spares included.
        let fields = [(8, 24), (24, 36), (40, 48)];
        let flips: Vec<Flip> = (0..9)
            .map(|k| {
                let (lo, hi) = fields[k % 3];
                Flip {
                    tx_lane: rng.gen_range(0..P.physical_lanes()),
                    take: (12 + 2 * k as u64) * P.marker_period as u64,
                    bit: 2 + rng.gen_range(lo..hi),
                }
            })
            .collect();
        let o = run(&Faults { flips: flips.clone(), ..Default::default() }, 5, 36_000);
        assert_contract(&format!("{w} marker flips"), &o);
        for f in &flips {
            assert!(o.marker_takes.contains(&f.take), "take {} is not a marker round", f.take);
        }
        assert_eq!(o.flipped, flips.len());
        assert_eq!(o.counters.bad_markers, flips.len() as u32, "{w}: bad markers not counted one each");
        assert_eq!(o.counters.realigns, 0, "{w}: one bad marker realigned the link");
        assert_eq!(o.tally.gaps, 0);
    });
}
