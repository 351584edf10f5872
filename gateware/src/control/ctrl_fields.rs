//! `CTRL` decoded once into named signals, at the positions the register
//! map gives (both cores use it).

use crate::control::config_reg::{field_lsb, field_mask};
use crate::control::regmap::RegMap;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct CtrlFields {
    pub ctrl: Signal<In, Bits<32>>,
    pub loopback: Signal<Out, Bit>,
    pub auto_failover: Signal<Out, Bit>,
    pub traffic_enable: Signal<Out, Bit>,
    pub bert_enable: Signal<Out, Bit>,
    pub bert_pattern: Signal<Out, Bits<3>>,
    pub link_reset: Signal<Out, Bit>,
    at_loopback: Constant<Bits<32>>,
    at_auto_failover: Constant<Bits<32>>,
    at_traffic_enable: Constant<Bits<32>>,
    at_bert_enable: Constant<Bits<32>>,
    at_bert_pattern: Constant<Bits<32>>,
    at_link_reset: Constant<Bits<32>>,
    pattern_word: Signal<Local, Bits<32>>,
}

impl CtrlFields {
    pub fn new(map: &RegMap) -> Self {
        CtrlFields {
            ctrl: Default::default(),
            loopback: Default::default(),
            auto_failover: Default::default(),
            traffic_enable: Default::default(),
            bert_enable: Default::default(),
            bert_pattern: Default::default(),
            link_reset: Default::default(),
            at_loopback: field_mask(map, "CTRL", "loopback", 1),
            at_auto_failover: field_mask(map, "CTRL", "auto_failover", 1),
            at_traffic_enable: field_mask(map, "CTRL", "traffic_enable", 1),
            at_bert_enable: field_mask(map, "CTRL", "bert_enable", 1),
            at_bert_pattern: field_lsb(map, "CTRL", "bert_pattern", 3),
            at_link_reset: field_mask(map, "CTRL", "link_reset", 1),
            pattern_word: Default::default(),
        }
    }
}

impl Logic for CtrlFields {
    #[hdl_gen]
    fn update(&mut self) {
        self.loopback.next = (self.ctrl.val() & self.at_loopback.val()) != 0;
        self.auto_failover.next = (self.ctrl.val() & self.at_auto_failover.val()) != 0;
        self.traffic_enable.next = (self.ctrl.val() & self.at_traffic_enable.val()) != 0;
        self.bert_enable.next = (self.ctrl.val() & self.at_bert_enable.val()) != 0;
        // Verilog cannot slice an expression: shift into a signal, then slice.
        self.pattern_word.next = self.ctrl.val() >> self.at_bert_pattern.val();
        self.bert_pattern.next = self.pattern_word.val().get_bits::<3>(0);
        self.link_reset.next = (self.ctrl.val() & self.at_link_reset.val()) != 0;
    }
}
