//! The generated Verilog behaves like the rust-hdl simulation: LaneTx (with
//! its scrambler, PRBS generator and LFSR cores) and PrbsCheck run in
//! Icarus Verilog on the same stimulus give the same outputs every clock.

use mosaic_gateware::phy::lane_tx::LaneTx;
use mosaic_gateware::phy::prbs::{PrbsCheck, PrbsPattern};
use mosaic_gateware::verilog::verilog_of;
use mosaic_link::icarus::{defined, icarus};
use mosaic_sim::harness;
use mosaic_sim::models::PrbsModel;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn lane_tx_verilog_matches_rust_simulation() {
    let osr = 2;
    let mut rng = ChaCha8Rng::seed_from_u64(81);
    // reset, block_data, block_ctrl, cfg_prbs_enable, cfg_prbs_pattern
    let mut stim = vec![];
    stim.push(vec![1, 0, 0, 0, 0]);
    for _ in 0..1500 {
        stim.push(vec![0, rng.gen(), rng.gen_bool(0.3) as u64, 0, 0]);
    }
    for p in PrbsPattern::ALL {
        stim.push(vec![1, 0, 0, 1, p.code() as u64]);
        for _ in 0..300 {
            stim.push(vec![0, rng.gen(), 0, 1, p.code() as u64]);
        }
    }
    let mut h = harness!(LaneTx::new(osr));
    let mut rust = vec![];
    for s in &stim {
        h.cycle(|u| {
            u.reset.next = s[0] == 1;
            u.block_data.next = s[1].into();
            u.block_ctrl.next = s[2] == 1;
            u.cfg_prbs_enable.next = s[3] == 1;
            u.cfg_prbs_pattern.next = s[4].into();
        });
        rust.push(vec![h.uut.tx_line.val() as u64, h.uut.block_take.val() as u64]);
    }
    let v = verilog_of(&mut LaneTx::new(osr));
    let inputs = [("reset", 1), ("block_data", 64), ("block_ctrl", 1), ("cfg_prbs_enable", 1), ("cfg_prbs_pattern", 3)];
    let ver = defined(icarus("lane_tx", &v, &inputs, &["tx_line", "block_take"], &stim, &[]));
    // The line is busy (the comparison can fail).
    assert!(rust.iter().filter(|r| r[0] == 1).count() > 1000);
    for (t, (r, v)) in rust.iter().zip(&ver).enumerate() {
        assert_eq!(r, v, "clock {t}: rust-hdl (tx_line, block_take) vs Verilog");
    }
}

#[test]
fn prbs_check_verilog_matches_rust_simulation() {
    let mut rng = ChaCha8Rng::seed_from_u64(82);
    // reset, enable, data_in, cfg_pattern, freeze, clear
    let mut stim = vec![];
    for p in PrbsPattern::ALL {
        stim.push(vec![1, 0, 0, p.code() as u64, 0, 0]);
        let mut src = PrbsModel::new(p);
        for i in 0..400 {
            let en = rng.gen_bool(0.8);
            let bit = if en { src.next_bit() ^ rng.gen_bool(0.01) } else { rng.gen() };
            let bit = if (300..330).contains(&i) { rng.gen() } else { bit };
            stim.push(vec![0, en as u64, bit as u64, p.code() as u64, (i % 97 < 5) as u64, (i == 350) as u64]);
        }
    }
    let mut h = harness!(PrbsCheck::new());
    let mut rust = vec![];
    for s in &stim {
        h.cycle(|u| {
            u.reset.next = s[0] == 1;
            u.enable.next = s[1] == 1;
            u.data_in.next = s[2] == 1;
            u.cfg_pattern.next = s[3].into();
            u.freeze.next = s[4] == 1;
            u.clear.next = s[5] == 1;
        });
        let u = &h.uut;
        rust.push(vec![u.lock.val() as u64, u.errors.val().to_u64(), u.bits.val().to_u64()]);
    }
    let v = verilog_of(&mut PrbsCheck::new());
    let inputs = [("reset", 1), ("enable", 1), ("data_in", 1), ("cfg_pattern", 3), ("freeze", 1), ("clear", 1)];
    let ver = defined(icarus("prbs_check", &v, &inputs, &["lock", "errors", "bits"], &stim, &[]));
    assert!(rust.iter().any(|r| r[0] == 1) && rust.iter().any(|r| r[1] > 0));
    for (t, (r, v)) in rust.iter().zip(&ver).enumerate() {
        assert_eq!(r, v, "clock {t}: rust-hdl (lock, errors, bits) vs Verilog");
    }
}

#[test]
fn prbs_check_counters_saturate() {
    // 2^32 bits cannot be simulated; preload both counters near the top in
    // the Verilog simulation, then count on.
    let p = PrbsPattern::Prbs7;
    let mut src = PrbsModel::new(p);
    // reset, enable, data_in, cfg_pattern, freeze, clear
    let mut stim = vec![vec![1, 0, 0, p.code() as u64, 0, 0]];
    for i in 0..400 {
        let flip = i == 250 || i == 300 || i == 350;
        stim.push(vec![0, 1, (src.next_bit() ^ flip) as u64, p.code() as u64, 0, 0]);
    }
    let v = verilog_of(&mut PrbsCheck::new());
    let inputs = [("reset", 1), ("enable", 1), ("data_in", 1), ("cfg_pattern", 3), ("freeze", 1), ("clear", 1)];
    let preload = "dut.err_count.q = 32'hFFFFFFFD; dut.bit_count.q = 32'hFFFFFF80;";
    let ver =
        defined(icarus("prbs_check_saturate", &v, &inputs, &["lock", "errors", "bits"], &stim, &[(200, preload)]));
    assert_eq!(ver[199][0], 1, "locked before the preload");
    assert!(ver[199][2] > 100, "counting before the preload");
    assert_eq!(ver[200][1], 0xFFFF_FFFD, "preloaded");
    // Three flipped bits = 3 errors: 0xFFFFFFFD + 3 saturates at 0xFFFFFFFF.
    let errors: Vec<u64> = ver[200..].iter().map(|r| r[1]).collect();
    assert!(errors.windows(2).all(|w| w[1] >= w[0]), "never wraps");
    assert_eq!(*errors.last().unwrap(), 0xFFFF_FFFF);
    assert!(errors.contains(&0xFFFF_FFFE), "counted up to the top");
    let bits: Vec<u64> = ver[200..].iter().map(|r| r[2]).collect();
    assert!(bits.windows(2).all(|w| w[1] >= w[0]), "never wraps");
    assert_eq!(*bits.last().unwrap(), 0xFFFF_FFFF);
}
