//! The link's word streams as types.
//!
//! - [StreamOut] / [StreamIn]: a valid/ready stream. The source offers
//!   `data` with `valid` and holds both until `ready`; a word moves in each
//!   clock where `valid & ready`. The transmit side of the link (traffic
//!   generator, width splitter, link core, transmitter) speaks it.
//! - [FlowOut] / [FlowIn]: a stream without back-pressure. `data` is valid
//!   for the one clock `valid` is high and the sink must take it then. The
//!   receive side (receiver, width joiner, traffic checker) speaks it;
//!   side bands such as `sof` and `gap` stay ports of their own, as not
//!   every flow has them.
//!
//! In Verilog a port `tx_stream` of [StreamIn] is `tx_stream$data`,
//! `tx_stream$valid` and `tx_stream$ready`.

use rust_hdl::prelude::*;

/// The source side of a valid/ready stream of W-bit words.
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "StreamIn"]
pub struct StreamOut<const W: usize> {
    /// The word offered, held with `valid` until `ready`.
    pub data: Signal<Out, Bits<W>>,
    /// `data` is offered.
    pub valid: Signal<Out, Bit>,
    /// The sink takes the word this clock (if `valid`).
    pub ready: Signal<In, Bit>,
}

/// The sink side of a valid/ready stream (the mirror of [StreamOut]).
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "StreamOut"]
pub struct StreamIn<const W: usize> {
    pub data: Signal<In, Bits<W>>,
    pub valid: Signal<In, Bit>,
    pub ready: Signal<Out, Bit>,
}

/// The source side of a stream without back-pressure.
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "FlowIn"]
pub struct FlowOut<const W: usize> {
    /// The word, valid for this clock only.
    pub data: Signal<Out, Bits<W>>,
    /// `data` holds the next word.
    pub valid: Signal<Out, Bit>,
}

/// The sink side of a stream without back-pressure (the mirror of [FlowOut]).
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "FlowOut"]
pub struct FlowIn<const W: usize> {
    pub data: Signal<In, Bits<W>>,
    pub valid: Signal<In, Bit>,
}
