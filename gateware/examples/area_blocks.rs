//! Where the full link's logic goes: each block synthesized on its own with
//! yosys `synth_ice40` (flattened), and the link parts at two lane counts so
//! that the per-lane and the fixed cost can be told apart.
//!
//! `cargo run --release -p mosaic-gateware --example area_blocks -- [--ecp5]
//! [--lanes A B] [--part NAME]` (needs yosys; a few minutes at the default 2
//! and 4 physical lanes on iCE40). `--part` synthesizes only the link part
//! whose name contains NAME (e.g. `--part emulator`), skipping the single
//! blocks. Figures go into README.md, "Boards".

use mosaic_gateware::bert::core::{BertConfig, BertCore};
use mosaic_gateware::boards::Family;
use mosaic_gateware::control::bridge::Bridge;
use mosaic_gateware::emu::channel::ChannelEmu;
use mosaic_gateware::emu::style::EmuStyle;
use mosaic_gateware::link::core::{CoreConfig, LinkCore};
use mosaic_gateware::link::crc32::STEP_BITS;
use mosaic_gateware::link::link_rx::LinkRx;
use mosaic_gateware::link::link_tx::LinkTx;
use mosaic_gateware::link::traffic::{TrafficCheck, TrafficGen};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::phy::lane_rx::LaneRx;
use mosaic_gateware::phy::lane_tx::LaneTx;
use mosaic_gateware::toolchain::YosysStats;
use mosaic_gateware::verilog::{verilog_of, yosys_synth_ecp5, yosys_synth_ice40};

/// `--ecp5`: synthesize for ECP5 instead of iCE40.
fn ecp5() -> bool {
    std::env::args().any(|a| a == "--ecp5")
}

/// The emulator style a board of the family synthesized for would build.
fn family_style() -> EmuStyle {
    if ecp5() { Family::Ecp5 } else { Family::Ice40 }.emu_style()
}

fn emulator(p: &LinkParams, style: EmuStyle) -> String {
    verilog_of(&mut ChannelEmu::new(&mosaic_gateware::control::regmap::RegMap::new(p), 127, style))
}

fn synth(name: &str, verilog: String) -> YosysStats {
    let tag = format!("area_{}", name.replace([' ', ','], "_"));
    let run = if ecp5() { yosys_synth_ecp5(&tag, &verilog) } else { yosys_synth_ice40(&tag, &verilog) };
    let s = run.unwrap_or_else(|e| {
        eprintln!("area_blocks: {e}");
        std::process::exit(1)
    });
    println!("{name:<40} {:>6} LUT4 {:>6} FF {:>3} BRAM {:>4} LUTRAM", s.luts, s.ffs, s.brams, s.lutrams);
    s
}

/// Prints the per-physical-lane and fixed parts of a block measured with
/// `a` and `b` physical lanes.
fn split(name: &str, (a, b): (usize, usize), small: &YosysStats, large: &YosysStats) {
    let d = (b - a) as f64;
    let lut = (large.luts as f64 - small.luts as f64) / d;
    let ff = (large.ffs as f64 - small.ffs as f64) / d;
    // LUT RAM (TRELLIS_DPR16X4, 16 x 4 bits) is not in the LUT4 count; a
    // cell occupies 3 slices (6 LUT4 sites), so count it when comparing.
    let ram = (large.lutrams as f64 - small.lutrams as f64) / d;
    println!(
        "{name:<40} per lane {lut:>6.0} LUT4 {ff:>6.0} FF {ram:>5.1} LUTRAM; fixed {:>6.0} LUT4 {:>6.0} FF {:>4.0} LUTRAM",
        small.luts as f64 - a as f64 * lut,
        small.ffs as f64 - a as f64 * ff,
        small.lutrams as f64 - a as f64 * ram
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let lanes = match args.iter().position(|a| a == "--lanes") {
        Some(i) => {
            let n = |k: usize| args.get(i + k).and_then(|s| s.parse::<usize>().ok()).filter(|&n| n >= 2);
            match (n(1), n(2)) {
                (Some(a), Some(b)) if b > a => (a, b),
                _ => {
                    eprintln!("area_blocks: --lanes takes two physical lane counts A < B, each at least 2");
                    std::process::exit(2)
                }
            }
        }
        None => (2, 4),
    };
    let part = args.iter().position(|a| a == "--part").map(|i| match args.get(i + 1) {
        Some(name) => name.clone(),
        None => {
            eprintln!("area_blocks: --part takes a name, e.g. --part emulator");
            std::process::exit(2)
        }
    });
    // One spare in each; the physical lane counts are the ones asked.
    let p2 = LinkParams { lanes: lanes.0 - 1, spares: 1, osr: 4, marker_period: 64, deskew_depth: 4 };
    let p4 = LinkParams { lanes: lanes.1 - 1, ..p2 };
    println!("== blocks (OSR 4, {})", if ecp5() { "ECP5" } else { "iCE40" });
    if part.is_none() {
        synth("lane receiver", verilog_of(&mut LaneRx::new(4)));
        synth("lane transmitter", verilog_of(&mut LaneTx::new(4)));
        for b in STEP_BITS {
            synth(&format!("traffic generator B{b}"), verilog_of(&mut TrafficGen::new(b)));
            synth(&format!("traffic checker B{b}"), verilog_of(&mut TrafficCheck::new(b, 256)));
        }
        synth("UART bridge", verilog_of(&mut Bridge::new(434)));
    }
    println!("== link parts at {} and {} physical lanes", lanes.0, lanes.1);
    type Part = (&'static str, fn(&LinkParams) -> String);
    // Both emulator styles (each family builds one); the cores with the
    // style of the family synthesized for.
    let parts: [Part; 6] = [
        ("link TX", |p| verilog_of(&mut LinkTx::new(p, 1))),
        ("link RX", |p| verilog_of(&mut LinkRx::new(p))),
        ("channel emulator, registers", |p| emulator(p, EmuStyle::Registers)),
        ("channel emulator, LUT RAM", |p| emulator(p, EmuStyle::LutRam)),
        ("link core (all)", |p| {
            verilog_of(&mut LinkCore::new(&CoreConfig { emu_style: family_style(), ..CoreConfig::new(*p) }))
        }),
        ("BERT core", |p| {
            verilog_of(&mut BertCore::new(&BertConfig { emu_style: family_style(), ..BertConfig::new(*p) }))
        }),
    ];
    let mut rows = vec![];
    let chosen: Vec<Part> =
        parts.into_iter().filter(|(name, _)| part.as_ref().is_none_or(|p| name.contains(p.as_str()))).collect();
    if chosen.is_empty() {
        eprintln!(
            "area_blocks: no link part is named like \"{}\" (link TX, link RX, channel emulator, link core, BERT core)",
            part.unwrap_or_default()
        );
        std::process::exit(2)
    }
    for (name, gen) in chosen {
        let small = synth(&format!("{name}, {} lanes", lanes.0), gen(&p2));
        let large = synth(&format!("{name}, {} lanes", lanes.1), gen(&p4));
        rows.push((name, small, large));
    }
    println!("== per lane and fixed");
    for (name, small, large) in &rows {
        split(name, lanes, small, large);
    }
}
