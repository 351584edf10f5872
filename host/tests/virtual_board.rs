//! The client against the virtual board: the real gateware (UART, bridge,
//! link core) simulated clock by clock behind a pty. The simulation runs a
//! few thousand clocks per second, about a transaction per second, so these
//! tests count their transactions.

use mosaic_gateware::params::LinkParams;
use mosaic_gateware::regmap::{MAGIC, MAP_VERSION};
use mosaic_host::impair::{ImpairedTransport, Impairments};
use mosaic_host::{Client, ClientError, ClientOptions, SerialTransport};
use mosaic_sim::virtual_board::VirtualBoard;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A small link keeps the simulation fast.
const SMALL: LinkParams = LinkParams { lanes: 4, spares: 1, osr: 1, marker_period: 16, deskew_depth: 4 };

fn opts() -> ClientOptions {
    // Simulated clocks, not the wire, set the pace: be patient.
    ClientOptions { timeout: Duration::from_secs(30), retries: 1, ..ClientOptions::default() }
}

#[test]
fn typed_access_to_the_real_register_decode() {
    let b = VirtualBoard::spawn(SMALL, 4).unwrap();
    let mut c = Client::connect(SerialTransport::open(b.path(), 115_200).unwrap(), opts()).unwrap();
    let id = c.identity().unwrap().clone();
    assert_eq!((id.magic, id.map_version, id.params), (MAGIC, MAP_VERSION, SMALL));
    assert_eq!(c.register("LANE_STATUS").unwrap().count, 5);
    // TX_MAP resets to identity; a burst write is read back exactly.
    assert_eq!(c.read_all("TX_MAP").unwrap(), vec![0, 1, 2, 3]);
    c.burst_write(0x1000, &[4, 2, 1, 0]).unwrap();
    assert_eq!(c.burst_read(0x1000, 4).unwrap(), vec![4, 2, 1, 0]);
    // A field write leaves the rest of CTRL alone.
    c.write_reg("FAILOVER_THRESHOLD", 0, 0x1234_5678).unwrap();
    c.write_field("CTRL", 0, "bert_pattern", 3).unwrap();
    assert_eq!(c.read_regs(&["CTRL", "FAILOVER_THRESHOLD"], 0).unwrap(), vec![3 << 4, 0x1234_5678]);
    // The bridge answers an address outside the map with BadAddress.
    assert!(matches!(c.read(0x0030), Err(ClientError::BadAddress { addr: 0x30 })));
    c.snapshot().unwrap();
    c.ping().unwrap();
    assert_eq!(c.stats().retries, 0);
}

#[test]
fn damaged_wire_to_the_gateware_never_gives_a_wrong_value() {
    let b = VirtualBoard::spawn(SMALL, 4).unwrap();
    let mut c = Client::connect(SerialTransport::open(b.path(), 115_200).unwrap(), opts()).unwrap();
    // Time one clean transaction to size the timeout to this machine's speed.
    let t0 = Instant::now();
    c.read(0).unwrap();
    let timeout = (t0.elapsed() * 4).max(Duration::from_secs(2));
    drop(c);
    let t = ImpairedTransport::new(SerialTransport::open(b.path(), 115_200).unwrap(), Impairments::all(0.06), 5);
    let mut c = Client::new(t, ClientOptions { timeout, retries: 4, ..ClientOptions::default() });
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    // Model: TX_MAP words (reset identity); after a failed write either value may be there.
    let mut model: HashMap<u16, Vec<u32>> = (0..4u16).map(|i| (0x1000 + i, vec![i as u32])).collect();
    let (mut ok, mut checked) = (0, 0);
    for _ in 0..10 {
        let a = 0x1000 + rng.gen_range(0..4u16);
        if rng.gen_bool(0.5) {
            let v = rng.gen_range(0..5u32);
            match c.write(a, v) {
                Ok(()) => {
                    model.insert(a, vec![v]);
                    ok += 1
                }
                Err(_) => model.get_mut(&a).unwrap().push(v),
            }
        } else if let Ok(v) = c.read(a) {
            assert!(model[&a].contains(&v), "read {a:#x} = {v}, expected one of {:?}", model[&a]);
            model.insert(a, vec![v]);
            ok += 1;
            checked += 1;
        }
    }
    let damage = c.stats();
    println!("ok {ok} checked {checked} {damage:?}");
    assert!(ok >= 6 && checked >= 2, "ok {ok} checked {checked}");
}
