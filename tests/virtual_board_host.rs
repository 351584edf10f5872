//! The host library's client against the virtual board: the host codec and
//! the gateware bridge (two independent implementations of protocol.rs)
//! agree, and the client's identity check passes on the simulated gateware.

use mosaic_gateware::params::LinkParams;
use mosaic_gateware::regmap::{MAGIC, MAP_VERSION};
use mosaic_host::{Client, ClientOptions, SerialTransport};
use mosaic_sim::virtual_board::{core_config, BoardOptions, VirtualBoard};
use std::time::Duration;

#[test]
fn host_client_identifies_reads_and_writes_the_virtual_board() {
    let p = LinkParams { lanes: 4, spares: 1, ..LinkParams::DEFAULT };
    let board = VirtualBoard::spawn_with(core_config(p), BoardOptions::new(4)).unwrap();
    let t = SerialTransport::open(board.path(), 3_000_000).unwrap();
    // A simulated byte time is not wall time: wait long, never retry.
    let opts = ClientOptions { timeout: Duration::from_secs(30), retries: 0, ..ClientOptions::default() };
    let mut c = Client::connect(t, opts).unwrap();
    let id = c.identity().unwrap().clone();
    assert_eq!((id.magic, id.map_version, id.params), (MAGIC, MAP_VERSION, p));
    c.write_reg("FAILOVER_THRESHOLD", 0, 1234).unwrap();
    assert_eq!(c.read_reg("FAILOVER_THRESHOLD", 0).unwrap(), 1234);
    c.snapshot().unwrap();
    c.ping().unwrap();
    let stats = c.stats();
    assert_eq!((stats.retries, stats.stale_replies, stats.discarded_bytes), (0, 0, 0));
    assert_eq!(c.read_reg("BRIDGE_DROPPED", 0).unwrap(), 0);
    assert_eq!(board.failure(), None);
}

/// The link over the virtual board's pins (the loopback cable, not the
/// core's internal loopback) comes up and carries traffic without errors,
/// all observed through the host client on the pty.
#[test]
fn link_comes_up_over_the_virtual_pins() {
    let p = LinkParams { lanes: 4, spares: 1, osr: 1, marker_period: 16, deskew_depth: 4 };
    let opts = BoardOptions { idle_duty: 1.0, ..BoardOptions::new(4) };
    let board = VirtualBoard::spawn_with(core_config(p), opts).unwrap();
    let t = SerialTransport::open(board.path(), 3_000_000).unwrap();
    let opts = ClientOptions { timeout: Duration::from_secs(30), retries: 0, ..ClientOptions::default() };
    let mut c = Client::connect(t, opts).unwrap();
    c.write_field("CTRL", 0, "traffic_enable", 1).unwrap();
    let start = std::time::Instant::now();
    while c.read_field("LINK_STATUS", 0, "link_up").unwrap() == 0 {
        assert!(start.elapsed() < Duration::from_secs(240), "link not up after {} clocks", board.cycles());
    }
    let up_at = board.cycles();
    // Let some frames through, then read the counters atomically.
    while board.cycles() < up_at + 66 * 40 {
        std::thread::sleep(Duration::from_millis(20));
    }
    c.snapshot().unwrap();
    let good = c.read_reg("GOOD_FRAMES", 0).unwrap();
    let bad = c.read_reg("BAD_FRAMES", 0).unwrap();
    eprintln!("link up after {up_at} clocks; {good} good frames, {bad} bad");
    assert!(good > 0);
    assert_eq!(bad, 0);
    assert_eq!(c.read_field("LINK_STATUS", 0, "lanes_found").unwrap(), 4);
}
