//! The register-port cores a test or a runner drives cycle by cycle: the
//! link core, its wide wrapper and the BERT core share these ports (the UART
//! bridge's contract), so one driver serves all of them.

use mosaic_gateware::bert::core::BertCore;
use mosaic_gateware::link::core::LinkCore;
use mosaic_gateware::link::core_wide::LinkCoreWide;
use rust_hdl::prelude::*;

/// Clock, reset, the register port, `snapshot` and the LEDs of a core.
pub trait RegPorts: Block {
    fn clock(&mut self) -> &mut Signal<In, Clock>;
    fn reset(&mut self) -> &mut Signal<In, Bit>;
    fn reg_addr(&mut self) -> &mut Signal<In, Bits<16>>;
    fn reg_wdata(&mut self) -> &mut Signal<In, Bits<32>>;
    fn reg_read(&mut self) -> &mut Signal<In, Bit>;
    fn reg_write(&mut self) -> &mut Signal<In, Bit>;
    fn snapshot(&mut self) -> &mut Signal<In, Bit>;
    /// (ack, error, read data) of the register port.
    fn reg_reply(&self) -> (bool, bool, u32);
    fn led_bits(&self) -> Bits<8>;
    /// Register port idle, reset low: the inputs of a clock with no access.
    fn idle(&mut self) {
        self.reg_read().next = false;
        self.reg_write().next = false;
        self.snapshot().next = false;
        self.reset().next = false;
    }
}

macro_rules! reg_ports {
    ([$($g:tt)*] $t:ty) => {
        impl<$($g)*> RegPorts for $t {
            fn clock(&mut self) -> &mut Signal<In, Clock> { &mut self.clock }
            fn reset(&mut self) -> &mut Signal<In, Bit> { &mut self.reset }
            fn reg_addr(&mut self) -> &mut Signal<In, Bits<16>> { &mut self.reg_bus.addr }
            fn reg_wdata(&mut self) -> &mut Signal<In, Bits<32>> { &mut self.reg_bus.wdata }
            fn reg_read(&mut self) -> &mut Signal<In, Bit> { &mut self.reg_bus.read }
            fn reg_write(&mut self) -> &mut Signal<In, Bit> { &mut self.reg_bus.write }
            fn snapshot(&mut self) -> &mut Signal<In, Bit> { &mut self.snapshot }
            fn reg_reply(&self) -> (bool, bool, u32) {
                (self.reg_bus.ack.val(), self.reg_bus.error.val(), self.reg_bus.rdata.val().to_u64() as u32)
            }
            fn led_bits(&self) -> Bits<8> { self.leds.val() }
        }
    };
}
reg_ports!([] LinkCore);
reg_ports!([const W: usize] LinkCoreWide<W>);
reg_ports!([] BertCore);
