//! The slave side of the register port (the bridge's contract), shared by
//! the link core and the BERT core: a read latches its address (`raddr`,
//! where the core's read decode looks) and is answered three clocks later,
//! once the core's read muxes have settled; a write is answered the next
//! clock; a core may hold a read's answer longer (`rd_hold`). The answer's error bit is set when the core's decode did not claim
//! the address (`rd_hit` / `wr_hit`), so an address of a feature a build
//! lacks is refused, never silently read as 0.

use super::reg_bus::RegBusSlave;
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct RegPort {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// The register port, from the bridge (`wdata` is the core's to decode).
    pub bus: RegBusSlave,
    /// The address of the read in progress (held until its answer).
    pub raddr: Signal<Out, Bits<16>>,
    /// A read is in progress.
    pub busy: Signal<Out, Bit>,
    /// From the core: the value at `raddr` and whether it exists; whether a
    /// write to `bus.addr` this clock was taken.
    pub rd_value: Signal<In, Bits<32>>,
    pub rd_hit: Signal<In, Bit>,
    pub wr_hit: Signal<In, Bit>,
    /// Hold the read's answer (the value at `raddr` is not ready yet: a
    /// snapshot is being taken).
    pub rd_hold: Signal<In, Bit>,
    raddr_r: DFF<Bits<16>>,
    rpending: DFF<Bit>,
    rwait: DFF<Bits<2>>,
    ack: DFF<Bit>,
    rdata: DFF<Bits<32>>,
    rerror: DFF<Bit>,
}

impl Logic for RegPort {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, raddr_r, rpending, rwait, ack, rdata, rerror);
        self.ack.d.next = false;
        if self.bus.read.val() {
            self.raddr_r.d.next = self.bus.addr.val();
            self.rpending.d.next = true;
            self.rwait.d.next = 0.into();
        }
        if self.rpending.q.val() {
            if self.rwait.q.val() == 2 {
                if !self.rd_hold.val() {
                    self.rpending.d.next = false;
                    self.ack.d.next = true;
                    self.rdata.d.next = self.rd_value.val();
                    self.rerror.d.next = !self.rd_hit.val();
                }
            } else {
                self.rwait.d.next = self.rwait.q.val() + 1;
            }
        }
        if self.bus.write.val() {
            self.ack.d.next = true;
            self.rdata.d.next = 0.into();
            self.rerror.d.next = !self.wr_hit.val();
        }
        if self.reset.val() {
            self.rpending.d.next = false;
        }
        self.raddr.next = self.raddr_r.q.val();
        self.busy.next = self.rpending.q.val();
        self.bus.ack.next = self.ack.q.val();
        self.bus.rdata.next = self.rdata.q.val();
        self.bus.error.next = self.rerror.q.val();
    }
}
