//! Lane TX: its line, decoded by the software block model, gives back the
//! blocks fed in (OSR 1, 2, 3, 8); PRBS mode sends the model's PRBS.

use mosaic_gateware::phy::lane_tx::LaneTx;
use mosaic_gateware::phy::prbs::PrbsPattern;
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};
use mosaic_sim::harness;
use mosaic_sim::harness::Harness;
use mosaic_sim::models::{bits_from_samples, decode_blocks, find_bit_phase, find_block_alignment, PrbsModel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn reset(h: &mut Harness<LaneTx>, prbs: Option<PrbsPattern>) {
    h.cycle(|u| {
        u.reset.next = true;
        u.block_data.next = 0.into();
        u.block_ctrl.next = false;
        u.cfg_prbs_enable.next = prbs.is_some();
        u.cfg_prbs_pattern.next = (prbs.map_or(0, |p| p.code()) as u64).into();
    });
}

/// Runs `clocks` clocks feeding `blocks` in order; returns the line samples
/// and the clock indices (since reset release) of the takes.
fn run_blocks(h: &mut Harness<LaneTx>, blocks: &[(bool, u64)], clocks: usize) -> (Vec<bool>, Vec<usize>) {
    let mut line = Vec::with_capacity(clocks);
    let mut takes = vec![];
    let mut k = 0;
    for t in 0..clocks {
        let (c, d) = blocks[k.min(blocks.len() - 1)];
        let take = h.uut.block_take.val();
        h.cycle(|u| {
            u.reset.next = false;
            u.block_ctrl.next = c;
            u.block_data.next = d.into();
        });
        if take {
            takes.push(t);
            k += 1;
        }
        line.push(h.uut.tx_line.val());
    }
    (line, takes)
}

#[test]
fn line_decodes_to_the_blocks_fed_in() {
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    for osr in [1, 2, 3, 8] {
        let n_blocks = 30;
        let blocks: Vec<(bool, u64)> = (0..n_blocks).map(|_| (rng.gen_bool(0.3), rng.gen())).collect();
        let mut h = harness!(LaneTx::new(osr));
        reset(&mut h, None);
        let (line, takes) = run_blocks(&mut h, &blocks, (n_blocks + 1) * 66 * osr);
        // Takes: first within 66 * OSR clocks, then exactly every 66 * OSR.
        assert_eq!(takes[0], 2 * osr - 1, "osr {osr}: the first take comes two line bits after release");
        assert!(takes.windows(2).all(|w| w[1] - w[0] == 66 * osr), "osr {osr}: {takes:?}");
        // Every line bit is held OSR clocks.
        let phase = find_bit_phase(&line, osr).unwrap_or(0);
        let bits = bits_from_samples(&line, osr, phase);
        let offset = find_block_alignment(&bits, n_blocks - 1).expect("aligned blocks");
        // The decoder starts with zero history like the scrambler after
        // reset, so even the first block must decode exactly.
        let got = decode_blocks(&bits, offset);
        assert!(got.len() >= n_blocks - 1, "osr {osr}: {} blocks", got.len());
        for (i, g) in got.iter().enumerate() {
            assert!(g.sync_ok);
            assert_eq!((g.ctrl, g.data), blocks[i], "osr {osr}: block {i}");
        }
        // The first block's first line bit starts OSR clocks after its take.
        let first_bit_clock = phase + (offset * osr);
        assert_eq!(first_bit_clock, takes[0] + osr, "osr {osr}");
    }
}

#[test]
fn lanes_released_together_stay_in_lockstep() {
    let osr = 3;
    let mut a = harness!(LaneTx::new(osr));
    let mut b = harness!(LaneTx::new(osr));
    // Different histories before the common reset.
    a.run(17, |u, _| u.reset.next = false);
    b.run(5, |u, _| u.reset.next = false);
    reset(&mut a, None);
    reset(&mut b, Some(PrbsPattern::Prbs15));
    for _ in 0..3 * 66 * osr {
        a.cycle(|u| u.reset.next = false);
        b.cycle(|u| u.reset.next = false);
        assert_eq!(a.uut.block_take.val(), b.uut.block_take.val());
    }
}

#[test]
fn prbs_mode_sends_the_model_sequence() {
    for osr in [1, 3] {
        for p in PrbsPattern::ALL {
            let mut h = harness!(LaneTx::new(osr));
            reset(&mut h, Some(p));
            let (line, takes) = run_blocks(&mut h, &[(true, u64::MAX)], 700 * osr);
            assert!(takes.len() >= 700 / 66, "block timing keeps running in PRBS mode");
            let phase = find_bit_phase(&line, osr).unwrap_or(0);
            let bits = bits_from_samples(&line, osr, phase);
            // Zeros until the generator's first bit (a 1: its lock-up guard).
            let start = bits.iter().position(|&b| b).expect("PRBS starts");
            assert!(start <= 1, "{}: PRBS starts at line bit {start}", p.name());
            assert!(
                bits_from_samples(&line, osr, osr - 1)[0],
                "{}: first PRBS bit one line bit after release",
                p.name()
            );
            let seq = &bits[start..];
            let n = p.degree();
            let model: Vec<bool> = PrbsModel::continuing(p, &seq[..n]).take(seq.len() - n).collect();
            assert_eq!(&seq[n..], &model[..], "osr {osr} {}", p.name());
            assert!(seq.len() > 600);
        }
    }
}

#[test]
#[should_panic(expected = "osr must be in 1..=8, not 9")]
fn bad_osr_is_rejected() {
    let _ = LaneTx::new(9);
}

#[test]
fn lane_tx_is_synthesizable() {
    let v = verilog_of(&mut LaneTx::new(4));
    verilator_lint("lane_tx", &v).unwrap();
    let s = yosys_synth_ice40("lane_tx", &v).unwrap();
    assert!(s.ffs >= 64 + 58 + 31, "{s:?}");
    eprintln!("LaneTx(osr 4) on iCE40: {s:?}");
}
