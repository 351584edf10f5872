//! One link scenario in both simulators: rust-hdl's simulation of the link
//! core and Verilator running the core's generated Verilog get the same
//! register-port script (loopback + traffic, a permutation, skew and noise
//! from the channel emulator, a dead lane moved to a spare by auto
//! failover) and must report identical counters, read for read.

use mosaic_gateware::control::regmap::RegMap;
use mosaic_gateware::link::core::{CoreConfig, LinkCore};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::verilog::verilog_of;
use mosaic_sim::verilator::{run_rust, Op, VerilatorModel};

const P: LinkParams = LinkParams { lanes: 2, spares: 1, osr: 1, marker_period: 8, deskew_depth: 2 };

fn script(map: &RegMap) -> Vec<Op> {
    let a = |n: &str, i: usize| map.get(n).unwrap().addr_of(i).unwrap();
    let mut ops = vec![
        Op::Write { addr: a("EMU_SOURCE", 0), value: 2 },
        Op::Write { addr: a("EMU_SOURCE", 2), value: 0 },
        Op::Write { addr: a("EMU_DELAY", 1), value: 23 },
        Op::Write {
            addr: a("CTRL", 0),
            value: map.word("CTRL", &[("loopback", 1), ("auto_failover", 1), ("traffic_enable", 1)]),
        },
        Op::WaitLeds { bit: 0, level: true, max: 20_000 },
        Op::Run(66 * 30),
        Op::Write { addr: a("EMU_ERROR_RATE", 1), value: 1 << 22 },
        Op::Run(66 * 20),
        Op::Write { addr: a("EMU_ERROR_RATE", 1), value: 0 },
        Op::Write { addr: a("EMU_CTRL", 1), value: map.word("EMU_CTRL", &[("stuck", 1)]) }, // kill physical RX lane 1
        Op::Run(66 * 300),
        Op::Snapshot,
    ];
    for r in
        ["GOOD_FRAMES", "BAD_FRAMES", "LOST_FRAMES", "RX_WORDS", "TX_WORDS", "REALIGNS", "FAILOVERS", "UPTIME_BLOCKS"]
    {
        ops.push(Op::Read { addr: a(r, 0) });
    }
    for lane in 0..P.physical_lanes() {
        for r in ["LANE_STATUS", "LANE_SYNC_ERRORS", "LANE_BIP_ERRORS", "LANE_LOCK_LOSSES"] {
            ops.push(Op::Read { addr: a(r, lane) });
        }
    }
    ops.push(Op::Read { addr: a("TX_MAP", 1) });
    ops
}

#[test]
fn rust_hdl_and_verilator_agree_on_every_counter() {
    let cfg = CoreConfig::new(P);
    let map = RegMap::new(&P);
    let ops = script(&map);
    let rust = run_rust(LinkCore::new(&cfg), &ops);
    let verilog = verilog_of(&mut LinkCore::new(&cfg));
    let model = VerilatorModel::build("link_2_1", &verilog).expect("verilator build");
    let vl = model.run(&ops).expect("verilator run");
    eprintln!("rust-hdl reads:  {:?}", rust.reads());
    eprintln!("verilator reads: {:?}", vl.reads());
    assert_eq!(rust.waits(), vl.waits(), "link-up times differ");
    assert_eq!(rust.reads(), vl.reads(), "counters differ");
    // The scenario is not vacuous: traffic flowed, errors were seen, the dead
    // lane was spared.
    let r = rust.reads();
    assert!(r[0] > 20, "good frames {}", r[0]);
    assert!(r[1] > 0, "the noise made no bad frames");
    assert_eq!(r[6], 1, "one failover");
    assert!(rust.waits()[0].is_some(), "link never came up");
}
