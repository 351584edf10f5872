//! Where the full link's logic goes: each block synthesized on its own with
//! yosys `synth_ice40` (flattened), and the link parts at two lane counts so
//! that the per-lane and the fixed cost can be told apart.
//!
//! `cargo run --release -p mosaic-gateware --example area_blocks` (needs
//! yosys; a few minutes). Figures go into README.md, "Boards".

use mosaic_gateware::bert::core::{BertConfig, BertCore};
use mosaic_gateware::control::bridge::Bridge;
use mosaic_gateware::emu::channel::ChannelEmu;
use mosaic_gateware::link::core::{CoreConfig, LinkCore};
use mosaic_gateware::link::crc32::STEP_BITS;
use mosaic_gateware::link::link_rx::LinkRx;
use mosaic_gateware::link::link_tx::LinkTx;
use mosaic_gateware::link::traffic::{TrafficCheck, TrafficGen};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::phy::lane_rx::LaneRx;
use mosaic_gateware::phy::lane_tx::LaneTx;
use mosaic_gateware::toolchain::YosysStats;
use mosaic_gateware::verilog::{verilog_of, yosys_synth_ice40};

fn synth(name: &str, verilog: String) -> YosysStats {
    let s = yosys_synth_ice40(&format!("area_{}", name.replace([' ', ','], "_")), &verilog).unwrap_or_else(|e| {
        eprintln!("area_blocks: {e}");
        std::process::exit(1)
    });
    println!("{name:<28} {:>6} LUT4 {:>6} FF {:>3} BRAM", s.luts, s.ffs, s.brams);
    s
}

/// Prints the per-physical-lane and fixed parts of a block measured with
/// 2 and 4 physical lanes.
fn split(name: &str, small: &YosysStats, large: &YosysStats) {
    let lut = (large.luts as f64 - small.luts as f64) / 2.0;
    let ff = (large.ffs as f64 - small.ffs as f64) / 2.0;
    println!(
        "{name:<28} per lane {lut:>6.0} LUT4 {ff:>6.0} FF; fixed {:>6.0} LUT4 {:>6.0} FF",
        small.luts as f64 - 2.0 * lut,
        small.ffs as f64 - 2.0 * ff
    );
}

fn main() {
    let p2 = LinkParams { lanes: 1, spares: 1, osr: 4, marker_period: 64, deskew_depth: 4 };
    let p4 = LinkParams { lanes: 3, spares: 1, ..p2 };
    println!("== blocks (OSR 4)");
    synth("lane receiver", verilog_of(&mut LaneRx::new(4)));
    synth("lane transmitter", verilog_of(&mut LaneTx::new(4)));
    for b in STEP_BITS {
        synth(&format!("traffic generator B{b}"), verilog_of(&mut TrafficGen::new(b)));
        synth(&format!("traffic checker B{b}"), verilog_of(&mut TrafficCheck::new(b, 256)));
    }
    synth("UART bridge", verilog_of(&mut Bridge::new(434)));
    println!("== link parts at 2 and 4 physical lanes");
    type Part = (&'static str, fn(&LinkParams) -> String);
    let parts: [Part; 5] = [
        ("link TX", |p| verilog_of(&mut LinkTx::new(p, 1))),
        ("link RX", |p| verilog_of(&mut LinkRx::new(p))),
        ("channel emulator", |p| {
            verilog_of(&mut ChannelEmu::new(&mosaic_gateware::control::regmap::RegMap::new(p), 127))
        }),
        ("link core (all)", |p| verilog_of(&mut LinkCore::new(&CoreConfig::new(*p)))),
        ("BERT core", |p| verilog_of(&mut BertCore::new(&BertConfig::new(*p)))),
    ];
    let mut rows = vec![];
    for (name, gen) in parts {
        let small = synth(&format!("{name}, 2 lanes"), gen(&p2));
        let large = synth(&format!("{name}, 4 lanes"), gen(&p4));
        rows.push((name, small, large));
    }
    println!("== per lane and fixed");
    for (name, small, large) in &rows {
        split(name, small, large);
    }
}
