//! The generated link core simulates in Icarus Verilog (the simulator under
//! cocotb): link-up and traffic at 2 + 1 lanes, and every counter read the
//! same as Verilator running the same Verilog. (Icarus looped forever at
//! link-up while cross-module ports were assigned default-then-override in
//! `always @(*)` blocks; see DeskewLane.)

use mosaic_gateware::control::regmap::RegMap;
use mosaic_gateware::link::core::{CoreConfig, LinkCore};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::verilog::verilog_of;
use mosaic_sim::icarus::run_icarus;
use mosaic_sim::verilator::{Op, VerilatorModel};

const P: LinkParams = LinkParams { lanes: 2, spares: 1, osr: 1, marker_period: 8, deskew_depth: 2 };

#[test]
fn icarus_links_up_carries_traffic_and_counts_as_verilator() {
    let map = RegMap::new(&P);
    let a = |n: &str, i: usize| map.get(n).unwrap().addr_of(i).unwrap();
    let mut ops = vec![
        Op::Write { addr: a("EMU_DELAY", 1), value: 23 },
        Op::Write { addr: a("CTRL", 0), value: map.word("CTRL", &[("loopback", 1), ("traffic_enable", 1)]) },
        Op::WaitLeds { bit: 0, level: true, max: 20_000 },
        Op::Run(66 * 40),
        Op::Snapshot,
    ];
    let counters = ["GOOD_FRAMES", "BAD_FRAMES", "LOST_FRAMES", "RX_WORDS", "TX_WORDS", "REALIGNS", "RX_GAPS"];
    for r in counters {
        ops.push(Op::Read { addr: a(r, 0) });
    }
    for lane in 0..P.physical_lanes() {
        ops.push(Op::Read { addr: a("LANE_STATUS", lane) });
    }
    let verilog = verilog_of(&mut LinkCore::new(&CoreConfig::new(P)));
    let icarus = run_icarus("link_2_1", &verilog, &ops).expect("icarus run");
    let model = VerilatorModel::build("link_2_1_icarus", &verilog).expect("verilator build");
    let vl = model.run(&ops).expect("verilator run");
    eprintln!("icarus: {} clocks in {:?}; reads {:?}", icarus.cycles, icarus.elapsed, icarus.reads());
    eprintln!("verilator reads {:?}", vl.reads());
    assert_eq!(icarus.waits(), vl.waits(), "link-up times differ");
    assert_eq!(icarus.reads(), vl.reads(), "counters differ");
    let r = icarus.reads();
    assert!(icarus.waits()[0].is_some(), "the link did not come up in Icarus");
    assert!(r[0] >= 5, "too few good frames: {}", r[0]);
    assert_eq!((r[1], r[2], r[5], r[6]), (0, 0, 0, 0), "bad/lost frames, realigns or gaps on a clean loop");
}
