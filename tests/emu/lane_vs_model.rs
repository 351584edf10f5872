//! The gateware channel emulator ([EmuLane]) against the software channel
//! model ([LaneChannel]): the same delay / stuck / invert settings give the
//! same RX samples, sample for sample; with errors on, the emulator's
//! counter equals the flipped bits seen on its output.

use mosaic_gateware::emu::lane::EmuLane;
use mosaic_sim::channel::{LaneChannel, LaneImpairments};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

fn cycle(uut: &mut EmuLane) {
    mosaic_gateware::sim_clock::cycle(uut, |u| &mut u.clock);
}

/// A TX-like line: random bits, each held `osr` samples.
fn line(bits: usize, osr: usize, seed: u64) -> Vec<bool> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..bits).flat_map(|_| std::iter::repeat_n(rng.gen::<bool>(), osr)).collect()
}

/// The emulator's output, read after the clock edge that takes each input
/// sample (the model's `step` convention).
fn emulate(osr: usize, imp: &LaneImpairments, rate: u32, input: &[bool]) -> (Vec<bool>, u64) {
    let mut uut = EmuLane::new(64, osr, 3);
    uut.connect_all();
    uut.cfg_delay.next = (imp.delay_bits as u64).into();
    uut.cfg_error_rate.next = (rate as u64).into();
    uut.cfg_stuck.next = imp.stuck.is_some();
    uut.cfg_stuck_value.next = imp.stuck.unwrap_or(false);
    uut.cfg_invert.next = imp.invert;
    uut.reset.next = true;
    cycle(&mut uut);
    uut.reset.next = false;
    let out = input
        .iter()
        .map(|&s| {
            uut.line_in.next = s;
            cycle(&mut uut);
            uut.line_out.val()
        })
        .collect();
    let count: u64 = uut.errors_injected.val().into();
    (out, count)
}

#[test]
fn emulator_equals_channel_model_sample_for_sample() {
    let mut cases = 0;
    for osr in [1usize, 2, 3, 4] {
        let input = line(400, osr, 10 + osr as u64);
        for (delay_bits, stuck, invert) in [
            (0, None, false),
            (1, None, false),
            (7, None, true),
            (64, None, false),
            (5, Some(true), false),
            (0, Some(false), true),
        ] {
            let imp = LaneImpairments { delay_bits, stuck, invert, ..Default::default() };
            let mut model = LaneChannel::new(osr, imp.clone(), 0).unwrap();
            let want: Vec<bool> = input.iter().map(|&s| model.step(s)).collect();
            let (got, count) = emulate(osr, &imp, 0, &input);
            assert_eq!(got, want, "osr {osr}, {imp:?}");
            assert_eq!(count, 0);
            cases += 1;
        }
    }
    assert_eq!(cases, 24);
}

#[test]
fn injected_error_count_equals_flips_seen() {
    for (osr, delay_bits) in [(1usize, 0usize), (3, 9)] {
        let input = line(5000, osr, 77);
        let imp = LaneImpairments { delay_bits, ..Default::default() };
        let mut model = LaneChannel::new(osr, imp.clone(), 0).unwrap();
        let clean: Vec<bool> = input.iter().map(|&s| model.step(s)).collect();
        // Rate 2^-5: ~156 flips expected in 5000 bits.
        let (got, count) = emulate(osr, &imp, 1 << 27, &input);
        let mut flips = 0u64;
        for (b, (g, c)) in got.chunks(osr).zip(clean.chunks(osr)).enumerate() {
            let wrong = g.iter().zip(c).filter(|(x, y)| x != y).count();
            assert!(wrong == 0 || wrong == osr, "bit {b}: {wrong} of {osr} samples flipped");
            flips += (wrong == osr) as u64;
        }
        assert_eq!(count, flips);
        assert!((90..=230).contains(&flips), "{flips} flips at osr {osr}");
    }
}
