//! The UART bridge wire protocol, defined once for the gateware bridge and the
//! host client.
//!
//! All multi-byte fields are little-endian. Register addresses are word
//! addresses; registers are 32 bits.
//!
//! Request (host -> board):
//! ```text
//! REQ_SOF tag opcode addr_lo addr_hi count [data u32 x count (WRITE only)] crc_lo crc_hi
//! ```
//! Response (board -> host):
//! ```text
//! RSP_SOF tag status count [data u32 x count] crc_lo crc_hi
//! ```
//! The CRC is [CRC16] over every byte after the SOF and before the CRC.
//! `count` is 1 for READ, 1..=[MAX_BURST] for BURST_READ and WRITE (consecutive
//! addresses), 0 for SNAPSHOT and PING. The tag is echoed so that a reply is
//! paired with its request; a host that sees a reply with another tag discards it.
//!
//! A frame with a bad CRC, an unknown opcode or a bad count is dropped without
//! a reply and counted (register `BRIDGE_DROPPED`); a frame whose bytes stop
//! arriving for [INTERBYTE_TIMEOUT_BYTES] byte times is abandoned, so the
//! bridge always returns to hunting for a SOF, whatever bytes arrive.

/// First byte of a request.
pub const REQ_SOF: u8 = 0x5A;
/// First byte of a response.
pub const RSP_SOF: u8 = 0xA5;
/// Largest `count` of a burst read or write.
pub const MAX_BURST: usize = 32;
/// A partial frame is abandoned after this many idle byte times.
pub const INTERBYTE_TIMEOUT_BYTES: usize = 16;

/// Request opcodes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Opcode {
    /// Read one register.
    Read = 0x01,
    /// Read `count` consecutive registers.
    BurstRead = 0x02,
    /// Write `count` consecutive registers.
    Write = 0x03,
    /// Latch every counter into its snapshot register in the same clock.
    Snapshot = 0x04,
    /// No operation; answered with status OK and no data.
    Ping = 0x05,
}

impl Opcode {
    pub fn from_u8(b: u8) -> Option<Opcode> {
        Some(match b {
            0x01 => Opcode::Read,
            0x02 => Opcode::BurstRead,
            0x03 => Opcode::Write,
            0x04 => Opcode::Snapshot,
            0x05 => Opcode::Ping,
            _ => return None,
        })
    }
}

/// Response status codes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    Ok = 0x00,
    /// Some address of the request is not in the register map (reads 0).
    BadAddress = 0x01,
}

/// The CRC of bridge frames: CRC-16/IBM-3740 (a.k.a. CCITT-FALSE): poly 0x1021,
/// init 0xFFFF, no reflection, no final XOR. Simple to compute a byte at a
/// time in gateware, and available in the `crc` crate as `CRC_16_IBM_3740`.
pub struct Crc16Params;
impl Crc16Params {
    pub const POLY: u16 = 0x1021;
    pub const INIT: u16 = 0xFFFF;
}

/// Bytes on the wire of a request with `count` data words (WRITE) or none.
pub fn request_len(data_words: usize) -> usize {
    1 + 1 + 1 + 2 + 1 + 4 * data_words + 2
}

/// Bytes on the wire of a response with `count` data words.
pub fn response_len(data_words: usize) -> usize {
    1 + 1 + 1 + 1 + 4 * data_words + 2
}
