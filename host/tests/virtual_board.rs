//! The client against the virtual board: the real gateware (UART, bridge,
//! link core) simulated clock by clock behind a pty. The simulation runs a
//! few thousand clocks per second, about a transaction per second, so these
//! tests count their transactions.

use mosaic_gateware::control::regmap::{RegMap, MAGIC, MAP_VERSION};
use mosaic_gateware::params::LinkParams;
use mosaic_host::{Client, ClientError, ClientOptions, SerialTransport, Transport};
use mosaic_sim::virtual_board::{core_config, BoardOptions, Engine, Image, VirtualBoard};
use std::time::{Duration, Instant};

/// FAILOVER_THRESHOLD: a plain 32-bit configuration register. (TX_MAP is
/// not used as scratch: the core keeps it a permutation, so writing one
/// entry can move another.)
const THRESHOLD: u16 = 0x0014;

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
    c.write_reg("FAILOVER_THRESHOLD", 0, 0x78).unwrap();
    c.write_field("CTRL", 0, "bert_pattern", 3).unwrap();
    let pattern3 = RegMap::new(&SMALL).word("CTRL", &[("bert_pattern", 3)]);
    assert_eq!(c.read_regs(&["CTRL", "FAILOVER_THRESHOLD"], 0).unwrap(), vec![pattern3, 0x78]);
    // A word with a field out of range is refused, and nothing changes.
    assert!(c.write_field("CTRL", 0, "bert_pattern", 7).is_err(), "pattern 7 is no pattern");
    assert_eq!(c.read_reg("CTRL", 0).unwrap(), pattern3);
    // The bridge answers an address outside the map with BadAddress.
    assert!(matches!(c.read(0x0030), Err(ClientError::BadAddress { addr: 0x30 })));
    c.snapshot().unwrap();
    c.ping().unwrap();
    assert_eq!(c.stats().retries, 0);
}

/// One deliberate fault per transaction, in order; then a clean wire.
#[derive(Copy, Clone, Debug)]
#[allow(dead_code)] // the full matrix is kept for slow, thorough runs
enum Hit {
    CorruptReply,
    DropRequest,
    /// A false WRITE header (count 32) that swallows what follows it.
    FalseFrameFirst,
    TruncateRequest,
    DropReply,
}

struct Scripted {
    inner: SerialTransport,
    hits: Vec<Option<Hit>>,
    reply_hit: Option<Hit>,
}

impl Transport for Scripted {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let Some(hit) = (!self.hits.is_empty()).then(|| self.hits.remove(0)).flatten() else {
            return self.inner.send(bytes);
        };
        match hit {
            Hit::DropRequest => Ok(()),
            Hit::FalseFrameFirst => {
                let mut f = vec![0x5A, 0x00, 0x03, 0x00, 0x10, 32];
                f.extend_from_slice(bytes);
                self.inner.send(&f)
            }
            Hit::TruncateRequest => self.inner.send(&bytes[..bytes.len() / 2]),
            Hit::CorruptReply | Hit::DropReply => {
                self.reply_hit = Some(hit);
                self.inner.send(bytes)
            }
        }
    }
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
        let n = self.inner.recv(buf, timeout)?;
        match (n, self.reply_hit) {
            (0, _) | (_, None) => Ok(n),
            (_, Some(Hit::CorruptReply)) => {
                self.reply_hit = None;
                buf[n - 1] ^= 0x40;
                Ok(n)
            }
            (_, Some(_)) => {
                self.reply_hit = None;
                Ok(0)
            }
        }
    }
    // Draining before a request must not consume the scripted reply faults.
    fn discard_input(&mut self) -> std::io::Result<()> {
        self.inner.discard_input()
    }
}

#[test]
fn faults_between_host_and_gateware_never_give_a_wrong_value() {
    let b = VirtualBoard::spawn(SMALL, 4).unwrap();
    let mut c = Client::connect(SerialTransport::open(b.path(), 115_200).unwrap(), opts()).unwrap();
    // Time a clean transaction to size the timeout to this machine's speed
    // (a retry also carries the resync filler: the request less one byte).
    let t0 = Instant::now();
    c.write(THRESHOLD, 0xABCD_0001).unwrap();
    let timeout = (t0.elapsed() * 12).max(Duration::from_secs(5));
    drop(c);
    // The fault matrix runs against the fake board (tests/impaired.rs); here,
    // the two that depend on the real bridge's framing, at a second each.
    let hits = [Hit::FalseFrameFirst, Hit::CorruptReply];
    let hits = hits.into_iter().map(Some).collect();
    let t = Scripted { inner: SerialTransport::open(b.path(), 115_200).unwrap(), hits, reply_hit: None };
    let mut c = Client::new(t, ClientOptions { timeout, retries: 2, ..ClientOptions::default() });
    // Each transaction meets one fault, then its retry goes through.
    c.write(THRESHOLD, 0x22).unwrap(); // false WRITE header (to TX_MAP) ahead of the request
    assert_eq!(c.burst_read(THRESHOLD, 2).unwrap(), vec![0x22, 8]); // corrupt reply; WINDOW resets to 8
                                                                    // The false WRITE to TX_MAP (0x1000) never executed.
    assert_eq!(c.burst_read(0x1000, 4).unwrap(), vec![0, 1, 2, 3]);
    assert_eq!(c.stats().retries, 2, "{:?}", c.stats());
}

#[test]
fn mosaic_status_on_the_gateware() {
    // Both engines: rust-hdl here, and Verilator on the same gateware's Verilog.
    for engine in [Engine::RustHdl, Engine::Verilator] {
        status_on(engine);
    }
}

fn status_on(engine: Engine) {
    use clap::Parser;
    let opts = BoardOptions { engine, ..BoardOptions::new(4) };
    let b = VirtualBoard::spawn_image(Image::Link(core_config(SMALL)), opts).unwrap();
    let argv = ["mosaic", "--port", b.path(), "--timeout", "30000", "--json", "status"];
    let cli = mosaic_host::cli::Cli::try_parse_from(argv).unwrap();
    let t0 = Instant::now();
    let mut out = Vec::new();
    mosaic_host::cli::run(&cli, &mut out).unwrap();
    println!("mosaic status (4 + 1 lanes) on the virtual board, {engine:?}: {:.2} s", t0.elapsed().as_secs_f64());
    let j: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let lanes = j["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 5);
    // Pins are looped back on the virtual board: every data lane locks and
    // carries its own logical id (identity map, no emulator impairment).
    for (i, l) in lanes.iter().enumerate().take(4) {
        assert_eq!(l["block_lock"], true, "lane {i}: {l}");
        assert_eq!(l["logical_id"], i, "lane {i}: {l}");
        assert_eq!(l["bip_errors"], 0, "lane {i}: {l}");
    }
}
