//! A software board that speaks the bridge protocol over a real pseudo-terminal.
//!
//! It models the register map (identity, configuration, write-only actions,
//! counters read through snapshots, bad addresses) but no link: tests set the
//! "live" counter and status values themselves. It lets the client and the
//! CLI be tested through the same serial path a real or virtual board uses,
//! and it can pace replies at a baud rate to measure throughput against the
//! wire limit.

use crate::protocol::{Opcode, Request, RequestDecoder, Response, Status};
use mosaic_gateware::control::regmap::{Access, RegMap, MAGIC, MAP_VERSION};
use mosaic_gateware::params::LinkParams;
use serialport::{SerialPort, TTYPort};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the fake board behaves.
#[derive(Clone, Debug)]
pub struct FakeOptions {
    pub params: LinkParams,
    /// Value of MAGIC (set another to test the host's refusal).
    pub magic: u32,
    /// Value of MAP_VERSION.
    pub map_version: u32,
    /// Pace replies as if request and reply crossed a UART at this baud (8N1).
    pub baud: Option<u32>,
    /// Never answer (a dead board).
    pub silent: bool,
    /// Idle time after which a partial frame is abandoned (at least 16 byte times at `baud`).
    pub abandon_after: Duration,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            params: LinkParams::DEFAULT,
            magic: MAGIC,
            map_version: MAP_VERSION,
            baud: None,
            silent: false,
            abandon_after: Duration::from_millis(20),
        }
    }
}

/// The register file of the fake board.
pub struct FakeRegs {
    map: RegMap,
    magic: u32,
    map_version: u32,
    /// Written configuration and live values (counters: the running count).
    live: HashMap<u16, u32>,
    /// Counter snapshots, the values reads return.
    snap: HashMap<u16, u32>,
    /// Requests answered.
    pub served: u64,
    /// Frames dropped (bad CRC/opcode/count or abandoned), as BRIDGE_DROPPED.
    pub dropped: u64,
    /// SNAPSHOT commands or writes seen.
    pub snapshots: u64,
}

impl FakeRegs {
    fn new(o: &FakeOptions) -> FakeRegs {
        FakeRegs {
            map: RegMap::new(&o.params),
            magic: o.magic,
            map_version: o.map_version,
            live: HashMap::new(),
            snap: HashMap::new(),
            served: 0,
            dropped: 0,
            snapshots: 0,
        }
    }

    /// The register map served.
    pub fn map(&self) -> &RegMap {
        &self.map
    }

    fn reset_value(&self, addr: u16) -> u32 {
        self.map.decode(addr).map_or(0, |(r, i)| r.reset_of(i))
    }

    /// Sets the live value of `name[instance]` (a counter's running count, a status word).
    pub fn set_live(&mut self, name: &str, instance: usize, value: u32) {
        let a = self.map.get(name).and_then(|r| r.addr_of(instance)).expect("fake: unknown register");
        self.live.insert(a, value);
    }

    /// The live (written or set) value of `name[instance]`.
    pub fn live(&self, name: &str, instance: usize) -> u32 {
        let a = self.map.get(name).and_then(|r| r.addr_of(instance)).expect("fake: unknown register");
        self.live.get(&a).copied().unwrap_or_else(|| self.reset_value(a))
    }

    /// Latches every counter.
    pub fn snapshot(&mut self) {
        self.snapshots += 1;
        for r in self.map.registers.iter().filter(|r| r.counter) {
            for i in 0..r.count as usize {
                let a = r.addr + i as u16 * r.stride;
                self.snap.insert(a, self.live.get(&a).copied().unwrap_or(0));
            }
        }
    }

    /// A read as the bridge answers it: None for an address outside the map.
    pub fn read(&self, addr: u16) -> Option<u32> {
        let (r, _) = self.map.decode(addr)?;
        Some(match r.name {
            "MAGIC" => self.magic,
            "MAP_VERSION" => self.map_version,
            // A fake of the full link build: every feature.
            "FEATURES" => mosaic_gateware::link::core::features(&self.map),
            "BRIDGE_DROPPED" => self.dropped as u32,
            _ if r.access == Access::Wo => 0,
            _ if r.counter => self.snap.get(&addr).copied().unwrap_or(0),
            _ => self.live.get(&addr).copied().unwrap_or_else(|| self.reset_value(addr)),
        })
    }

    /// A write; false (an error reply) for an address outside the map or a
    /// read-only register, as the gateware answers both.
    pub fn write(&mut self, addr: u16, value: u32) -> bool {
        let Some((r, _)) = self.map.decode(addr) else { return false };
        // As the gateware: read-only registers and words with a field out
        // of its range are refused.
        if r.access == Access::Ro || !r.accepts(value) {
            return false;
        }
        let clear = r.field("clear").is_some_and(|f| f.get(value) == 1);
        match (r.name, r.access) {
            ("SNAPSHOT", _) => self.snapshot(),
            ("CLEAR", _) if clear => {
                let counters: Vec<u16> = self
                    .map
                    .registers
                    .iter()
                    .filter(|r| r.counter)
                    .flat_map(|r| (0..r.count).map(move |i| r.addr + i * r.stride))
                    .collect();
                for a in counters {
                    self.live.insert(a, 0);
                }
            }
            (_, Access::Rw) => {
                // A register keeps its fields (one without fields, the word).
                let mask = if r.fields.is_empty() { u32::MAX } else { r.fields.iter().fold(0, |m, f| m | f.mask()) };
                self.live.insert(addr, value & mask);
            }
            _ => {}
        }
        true
    }

    /// The reply to one request.
    pub fn handle(&mut self, q: &Request) -> Response {
        self.served += 1;
        let mut status = Status::Ok;
        let mut data = Vec::new();
        match q.opcode {
            Opcode::Read | Opcode::BurstRead => {
                for k in 0..q.count as u16 {
                    let v = self.read(q.addr.wrapping_add(k));
                    status = if v.is_none() { Status::BadAddress } else { status };
                    data.push(v.unwrap_or(0));
                }
            }
            Opcode::Write => {
                for (k, v) in q.data.iter().enumerate() {
                    if !self.write(q.addr.wrapping_add(k as u16), *v) {
                        status = Status::BadAddress;
                    }
                }
            }
            Opcode::Snapshot => self.snapshot(),
            Opcode::Ping => {}
        }
        Response { tag: q.tag, status, data }
    }
}

/// A running fake board on a pseudo-terminal; stops when dropped.
pub struct FakeBoard {
    path: String,
    regs: Arc<Mutex<FakeRegs>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    // Held open so the pty never hangs up between host connections.
    _slave: TTYPort,
}

impl FakeBoard {
    /// Starts serving; open [FakeBoard::path] with a serial transport.
    pub fn spawn(opts: FakeOptions) -> io::Result<FakeBoard> {
        if opts.baud == Some(0) {
            // A paced board at 0 baud has no byte time (the serving thread panicked on it).
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a paced fake board needs a baud rate of at least 1, not 0",
            ));
        }
        let (mut master, slave) = TTYPort::pair().map_err(io::Error::from)?;
        let path = slave.name().ok_or_else(|| io::Error::other("pty has no name"))?;
        master.set_timeout(Duration::from_millis(5)).map_err(io::Error::from)?;
        let regs = Arc::new(Mutex::new(FakeRegs::new(&opts)));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s) = (regs.clone(), stop.clone());
        let thread = std::thread::Builder::new().name("fake-board".into()).spawn(move || serve(master, opts, r, s))?;
        Ok(FakeBoard { path, regs, stop, thread: Some(thread), _slave: slave })
    }

    /// Path of the pty to open.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The register file (to set live values or inspect writes).
    pub fn regs(&self) -> MutexGuard<'_, FakeRegs> {
        self.regs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for FakeBoard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Wall time of `bytes` on an 8N1 UART.
fn wire_time(bytes: usize, baud: u32) -> Duration {
    Duration::from_secs_f64(bytes as f64 * 10.0 / baud as f64)
}

fn serve(mut port: TTYPort, opts: FakeOptions, regs: Arc<Mutex<FakeRegs>>, stop: Arc<AtomicBool>) {
    let mut dec = RequestDecoder::new();
    let mut buf = [0u8; 1024];
    let mut last_byte = Instant::now();
    // The bridge abandons a partial frame after 16 idle byte times.
    let interbyte = opts.baud.map(|b| wire_time(16, b)).unwrap_or(Duration::ZERO).max(opts.abandon_after);
    let mut bad_seen = 0;
    while !stop.load(Ordering::Relaxed) {
        match port.read(&mut buf) {
            Ok(n) if n > 0 => {
                last_byte = Instant::now();
                dec.push(&buf[..n]);
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                if dec.pending() > 0 && last_byte.elapsed() > interbyte {
                    dec.abandon();
                    lock(&regs).dropped += 1;
                }
            }
            // EIO: no host has the slave open yet.
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
        while let Some(q) = dec.next_request() {
            if opts.silent {
                continue;
            }
            let frame = lock(&regs).handle(&q).encode();
            if let Some(b) = opts.baud {
                std::thread::sleep(wire_time(crate::protocol::request_len(q.data.len()) + frame.len(), b));
            }
            let _ = port.write_all(&frame);
        }
        if dec.bad_frames() != bad_seen {
            lock(&regs).dropped += dec.bad_frames() - bad_seen;
            bad_seen = dec.bad_frames();
        }
    }
}

fn lock(m: &Mutex<FakeRegs>) -> MutexGuard<'_, FakeRegs> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
