//! The BERT image's core ([BertCore]) through its register port, on the
//! direct harness: exact error and bit counts against flips injected on the
//! wire, the emulator's impairments seen on the right lanes only, and the
//! register map of a build without the link.

use mosaic_gateware::bert::core::{BertConfig, BertCore, BERT_FEATURES};
use mosaic_gateware::control::regmap::RegMap;
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::phy::prbs::PrbsPattern;
use mosaic_link::link::{ctrl, word, LinkSim};
use std::cell::RefCell;
use std::rc::Rc;

const OSR: usize = 4;
/// CTRL with `pattern` (and loopback when `looped`).
fn ctrl_prbs(pattern: PrbsPattern, looped: bool) -> u32 {
    word("CTRL", &[("loopback", looped as u32), ("bert_pattern", pattern.code() as u32)])
}

fn lane_status(field: &str) -> u32 {
    word("LANE_STATUS", &[(field, 1)])
}

fn params() -> LinkParams {
    LinkParams { lanes: 3, spares: 1, osr: OSR, ..LinkParams::DEFAULT }
}

fn bert() -> LinkSim<BertCore> {
    let p = params();
    LinkSim::with_core(BertCore::new(&BertConfig::new(p)), p)
}

/// The pins looped back by a wire that the test can break: `flip[k]`
/// inverts lane k's wire while set. Shared with the driver's clock hook.
#[derive(Default)]
struct Wire {
    /// Clocks the wire has carried.
    clocks: usize,
    prev0: bool,
    /// Clock phase (mod OSR) at which lane 0's level last changed.
    edge_phase: Option<usize>,
    flip: Vec<bool>,
}

/// A BERT core with its pins looped back through a [Wire].
fn bert_on_wire() -> (LinkSim<BertCore>, Rc<RefCell<Wire>>) {
    let mut s = bert();
    let lanes = s.params.physical_lanes();
    let wire = Rc::new(RefCell::new(Wire { flip: vec![false; lanes], ..Wire::default() }));
    let w = wire.clone();
    s.each_clock = Some(Box::new(move |u: &mut BertCore| {
        let mut w = w.borrow_mut();
        for k in 0..u.tx_lines.len() {
            u.rx_lines[k].next = u.tx_lines[k].val() ^ w.flip[k];
        }
        let level = u.tx_lines[0].val();
        if level != w.prev0 {
            w.edge_phase = Some(w.clocks % OSR);
        }
        w.prev0 = level;
        w.clocks += 1;
    }));
    (s, wire)
}

fn all_locked(s: &mut LinkSim<BertCore>) -> bool {
    (0..s.params.physical_lanes()).all(|q| s.read_reg("LANE_STATUS", q) & lane_status("prbs_lock") != 0)
}

fn counts(s: &mut LinkSim<BertCore>, name: &str) -> Vec<u32> {
    (0..s.params.physical_lanes()).map(|q| s.read_reg(name, q)).collect()
}

#[test]
fn identity_says_bert_and_the_link_registers_answer_with_errors() {
    let mut s = bert();
    let map = RegMap::new(&params());
    let want = map.feature_bits(&BERT_FEATURES);
    assert_eq!(s.read_reg("FEATURES", 0), want);
    assert_eq!(s.read_reg("PARAM_LANES", 0), 3);
    assert_eq!(s.read_reg("PARAM_OSR", 0), OSR as u32);
    // CTRL keeps loopback and the pattern; bert_enable always reads 1.
    s.write_reg("CTRL", 0, ctrl_prbs(PrbsPattern::Prbs31, true) | ctrl(&["traffic_enable"]));
    assert_eq!(s.read_reg("CTRL", 0), ctrl_prbs(PrbsPattern::Prbs31, true) | ctrl(&["bert_enable"]));
    // Every register of a feature this build lacks is an error, read or write.
    let bert_map = map.clone().with_features(want);
    for r in &map.registers {
        let a = r.addr_of(r.count as usize - 1).unwrap();
        let present = bert_map.get(r.name).is_some();
        assert_eq!(s.read(a).is_ok(), present, "read {}", r.name);
        if !present {
            assert!(s.write(a, 1).is_err(), "write {}", r.name);
        }
    }
    assert!(s.read(0x0FFF).is_err());
}

#[test]
fn every_flip_on_the_wire_is_counted_and_bits_come_in_whole_words() {
    let (mut s, wire) = bert_on_wire();
    let lanes = s.params.physical_lanes();
    s.write_reg("CTRL", 0, ctrl_prbs(PrbsPattern::Prbs31, false));
    s.run(1000 * OSR as u64);
    assert!(all_locked(&mut s), "lanes not PRBS-locked after 1000 bits");
    assert!(s.h.uut.leds.val().get_bit(0), "LED 0: all locked");
    for q in 0..lanes {
        assert_ne!(s.read_reg("LANE_STATUS", q) & lane_status("bit_lock"), 0, "lane {q} bit lock");
    }
    let edge_phase = wire.borrow().edge_phase.expect("lane 0 never toggled");

    // Bits: one per OSR clocks between two snapshots `span` apart, counted
    // in whole 32-bit words (the shared checker takes a lane's word at its
    // slot, so the two snapshots bound a whole number of words).
    let span = 2000 * OSR as u64;
    let first = s.h.cycles();
    s.snapshot();
    let before = counts(&mut s, "LANE_BITS");
    let so_far = s.h.cycles() - first;
    s.run(span - so_far);
    s.snapshot();
    let after = counts(&mut s, "LANE_BITS");
    for q in 0..lanes {
        let counted = (after[q] - before[q]) as i64;
        assert_eq!(counted % 32, 0, "lane {q}: {counted} bits, not whole words");
        assert!((counted - (span / OSR as u64) as i64).abs() <= 32, "lane {q}: {counted} bits in {span} clocks");
    }
    assert_eq!(counts(&mut s, "LANE_PRBS_ERRORS"), vec![0; lanes], "clean wire");

    // Flips: one whole line bit each, 100 bits apart, 20 on lane 1 and 5 on
    // lane 3; the locked checker runs on its own, so each is one error.
    s.write_reg("CLEAR", 0, 1);
    let mut flips = vec![0u32; lanes];
    let schedule: Vec<usize> = std::iter::repeat_n(1, 20).chain(std::iter::repeat_n(3, 5)).collect();
    for lane in schedule {
        while wire.borrow().clocks % OSR != edge_phase {
            s.run(1);
        }
        wire.borrow_mut().flip[lane] = true;
        s.run(OSR as u64);
        wire.borrow_mut().flip[lane] = false;
        flips[lane] += 1;
        s.run(100 * OSR as u64);
    }
    s.run(64 * OSR as u64);
    s.snapshot();
    let errors = counts(&mut s, "LANE_PRBS_ERRORS");
    assert_eq!(errors, flips);
    assert!(all_locked(&mut s), "isolated flips must not unlock a checker");
    assert!(s.h.uut.leds.val().get_bit(2), "LED 2: errors seen");
    // CLEAR zeroes them, and a CTRL write restarts the checkers.
    s.write_reg("CLEAR", 0, 1);
    s.snapshot();
    assert_eq!(counts(&mut s, "LANE_PRBS_ERRORS"), vec![0; lanes]);
    assert!(!s.h.uut.leds.val().get_bit(2), "LED 2 after CLEAR");
}

#[test]
fn the_emulator_impairs_only_the_lanes_it_is_told_to() {
    let mut s = bert();
    let lanes = s.params.physical_lanes();
    // Internal loopback, PRBS7; lane 2 dead, lane 0 at a bit error rate of 2^-7.
    s.write_reg("CTRL", 0, ctrl(&["loopback"]));
    s.write_reg("EMU_CTRL", 2, word("EMU_CTRL", &[("stuck", 1)]));
    s.write_reg("EMU_ERROR_RATE", 0, 1 << 25);
    s.run(600 * OSR as u64);
    s.write_reg("CLEAR", 0, 1);
    s.run(3000 * OSR as u64);
    s.snapshot();
    let status = counts(&mut s, "LANE_STATUS");
    let errors = counts(&mut s, "LANE_PRBS_ERRORS");
    let bits = counts(&mut s, "LANE_BITS");
    eprintln!("status {status:x?} errors {errors:?} bits {bits:?}");
    assert_eq!(status.len(), lanes);
    for (q, st) in status.iter().enumerate() {
        let locked = st & lane_status("prbs_lock") != 0;
        assert_eq!(locked, q != 2, "lane {q} lock");
    }
    assert_eq!((errors[1], errors[3]), (0, 0), "clean lanes");
    assert_eq!((errors[2], bits[2]), (0, 0), "a dead lane checks nothing");
    // ~3000 bits at 2^-7: 23 flips expected.
    assert!((8..=50).contains(&errors[0]), "lane 0: {} errors", errors[0]);
    assert!(bits[0] >= 2900, "lane 0 bits {}", bits[0]);
    let leds = s.h.uut.leds.val();
    assert!(!leds.get_bit(0) && leds.get_bit(1) && leds.get_bit(2), "LEDs {leds:?}");
    // The lane comes back when revived.
    s.write_reg("EMU_CTRL", 2, 0);
    s.run(600 * OSR as u64);
    assert_ne!(s.read_reg("LANE_STATUS", 2) & lane_status("prbs_lock"), 0, "lane 2 revived");
}

#[test]
fn bert_core_verilog_lints() {
    let v = mosaic_gateware::verilog::verilog_of(&mut BertCore::new(&BertConfig::new(params())));
    mosaic_gateware::verilog::verilator_lint("bert_core", &v).unwrap();
}

/// One BERT scenario in both simulators: rust-hdl's simulation of the core
/// and Verilator running its generated Verilog get the same register script
/// (internal loopback, skew, noise, a dead and an inverted lane, CLEAR, a
/// pattern change) and must read the same values, read for read.
#[test]
fn rust_hdl_and_verilator_agree_on_every_bert_register() {
    use mosaic_sim::verilator::{run_rust, Event, Op, VerilatorModel};
    let p = params();
    let map = RegMap::new(&p);
    let a = |n: &str, i: usize| map.get(n).unwrap().addr_of(i).unwrap();
    let lanes = p.physical_lanes();
    let mut ops = vec![
        Op::Write { addr: a("CTRL", 0), value: ctrl_prbs(PrbsPattern::Prbs15, true) },
        Op::Write { addr: a("EMU_DELAY", 1), value: 7 },
        Op::Write { addr: a("EMU_ERROR_RATE", 0), value: 1 << 24 },
        Op::Write { addr: a("EMU_CTRL", 2), value: word("EMU_CTRL", &[("stuck", 1)]) },
        Op::Write { addr: a("EMU_CTRL", 3), value: word("EMU_CTRL", &[("invert", 1)]) }, // never locks
        Op::WaitLeds { bit: 1, level: true, max: 20_000 },
    ];
    let reads = |ops: &mut Vec<Op>| {
        ops.push(Op::Snapshot);
        for lane in 0..lanes {
            for r in ["LANE_STATUS", "LANE_PRBS_ERRORS", "LANE_BITS"] {
                ops.push(Op::Read { addr: a(r, lane) });
            }
        }
        ops.push(Op::Read { addr: a("UPTIME_BLOCKS", 0) });
    };
    ops.push(Op::Run(12_000));
    reads(&mut ops);
    ops.extend([
        Op::Write { addr: a("CLEAR", 0), value: 1 },
        Op::Write { addr: a("EMU_ERROR_RATE", 0), value: 0 },
        Op::Write { addr: a("EMU_CTRL", 2), value: 0 },
        Op::Run(8_000),
    ]);
    reads(&mut ops);
    ops.extend([Op::Write { addr: a("CTRL", 0), value: ctrl_prbs(PrbsPattern::Prbs7, true) }, Op::Run(4_000)]);
    reads(&mut ops);
    ops.push(Op::Read { addr: map.get("LINK_STATUS").unwrap().addr });

    let rust = run_rust(BertCore::new(&BertConfig::new(p)), &ops);
    let verilog = mosaic_gateware::verilog::verilog_of(&mut BertCore::new(&BertConfig::new(p)));
    let model = VerilatorModel::build("bert_3_1", &verilog).expect("verilator build");
    let vl = model.run(&ops).expect("verilator run");
    assert_eq!(rust.events, vl.events, "rust-hdl and Verilator differ");
    // The last read (a link register) is an error in both.
    assert!(matches!(rust.events.last(), Some(Event::Read { value: Err(()), .. })));
    // Not vacuous: per read block, 4 lanes x (status, errors, bits) + uptime.
    let r: Vec<u32> = rust
        .events
        .iter()
        .filter_map(|e| if let Event::Read { value: Ok(v), .. } = e { Some(*v) } else { None })
        .collect();
    let block = |k: usize| &r[k * 13..k * 13 + 13];
    let (first, second, third) = (block(0), block(1), block(2));
    assert!(first[1] > 0 && first[2] > 2000, "noisy lane 0: {first:?}");
    assert!(first[4] == 0 && first[5] > 2900, "lane 1 clean ({first:?})");
    assert_eq!((first[7], first[8]), (0, 0), "dead lane 2 checks nothing");
    assert_eq!(first[9] & lane_status("prbs_lock"), 0, "inverted lane 3 never locks");
    assert_eq!(second[1], 0, "cleared and quiet: {second:?}");
    assert_ne!(second[6] & lane_status("prbs_lock"), 0, "lane 2 revived: {second:?}");
    assert!(third[2] > 0 && third[2] < second[2], "CTRL restarted the counters: {third:?}");
    assert_eq!(r.len(), 3 * 13);
}

/// MOSAIC's 100 channels: the core of the ULX3S's 98+2 BERT image, all in
/// internal loopback, run by rust-hdl and by Verilator on its generated
/// Verilog with one register script. Every clean lane locks and counts no
/// error; the impairments land on their own lanes only (noise on lane 0 and
/// on the last spare, lane 57 dead, lane 98 inverted); both simulators read
/// the same 302 values.
#[test]
fn hundred_channels_lock_and_count_in_rust_hdl_and_verilator_alike() {
    use mosaic_sim::verilator::{run_rust, Event, Op, VerilatorModel};
    let p = LinkParams { lanes: 98, spares: 2, osr: OSR, ..LinkParams::DEFAULT };
    let map = RegMap::new(&p);
    let a = |n: &str, i: usize| map.get(n).unwrap().addr_of(i).unwrap();
    let lanes = p.physical_lanes();
    assert_eq!(lanes, 100);
    let (noisy, dead, inverted) = ([0, 99], 57, 98);
    let mut ops = vec![
        Op::Write { addr: a("CTRL", 0), value: ctrl_prbs(PrbsPattern::Prbs31, true) },
        Op::Write { addr: a("EMU_ERROR_RATE", noisy[0]), value: 1 << 26 }, // 1 bit in 64
        Op::Write { addr: a("EMU_ERROR_RATE", noisy[1]), value: 1 << 24 }, // 1 in 256
        Op::Write { addr: a("EMU_CTRL", dead), value: word("EMU_CTRL", &[("stuck", 1)]) },
        Op::Write { addr: a("EMU_CTRL", inverted), value: word("EMU_CTRL", &[("invert", 1)]) },
        Op::Run(3_000),
        Op::Write { addr: a("CLEAR", 0), value: 1 },
        Op::Run(6_000),
        Op::Snapshot,
    ];
    for lane in 0..lanes {
        for r in ["LANE_STATUS", "LANE_PRBS_ERRORS", "LANE_BITS"] {
            ops.push(Op::Read { addr: a(r, lane) });
        }
    }
    ops.push(Op::Read { addr: a("PARAM_LANES", 0) });
    ops.push(Op::Read { addr: a("PARAM_SPARES", 0) });

    let t = std::time::Instant::now();
    let rust = run_rust(BertCore::new(&BertConfig::new(p)), &ops);
    let rust_secs = t.elapsed().as_secs_f64();
    let verilog = mosaic_gateware::verilog::verilog_of(&mut BertCore::new(&BertConfig::new(p)));
    let t = std::time::Instant::now();
    let model = VerilatorModel::build("bert_98_2", &verilog).expect("verilator build");
    let build_secs = t.elapsed().as_secs_f64();
    let vl = model.run(&ops).expect("verilator run");
    println!("rust-hdl {rust_secs:.1} s; Verilator build {build_secs:.1} s, run {:.0} clocks/s", vl.clocks_per_sec());
    assert_eq!(rust.events, vl.events, "rust-hdl and Verilator differ");

    let r: Vec<u32> = rust
        .events
        .iter()
        .filter_map(|e| if let Event::Read { value: Ok(v), .. } = e { Some(*v) } else { None })
        .collect();
    assert_eq!(r.len(), 3 * lanes + 2, "every read answered");
    let (status, errors, bits) = (|q: usize| r[3 * q], |q: usize| r[3 * q + 1], |q: usize| r[3 * q + 2]);
    let clean: Vec<usize> = (0..lanes).filter(|q| !noisy.contains(q) && *q != dead && *q != inverted).collect();
    assert_eq!(clean.len(), 96);
    // 6000 clocks after CLEAR at OSR 4: ~1500 line bits a lane, counted in
    // whole 32-bit words, the same on every clean lane to within a word.
    let min_bits = clean.iter().map(|&q| bits(q)).min().unwrap();
    for &q in &clean {
        assert_ne!(status(q) & lane_status("prbs_lock"), 0, "lane {q} locked");
        assert_eq!(errors(q), 0, "lane {q} clean");
        assert!(bits(q) % 32 == 0 && bits(q) - min_bits <= 32, "lane {q}: {} bits", bits(q));
    }
    assert!((1300..=1600).contains(&min_bits), "{min_bits} bits a lane");
    for q in noisy {
        assert!(errors(q) > 0 && bits(q) >= min_bits - 64, "noisy lane {q}: {} errors in {} bits", errors(q), bits(q));
    }
    assert!(errors(0) > errors(99), "lane 0 is 4x noisier than lane 99");
    assert_eq!((errors(dead), bits(dead)), (0, 0), "dead lane 57 checks nothing");
    assert_eq!(status(dead) & lane_status("prbs_lock"), 0);
    assert_eq!(status(inverted) & lane_status("prbs_lock"), 0, "inverted lane 98 never locks");
    assert_eq!((r[3 * lanes], r[3 * lanes + 1]), (98, 2), "PARAM_LANES, PARAM_SPARES");
}
