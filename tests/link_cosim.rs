//! One link scenario in both simulators: the rust-hdl simulation of the link
//! core and Icarus Verilog running its generated Verilog see the same
//! stimulus (register writes setting up loopback, traffic, a permutation and
//! skew, then a snapshot and counter reads) and must agree on every output,
//! every clock; the counters read at the end are printed and checked too.

mod support;
use mosaic_gateware::link::core::{CoreConfig, LinkCore};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::regmap::RegMap;
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};
use mosaic_sim::harness::Harness;
use rust_hdl::prelude::*;
use support::icarus::icarus;

const P: LinkParams = LinkParams { lanes: 2, spares: 1, osr: 1, marker_period: 8, deskew_depth: 2 };
const CYCLES: usize = 5200;

/// Input order: reset, reg_addr, reg_wdata, reg_read, reg_write, snapshot.
fn stimulus(map: &RegMap) -> (Vec<Vec<u64>>, Vec<(&'static str, usize)>) {
    let a = |n: &str, i: usize| map.get(n).unwrap().addr_of(i).unwrap() as u64;
    let mut ops: Vec<(usize, u64, u64, u64, u64, u64)> = vec![]; // cycle, addr, data, rd, wr, snap
    ops.push((6, a("CTRL", 0), 0b101, 0, 1, 0)); // loopback + traffic
    ops.push((14, a("EMU_SOURCE", 0), 2, 0, 1, 0));
    ops.push((22, a("EMU_SOURCE", 2), 0, 0, 1, 0));
    ops.push((30, a("EMU_DELAY", 1), 23, 0, 1, 0));
    let t = CYCLES - 120;
    ops.push((t, 0, 0, 0, 0, 1));
    let reads = ["GOOD_FRAMES", "BAD_FRAMES", "LOST_FRAMES", "RX_WORDS", "TX_WORDS", "REALIGNS", "UPTIME_BLOCKS"];
    for (k, r) in reads.iter().enumerate() {
        ops.push((t + 8 + 8 * k, a(r, 0), 0, 1, 0, 0));
    }
    for lane in 0..P.physical_lanes() {
        ops.push((t + 70 + 8 * lane, a("LANE_STATUS", lane), 0, 1, 0, 0));
    }
    let mut stim = vec![vec![0u64; 6]; CYCLES];
    for (c, row) in stim.iter_mut().enumerate() {
        row[0] = (c < 3) as u64;
    }
    for (c, addr, data, rd, wr, snap) in ops {
        stim[c] = vec![0, addr, data, rd, wr, snap];
    }
    let inputs = vec![("reset", 1), ("reg_addr", 16), ("reg_wdata", 32), ("reg_read", 1), ("reg_write", 1), ("snapshot", 1)];
    (stim, inputs)
}

#[test]
fn link_core_verilog_matches_rust_simulation() {
    let cfg = CoreConfig::new(P);
    let map = RegMap::new(&P);
    let (stim, inputs) = stimulus(&map);
    let outputs = ["reg_ack", "reg_rdata", "reg_error", "leds", "rx_valid"];

    let mut h = Harness::new(LinkCore::new(&cfg), |u| &mut u.clock);
    let mut rust_rows = vec![];
    for s in &stim {
        h.cycle(|u| {
            u.reset.next = s[0] != 0;
            u.reg_addr.next = s[1].into();
            u.reg_wdata.next = s[2].into();
            u.reg_read.next = s[3] != 0;
            u.reg_write.next = s[4] != 0;
            u.snapshot.next = s[5] != 0;
        });
        let u = &h.uut;
        rust_rows.push(vec![
            u.reg_ack.val() as u64,
            u.reg_rdata.val().to_u64(),
            u.reg_error.val() as u64,
            u.leds.val().to_u64(),
            u.rx_valid.val() as u64,
        ]);
    }
    let verilog = verilog_of(&mut LinkCore::new(&cfg));
    let v_rows = icarus("link_core", &verilog, &inputs, &outputs, &stim, &[]);
    for (c, (r, v)) in rust_rows.iter().zip(&v_rows).enumerate() {
        assert_eq!(r, v, "cycle {c}: rust-hdl {r:?} vs Icarus {v:?} ({outputs:?})");
    }
    let acked: Vec<u64> = rust_rows.iter().filter(|r| r[0] == 1).map(|r| r[1]).collect();
    eprintln!("register reads/acks (both simulators): {acked:?}");
    // The last 7 + P acks are the reads: good frames > 0, no bad, no lost.
    let reads = &acked[acked.len() - 7 - P.physical_lanes()..];
    assert!(reads[0] > 5, "too few good frames: {}", reads[0]);
    assert_eq!((reads[1], reads[2]), (0, 0), "bad/lost frames");
    assert!(rust_rows.iter().any(|r| r[3] & 1 == 1), "link never came up");
}

#[test]
fn link_core_passes_verilator_lint_and_yosys() {
    let cfg = CoreConfig::new(P);
    let verilog = verilog_of(&mut LinkCore::new(&cfg));
    verilator_lint("link_core", &verilog).unwrap();
    let stats = yosys_synth_ice40("link_core", &verilog).unwrap();
    eprintln!("link core 2+1 lanes on iCE40: {stats:?}");
    assert!(stats.luts > 500, "implausibly small: {stats:?}");
}
