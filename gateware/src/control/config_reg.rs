//! A plain read/write register of the map (`CTRL`, `FAILOVER_*`), built
//! from its entry alone: address, reset value, the fields this build has
//! (a field of an absent feature stores nothing and reads its `absent`
//! value), and the write rule every register shares: a word with a field
//! outside its range is refused (the answer's error bit), the register
//! keeps its value.

use crate::control::map_decode::addr;
use crate::control::regmap::RegMap;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct ConfigReg {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// The register port this clock (writes) and the latched read address.
    pub addr: Signal<In, Bits<16>>,
    pub write: Signal<In, Bit>,
    pub wdata: Signal<In, Bits<32>>,
    pub raddr: Signal<In, Bits<16>>,
    /// The stored fields (what the core uses).
    pub value: Signal<Out, Bits<32>>,
    /// A write to this register was taken this clock (claims the address).
    pub wr_hit: Signal<Out, Bit>,
    /// `raddr` is this register; `rd_value` is its word (0 otherwise).
    pub rd_hit: Signal<Out, Bit>,
    pub rd_value: Signal<Out, Bits<32>>,
    stored: DFF<Bits<32>>,
    at: Constant<Bits<16>>,
    init: Constant<Bits<32>>,
    /// Bits of the fields this build stores.
    mask: Constant<Bits<32>>,
    /// What the fields this build lacks read.
    absent: Constant<Bits<32>>,
    f_lsb: Vec<Constant<Bits<32>>>,
    f_ones: Vec<Constant<Bits<32>>>,
    f_min: Vec<Constant<Bits<32>>>,
    f_max: Vec<Constant<Bits<32>>>,
    in_range: Signal<Local, Bit>,
}

fn c32(v: u32) -> Constant<Bits<32>> {
    Constant::new((v as u64).into())
}

impl ConfigReg {
    /// Register `name` of `map` in a build with `FEATURES` = `features`.
    pub fn new(map: &RegMap, name: &str, features: u32) -> Self {
        let r = map.get(name).unwrap_or_else(|| panic!("register map has no {name}"));
        assert!(r.count == 1, "{name} is an array, not a plain register");
        let present = r.fields_in(map, features);
        let (mask, absent) = (r.stored_mask(map, features), r.absent_bits(map, features));
        ConfigReg {
            clock: Default::default(),
            reset: Default::default(),
            addr: Default::default(),
            write: Default::default(),
            wdata: Default::default(),
            raddr: Default::default(),
            value: Default::default(),
            wr_hit: Default::default(),
            rd_hit: Default::default(),
            rd_value: Default::default(),
            stored: Default::default(),
            at: addr(map, name),
            init: c32(r.reset & mask),
            mask: c32(mask),
            absent: c32(absent),
            f_lsb: present.iter().map(|f| c32(f.lsb)).collect(),
            f_ones: present.iter().map(|f| c32(f.mask() >> f.lsb)).collect(),
            f_min: present.iter().map(|f| c32(f.min)).collect(),
            f_max: present.iter().map(|f| c32(f.max)).collect(),
            in_range: Default::default(),
        }
    }
}

impl Logic for ConfigReg {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stored);
        self.in_range.next = true;
        for i in 0..self.f_lsb.len() {
            self.in_range.next = self.in_range.val()
                & (((self.wdata.val() >> self.f_lsb[i].val()) & self.f_ones[i].val()) >= self.f_min[i].val())
                & (((self.wdata.val() >> self.f_lsb[i].val()) & self.f_ones[i].val()) <= self.f_max[i].val());
        }
        self.wr_hit.next = self.write.val() & (self.addr.val() == self.at.val()) & self.in_range.val();
        if self.wr_hit.val() {
            self.stored.d.next = self.wdata.val() & self.mask.val();
        }
        if self.reset.val() {
            self.stored.d.next = self.init.val();
        }
        self.value.next = self.stored.q.val();
        self.rd_hit.next = self.raddr.val() == self.at.val();
        self.rd_value.next = 0.into();
        if self.rd_hit.val() {
            self.rd_value.next = self.stored.q.val() | self.absent.val();
        }
    }
}

/// The shift that brings field `reg.field` of `map` to bit 0, for a field
/// of `width` bits (a width the map does not give is a bug in the core).
pub fn field_lsb(map: &RegMap, reg: &str, field: &str, width: u32) -> Constant<Bits<32>> {
    let f = map.field(reg, field);
    assert_eq!(f.width, width, "{reg}.{field} is {} bits in the map, the core takes {width}", f.width);
    c32(f.lsb)
}

/// Field `reg.field` of `map` in place (all ones in its bits), for a field
/// of `width` bits.
pub fn field_mask(map: &RegMap, reg: &str, field: &str, width: u32) -> Constant<Bits<32>> {
    let f = map.field(reg, field);
    assert_eq!(f.width, width, "{reg}.{field} is {} bits in the map, the core takes {width}", f.width);
    c32(f.mask())
}
