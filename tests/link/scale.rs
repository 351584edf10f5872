//! The link core at scale: N = 100 data lanes (+ 2 spares, OSR 2) built,
//! simulated in the rust-hdl direct harness, locked, and carrying traffic.
//!
//! Lock time is dominated by the lane PHY's block lock (64 good sync
//! headers), then marker lock (up to M blocks) and the hunt for aligned
//! markers (up to M + D blocks), so a short marker period (M = 8, D = 2)
//! keeps the simulation to about 90 block times. Speed and the larger
//! figures are in `sim/src/bin/link_bench.rs`.

use mosaic_gateware::params::LinkParams;
use mosaic_link::link::*;

/// Block times allowed from enabling loopback to link up: 64 (block lock) +
/// M (first marker) + M + D (hunt) + the scan of the lanes, with slack.
fn lock_bound(p: &LinkParams) -> u64 {
    64 + 2 * p.marker_period as u64 + p.deskew_depth as u64 + 8
}

/// Block times from link up to the start of the rate window.
const WARM_UP_BLOCKS: u64 = 6;

/// Brings the link up in loopback with traffic; checks the bound, the
/// discovery of every lane, and that `rounds` block times of traffic arrive
/// complete and clean.
fn locks_and_carries_traffic(p: LinkParams, rounds: u64) {
    let t = std::time::Instant::now();
    let mut s = LinkSim::new(p);
    s.write_reg("CTRL", 0, ctrl(&["loopback", "traffic_enable"]));
    let bound = lock_bound(&p);
    let up = s.wait_link_up(bound).unwrap_or_else(|| panic!("N = {}: no link within {bound} blocks", p.lanes));
    let blocks = up as f64 / s.block_clocks() as f64;
    eprintln!("N = {}: link up after {up} clocks = {blocks:.1} blocks ({:?})", p.lanes, t.elapsed());
    assert_eq!(s.read_reg("LINK_STATUS", 0), 1 | ((p.lanes as u32) << 16), "every lane found");
    // Words in flight at link up arrive a few block times later (TX word
    // stage, serializer, deserializer, engine, deskew), so the rate is
    // measured over a window that starts after a warm-up.
    s.run(WARM_UP_BLOCKS * s.block_clocks());
    let (_, _, _, words_before) = s.frames();
    s.run(rounds * s.block_clocks());
    let (good, bad, lost, words) = s.frames();
    let window = words - words_before;
    eprintln!(
        "N = {}: good {good} bad {bad} lost {lost} words {words}, {window} in the window ({:?})",
        p.lanes,
        t.elapsed()
    );
    assert_eq!((bad, lost), (0, 0), "bad or lost frames");
    // Each data round carries N words (a marker round none). A window of
    // `rounds` block times holds rounds - 1 whole rounds (one partial at
    // each end), of which at most ceil(rounds / M) are marker rounds.
    let full_rounds = rounds - 1 - rounds.div_ceil(p.marker_period as u64);
    assert!(
        window as u64 >= full_rounds * p.lanes as u64,
        "only {window} words in {rounds} block times of N = {} lanes (want {})",
        p.lanes,
        full_rounds * p.lanes as u64
    );
    assert!(good as u64 >= words as u64 / 8 - 2, "{good} good frames of {words} words");
    s.snapshot();
    assert_eq!(s.read_reg("REALIGNS", 0), 0);
}

#[test]
fn n100_locks_and_carries_traffic() {
    let p = LinkParams { lanes: 100, spares: 2, osr: 2, marker_period: 8, deskew_depth: 2 };
    locks_and_carries_traffic(p, 8);
}

/// The same scenario on a small link (a fast check of the test itself).
#[test]
fn n4_osr2_locks_and_carries_traffic() {
    let p = LinkParams { lanes: 4, spares: 2, osr: 2, marker_period: 8, deskew_depth: 2 };
    locks_and_carries_traffic(p, 8);
}
