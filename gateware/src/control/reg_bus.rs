//! The register port as a type: [RegBusMaster] on the bridge's side,
//! [RegBusSlave] on a core's. One access at a time: the master strobes
//! `read` or `write` for one clock with `addr` (and `wdata`) held until the
//! slave's one-clock `ack`, which carries `rdata` (reads) and `error` (the
//! address is unmapped or read only). [crate::control::reg_port::RegPort]
//! is the slave side's timing; the bridge gives up after
//! [crate::control::bridge::REG_ACK_TIMEOUT] clocks without an ack.
//!
//! In Verilog a port `reg_bus` of either type is the seven ports
//! `reg_bus$addr`, `reg_bus$wdata`, `reg_bus$read`, `reg_bus$write`,
//! `reg_bus$ack`, `reg_bus$rdata`, `reg_bus$error` (a port cannot be named
//! `reg`: rust-hdl refuses Verilog keywords).
//! A block joins a master to a slave (`RegBusMaster::join(&mut a, &mut b)`)
//! and passes its own port to a child's (`RegBusSlave::link(&mut self.reg_bus,
//! &mut self.child.reg)`).

use rust_hdl::prelude::*;

/// The bridge's side of the register port.
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "RegBusSlave"]
pub struct RegBusMaster {
    /// Word address, held until `ack`.
    pub addr: Signal<Out, Bits<16>>,
    /// Write data, held until `ack`.
    pub wdata: Signal<Out, Bits<32>>,
    /// One-clock read strobe.
    pub read: Signal<Out, Bit>,
    /// One-clock write strobe.
    pub write: Signal<Out, Bit>,
    /// One-clock strobe: the access is done.
    pub ack: Signal<In, Bit>,
    /// Read data, with `ack`.
    pub rdata: Signal<In, Bits<32>>,
    /// With `ack`: the address is unmapped or read only.
    pub error: Signal<In, Bit>,
}

/// A core's side of the register port (the mirror of [RegBusMaster]).
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "RegBusMaster"]
pub struct RegBusSlave {
    pub addr: Signal<In, Bits<16>>,
    pub wdata: Signal<In, Bits<32>>,
    pub read: Signal<In, Bit>,
    pub write: Signal<In, Bit>,
    pub ack: Signal<Out, Bit>,
    pub rdata: Signal<Out, Bits<32>>,
    pub error: Signal<Out, Bit>,
}
