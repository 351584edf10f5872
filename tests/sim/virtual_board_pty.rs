//! The virtual board through a real pseudo-terminal, opened with the
//! `serialport` crate as any client would: register reads of the identity,
//! garbage that the bridge drops (counted exactly in BRIDGE_DROPPED, read
//! back through the same pty), and the read rate a client sees.

use mosaic_gateware::control::protocol::{response_len, Opcode, Status, INTERBYTE_TIMEOUT_BYTES, REQ_SOF};
use mosaic_gateware::control::regmap::{RegMap, MAGIC, MAP_VERSION};
use mosaic_gateware::params::LinkParams;
use mosaic_sim::bridge_model::{decode_responses, encode_raw, ParserModel, Response};
use mosaic_sim::virtual_board::{core_config, BoardOptions, Engine, VirtualBoard};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serialport::SerialPort;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const DIVISOR: u32 = 4;

fn small() -> LinkParams {
    LinkParams { lanes: 4, spares: 1, ..LinkParams::DEFAULT }
}

fn open(path: &str) -> Box<dyn SerialPort> {
    serialport::new(path, 3_000_000).timeout(Duration::from_millis(50)).open().expect("open the pty")
}

/// Reads exactly `n` bytes or fails after `deadline`.
fn read_exact(port: &mut dyn SerialPort, n: usize, deadline: Duration) -> Vec<u8> {
    let start = Instant::now();
    let mut got = vec![];
    let mut buf = [0u8; 256];
    while got.len() < n {
        assert!(start.elapsed() < deadline, "only {:x?} of {n} bytes after {deadline:?}", got);
        match port.read(&mut buf[..n - got.len()]) {
            Ok(k) => got.extend_from_slice(&buf[..k]),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("pty read: {e}"),
        }
    }
    got
}

/// One request through the pty; its response of `words` data words.
fn transact(
    port: &mut dyn SerialPort,
    op: Opcode,
    tag: u8,
    addr: u16,
    count: u8,
    data: &[u32],
    words: usize,
) -> Response {
    port.write_all(&encode_raw(tag, op as u8, addr, count, data)).unwrap();
    let bytes = read_exact(port, response_len(words), Duration::from_secs(30));
    let mut r = decode_responses(&bytes).unwrap();
    assert_eq!(r.len(), 1);
    let r = r.pop().unwrap();
    assert_eq!(r.tag, tag);
    r
}

fn read_reg(port: &mut dyn SerialPort, tag: u8, addr: u16) -> Response {
    transact(port, Opcode::Read, tag, addr, 1, &[], 1)
}

/// Waits until the board has simulated `clocks` more clocks.
fn let_run(board: &VirtualBoard, clocks: u64) {
    let until = board.cycles() + clocks;
    let start = Instant::now();
    while board.cycles() < until {
        assert!(start.elapsed() < Duration::from_secs(30), "virtual board stalled");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn read_magic_through_the_pty_and_survive_garbage() {
    for engine in [Engine::RustHdl, Engine::Verilator] {
        survive_garbage_on(engine);
    }
}

fn survive_garbage_on(engine: Engine) {
    // Full speed while idle too, so that the waits below are short.
    let opts = BoardOptions { idle_duty: 1.0, engine, ..BoardOptions::new(DIVISOR) };
    // Verilator takes bytes while a batch runs and counts the clocks at its
    // end: a wait counted from now may end up to one batch early.
    let slack = if engine == Engine::Verilator { opts.stream_batch as u64 } else { 0 };
    let board = VirtualBoard::spawn_with(core_config(small()), opts).unwrap();
    let mut port = open(board.path());
    let map = RegMap::new(&small());
    let r = read_reg(port.as_mut(), 0x31, map.get("MAGIC").unwrap().addr);
    assert_eq!(r, Response { tag: 0x31, status: Status::Ok as u8, data: vec![MAGIC] });
    let r = read_reg(port.as_mut(), 0x32, map.get("MAP_VERSION").unwrap().addr);
    assert_eq!(r.data, vec![MAP_VERSION]);
    let r = read_reg(port.as_mut(), 0x33, map.get("PARAM_LANES").unwrap().addr);
    assert_eq!(r.data, vec![4]);

    // Garbage with SOF bytes in it; each burst is followed by enough
    // simulated idle time for the inter-byte timeout.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut model = ParserModel::new();
    for _ in 0..6 {
        let g: Vec<u8> =
            (0..rng.gen_range(1..30)).map(|_| if rng.gen_bool(0.25) { REQ_SOF } else { rng.gen() }).collect();
        for &b in &g {
            model.push(b);
        }
        model.timeout();
        port.write_all(&g).unwrap();
        let_run(&board, slack + (g.len() as u64 + INTERBYTE_TIMEOUT_BYTES as u64 + 4) * 10 * DIVISOR as u64);
    }
    assert!(model.dropped >= 3, "{engine:?}: garbage exercised only {} drops", model.dropped);
    let mut junk = [0u8; 64];
    let n = port.read(&mut junk).unwrap_or(0);
    assert_eq!(n, 0, "the bridge answered garbage: {:x?}", &junk[..n]);

    let r = read_reg(port.as_mut(), 0x34, map.get("MAGIC").unwrap().addr);
    assert_eq!(r.data, vec![MAGIC]);
    let r = read_reg(port.as_mut(), 0x35, map.get("BRIDGE_DROPPED").unwrap().addr);
    assert_eq!(r.data, vec![model.dropped as u32], "{engine:?}: BRIDGE_DROPPED vs parser model");
    drop(port);
    assert_eq!(board.failure(), None);
    assert!(board.stop() > 0);
}

/// Every opcode through the pty against the real link core: the identity
/// block read as one burst equals the register map, CTRL written reads
/// back, SNAPSHOT and PING answer OK, an unmapped address is BadAddress.
#[test]
fn every_opcode_through_the_pty_against_the_link_core() {
    for engine in [Engine::RustHdl, Engine::Verilator] {
        every_opcode_on(engine);
    }
}

fn every_opcode_on(engine: Engine) {
    let p = small();
    let opts = BoardOptions { idle_duty: 1.0, engine, ..BoardOptions::new(DIVISOR) };
    let board = VirtualBoard::spawn_with(core_config(p), opts).unwrap();
    let mut port = open(board.path());
    let map = RegMap::new(&p);
    let ok = Status::Ok as u8;
    let ident = [
        "MAGIC",
        "MAP_VERSION",
        "PARAM_LANES",
        "PARAM_SPARES",
        "PARAM_OSR",
        "PARAM_MARKER_PERIOD",
        "PARAM_DESKEW_DEPTH",
    ];
    let want: Vec<u32> = ident.iter().map(|n| map.get(n).unwrap().reset).collect();
    let r = transact(port.as_mut(), Opcode::BurstRead, 1, 0, ident.len() as u8, &[], ident.len());
    assert_eq!((r.status, r.data), (ok, want));
    let ctrl = map.get("CTRL").unwrap().addr;
    let r = transact(port.as_mut(), Opcode::Write, 2, ctrl, 1, &[0b1101], 0);
    assert_eq!(r.status, ok);
    assert_eq!(read_reg(port.as_mut(), 3, ctrl).data, vec![0b1101]);
    let r = transact(port.as_mut(), Opcode::Snapshot, 4, 0, 0, &[], 0);
    assert_eq!((r.status, r.data.len()), (ok, 0));
    let r = transact(port.as_mut(), Opcode::Ping, 5, 0, 0, &[], 0);
    assert_eq!((r.status, r.data.len()), (ok, 0));
    let unmapped = 0x0FF0;
    assert!(map.decode(unmapped).is_none());
    let r = read_reg(port.as_mut(), 6, unmapped);
    assert_eq!((r.status, r.data), (Status::BadAddress as u8, vec![0]));
}

fn read_rate(p: LinkParams, n: usize) -> f64 {
    let board = VirtualBoard::spawn(p, DIVISOR).unwrap();
    let mut port = open(board.path());
    read_reg(port.as_mut(), 0, 0);
    let c0 = board.cycles();
    let start = Instant::now();
    for i in 0..n {
        let r = read_reg(port.as_mut(), i as u8, 0);
        assert_eq!(r.data, vec![MAGIC]);
    }
    let secs = start.elapsed().as_secs_f64();
    let clocks = board.cycles() - c0;
    let rate = n as f64 / secs;
    eprintln!(
        "virtual board {}+{} lanes, divisor {DIVISOR}: {rate:.2} register reads/s, {:.0} clocks/s, {} clocks/read",
        p.lanes,
        p.spares,
        clocks as f64 / secs,
        clocks / n as u64
    );
    rate
}

/// Register reads per second over the pty (printed). Bound by the link
/// core's simulation speed: a read is ~770 clocks at divisor 4.
#[test]
fn register_read_rate_over_the_pty() {
    assert!(read_rate(small(), 8) > 0.05);
}

#[test]
fn bad_parameters_are_refused_with_the_rule() {
    let e = VirtualBoard::spawn(LinkParams { osr: 0, ..small() }, 16).err().unwrap();
    assert!(e.to_string().contains("osr must be in 1..=8, not 0"), "{e}");
    let e = VirtualBoard::spawn(small(), 3).err().unwrap();
    assert!(e.to_string().contains("divisor must be in 4..=65535, not 3"), "{e}");
}
