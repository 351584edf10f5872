use mosaic_gateware::bit_recovery::BitRecovery;
use mosaic_gateware::emulator::EmuLane;
use mosaic_gateware::lane_tx::LaneTx;
use mosaic_gateware::lane_rx::LaneRx;
use mosaic_gateware::link::channel_emu::ChannelEmu;
use mosaic_gateware::prbs::PrbsCheck;
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::verilog::verilog_of;
fn main() {
    let d = std::path::Path::new("/tmp/ecp5area");
    std::fs::create_dir_all(d).unwrap();
    let w = |n: &str, v: String| std::fs::write(d.join(format!("{n}.v")), v).unwrap();
    w("emulane", verilog_of(&mut EmuLane::new(31, 4, 1)));
    w("bitrec", verilog_of(&mut BitRecovery::new(4)));
    w("prbscheck", verilog_of(&mut PrbsCheck::new()));
    w("lanetx", verilog_of(&mut LaneTx::new(4)));
    w("lanerx", verilog_of(&mut LaneRx::new(4)));
    for n in [10usize, 20] {
        let p = LinkParams { lanes: n - 2, spares: 2, osr: 4, marker_period: 64, deskew_depth: 4 };
        w(&format!("emu{n}"), verilog_of(&mut ChannelEmu::new(&p, 31)));
    }
}
