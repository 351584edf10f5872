//! One link scenario in both simulators: rust-hdl's simulation of the link
//! core and Verilator running the core's generated Verilog get the same
//! register-port script (loopback + traffic, a permutation, skew and noise
//! from the channel emulator, a dead lane moved to a spare by auto
//! failover) and must report identical counters, read for read. The ECP5
//! emulator (LUT RAM delay lines and register copy) runs the same script in
//! both simulators and must match the iCE40 one (flip-flops) read for read.

use mosaic_gateware::control::regmap::RegMap;
use mosaic_gateware::emu::style::EmuStyle;
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
    // The emulator's registers read back as written (the LUT RAM style reads
    // a copy of them).
    for (r, lane) in [("EMU_SOURCE", 0), ("EMU_SOURCE", 1), ("EMU_DELAY", 1), ("EMU_ERROR_RATE", 1), ("EMU_CTRL", 1)] {
        ops.push(Op::Read { addr: a(r, lane) });
    }
    ops
}

/// The emulator's register reads at the end of [script]: sources of lanes
/// 0 and 1, then lane 1's delay, error rate and control.
fn emu_reads(map: &RegMap) -> Vec<u32> {
    vec![2, 1, 23, 0, map.word("EMU_CTRL", &[("stuck", 1)])]
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
    assert_eq!(r[r.len() - 5..], emu_reads(&map)[..], "emulator registers");
}

#[test]
fn the_lut_ram_emulator_matches_the_register_one_in_both_simulators() {
    let map = RegMap::new(&P);
    let ops = script(&map);
    let regs = run_rust(LinkCore::new(&CoreConfig::new(P)), &ops);
    let cfg = CoreConfig { emu_style: EmuStyle::LutRam, ..CoreConfig::new(P) };
    let rust = run_rust(LinkCore::new(&cfg), &ops);
    let verilog = verilog_of(&mut LinkCore::new(&cfg));
    let model = VerilatorModel::build("link_2_1_lut_ram", &verilog).expect("verilator build");
    let vl = model.run(&ops).expect("verilator run");
    assert_eq!(rust.waits(), vl.waits(), "LUT RAM style: link-up times differ between the simulators");
    assert_eq!(rust.reads(), vl.reads(), "LUT RAM style: counters differ between the simulators");
    assert_eq!(rust.waits(), regs.waits(), "the LUT RAM and register emulators bring the link up at different times");
    assert_eq!(rust.reads(), regs.reads(), "the LUT RAM and register emulators give different counters");
    let r = rust.reads();
    assert_eq!(r[r.len() - 5..], emu_reads(&map)[..], "emulator registers");
    assert_eq!(r[6], 1, "one failover");
}
