//! Payload scrambler and descrambler gateware against the software models.

use mosaic_gateware::phy::scrambler::{Descrambler, Scrambler};
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};
use mosaic_sim::harness;
use mosaic_sim::models::{DescramblerModel, ScramblerModel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Gateware output bits for `bits` through `$block`, with random enable gaps
/// (idle clocks carry junk inputs, which must not disturb the state).
macro_rules! gateware_out {
    ($block:expr, $bits:expr, $rng:expr) => {{
        let mut h = harness!($block);
        h.cycle(|u| u.reset.next = true);
        h.cycle(|u| u.reset.next = false);
        let mut out = Vec::with_capacity($bits.len());
        for &b in $bits.iter() {
            while !$rng.gen_bool(0.6) {
                let junk: bool = $rng.gen();
                h.cycle(|u| {
                    u.enable.next = false;
                    u.data_in.next = junk;
                });
            }
            // data_out is combinational: present the bit, settle, read it,
            // then clock it in.
            h.uut.data_in.next = b;
            h.uut.enable.next = true;
            assert!(rust_hdl::prelude::simulate(&mut h.uut, 100));
            out.push(h.uut.data_out.val());
            h.cycle(|_| {});
        }
        out
    }};
}

#[test]
fn scrambler_and_descrambler_match_models() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let data: Vec<bool> = (0..1500).map(|_| rng.gen()).collect();
    let line = gateware_out!(Scrambler::new(), data, rng);
    let mut m = ScramblerModel::new();
    let expect: Vec<bool> = data.iter().map(|&d| m.bit(d)).collect();
    assert_eq!(line, expect, "gateware scrambler vs model");
    assert_ne!(line, data);

    let back = gateware_out!(Descrambler::new(), line, rng);
    assert_eq!(back, data, "gateware descrambler undoes the scrambler");
    let mut d = DescramblerModel::new();
    let model_back: Vec<bool> = line.iter().map(|&r| d.bit(r)).collect();
    assert_eq!(back, model_back);
}

#[test]
fn descrambler_self_syncs_and_one_error_gives_three() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let data: Vec<bool> = (0..600).map(|_| rng.gen()).collect();
    let mut m = ScramblerModel::new();
    let mut line: Vec<bool> = data.iter().map(|&d| m.bit(d)).collect();
    line[400] ^= true;
    // Join mid-stream (after 100 bits): right after 58 bits of history.
    let back = gateware_out!(Descrambler::new(), line[100..], rng);
    let wrong: Vec<usize> = (58..back.len()).filter(|&i| back[i] != data[100 + i]).map(|i| 100 + i).collect();
    assert_eq!(wrong, vec![400, 439, 458]);
}

#[test]
fn scramblers_are_synthesizable() {
    let v = verilog_of(&mut Scrambler::new());
    verilator_lint("scrambler", &v).unwrap();
    let s = yosys_synth_ice40("scrambler", &v).unwrap();
    assert!(s.ffs >= 58, "{s:?}");
    let v = verilog_of(&mut Descrambler::new());
    verilator_lint("descrambler", &v).unwrap();
    let s = yosys_synth_ice40("descrambler", &v).unwrap();
    assert!(s.ffs >= 58, "{s:?}");
}
