mod support;
use mosaic_gateware::params::LinkParams;
use support::link::*;

#[test]
fn loopback_traffic_comes_up_clean() {
    let p = LinkParams { lanes: 4, spares: 2, osr: 1, marker_period: 16, deskew_depth: 4 };
    let mut s = LinkSim::new(p);
    s.write_reg("CTRL", 0, CTRL_LOOPBACK | CTRL_TRAFFIC);
    let t = std::time::Instant::now();
    let up = s.wait_link_up(400);
    eprintln!("link up after {:?} clocks ({:?})", up, t.elapsed());
    assert!(up.is_some(), "link did not come up");
    s.run(66 * 40);
    let (good, bad, lost, words) = s.frames();
    eprintln!("good {good} bad {bad} lost {lost} words {words} in {:?}", t.elapsed());
    assert!(good > 10);
    assert_eq!(bad, 0);
    assert_eq!(lost, 0);
}
