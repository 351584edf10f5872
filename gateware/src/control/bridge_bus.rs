//! The interfaces between the bridge's three blocks ([super::bridge]):
//!
//! ```text
//!  bytes ─► BridgeParse ─req─► BridgeExec ─result─► BridgeRespond ─► bytes
//!               │ stage            │ fetch, store        │ fetch
//!               └──────────── 32-word buffer ────────────┘
//! ```
//!
//! A request is handed on by a one-clock `start` strobe; its fields are held
//! until `done`, the strobe of the response's last byte, which the executer
//! passes back from its result port: one request is in the bridge at a time.

use rust_hdl::prelude::*;

/// A checked request frame, from the parser.
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "RequestIn"]
pub struct RequestOut {
    /// One-clock strobe: a frame passed its CRC; the fields below are held until `done`.
    pub start: Signal<Out, Bit>,
    pub tag: Signal<Out, Bits<8>>,
    pub opcode: Signal<Out, Bits<8>>,
    /// First register address.
    pub addr: Signal<Out, Bits<16>>,
    /// Registers to access (0 for SNAPSHOT and PING).
    pub count: Signal<Out, Bits<8>>,
    /// One-clock strobe: the response is sent; the parser hunts again.
    pub done: Signal<In, Bit>,
}

/// The executer's side of [RequestOut].
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "RequestOut"]
pub struct RequestIn {
    pub start: Signal<In, Bit>,
    pub tag: Signal<In, Bits<8>>,
    pub opcode: Signal<In, Bits<8>>,
    pub addr: Signal<In, Bits<16>>,
    pub count: Signal<In, Bits<8>>,
    pub done: Signal<Out, Bit>,
}

/// What the response reports, from the executer.
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "ResultIn"]
pub struct ResultOut {
    /// One-clock strobe: every access is done; the fields below are held until `done`.
    pub start: Signal<Out, Bit>,
    /// The request's tag, echoed.
    pub tag: Signal<Out, Bits<8>>,
    /// Some access was refused or timed out (status BadAddress).
    pub bad_address: Signal<Out, Bit>,
    /// Data words of the response (READ 1, BURST_READ its count, else 0),
    /// in buffer words 0 ..
    pub words: Signal<Out, Bits<8>>,
    /// One-clock strobe: the response's last byte is taken.
    pub done: Signal<In, Bit>,
}

/// The responder's side of [ResultOut].
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "ResultOut"]
pub struct ResultIn {
    pub start: Signal<In, Bit>,
    pub tag: Signal<In, Bits<8>>,
    pub bad_address: Signal<In, Bit>,
    pub words: Signal<In, Bits<8>>,
    pub done: Signal<Out, Bit>,
}

/// A write port of the bridge's 32-word buffer.
#[derive(Clone, Debug, Default, LogicInterface)]
pub struct BufWrite {
    /// Write `data` at `addr` this clock.
    pub enable: Signal<Out, Bit>,
    pub addr: Signal<Out, Bits<5>>,
    pub data: Signal<Out, Bits<32>>,
}

/// A read port of the bridge's buffer: `data` is the word at the `addr` of
/// the clock before (a synchronous RAM).
#[derive(Clone, Debug, Default, LogicInterface)]
pub struct BufRead {
    pub addr: Signal<Out, Bits<5>>,
    pub data: Signal<In, Bits<32>>,
}
