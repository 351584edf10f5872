//! The link core's generated Verilog passes real tools (the clock-by-clock
//! comparison with rust-hdl runs on Verilator in link_scale, and Icarus runs
//! the core in link_icarus).

use mosaic_gateware::link::core::{CoreConfig, LinkCore};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};

const P: LinkParams = LinkParams { lanes: 2, spares: 1, osr: 1, marker_period: 8, deskew_depth: 2 };

#[test]
fn link_core_passes_verilator_lint_and_yosys() {
    let cfg = CoreConfig::new(P);
    let verilog = verilog_of(&mut LinkCore::new(&cfg));
    verilator_lint("link_core", &verilog).unwrap();
    let stats = yosys_synth_ice40("link_core", &verilog).unwrap();
    eprintln!("link core 2+1 lanes on iCE40: {stats:?}");
    assert!(stats.luts > 500, "implausibly small: {stats:?}");
}
