//! PRBS generator and checker gateware against the software models.

use mosaic_gateware::phy::prbs::{PrbsCheck, PrbsGen, PrbsPattern, PRBS_LOCK_GOOD};
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};
use mosaic_sim::harness;
use mosaic_sim::harness::Harness;
use mosaic_sim::models::{PrbsCheckerModel, PrbsModel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn reset_gen(h: &mut Harness<PrbsGen>, p: PrbsPattern) {
    h.cycle(|u| {
        u.reset.next = true;
        u.enable.next = false;
        u.cfg_pattern.next = (p.code() as u64).into();
    });
    h.cycle(|u| u.reset.next = false);
}

/// `n` generator bits, with enable gaps drawn from `rng`.
fn gen_bits(h: &mut Harness<PrbsGen>, n: usize, rng: &mut ChaCha8Rng) -> Vec<bool> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let en = rng.gen_bool(0.7);
        let bit = h.uut.prbs_out.val();
        h.cycle(|u| u.enable.next = en);
        if en {
            out.push(bit);
        }
        // Without enable the output holds.
        if !en {
            assert_eq!(h.uut.prbs_out.val(), bit);
        }
    }
    out
}

#[test]
fn generator_matches_model_for_all_patterns() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for p in PrbsPattern::ALL {
        let mut h = harness!(PrbsGen::new());
        reset_gen(&mut h, p);
        let bits = gen_bits(&mut h, 700, &mut rng);
        // From reset (all-zero history) the lock-up guard feeds a 1 first.
        assert!(bits[0], "{}: first bit after reset", p.name());
        let n = p.degree();
        let model: Vec<bool> = PrbsModel::continuing(p, &bits[..n]).take(700 - n).collect();
        assert_eq!(&bits[n..], &model[..], "{} differs from the model", p.name());
        let mut check = PrbsCheckerModel::new(p);
        bits.iter().for_each(|&b| {
            check.check(b);
        });
        assert_eq!(check.errors, 0);
        // A wrong pattern's checker disagrees (the test can fail).
        let other = PrbsPattern::ALL[(p.code() as usize + 1) % 5];
        let mut wrong = PrbsCheckerModel::new(other);
        bits.iter().for_each(|&b| {
            wrong.check(b);
        });
        assert!(wrong.errors > 100, "{} vs {}", p.name(), other.name());
    }
}

#[test]
fn generator_switches_pattern_at_run_time_without_lock_up() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut h = harness!(PrbsGen::new());
    reset_gen(&mut h, PrbsPattern::Prbs31);
    for round in 0..20 {
        let p = PrbsPattern::ALL[rng.gen_range(0..5)];
        h.cycle(|u| u.cfg_pattern.next = (p.code() as u64).into());
        let bits = gen_bits(&mut h, 300, &mut rng);
        // At most a 31-bit all-zero transient, then the pattern.
        let settle = 31 + p.degree();
        let mut check = PrbsCheckerModel::new(p);
        bits[settle - p.degree()..].iter().for_each(|&b| {
            check.check(b);
        });
        assert_eq!(check.errors, 0, "round {round}: {}", p.name());
        assert!(bits[settle..].iter().any(|&b| b) && bits[settle..].iter().any(|&b| !b));
    }
}

struct Checker {
    h: Harness<PrbsCheck>,
}

impl Checker {
    fn new(p: PrbsPattern) -> Self {
        let mut h = harness!(PrbsCheck::new());
        h.cycle(|u| {
            u.reset.next = true;
            u.enable.next = false;
            u.freeze.next = false;
            u.clear.next = false;
            u.cfg_pattern.next = (p.code() as u64).into();
        });
        h.cycle(|u| u.reset.next = false);
        Self { h }
    }
    fn feed(&mut self, bit: bool) -> bool {
        self.h.cycle(|u| {
            u.enable.next = true;
            u.data_in.next = bit;
        });
        self.h.cycle(|u| u.enable.next = false);
        self.h.uut.lock.val()
    }
    fn errors(&self) -> u64 {
        self.h.uut.errors.val().to_u64()
    }
    fn bits(&self) -> u64 {
        self.h.uut.bits.val().to_u64()
    }
}

#[test]
fn checker_single_error_counts_exactly_one_for_all_patterns() {
    for p in PrbsPattern::ALL {
        let mut c = Checker::new(p);
        let mut src = PrbsModel::new(p);
        let mut fed_locked = 0u64;
        let mut locked_at = None;
        for i in 0..400u64 {
            let mut bit = src.next_bit();
            if i == 300 {
                bit = !bit;
            }
            let was_locked = c.h.uut.lock.val();
            fed_locked += was_locked as u64;
            if c.feed(bit) && locked_at.is_none() {
                locked_at = Some(i);
            }
            if i == 299 {
                assert_eq!(c.errors(), 0, "{}: no error before the injection", p.name());
            }
        }
        let locked_at = locked_at.expect("locks");
        // Lock after n bits of history plus PRBS_LOCK_GOOD good predictions.
        assert_eq!(locked_at, p.degree() as u64 + PRBS_LOCK_GOOD - 1, "{}", p.name());
        assert!(c.h.uut.lock.val(), "{}: one error keeps the lock", p.name());
        assert_eq!(c.errors(), 1, "{}: one flipped bit = 1 error (a locked checker runs on its own)", p.name());
        assert_eq!(c.bits(), fed_locked, "{}", p.name());
    }
}

#[test]
fn locked_checker_counts_every_flipped_bit_once_against_the_reference() {
    // The reference is the generator model's own continuation: every
    // received bit that differs from it is one error, adjacent flips included.
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    for p in PrbsPattern::ALL {
        let mut c = Checker::new(p);
        let mut src = PrbsModel::new(p);
        // Lock first.
        for _ in 0..200 {
            c.feed(src.next_bit());
        }
        assert!(c.h.uut.lock.val());
        let mut injected = 0;
        let before = c.errors();
        let mut i = 0;
        while i < 2000 {
            let mut bit = src.next_bit();
            // Errors far enough apart that the lock holds (< 16 per 64);
            // a third of them come as a pair of adjacent bits.
            if rng.gen_bool(0.02) {
                bit = !bit;
                injected += 1;
                c.feed(bit);
                i += 1;
                if rng.gen_bool(0.33) {
                    c.feed(!src.next_bit());
                    injected += 1;
                    i += 1;
                }
                continue;
            }
            c.feed(bit);
            i += 1;
        }
        assert!(injected > 20, "{injected}");
        assert!(c.h.uut.lock.val());
        assert_eq!(c.errors() - before, injected, "{}", p.name());
    }
}

#[test]
fn stuck_inputs_never_lock_and_garbage_unlocks() {
    for p in PrbsPattern::ALL {
        for level in [false, true] {
            let mut c = Checker::new(p);
            for _ in 0..300 {
                assert!(!c.feed(level), "{}: stuck at {level} must not lock", p.name());
            }
            assert_eq!((c.errors(), c.bits()), (0, 0));
        }
        let mut c = Checker::new(p);
        let mut src = PrbsModel::new(p);
        for _ in 0..200 {
            c.feed(src.next_bit());
        }
        assert!(c.h.uut.lock.val());
        // A dead lane (stuck at 0) mispredicts every one of the pattern and
        // drops the lock within two error windows.
        let mut lost = None;
        for i in 0..128 {
            if !c.feed(false) && lost.is_none() {
                lost = Some(i);
            }
        }
        assert!(lost.is_some(), "{}: stuck-at-0 unlocks", p.name());
        // Random bits unlock a relocked checker within a window.
        for _ in 0..200 {
            c.feed(src.next_bit());
        }
        assert!(c.h.uut.lock.val());
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        let mut lost = false;
        for _ in 0..128 {
            lost |= !c.feed(rng.gen());
        }
        assert!(lost, "{}: random data unlocks within two windows", p.name());
    }
}

#[test]
fn checker_freeze_holds_and_clear_zeroes() {
    let p = PrbsPattern::Prbs9;
    let mut c = Checker::new(p);
    let mut src = PrbsModel::new(p);
    for _ in 0..200 {
        c.feed(src.next_bit());
    }
    let b0 = c.bits();
    assert!(b0 > 0);
    c.h.cycle(|u| u.freeze.next = true);
    for i in 0..50 {
        let bit = src.next_bit() ^ (i == 10);
        c.feed(bit);
    }
    assert_eq!((c.bits(), c.errors()), (b0, 0), "frozen counters hold");
    c.h.cycle(|u| u.freeze.next = false);
    for _ in 0..50 {
        c.feed(src.next_bit());
    }
    assert_eq!(c.bits(), b0 + 50);
    c.h.cycle(|u| u.clear.next = true);
    c.h.cycle(|u| u.clear.next = false);
    assert_eq!((c.bits(), c.errors()), (0, 0));
    assert!(c.h.uut.lock.val(), "clear keeps the lock");
}

#[test]
fn prbs_blocks_are_synthesizable() {
    let v = verilog_of(&mut PrbsGen::new());
    verilator_lint("prbs_gen", &v).unwrap();
    let s = yosys_synth_ice40("prbs_gen", &v).unwrap();
    assert!(s.ffs >= 31, "{s:?}");
    let v = verilog_of(&mut PrbsCheck::new());
    verilator_lint("prbs_check", &v).unwrap();
    let s = yosys_synth_ice40("prbs_check", &v).unwrap();
    assert!(s.ffs >= 31 + 64, "{s:?}");
    eprintln!("PrbsCheck on iCE40: {s:?}");
}
