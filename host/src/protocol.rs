//! Codec of the UART bridge protocol defined in [mosaic_gateware::control::protocol].
//!
//! The frame layout, SOF bytes, opcodes and limits come from the gateware
//! crate; this file only turns them into bytes and back. Both directions are
//! here (requests and responses) because the host encodes requests and the
//! in-process fake board and the tests decode them.
//!
//! Decoders are streaming and resynchronizing: bytes are pushed as they
//! arrive, a frame is accepted only when its SOF, count and CRC all check,
//! and after a bad candidate the hunt restarts one byte after the false SOF,
//! so a good frame hidden behind garbage is still found.

use crc::{Crc, CRC_16_IBM_3740};
pub use mosaic_gateware::control::protocol::{
    request_len, response_len, Opcode, Status, INTERBYTE_TIMEOUT_BYTES, MAX_BURST, REQ_SOF, RSP_SOF,
};

/// CRC-16/IBM-3740 as the gateware computes it (see `Crc16Params`).
pub const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);

/// A request frame (host -> board).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Echoed by the board so the reply can be paired with its request.
    pub tag: u8,
    pub opcode: Opcode,
    /// Word address of the first register.
    pub addr: u16,
    /// Words to read (READ: 1, BURST_READ: 1..=MAX_BURST, SNAPSHOT/PING: 0).
    /// For WRITE it must equal `data.len()`.
    pub count: u8,
    /// Words to write (WRITE only).
    pub data: Vec<u32>,
}

/// A response frame (board -> host).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub tag: u8,
    pub status: Status,
    pub data: Vec<u32>,
}

/// Why a request cannot be encoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodeError {
    #[error("{opcode:?} count must be {rule}, not {count}")]
    BadCount { opcode: Opcode, count: usize, rule: &'static str },
}

/// The `count` rule of each opcode, as the bridge enforces it.
pub fn count_ok(opcode: Opcode, count: usize) -> bool {
    match opcode {
        Opcode::Read => count == 1,
        Opcode::BurstRead | Opcode::Write => (1..=MAX_BURST).contains(&count),
        Opcode::Snapshot | Opcode::Ping => count == 0,
    }
}

fn count_rule(opcode: Opcode) -> &'static str {
    match opcode {
        Opcode::Read => "1",
        Opcode::BurstRead | Opcode::Write => "in 1..=32",
        Opcode::Snapshot | Opcode::Ping => "0",
    }
}

fn push_crc(frame: &mut Vec<u8>) {
    let crc = CRC16.checksum(&frame[1..]);
    frame.extend_from_slice(&crc.to_le_bytes());
}

impl Request {
    /// Wire bytes of this request.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let count = self.count as usize;
        let data_ok = match self.opcode {
            Opcode::Write => self.data.len() == count,
            _ => self.data.is_empty(),
        };
        if !count_ok(self.opcode, count) || !data_ok {
            return Err(EncodeError::BadCount {
                opcode: self.opcode,
                count: if self.opcode == Opcode::Write { self.data.len() } else { count },
                rule: count_rule(self.opcode),
            });
        }
        let mut f = Vec::with_capacity(request_len(self.data.len()));
        f.push(REQ_SOF);
        f.push(self.tag);
        f.push(self.opcode as u8);
        f.extend_from_slice(&self.addr.to_le_bytes());
        f.push(self.count);
        for w in &self.data {
            f.extend_from_slice(&w.to_le_bytes());
        }
        push_crc(&mut f);
        Ok(f)
    }
}

impl Response {
    /// Wire bytes of this response (used by the fake board and tests).
    pub fn encode(&self) -> Vec<u8> {
        let mut f = Vec::with_capacity(response_len(self.data.len()));
        f.push(RSP_SOF);
        f.push(self.tag);
        f.push(self.status as u8);
        f.push(self.data.len() as u8);
        for w in &self.data {
            f.extend_from_slice(&w.to_le_bytes());
        }
        push_crc(&mut f);
        f
    }
}

fn status_from_u8(b: u8) -> Option<Status> {
    match b {
        0x00 => Some(Status::Ok),
        0x01 => Some(Status::BadAddress),
        _ => None,
    }
}

fn words(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn crc_ok(frame: &[u8]) -> bool {
    let n = frame.len();
    CRC16.checksum(&frame[1..n - 2]) == u16::from_le_bytes([frame[n - 2], frame[n - 1]])
}

/// What a streaming decoder found at the front of its buffer.
enum Scan<T> {
    /// A whole valid frame of this many bytes.
    Frame(T, usize),
    /// Not enough bytes yet to decide.
    NeedMore,
    /// The byte at the front cannot start a valid frame.
    Bad,
    /// A frame of this many bytes with a bad CRC, dropped whole (as the
    /// gateware bridge does: it hunts again after the frame, not inside it).
    BadWhole(usize),
}

/// Streaming decoder state shared by both directions.
#[derive(Default, Debug)]
struct Hunter {
    buf: Vec<u8>,
    discarded: u64,
    bad: u64,
}

impl Hunter {
    fn next<T>(&mut self, sof: u8, scan: impl Fn(&[u8]) -> Scan<T>) -> Option<T> {
        loop {
            // Hunt for the SOF; everything before it is garbage.
            match self.buf.iter().position(|&b| b == sof) {
                Some(0) => {}
                Some(p) => {
                    self.discarded += p as u64;
                    self.buf.drain(..p);
                }
                None => {
                    self.discarded += self.buf.len() as u64;
                    self.buf.clear();
                    return None;
                }
            }
            match scan(&self.buf) {
                Scan::Frame(t, len) => {
                    self.buf.drain(..len);
                    return Some(t);
                }
                Scan::NeedMore => return None,
                // A false SOF: skip just that byte, a real frame may start inside.
                Scan::Bad => {
                    self.bad += 1;
                    self.discarded += 1;
                    self.buf.drain(..1);
                }
                Scan::BadWhole(len) => {
                    self.bad += 1;
                    self.discarded += len as u64;
                    self.buf.drain(..len);
                }
            }
        }
    }
}

/// Streaming, resynchronizing decoder of responses (host side).
#[derive(Default, Debug)]
pub struct ResponseDecoder {
    h: Hunter,
}

impl ResponseDecoder {
    pub fn new() -> Self {
        Self::default()
    }
    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.h.buf.extend_from_slice(bytes);
    }
    /// The next valid response, if a whole one has arrived.
    pub fn next_response(&mut self) -> Option<Response> {
        self.h.next(RSP_SOF, |b| {
            if b.len() < 4 {
                return Scan::NeedMore;
            }
            let count = b[3] as usize;
            let Some(status) = status_from_u8(b[2]) else { return Scan::Bad };
            if count > MAX_BURST {
                return Scan::Bad;
            }
            let len = response_len(count);
            if b.len() < len {
                return Scan::NeedMore;
            }
            if !crc_ok(&b[..len]) {
                return Scan::Bad;
            }
            Scan::Frame(Response { tag: b[1], status, data: words(&b[4..len - 2]) }, len)
        })
    }
    /// Bytes thrown away as garbage or bad frames so far.
    pub fn discarded(&self) -> u64 {
        self.h.discarded
    }
    /// Bytes held that do not form a whole frame yet.
    pub fn pending(&self) -> usize {
        self.h.buf.len()
    }
    /// Forgets any partial frame (before a new request, nothing valid can be pending).
    pub fn clear(&mut self) {
        self.h.discarded += self.h.buf.len() as u64;
        self.h.buf.clear();
    }
}

/// Streaming decoder of requests that drops frames as the gateware bridge
/// does (board side: fake board, tests): a bad opcode or count drops the SOF
/// and hunting resumes at the next byte; a bad CRC drops the whole frame.
#[derive(Default, Debug)]
pub struct RequestDecoder {
    h: Hunter,
}

impl RequestDecoder {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, bytes: &[u8]) {
        self.h.buf.extend_from_slice(bytes);
    }
    /// The next valid request, if a whole one has arrived.
    pub fn next_request(&mut self) -> Option<Request> {
        self.h.next(REQ_SOF, |b| {
            if b.len() < 6 {
                return Scan::NeedMore;
            }
            let Some(opcode) = Opcode::from_u8(b[2]) else { return Scan::Bad };
            let count = b[5] as usize;
            if !count_ok(opcode, count) {
                return Scan::Bad;
            }
            let data_words = if opcode == Opcode::Write { count } else { 0 };
            let len = request_len(data_words);
            if b.len() < len {
                return Scan::NeedMore;
            }
            if !crc_ok(&b[..len]) {
                return Scan::BadWhole(len);
            }
            Scan::Frame(
                Request {
                    tag: b[1],
                    opcode,
                    addr: u16::from_le_bytes([b[3], b[4]]),
                    count: b[5],
                    data: words(&b[6..len - 2]),
                },
                len,
            )
        })
    }
    /// Bytes thrown away so far.
    pub fn discarded(&self) -> u64 {
        self.h.discarded
    }
    /// Bytes of a partial frame held.
    pub fn pending(&self) -> usize {
        self.h.buf.len()
    }
    /// Candidate frames rejected (bad opcode, count or CRC).
    pub fn bad_frames(&self) -> u64 {
        self.h.bad
    }
    /// Abandons a partial frame (the bridge's inter-byte timeout).
    pub fn abandon(&mut self) {
        self.h.discarded += self.h.buf.len() as u64;
        self.h.buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_catalog_check_value() {
        // CRC-16/IBM-3740 check value over "123456789".
        assert_eq!(CRC16.checksum(b"123456789"), 0x29B1);
    }

    #[test]
    fn read_request_bytes_are_exact() {
        let r = Request { tag: 7, opcode: Opcode::Read, addr: 0x0102, count: 1, data: vec![] };
        let b = r.encode().unwrap();
        assert_eq!(&b[..6], &[0x5A, 7, 0x01, 0x02, 0x01, 1]);
        assert_eq!(b.len(), request_len(0));
        let crc = CRC16.checksum(&b[1..6]).to_le_bytes();
        assert_eq!(&b[6..], &crc);
    }

    #[test]
    fn bad_counts_are_refused() {
        let r = Request { tag: 0, opcode: Opcode::BurstRead, addr: 0, count: 33, data: vec![] };
        assert_eq!(r.encode().unwrap_err().to_string(), "BurstRead count must be in 1..=32, not 33");
        let r = Request { tag: 0, opcode: Opcode::Write, addr: 0, count: 2, data: vec![1] };
        assert!(r.encode().is_err());
    }
}
