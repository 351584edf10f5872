//! The address decode both cores share, generated from the register map:
//! the identity registers (constants of the build) and the two per-lane
//! regions (lane status at `LANE_BASE + 8 * lane`, emulator at
//! `EMU_BASE + 4 * lane`). Each core adds its own registers on top.

use crate::control::regmap::{self, RegMap};
use rust_hdl::prelude::*;

/// Build constants shown in the identity registers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub features: u32,
    pub build_id: u32,
    pub clock_hz: u32,
}

/// The address of register `name` as an HDL constant; a name the map lacks
/// is a bug in the core that asks (it panics at build time).
pub fn addr(map: &RegMap, name: &str) -> Constant<Bits<16>> {
    let r = map.get(name).unwrap_or_else(|| panic!("register map has no {name}: regmap.rs and the core disagree"));
    Constant::new((r.addr as u64).into())
}

/// The word of per-lane register `name` within its lane's block, as an HDL
/// constant as wide as the block's word index.
pub fn lane_word<const W: usize>(map: &RegMap, name: &str) -> Constant<Bits<W>> {
    Constant::new((map.lane_word(name) as u64).into())
}

/// log2 of a block's stride, which must be `1 << word_bits` (the width of
/// the decode's word index).
fn stride_shift(stride: u16, word_bits: u32, what: &str) -> Constant<Bits<16>> {
    assert!(
        stride == 1 << word_bits,
        "the {what} decode takes {} words per lane, the map has {stride}",
        1 << word_bits
    );
    Constant::new((word_bits as u64).into())
}

#[derive(LogicBlock)]
pub struct MapDecode {
    /// Address of the read in progress (the register port's `raddr`).
    pub raddr: Signal<In, Bits<16>>,
    /// Address on the bus this clock (writes; the emulator's read port).
    pub addr: Signal<In, Bits<16>>,
    /// `raddr` is an identity register, and its value.
    pub id_hit: Signal<Out, Bit>,
    pub id_value: Signal<Out, Bits<32>>,
    /// `raddr` is in the lane status region: lane and word (0..8).
    pub in_lanes: Signal<Out, Bit>,
    pub lane: Signal<Out, Bits<12>>,
    pub lane_word: Signal<Out, Bits<3>>,
    /// `addr` is in the emulator region: lane and word (0..4).
    pub in_emu: Signal<Out, Bit>,
    pub emu_lane: Signal<Out, Bits<12>>,
    pub emu_word: Signal<Out, Bits<2>>,
    lane_off: Signal<Local, Bits<16>>,
    lane_idx: Signal<Local, Bits<16>>,
    emu_off: Signal<Local, Bits<16>>,
    emu_idx: Signal<Local, Bits<16>>,
    id_addr: Vec<Constant<Bits<16>>>,
    id_value_c: Vec<Constant<Bits<32>>>,
    lane_base: Constant<Bits<16>>,
    emu_base: Constant<Bits<16>>,
    lane_shift: Constant<Bits<16>>,
    emu_shift: Constant<Bits<16>>,
    n_phys: Constant<Bits<16>>,
}

impl MapDecode {
    /// The decode of `map` (identity values from `id`).
    pub fn new(map: &RegMap, id: Identity) -> Self {
        // Identity: read-only plain registers, whose value is their reset
        // value or a build constant.
        let ident: Vec<(u16, u32)> = map
            .identity()
            .map(|r| {
                let v = match r.name {
                    "FEATURES" => id.features,
                    "BUILD_ID" => id.build_id,
                    "CLOCK_HZ" => id.clock_hz,
                    _ => r.reset,
                };
                (r.addr, v)
            })
            .collect();
        MapDecode {
            raddr: Default::default(),
            addr: Default::default(),
            id_hit: Default::default(),
            id_value: Default::default(),
            in_lanes: Default::default(),
            lane: Default::default(),
            lane_word: Default::default(),
            in_emu: Default::default(),
            emu_lane: Default::default(),
            emu_word: Default::default(),
            lane_off: Default::default(),
            lane_idx: Default::default(),
            emu_off: Default::default(),
            emu_idx: Default::default(),
            id_addr: ident.iter().map(|(a, _)| Constant::new((*a as u64).into())).collect(),
            id_value_c: ident.iter().map(|(_, v)| Constant::new((*v as u64).into())).collect(),
            lane_base: Constant::new((regmap::LANE_BASE as u64).into()),
            emu_base: Constant::new((regmap::EMU_BASE as u64).into()),
            lane_shift: stride_shift(regmap::LANE_STRIDE, 3, "lane"),
            emu_shift: stride_shift(regmap::EMU_STRIDE, 2, "emulator"),
            n_phys: Constant::new((map.params.physical_lanes() as u64).into()),
        }
    }
}

impl Logic for MapDecode {
    #[hdl_gen]
    fn update(&mut self) {
        self.id_hit.next = false;
        self.id_value.next = 0.into();
        for i in 0..self.id_addr.len() {
            if self.raddr.val() == self.id_addr[i].val() {
                self.id_value.next = self.id_value_c[i].val();
                self.id_hit.next = true;
            }
        }
        self.lane_off.next = self.raddr.val() - self.lane_base.val();
        self.lane_idx.next = self.lane_off.val() >> self.lane_shift.val();
        self.in_lanes.next = (self.raddr.val() >= self.lane_base.val()) & (self.lane_idx.val() < self.n_phys.val());
        self.lane.next = bit_cast::<12, 16>(self.lane_idx.val());
        self.lane_word.next = self.lane_off.val().get_bits::<3>(0);
        self.emu_off.next = self.addr.val() - self.emu_base.val();
        self.emu_idx.next = self.emu_off.val() >> self.emu_shift.val();
        self.in_emu.next = (self.addr.val() >= self.emu_base.val()) & (self.emu_idx.val() < self.n_phys.val());
        self.emu_lane.next = bit_cast::<12, 16>(self.emu_idx.val());
        self.emu_word.next = bit_cast::<2, 16>(self.emu_off.val());
    }
}
