//! The traffic generator and checker at every CRC step width B (8, 16, 32,
//! 64 bits per clock) against the B = 64 block and an independent software
//! model of the frame format (CRC-32 from the `crc` crate over the words'
//! little-endian bytes, not the gateware's row masks).
//!
//! - generator: the same words bit for bit for every B, under random
//!   back-pressure, holding each word until it is taken, and exactly one
//!   frame every 7 x 64 / B + 1 clocks when never held up;
//! - checker: the same words / good / bad / lost counts as the model (and
//!   so as B = 64) on streams with flipped bits and dropped words, delivered
//!   a round of N words at a time on consecutive clocks, as the receiver
//!   delivers them, at the most lanes each B is chosen for;
//! - Verilator lint, yosys `synth_ice40` and `synth_ecp5` of each B: it synthesizes, the
//!   checker's FIFO is block RAM, narrower is smaller on iCE40, and B = 8
//!   saves over a quarter of B = 64 on both;
//! - the checker's FIFO alone: what a burst past its depth keeps, and its timing.

use mosaic_gateware::link::crc32::STEP_BITS;
use mosaic_gateware::link::traffic::{
    TrafficCheck, TrafficGen, FRAME_MAGIC, FRAME_WORDS, PAYLOAD_LFSR_SEED, PAYLOAD_LFSR_TAPS,
};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5, yosys_synth_ice40};
use mosaic_sim::harness::Harness;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The frame format in plain software, written from the table in
/// `link/traffic.rs`.
mod model {
    use super::*;

    const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

    /// The first `frames` frames the generator sends, word by word.
    pub fn frames(frames: u32) -> Vec<u64> {
        let mut lfsr = PAYLOAD_LFSR_SEED;
        let mut out = vec![];
        for seq in 0..frames {
            let mut frame = vec![(FRAME_MAGIC << 32) | seq as u64];
            for _ in 1..FRAME_WORDS - 1 {
                frame.push(lfsr);
                lfsr = if lfsr & 1 != 0 { (lfsr >> 1) ^ PAYLOAD_LFSR_TAPS } else { lfsr >> 1 };
            }
            let bytes: Vec<u8> = frame.iter().flat_map(|w| w.to_le_bytes()).collect();
            frame.push(((seq as u64) << 32) | CRC32.checksum(&bytes) as u64);
            out.extend(frame);
        }
        out
    }

    /// (words, good, bad, lost) of a checker that hunts for a header, takes
    /// the frame's 8 words, and checks the trailer's sequence and CRC.
    pub fn check(words: &[u64]) -> Counts {
        let mut c = Counts { words: words.len() as u32, ..Counts::default() };
        let (mut expected, mut synced) = (0u32, false);
        let mut i = 0;
        while i < words.len() {
            if words[i] >> 32 != FRAME_MAGIC {
                i += 1;
                continue;
            }
            let Some(frame) = words.get(i..i + FRAME_WORDS as usize) else { break };
            i += FRAME_WORDS as usize;
            let seq = frame[0] as u32;
            let bytes: Vec<u8> = frame[..7].iter().flat_map(|w| w.to_le_bytes()).collect();
            let trailer = frame[7];
            if trailer >> 32 == seq as u64 && trailer as u32 == CRC32.checksum(&bytes) {
                let gap = seq.wrapping_sub(expected);
                if synced && gap != 0 && gap < 1 << 31 {
                    c.lost = c.lost.saturating_add(gap);
                }
                c.good += 1;
                expected = seq.wrapping_add(1);
                synced = true;
            } else {
                c.bad += 1;
                if synced {
                    expected = expected.wrapping_add(1);
                }
            }
        }
        c
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    words: u32,
    good: u32,
    bad: u32,
    lost: u32,
}

fn reset_gen(b: usize) -> Harness<TrafficGen> {
    let mut h = Harness::new(TrafficGen::new(b), |u| &mut u.clock);
    h.cycle(|u| {
        u.reset.next = true;
        u.cfg_enable.next = true;
    });
    h
}

/// The generator's first `n` words, with `ready` high with probability
/// `p_ready` each clock; checks that an offered word is held until taken.
fn gen_words(b: usize, n: usize, p_ready: f64, seed: u64) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut h = reset_gen(b);
    let mut out = vec![];
    let mut offered: Option<u64> = None;
    while out.len() < n {
        let ready = rng.gen_bool(p_ready);
        let (valid, data) = (h.uut.stream.valid.val(), h.uut.stream.data.val().to_u64());
        if let Some(w) = offered {
            assert!(valid && data == w, "B = {b}: word {} withdrawn or changed before it was taken", out.len());
        }
        offered = None;
        if valid {
            if ready {
                out.push(data);
            } else {
                offered = Some(data);
            }
        }
        h.cycle(|u| {
            u.reset.next = false;
            u.stream.ready.next = ready;
        });
        assert!(h.cycles() < 100 * n as u64, "B = {b}: only {} words", out.len());
    }
    assert_eq!(h.uut.words.val().to_u64() as usize, n, "B = {b}: words taken");
    out
}

#[test]
fn generator_words_equal_the_model_for_every_width_under_back_pressure() {
    let want = model::frames(6);
    for (k, p_ready) in [1.0, 0.5, 0.1].into_iter().enumerate() {
        let wide = gen_words(64, want.len(), p_ready, 7 + k as u64);
        assert_eq!(wide, want, "B = 64, ready {p_ready}: not the model's frames");
        for b in [8, 16, 32] {
            assert_eq!(gen_words(b, want.len(), p_ready, 100 * b as u64 + k as u64), wide, "B = {b}, ready {p_ready}");
        }
    }
}

#[test]
fn generator_sends_a_frame_every_7_steps_of_64_over_b_plus_one_clocks() {
    for b in STEP_BITS {
        let frame_clocks = 7 * (64 / b) + 1;
        let mut h = reset_gen(b);
        let mut words = 0;
        for clock in 1..=3 * frame_clocks {
            words += (h.uut.stream.valid.val()) as usize;
            h.cycle(|u| {
                u.reset.next = false;
                u.stream.ready.next = true;
            });
            if clock == 3 * frame_clocks - 1 {
                assert_eq!(words, 23, "B = {b}: words one clock before 3 frames");
            }
        }
        assert_eq!((words, h.uut.words.val().to_u64()), (24, 24), "B = {b}: 3 frames in {} clocks", 3 * frame_clocks);
    }
}

/// The most lanes (at OSR 1) for which the link chooses B, so the checker
/// sees the longest bursts its rate allows.
fn most_lanes_for(b: usize) -> usize {
    let p = |lanes| LinkParams { lanes, spares: 0, osr: 1, ..LinkParams::DEFAULT };
    (1..=64).filter(|&n| p(n).traffic_step_bits() == b).max().expect("some lanes")
}

/// Feeds `words` to a checker of width B as the receiver would: up to N
/// words on consecutive clocks at the start of each round of 66 x OSR
/// clocks; returns its counters once it has drained.
fn check_hw(b: usize, lanes: usize, osr: usize, words: &[u64]) -> Counts {
    let p = LinkParams { lanes, spares: 0, osr, ..LinkParams::DEFAULT };
    let mut h = Harness::new(TrafficCheck::for_link(&p), |u| &mut u.clock);
    assert_eq!(p.traffic_step_bits(), b, "{lanes} lanes at OSR {osr}");
    h.cycle(|u| u.reset.next = true);
    h.cycle(|u| u.reset.next = false);
    let round = 66 * osr;
    for chunk in words.chunks(lanes) {
        for t in 0..round {
            h.cycle(|u| {
                u.stream.valid.next = t < chunk.len();
                u.stream.data.next = chunk.get(t).copied().unwrap_or(0).into();
            });
        }
    }
    let u = &h.uut;
    Counts {
        words: u.words.val().to_u64() as u32,
        good: u.good_frames.val().to_u64() as u32,
        bad: u.bad_frames.val().to_u64() as u32,
        lost: u.lost_frames.val().to_u64() as u32,
    }
}

/// Every width at its longest bursts, and at 4 lanes, OSR 3 (the iCEBreaker's image).
fn check_every_width(words: &[u64]) -> Counts {
    let want = model::check(words);
    for b in STEP_BITS {
        let lanes = most_lanes_for(b);
        assert_eq!(check_hw(b, lanes, 1, words), want, "B = {b}, {lanes} lanes at OSR 1");
    }
    assert_eq!(check_hw(8, 4, 3, words), want, "B = 8, 4 lanes at OSR 3");
    want
}

#[test]
fn checker_counts_flipped_and_dropped_words_exactly_at_every_width() {
    let mut words = model::frames(40);
    let w = |frame: usize, word: usize| frame * FRAME_WORDS as usize + word;
    words[w(3, 2)] ^= 1 << 17; // payload: a CRC error, bad
    words[w(10, 0)] ^= 1 << 40; // header magic: not seen, frame 10 lost
    words[w(17, 7)] ^= 1; // trailer CRC: bad
    words.remove(w(25, 4)); // frame 25 takes 26's header as its trailer: bad, 26 lost
    words.drain(w(20, 0)..w(21, 0)); // a whole frame: lost
    let got = check_every_width(&words);
    assert_eq!(got, Counts { words: 311, good: 34, bad: 3, lost: 3 });
}

#[test]
fn checker_agrees_with_the_model_on_random_damage_at_every_width() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    for round in 0..3 {
        let mut words = vec![];
        for w in model::frames(50) {
            match rng.gen_range(0..100) {
                0..=1 => {}                                           // dropped
                2..=3 => words.push(w ^ (1 << rng.gen_range(0..64))), // one bit flipped
                4 => words.extend([w, rng.gen()]),                    // a stray word after it
                _ => words.push(w),
            }
        }
        let got = check_every_width(&words);
        assert!(got.good > 10 && got.bad + got.lost > 0, "round {round}: {got:?} does not test much");
    }
}

#[test]
fn every_width_lints_and_synthesizes_smaller_with_its_fifo_in_block_ram() {
    let mut rows = vec![];
    for b in STEP_BITS {
        let gen = verilog_of(&mut TrafficGen::new(b));
        let check = verilog_of(&mut TrafficCheck::new(b, 256));
        verilator_lint(&format!("traffic_gen_{b}"), &gen).unwrap_or_else(|e| panic!("B = {b}: {e}"));
        verilator_lint(&format!("traffic_check_{b}"), &check).unwrap_or_else(|e| panic!("B = {b}: {e}"));
        let ice = [
            yosys_synth_ice40(&format!("traffic_gen_{b}"), &gen),
            yosys_synth_ice40(&format!("traffic_check_{b}"), &check),
        ]
        .map(|s| s.unwrap_or_else(|e| panic!("B = {b}: {e}")));
        let ecp = [
            yosys_synth_ecp5(&format!("traffic_gen_{b}"), &gen),
            yosys_synth_ecp5(&format!("traffic_check_{b}"), &check),
        ]
        .map(|s| s.unwrap_or_else(|e| panic!("B = {b}: {e}")));
        eprintln!(
            "B = {b:>2}: iCE40 gen {} + check {} = {} LUT4 ({} + {} FF, {} EBR); ECP5 gen {} + check {} = {} LUT4 ({} DP16KD, {} LUT-RAM)",
            ice[0].luts,
            ice[1].luts,
            ice[0].luts + ice[1].luts,
            ice[0].ffs,
            ice[1].ffs,
            ice[1].brams,
            ecp[0].luts,
            ecp[1].luts,
            ecp[0].luts + ecp[1].luts,
            ecp[1].brams,
            ecp[1].lutrams
        );
        // The FIFO (B < 64 only) is the 256 x 64 RAM: 4 EBR on iCE40, 2 DP16KD on ECP5.
        let (ebr, dp16) = if b < 64 { (4, 2) } else { (0, 0) };
        assert_eq!((ice[1].brams, ecp[1].brams, ecp[1].lutrams), (ebr, dp16, 0), "B = {b}: checker RAM");
        assert_eq!((ice[0].brams, ecp[0].brams), (0, 0), "B = {b}: generator RAM");
        rows.push((b, ice[0].luts + ice[1].luts, ecp[0].luts + ecp[1].luts));
    }
    // iCE40: each halving of B saves LUT4s. ECP5's mapping is less regular
    // (B = 32 measured above B = 64), so only the narrowest is held to it.
    for pair in rows.windows(2) {
        let ((b0, i0, _), (b1, i1, _)) = (pair[0], pair[1]);
        assert!(i0 < i1, "iCE40: B = {b0} ({i0} LUT4) is not smaller than B = {b1} ({i1})");
    }
    let ((_, i8, e8), (_, i64, e64)) = (rows[0], rows[3]);
    assert!(
        4 * i8 < 3 * i64 && 4 * e8 < 3 * e64,
        "B = 8 ({i8} / {e8} LUT4) saves less than a quarter of B = 64 ({i64} / {e64})"
    );
}

/// The checker's FIFO alone: a burst beyond its depth keeps the first
/// `depth` words, which then leave one per clock, in order.
#[test]
fn word_fifo_keeps_the_first_depth_words_and_pops_one_per_clock() {
    use mosaic_gateware::link::word_fifo::WordFifo;
    let mut h = Harness::new(WordFifo::new(4), |u| &mut u.clock);
    h.cycle(|u| u.reset.next = true);
    for w in 1..=6u64 {
        h.cycle(|u| {
            u.reset.next = false;
            u.push.valid.next = true;
            u.push.data.next = (w * 0x0101_0101_0101_0101).into();
        });
    }
    h.cycle(|u| u.push.valid.next = false);
    let mut out = vec![];
    for clock in 0..8 {
        let (valid, data) = (h.uut.pop.valid.val(), h.uut.pop.data.val().to_u64());
        if valid {
            out.push((clock, data / 0x0101_0101_0101_0101));
        }
        h.cycle(|u| u.pop.ready.next = true);
    }
    assert_eq!(out, [(0, 1), (1, 2), (2, 3), (3, 4)], "words kept, in order, one per clock");
    // A word pushed into the empty FIFO shows the clock after the next.
    h.cycle(|u| {
        u.push.valid.next = true;
        u.push.data.next = 7u64.into();
    });
    assert!(!h.uut.pop.valid.val(), "shown before the RAM could read it");
    h.cycle(|u| u.push.valid.next = false);
    assert_eq!((h.uut.pop.valid.val(), h.uut.pop.data.val().to_u64()), (true, 7));
}
