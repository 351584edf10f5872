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
