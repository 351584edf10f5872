//! Software model of the UART bridge protocol ([mosaic_gateware::control::protocol]),
//! written independently of the gateware bridge, for tests:
//! - [encode_request] / [encode_raw]: request bytes (raw ones may be invalid);
//! - [decode_responses]: strict decoding of a board's output byte stream;
//! - [ParserModel]: the request parser's rules (SOF hunting, count check at
//!   the count byte, CRC check, inter-byte timeout), which predicts exactly
//!   which frames a bridge accepts and how many it drops.

use crc::{Crc, CRC_16_IBM_3740};
use mosaic_gateware::control::protocol::{Opcode, MAX_BURST, REQ_SOF, RSP_SOF};

/// The frame CRC, from the `crc` crate's catalog.
pub const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);

/// A request as parsed (opcode and count already checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub tag: u8,
    pub opcode: Opcode,
    pub addr: u16,
    pub count: u8,
    /// WRITE data (empty otherwise).
    pub data: Vec<u32>,
}

/// A decoded response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub tag: u8,
    pub status: u8,
    pub data: Vec<u32>,
}

/// Request bytes with any opcode and count (for malformed-frame tests).
pub fn encode_raw(tag: u8, opcode: u8, addr: u16, count: u8, data: &[u32]) -> Vec<u8> {
    let mut f = vec![REQ_SOF, tag, opcode, addr as u8, (addr >> 8) as u8, count];
    for w in data {
        f.extend_from_slice(&w.to_le_bytes());
    }
    let crc = CRC16.checksum(&f[1..]);
    f.extend_from_slice(&crc.to_le_bytes());
    f
}

/// Bytes of a well-formed request.
pub fn encode_request(r: &Request) -> Vec<u8> {
    encode_raw(r.tag, r.opcode as u8, r.addr, r.count, &r.data)
}

/// Decodes a whole byte stream as back-to-back responses; any stray byte,
/// short frame or CRC mismatch is an error.
pub fn decode_responses(bytes: &[u8]) -> Result<Vec<Response>, String> {
    let mut out = vec![];
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest[0] != RSP_SOF {
            return Err(format!("byte {i}: {:#04x} where a response SOF was expected", rest[0]));
        }
        if rest.len() < 6 {
            return Err(format!("byte {i}: truncated response header"));
        }
        let n = rest[3] as usize;
        let len = 4 + 4 * n + 2;
        if rest.len() < len {
            return Err(format!("byte {i}: truncated response of {n} words"));
        }
        let crc = CRC16.checksum(&rest[1..len - 2]);
        let got = u16::from_le_bytes([rest[len - 2], rest[len - 1]]);
        if crc != got {
            return Err(format!("byte {i}: response CRC {got:#06x}, computed {crc:#06x}"));
        }
        let data = rest[4..4 + 4 * n].chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        out.push(Response { tag: rest[1], status: rest[2], data });
        i += len;
    }
    Ok(out)
}

/// Why the parser dropped a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    BadOpcodeOrCount,
    BadCrc,
    Timeout,
}

/// What one byte (or a timeout) did to the parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseEvent {
    Accepted(Request),
    Dropped(DropReason),
}

/// The bridge's request-parsing rules, byte by byte.
#[derive(Clone, Debug, Default)]
pub struct ParserModel {
    /// Bytes of the frame so far, SOF included; empty while hunting.
    frame: Vec<u8>,
    /// Frames dropped so far.
    pub dropped: u64,
}

fn count_ok(op: Opcode, count: u8) -> bool {
    match op {
        Opcode::Read => count == 1,
        Opcode::BurstRead | Opcode::Write => (1..=MAX_BURST as u8).contains(&count),
        Opcode::Snapshot | Opcode::Ping => count == 0,
    }
}

impl ParserModel {
    pub fn new() -> Self {
        Self::default()
    }

    /// True inside a frame (a timeout would drop it).
    pub fn in_frame(&self) -> bool {
        !self.frame.is_empty()
    }

    fn drop_frame(&mut self, why: DropReason) -> Option<ParseEvent> {
        self.frame.clear();
        self.dropped += 1;
        Some(ParseEvent::Dropped(why))
    }

    /// One received byte.
    pub fn push(&mut self, b: u8) -> Option<ParseEvent> {
        if self.frame.is_empty() {
            if b == REQ_SOF {
                self.frame.push(b);
            }
            return None;
        }
        self.frame.push(b);
        let f = &self.frame;
        if f.len() == 6 {
            match Opcode::from_u8(f[2]) {
                Some(op) if count_ok(op, f[5]) => {}
                _ => return self.drop_frame(DropReason::BadOpcodeOrCount),
            }
        }
        if f.len() < 6 {
            return None;
        }
        let op = Opcode::from_u8(f[2]).unwrap();
        let count = f[5];
        let data_words = if op == Opcode::Write { count as usize } else { 0 };
        let len = 6 + 4 * data_words + 2;
        if f.len() < len {
            return None;
        }
        let crc = CRC16.checksum(&f[1..len - 2]);
        if crc != u16::from_le_bytes([f[len - 2], f[len - 1]]) {
            return self.drop_frame(DropReason::BadCrc);
        }
        let data =
            f[6..6 + 4 * data_words].chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let r = Request { tag: f[1], opcode: op, addr: u16::from_le_bytes([f[3], f[4]]), count, data };
        self.frame.clear();
        Some(ParseEvent::Accepted(r))
    }

    /// The line stayed idle for the inter-byte timeout.
    pub fn timeout(&mut self) -> Option<ParseEvent> {
        if self.in_frame() {
            self.drop_frame(DropReason::Timeout)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_accepts_what_the_encoder_writes() {
        let r = Request { tag: 7, opcode: Opcode::Write, addr: 0x1234, count: 2, data: vec![1, 0xDEAD_BEEF] };
        let bytes = encode_request(&r);
        assert_eq!(bytes.len(), mosaic_gateware::control::protocol::request_len(2));
        let mut p = ParserModel::new();
        let events: Vec<_> = [0x00, 0x11].iter().chain(&bytes).filter_map(|&b| p.push(b)).collect();
        assert_eq!(events, vec![ParseEvent::Accepted(r)]);
        assert_eq!(p.dropped, 0);
    }

    #[test]
    fn parser_drops_bad_count_crc_and_truncation() {
        let mut p = ParserModel::new();
        let bad_count = encode_raw(1, Opcode::Read as u8, 0, 2, &[]);
        let events: Vec<_> = bad_count.iter().filter_map(|&b| p.push(b)).collect();
        assert_eq!(events, vec![ParseEvent::Dropped(DropReason::BadOpcodeOrCount)]);
        let mut bad_crc = encode_raw(1, Opcode::Ping as u8, 0, 0, &[]);
        bad_crc[7] ^= 1;
        let events: Vec<_> = bad_crc.iter().filter_map(|&b| p.push(b)).collect();
        assert_eq!(events, vec![ParseEvent::Dropped(DropReason::BadCrc)]);
        p.push(REQ_SOF);
        assert_eq!(p.timeout(), Some(ParseEvent::Dropped(DropReason::Timeout)));
        assert_eq!(p.timeout(), None);
        assert_eq!(p.dropped, 3);
    }

    #[test]
    fn responses_decode_strictly() {
        let mut f = vec![RSP_SOF, 9, 0, 1, 0x4B, 0x4C, 0x53, 0x4D];
        let crc = CRC16.checksum(&f[1..]);
        f.extend_from_slice(&crc.to_le_bytes());
        let r = decode_responses(&f).unwrap();
        assert_eq!(r, vec![Response { tag: 9, status: 0, data: vec![0x4D53_4C4B] }]);
        f[5] ^= 4;
        assert!(decode_responses(&f).unwrap_err().contains("CRC"));
    }
}
