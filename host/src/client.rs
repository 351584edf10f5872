//! A register client of a mosaic-link board over any [Transport].
//!
//! Every request carries a fresh tag; a reply is accepted only with that tag,
//! a good CRC and the expected length, so a lost, late or corrupted reply is
//! never taken for the answer. On a timeout the request is sent again with a
//! new tag (reads, writes, snapshots and pings are all idempotent, so a retry
//! after a lost reply is harmless).

use crate::protocol::{EncodeError, Opcode, Request, Response, ResponseDecoder, Status, MAX_BURST};
use crate::transport::Transport;
use mosaic_gateware::control::regmap::{Access, Field, RegMap, Register, MAGIC, MAP_VERSION};
use mosaic_gateware::params::{LinkParams, ParamError};
use serde::Serialize;
use std::io;
use std::time::{Duration, Instant};

/// Everything the client can fail with; each message is one line.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("i/o error talking to the board: {0}")]
    Io(#[from] io::Error),
    #[error("board did not answer {op} at {addr:#06x} after {attempts} attempts ({timeout_ms} ms each); check the board, --port and --baud")]
    Timeout { op: &'static str, addr: u16, attempts: u32, timeout_ms: u128 },
    #[error("address {addr:#06x} is not in the board's register map")]
    BadAddress { addr: u16 },
    #[error("no mosaic-link board on this port: magic reads {got:#010x}, expected {MAGIC:#010x} (\"MSLK\")")]
    WrongMagic { got: u32 },
    #[error("board register map v{board}, this host speaks v{host}: {advice}")]
    MapVersion { board: u32, host: u32, advice: &'static str },
    #[error("board reports an invalid link shape: {0}")]
    BadParams(#[from] ParamError),
    #[error("no register named {0} (see `mosaic regs`)")]
    UnknownRegister(String),
    #[error("{name} is not on this board: its image has no {feature} (`mosaic info` lists what it has)")]
    NotOnBoard { name: String, feature: &'static str },
    #[error("{name} has {count} instances (0..={last}), not {instance}", last = count.saturating_sub(1))]
    NoInstance { name: String, instance: usize, count: usize },
    #[error("register {reg} has no field {field}")]
    UnknownField { reg: String, field: String },
    #[error("value {value:#x} does not fit field {reg}.{field} ({width} bits)")]
    FieldOverflow { reg: String, field: String, value: u32, width: u32 },
    #[error("{0} is read only")]
    ReadOnly(String),
    #[error("{0}")]
    Encode(#[from] EncodeError),
    #[error("address range {addr:#06x}+{count} runs past 0xffff")]
    AddressRange { addr: u16, count: usize },
}

/// Most filler a retry carries: the longest request less its SOF.
pub const RESYNC_BYTES: usize = 135;

/// Most retries a client makes: each waits a whole timeout, so more than
/// this is a hang, not patience.
pub const MAX_RETRIES: u32 = 100;

/// Timeouts and retries.
#[derive(Copy, Clone, Debug)]
pub struct ClientOptions {
    /// How long to wait for each reply.
    pub timeout: Duration,
    /// Extra attempts after the first one times out.
    pub retries: u32,
    /// Most filler bytes (0x00, never a SOF) sent before a retry. A damaged
    /// request can leave the bridge inside a partial frame of it; the bridge
    /// abandons it only after an idle gap the host cannot time (a simulated
    /// board's byte time is not wall time), and a retry sent earlier would be
    /// swallowed by it. The request's own length less one completes any
    /// prefix of it, which then fails its CRC, so the bridge is hunting again
    /// when the retry arrives: a read's retry carries 7 bytes of filler, not
    /// the longest frame's 135. (A false frame started by line noise ends at
    /// the bridge's inter-byte timeout, long before a reply timeout passes.)
    pub resync_bytes: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions { timeout: Duration::from_millis(500), retries: 3, resync_bytes: RESYNC_BYTES }
    }
}

/// The identity registers of a board.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub magic: u32,
    pub map_version: u32,
    pub params: LinkParams,
    pub features: u32,
    pub build_id: u32,
    pub clock_hz: u32,
}

/// Traffic statistics (for tests and figures).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClientStats {
    /// Transactions completed.
    pub transactions: u64,
    /// Requests sent again after a timeout.
    pub retries: u64,
    /// Valid frames discarded because their tag or length was not the awaited one.
    pub stale_replies: u64,
    /// Bytes the decoder threw away as garbage.
    pub discarded_bytes: u64,
}

/// A register client.
pub struct Client {
    t: Box<dyn Transport>,
    dec: ResponseDecoder,
    tag: u8,
    opts: ClientOptions,
    map: RegMap,
    identity: Option<Identity>,
    stats: ClientStats,
}

fn op_name(op: Opcode) -> &'static str {
    match op {
        Opcode::Read => "READ",
        Opcode::BurstRead => "BURST_READ",
        Opcode::Write => "WRITE",
        Opcode::Snapshot => "SNAPSHOT",
        Opcode::Ping => "PING",
    }
}

/// A tag unlikely to match a late reply left by a previous process.
fn initial_tag() -> u8 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    (nanos ^ (nanos >> 8) ^ std::process::id()) as u8
}

impl Client {
    /// A client that has not checked the board's identity; its register map
    /// is the default link shape until [Client::connect] or [Client::identify].
    pub fn new(t: impl Transport + 'static, opts: ClientOptions) -> Client {
        Client {
            t: Box::new(t),
            dec: ResponseDecoder::new(),
            tag: initial_tag(),
            opts,
            map: RegMap::new(&LinkParams::DEFAULT),
            identity: None,
            stats: ClientStats::default(),
        }
    }

    /// Opens a client and checks the board: magic, register map version and
    /// link shape; the register map then matches the board.
    pub fn connect(t: impl Transport + 'static, opts: ClientOptions) -> Result<Client, ClientError> {
        let mut c = Client::new(t, opts);
        c.identify()?;
        Ok(c)
    }

    /// Reads and checks the identity registers (see [Client::connect]).
    pub fn identify(&mut self) -> Result<&Identity, ClientError> {
        let _ = self.t.discard_input();
        // Magic and version first: on another map the rest may mean something else.
        let head = self.burst_read(0x000, 2)?;
        if head[0] != MAGIC {
            return Err(ClientError::WrongMagic { got: head[0] });
        }
        if head[1] != MAP_VERSION {
            let advice = if head[1] > MAP_VERSION {
                "update mosaic"
            } else {
                "rebuild the board's gateware or use an older mosaic"
            };
            return Err(ClientError::MapVersion { board: head[1], host: MAP_VERSION, advice });
        }
        let w = self.burst_read(0x002, 8)?;
        let params = LinkParams {
            lanes: w[0] as usize,
            spares: w[1] as usize,
            osr: w[2] as usize,
            marker_period: w[3] as usize,
            deskew_depth: w[4] as usize,
        };
        params.validate()?;
        // Registers of features the build lacks answer with errors: leave them out.
        self.map = RegMap::new(&params).with_features(w[5]);
        self.identity = Some(Identity {
            magic: head[0],
            map_version: head[1],
            params,
            features: w[5],
            build_id: w[6],
            clock_hz: w[7],
        });
        Ok(self.identity.as_ref().expect("just set"))
    }

    /// The board's identity, once checked.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }
    /// The register map of this board (the default shape before identification).
    pub fn map(&self) -> &RegMap {
        &self.map
    }
    /// The link shape of this board.
    pub fn params(&self) -> LinkParams {
        self.map.params
    }
    pub fn stats(&self) -> ClientStats {
        ClientStats { discarded_bytes: self.dec.discarded(), ..self.stats }
    }
    pub fn options(&self) -> ClientOptions {
        self.opts
    }
    pub fn set_options(&mut self, opts: ClientOptions) {
        self.opts = opts;
    }

    /// One request/response exchange with retries; `expect` is the data
    /// words an OK reply must carry.
    fn transact(&mut self, opcode: Opcode, addr: u16, count: u8, data: &[u32]) -> Result<Response, ClientError> {
        let expect = match opcode {
            Opcode::Read | Opcode::BurstRead => count as usize,
            _ => 0,
        };
        // Saturating: u32::MAX retries wrapped to zero attempts.
        let attempts = self.opts.retries.saturating_add(1);
        let mut buf = [0u8; 512];
        for attempt in 0..attempts {
            if attempt > 0 {
                self.stats.retries += 1;
            }
            let tag = self.tag;
            self.tag = self.tag.wrapping_add(1);
            let mut frame = Request { tag, opcode, addr, count, data: data.to_vec() }.encode()?;
            if attempt > 0 {
                let mut f = vec![0u8; self.opts.resync_bytes.min(frame.len() - 1)];
                f.append(&mut frame);
                frame = f;
            }
            // Nothing valid can be in flight before this request is sent.
            self.t.discard_input()?;
            self.dec.clear();
            self.t.send(&frame)?;
            let deadline = Instant::now() + self.opts.timeout;
            loop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                let n = self.t.recv(&mut buf, deadline - now)?;
                self.dec.push(&buf[..n]);
                while let Some(r) = self.dec.next_response() {
                    let ok_len = match r.status {
                        Status::Ok => r.data.len() == expect,
                        // A bad address reads 0: accept no data or the full count.
                        Status::BadAddress => r.data.is_empty() || r.data.len() == expect,
                    };
                    if r.tag == tag && ok_len {
                        self.stats.transactions += 1;
                        return Ok(r);
                    }
                    self.stats.stale_replies += 1;
                }
            }
        }
        Err(ClientError::Timeout { op: op_name(opcode), addr, attempts, timeout_ms: self.opts.timeout.as_millis() })
    }

    /// The reply's data, or the error naming the address at fault: the
    /// bridge answers a whole burst with one status, so the first address
    /// of `addr..addr + count` outside the map is named (a burst's first
    /// address may well be mapped).
    fn checked(&self, r: Response, addr: u16, count: usize) -> Result<Vec<u32>, ClientError> {
        match r.status {
            Status::Ok => Ok(r.data),
            Status::BadAddress => {
                let bad =
                    (addr as usize..addr as usize + count).map(|a| a as u16).find(|&a| self.map.decode(a).is_none());
                Err(ClientError::BadAddress { addr: bad.unwrap_or(addr) })
            }
        }
    }

    /// A read-only register among `addr..addr + count` (the gateware does
    /// not take the write and answers as for an unmapped address).
    fn read_only_in(&self, addr: u16, count: usize) -> Option<String> {
        (addr as usize..addr as usize + count).find_map(|a| match self.map.decode(a as u16) {
            Some((r, i)) if r.access == Access::Ro => {
                Some(if r.count == 1 { r.name.to_string() } else { format!("{}[{i}]", r.name) })
            }
            _ => None,
        })
    }

    /// Checks the board answers.
    pub fn ping(&mut self) -> Result<(), ClientError> {
        self.transact(Opcode::Ping, 0, 0, &[]).map(|_| ())
    }

    /// Latches every counter into its snapshot register at once.
    pub fn snapshot(&mut self) -> Result<(), ClientError> {
        self.transact(Opcode::Snapshot, 0, 0, &[]).map(|_| ())
    }

    /// Reads one word.
    pub fn read(&mut self, addr: u16) -> Result<u32, ClientError> {
        let r = self.transact(Opcode::Read, addr, 1, &[])?;
        Ok(self.checked(r, addr, 1)?[0])
    }

    /// Reads `count` consecutive words (split into bursts of MAX_BURST).
    pub fn burst_read(&mut self, addr: u16, count: usize) -> Result<Vec<u32>, ClientError> {
        if addr as usize + count > 0x1_0000 {
            return Err(ClientError::AddressRange { addr, count });
        }
        let mut out = Vec::with_capacity(count);
        let mut a = addr as usize;
        while out.len() < count {
            let n = (count - out.len()).min(MAX_BURST);
            let r = self.transact(Opcode::BurstRead, a as u16, n as u8, &[])?;
            out.extend(self.checked(r, a as u16, n)?);
            a += n;
        }
        Ok(out)
    }

    /// Writes one word.
    pub fn write(&mut self, addr: u16, value: u32) -> Result<(), ClientError> {
        self.burst_write(addr, &[value])
    }

    /// Writes consecutive words (split into bursts of MAX_BURST).
    pub fn burst_write(&mut self, addr: u16, values: &[u32]) -> Result<(), ClientError> {
        if addr as usize + values.len() > 0x1_0000 {
            return Err(ClientError::AddressRange { addr, count: values.len() });
        }
        if let Some(name) = self.read_only_in(addr, values.len()) {
            return Err(ClientError::ReadOnly(name));
        }
        for (i, chunk) in values.chunks(MAX_BURST).enumerate() {
            let a = addr + (i * MAX_BURST) as u16;
            let r = self.transact(Opcode::Write, a, chunk.len() as u8, chunk)?;
            self.checked(r, a, chunk.len())?;
        }
        Ok(())
    }

    /// Register description by name.
    pub fn register(&self, name: &str) -> Result<&Register, ClientError> {
        self.map.get(name).ok_or_else(|| match RegMap::new(&self.map.params).get(name).and_then(|r| r.requires) {
            Some(feature) => ClientError::NotOnBoard { name: name.to_string(), feature },
            None => ClientError::UnknownRegister(name.to_string()),
        })
    }

    /// Address of instance `instance` of register `name`.
    pub fn reg_addr(&self, name: &str, instance: usize) -> Result<u16, ClientError> {
        let r = self.register(name)?;
        r.addr_of(instance).ok_or_else(|| ClientError::NoInstance {
            name: name.to_string(),
            instance,
            count: r.count as usize,
        })
    }

    /// Reads instance `instance` (0 for plain registers) of register `name`.
    pub fn read_reg(&mut self, name: &str, instance: usize) -> Result<u32, ClientError> {
        let a = self.reg_addr(name, instance)?;
        self.read(a)
    }

    /// Writes instance `instance` of register `name`; read-only registers are refused.
    pub fn write_reg(&mut self, name: &str, instance: usize, value: u32) -> Result<(), ClientError> {
        let r = self.register(name)?;
        if r.access == Access::Ro {
            return Err(ClientError::ReadOnly(name.to_string()));
        }
        let a = self.reg_addr(name, instance)?;
        self.write(a, value)
    }

    /// Every instance of register `name`, with burst reads where instances are adjacent.
    pub fn read_all(&mut self, name: &str) -> Result<Vec<u32>, ClientError> {
        let r = self.register(name)?.clone();
        if r.stride == 1 {
            return self.burst_read(r.addr, r.count as usize);
        }
        (0..r.count as usize).map(|i| self.read(r.addr + i as u16 * r.stride)).collect()
    }

    /// Instance `instance` of several registers, in one burst when their
    /// addresses form a gap-free run of at most MAX_BURST words.
    pub fn read_regs(&mut self, names: &[&str], instance: usize) -> Result<Vec<u32>, ClientError> {
        let addrs = names.iter().map(|n| self.reg_addr(n, instance)).collect::<Result<Vec<u16>, _>>()?;
        let (Some(&lo), Some(&hi)) = (addrs.iter().min(), addrs.iter().max()) else { return Ok(vec![]) };
        let span = (hi - lo) as usize + 1;
        let gap_free = (lo..=hi).all(|a| self.map.decode(a).is_some());
        if span <= MAX_BURST && gap_free {
            let words = self.burst_read(lo, span)?;
            Ok(addrs.iter().map(|a| words[(a - lo) as usize]).collect())
        } else {
            addrs.iter().map(|&a| self.read(a)).collect()
        }
    }

    /// Field description `reg.field`.
    pub fn field(&self, reg: &str, field: &str) -> Result<Field, ClientError> {
        self.register(reg)?
            .field(field)
            .cloned()
            .ok_or_else(|| ClientError::UnknownField { reg: reg.to_string(), field: field.to_string() })
    }

    /// Reads field `field` of instance `instance` of register `reg`.
    pub fn read_field(&mut self, reg: &str, instance: usize, field: &str) -> Result<u32, ClientError> {
        let f = self.field(reg, field)?;
        Ok(field_get(&f, self.read_reg(reg, instance)?))
    }

    /// Read-modify-write of field `field` of register `reg`.
    pub fn write_field(&mut self, reg: &str, instance: usize, field: &str, value: u32) -> Result<(), ClientError> {
        let f = self.field(reg, field)?;
        let old = self.read_reg(reg, instance)?;
        let new = field_set(&f, old, value).ok_or_else(|| ClientError::FieldOverflow {
            reg: reg.to_string(),
            field: field.to_string(),
            value,
            width: f.width,
        })?;
        self.write_reg(reg, instance, new)
    }
}

fn mask(width: u32) -> u32 {
    if width >= 32 {
        u32::MAX
    } else {
        (1u32 << width) - 1
    }
}

/// The value of field `f` in register value `word`.
pub fn field_get(f: &Field, word: u32) -> u32 {
    (word >> f.lsb) & mask(f.width)
}

/// `word` with field `f` set to `value`, or None if `value` does not fit.
pub fn field_set(f: &Field, word: u32, value: u32) -> Option<u32> {
    let m = mask(f.width);
    (value <= m).then(|| (word & !(m << f.lsb)) | (value << f.lsb))
}

/// Field `name` of register `reg` in `word`, None for an unknown field.
pub fn get(reg: &Register, name: &str, word: u32) -> Option<u32> {
    reg.field(name).map(|f| field_get(f, word))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what is sent; never answers.
    struct Mute(std::sync::Arc<std::sync::Mutex<Vec<usize>>>);
    impl crate::transport::Transport for Mute {
        fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            self.0.lock().unwrap().push(bytes.len());
            Ok(())
        }
        fn recv(&mut self, _: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
            std::thread::sleep(timeout);
            Ok(0)
        }
    }

    #[test]
    fn a_retry_carries_the_request_length_less_one_of_filler() {
        let sent = std::sync::Arc::new(std::sync::Mutex::new(vec![]));
        let o = ClientOptions { timeout: Duration::from_millis(5), retries: 2, ..ClientOptions::default() };
        let mut c = Client::new(Mute(sent.clone()), o);
        assert!(c.read(0).is_err());
        let read = crate::protocol::request_len(0);
        assert_eq!(*sent.lock().unwrap(), vec![read, 2 * read - 1, 2 * read - 1]);
        sent.lock().unwrap().clear();
        assert!(c.transact(Opcode::Write, 0x10, MAX_BURST as u8, &[1; MAX_BURST]).is_err());
        let longest = crate::protocol::request_len(MAX_BURST);
        assert_eq!(*sent.lock().unwrap(), vec![longest, longest + RESYNC_BYTES, longest + RESYNC_BYTES]);
    }

    #[test]
    fn resync_filler_completes_the_longest_request() {
        assert_eq!(RESYNC_BYTES, crate::protocol::request_len(MAX_BURST) - 1);
        // Filler is zeros: it must never look like the start of a frame.
        const { assert!(crate::protocol::REQ_SOF != 0) };
    }
}
