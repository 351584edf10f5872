//! The client against the fake board over a real pseudo-terminal.

use mosaic_gateware::control::regmap::{MAGIC, MAP_VERSION};
use mosaic_gateware::params::LinkParams;
use mosaic_host::fake_board::{FakeBoard, FakeOptions};
use mosaic_host::{Client, ClientError, ClientOptions, SerialTransport};
use std::time::Duration;

fn opts() -> ClientOptions {
    ClientOptions { timeout: Duration::from_millis(200), retries: 2, ..ClientOptions::default() }
}

fn connect(b: &FakeBoard) -> Client {
    Client::connect(SerialTransport::open(b.path(), 115_200).unwrap(), opts()).unwrap()
}

#[test]
fn connect_reads_identity_and_shapes_the_map() {
    let p = LinkParams { lanes: 40, spares: 3, osr: 2, ..LinkParams::DEFAULT };
    let b = FakeBoard::spawn(FakeOptions { params: p, ..FakeOptions::default() }).unwrap();
    let mut c = connect(&b);
    let id = c.identity().unwrap().clone();
    assert_eq!((id.magic, id.map_version, id.params), (MAGIC, MAP_VERSION, p));
    // The map follows the board's shape: 43 physical lanes.
    assert_eq!(c.register("LANE_STATUS").unwrap().count, 43);
    c.read_reg("LANE_BIP_ERRORS", 42).unwrap();
    let e = c.read_reg("LANE_BIP_ERRORS", 43).unwrap_err();
    assert_eq!(e.to_string(), "LANE_BIP_ERRORS has 43 instances (0..=42), not 43");
}

#[test]
fn reads_writes_bursts_and_fields() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    let mut c = connect(&b);
    c.ping().unwrap();
    // A burst longer than MAX_BURST is split; TX_MAP resets to identity.
    let vals: Vec<u32> = (0..16).map(|i| 15 - i).collect();
    c.burst_write(0x1000, &vals).unwrap();
    assert_eq!(c.read_all("TX_MAP").unwrap(), vals);
    assert_eq!(c.burst_read(0x1000, 16).unwrap(), vals);
    let lane = c.burst_read(0x0100, 7).unwrap();
    assert_eq!(lane.len(), 7);
    // Field read-modify-write leaves the other fields alone.
    c.write_reg("CTRL", 0, 0x0000_0101).unwrap();
    c.write_field("CTRL", 0, "bert_pattern", 4).unwrap();
    assert_eq!(c.read_reg("CTRL", 0).unwrap(), 0x0000_0141);
    assert_eq!(c.read_field("CTRL", 0, "bert_pattern").unwrap(), 4);
    assert_eq!(b.regs().live("CTRL", 0), 0x141);
    let e = c.write_field("CTRL", 0, "bert_pattern", 8).unwrap_err();
    assert_eq!(e.to_string(), "value 0x8 does not fit field CTRL.bert_pattern (3 bits)");
    assert!(matches!(c.write_reg("MAGIC", 0, 1), Err(ClientError::ReadOnly(_))));
    assert!(matches!(c.read_reg("NOPE", 0), Err(ClientError::UnknownRegister(_))));
    assert!(matches!(c.read_field("CTRL", 0, "nope"), Err(ClientError::UnknownField { .. })));
}

#[test]
fn bad_addresses_are_reported_not_read_as_zero() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    let mut c = connect(&b);
    assert!(matches!(c.read(0x0030), Err(ClientError::BadAddress { addr: 0x30 })));
    // A burst over the hole after RX_GAPS (0x029) fails as a whole; the 8
    // words of a lane have no hole.
    assert!(matches!(c.burst_read(0x0028, 4), Err(ClientError::BadAddress { .. })));
    assert!(c.burst_read(0x0100, 8).is_ok());
    assert!(matches!(c.write(0x7777, 1), Err(ClientError::BadAddress { .. })));
}

#[test]
fn counters_read_the_snapshot_not_the_live_count() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    let mut c = connect(&b);
    b.regs().set_live("LANE_BIP_ERRORS", 5, 1234);
    assert_eq!(c.read_reg("LANE_BIP_ERRORS", 5).unwrap(), 0);
    c.snapshot().unwrap();
    b.regs().set_live("LANE_BIP_ERRORS", 5, 9999);
    assert_eq!(c.read_reg("LANE_BIP_ERRORS", 5).unwrap(), 1234);
    c.write_reg("SNAPSHOT", 0, 1).unwrap();
    assert_eq!(c.read_reg("LANE_BIP_ERRORS", 5).unwrap(), 9999);
    c.write_reg("CLEAR", 0, 1).unwrap();
    c.snapshot().unwrap();
    assert_eq!(c.read_reg("LANE_BIP_ERRORS", 5).unwrap(), 0);
}

#[test]
fn wrong_magic_and_map_version_are_refused_with_advice() {
    let b = FakeBoard::spawn(FakeOptions { magic: 0x1234_5678, ..FakeOptions::default() }).unwrap();
    let e = Client::connect(SerialTransport::open(b.path(), 115_200).unwrap(), opts()).err().unwrap();
    assert_eq!(
        e.to_string(),
        "no mosaic-link board on this port: magic reads 0x12345678, expected 0x4d534c4b (\"MSLK\")"
    );
    let b = FakeBoard::spawn(FakeOptions { map_version: MAP_VERSION + 1, ..FakeOptions::default() }).unwrap();
    let e = Client::connect(SerialTransport::open(b.path(), 115_200).unwrap(), opts()).err().unwrap();
    assert_eq!(
        e.to_string(),
        format!("board register map v{}, this host speaks v{}: update mosaic", MAP_VERSION + 1, MAP_VERSION)
    );
}

#[test]
fn a_silent_board_times_out_after_every_retry() {
    let b = FakeBoard::spawn(FakeOptions { silent: true, ..FakeOptions::default() }).unwrap();
    let t0 = std::time::Instant::now();
    let o = ClientOptions { timeout: Duration::from_millis(50), retries: 3, ..ClientOptions::default() };
    let e = Client::connect(SerialTransport::open(b.path(), 115_200).unwrap(), o).err().unwrap();
    assert!(matches!(e, ClientError::Timeout { attempts: 4, .. }), "{e}");
    let dt = t0.elapsed();
    assert!(dt >= Duration::from_millis(200) && dt < Duration::from_millis(1000), "{dt:?}");
    // It answered nothing, so nothing was taken for an answer.
    assert_eq!(b.regs().served, 0);
}

#[test]
fn the_port_can_be_reopened_after_a_client_closes_it() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    for _ in 0..3 {
        let mut c = connect(&b);
        c.ping().unwrap();
    }
}

#[test]
fn open_errors_are_one_clear_line() {
    let e = SerialTransport::open("/dev/ttyDOESNOTEXIST", 115_200).err().unwrap();
    assert_eq!(e.to_string(), "cannot open /dev/ttyDOESNOTEXIST: no such device; check --port or MOSAIC_PORT");
}
