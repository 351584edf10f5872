//! The register map, defined once as data.
//!
//! The gateware's address decode (see the top's register file), the host's
//! typed client and `mosaic regs --format md|json` are all generated from
//! [RegMap::new]. Per-lane registers are arrays: one instance per physical
//! (or logical) lane at `base + index * stride`.
//!
//! Counters are read through snapshots: a SNAPSHOT command (or a write to
//! `SNAPSHOT`) latches every counter in the same clock; reads of counter
//! registers return the latched values, so a table of counters is consistent.

use crate::params::LinkParams;
use crate::phy::prbs::PrbsPattern;
use serde::Serialize;

/// Version of this map; the host refuses a board whose version differs.
/// 2: FEATURES gained `link`; registers of absent features answer with an error.
/// 3: FEATURES gained `lane_permutation` (`EMU_SOURCE`).
/// 4: `RX_GAPS` and `LANE_BAD_MARKERS`; TX/RX_WORDS count stream words.
pub const MAP_VERSION: u32 = 4;
/// Identity magic, ASCII "MSLK".
pub const MAGIC: u32 = 0x4D53_4C4B;

/// How software may access a register.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Read only (status, identity, counter snapshots).
    Ro,
    /// Read/write configuration.
    Rw,
    /// Write only: writing performs an action; reads return 0.
    Wo,
}

/// A bit field of a register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: &'static str,
    pub lsb: u32,
    pub width: u32,
    pub doc: &'static str,
    /// Smallest meaningful value (0 for most fields).
    pub min: u32,
    /// Largest meaningful value: all ones in `width` bits, or less (a delay
    /// line's length, a lane number, a pattern code).
    pub max: u32,
    /// The `FEATURES` bit a build needs to have this field; a build without
    /// it stores nothing there and reads `absent`.
    pub requires: Option<&'static str>,
    /// What the field reads in a build without `requires`.
    pub absent: u32,
}

impl Field {
    /// The values software may write (the host checks its options with it).
    /// The gateware refuses a write with any field outside its range (the
    /// answer carries the error bit, the register keeps its value).
    pub fn range(&self) -> std::ops::RangeInclusive<u32> {
        self.min..=self.max
    }
    /// The field's bits in place.
    pub fn mask(&self) -> u32 {
        ones(self.width) << self.lsb
    }
    /// The field's value in `word`.
    pub fn get(&self, word: u32) -> u32 {
        (word >> self.lsb) & ones(self.width)
    }
    /// `word` with the field set to `value` (None when `value` is too wide).
    pub fn set(&self, word: u32, value: u32) -> Option<u32> {
        (value <= ones(self.width)).then(|| (word & !self.mask()) | value << self.lsb)
    }
}

/// All ones in `width` bits.
const fn ones(width: u32) -> u32 {
    if width >= 32 {
        u32::MAX
    } else {
        (1 << width) - 1
    }
}

/// One register, or an array of registers (`count` > 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Register {
    pub name: &'static str,
    /// Word address of instance 0.
    pub addr: u16,
    /// Instances (1 for a plain register).
    pub count: u16,
    /// Address step between instances.
    pub stride: u16,
    pub access: Access,
    /// Value after reset (of every instance, or see `reset_index`).
    pub reset: u32,
    /// Instance i resets to i (the lane maps: identity).
    pub reset_index: bool,
    /// True for counters, which read their snapshot.
    pub counter: bool,
    pub fields: Vec<Field>,
    pub doc: &'static str,
    /// The `FEATURES` bit (by field name) a build needs to have this
    /// register; `None`: every build has it. A build without the feature
    /// answers the address with an error.
    pub requires: Option<&'static str>,
}

impl Register {
    /// Address of instance `i`, or None when out of range.
    pub fn addr_of(&self, i: usize) -> Option<u16> {
        (i < self.count as usize).then(|| self.addr + (i as u16) * self.stride)
    }
    /// Field by name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
    /// Value of instance `i` after reset.
    pub fn reset_of(&self, i: usize) -> u32 {
        if self.reset_index {
            i as u32
        } else {
            self.reset
        }
    }
    /// The fields a build with `FEATURES` = `features` has.
    pub fn fields_in(&self, map: &RegMap, features: u32) -> Vec<&Field> {
        self.fields.iter().filter(|f| f.requires.is_none_or(|n| map.has_feature(features, n))).collect()
    }
    /// The bits a build with `features` stores: its fields' (all, for a
    /// register without fields).
    pub fn stored_mask(&self, map: &RegMap, features: u32) -> u32 {
        if self.fields.is_empty() {
            return u32::MAX;
        }
        self.fields_in(map, features).iter().fold(0, |m, f| m | f.mask())
    }
    /// What the fields a build with `features` lacks read.
    pub fn absent_bits(&self, map: &RegMap, features: u32) -> u32 {
        let present = self.fields_in(map, features);
        self.fields.iter().filter(|f| !present.contains(f)).fold(0, |w, f| w | f.absent << f.lsb)
    }
    /// What a read returns after `word` was stored, in a build with `features`.
    pub fn readback(&self, map: &RegMap, features: u32, word: u32) -> u32 {
        (word & self.stored_mask(map, features)) | self.absent_bits(map, features)
    }
    /// Whether the gateware takes `word` (every field in its range); a
    /// register without fields takes any word.
    pub fn accepts(&self, word: u32) -> bool {
        self.fields.iter().all(|f| f.range().contains(&f.get(word)))
    }
}

/// The whole map for one link shape.
#[derive(Clone, Debug, Serialize)]
pub struct RegMap {
    pub version: u32,
    pub params: LinkParams,
    pub registers: Vec<Register>,
}

fn f(name: &'static str, lsb: u32, width: u32, doc: &'static str) -> Field {
    Field { name, lsb, width, doc, min: 0, max: ones(width), requires: None, absent: 0 }
}

/// A field only builds with feature `feature` have.
fn needs(feature: &'static str, field: Field) -> Field {
    Field { requires: Some(feature), ..field }
}

/// A lane-number field of a map over `lanes` physical lanes.
fn lane_field(name: &'static str, lanes: u16, doc: &'static str) -> Field {
    Field { max: lanes.saturating_sub(1) as u32, ..f(name, 0, 12, doc) }
}

/// The channel emulator's delay field: wide enough for the longest delay
/// line, and capped at it (longer delays are clamped by the gateware).
fn delay_field() -> Field {
    let most = crate::emu::lane::MAX_DELAY_BITS as u32;
    Field {
        max: most,
        ..f("bits", 0, u32::BITS - most.leading_zeros(), "Added delay in line bits (at most the delay line).")
    }
}

/// Base of the per-physical-lane status block.
pub const LANE_BASE: u16 = 0x0100;
/// Words per physical lane in the lane status block.
pub const LANE_STRIDE: u16 = 0x8;

/// The link's per-lane registers, in word-offset order within a lane's
/// block (LANE_STATUS at 0): the link core's read mux and the host's lane
/// burst both follow it.
pub const LANE_REGS: [&str; 8] = [
    "LANE_STATUS",
    "LANE_SYNC_ERRORS",
    "LANE_LOCK_LOSSES",
    "LANE_PRBS_ERRORS",
    "LANE_BIP_ERRORS",
    "LANE_SKEW",
    "LANE_BITS",
    "LANE_BAD_MARKERS",
];
/// Base of the TX lane map (one word per logical lane).
pub const TXMAP_BASE: u16 = 0x1000;
/// Base of the channel emulator (one block per physical lane).
pub const EMU_BASE: u16 = 0x2000;
/// Words per physical lane in the channel emulator block.
pub const EMU_STRIDE: u16 = 0x4;

impl RegMap {
    /// The map for a link of shape `p`.
    pub fn new(p: &LinkParams) -> RegMap {
        let phys = p.physical_lanes() as u16;
        let n = p.lanes as u16;
        let plain = |name, addr, access, reset, counter, fields, doc| Register {
            name,
            addr,
            count: 1,
            stride: 1,
            access,
            reset,
            reset_index: false,
            counter,
            fields,
            doc,
            requires: None,
        };
        use Access::*;
        let mut r = vec![
            // Identity.
            plain("MAGIC", 0x000, Ro, MAGIC, false, vec![], "Identity magic, ASCII \"MSLK\" (0x4D534C4B)."),
            plain("MAP_VERSION", 0x001, Ro, MAP_VERSION, false, vec![], "Register map version; the host refuses a mismatch."),
            plain("PARAM_LANES", 0x002, Ro, p.lanes as u32, false, vec![], "N: logical data lanes."),
            plain("PARAM_SPARES", 0x003, Ro, p.spares as u32, false, vec![], "S: spare physical lanes."),
            plain("PARAM_OSR", 0x004, Ro, p.osr as u32, false, vec![], "OSR: clocks per line bit."),
            plain("PARAM_MARKER_PERIOD", 0x005, Ro, p.marker_period as u32, false, vec![], "M: blocks per alignment-marker period."),
            plain("PARAM_DESKEW_DEPTH", 0x006, Ro, p.deskew_depth as u32, false, vec![], "D: deskew FIFO depth in blocks."),
            plain("FEATURES", 0x007, Ro, 0, false, vec![
                f("channel_emulator", 0, 1, "Gateware channel emulator present."),
                f("internal_loopback", 1, 1, "Internal loopback present."),
                f("auto_failover", 2, 1, "Automatic spare failover present."),
                f("traffic", 3, 1, "Traffic generator and checker present."),
                f("bert", 4, 1, "Per-lane PRBS BERT present."),
                f("link", 5, 1, "Block link present: lane framing, markers, deskew, stream (the BERT-only image has none)."),
                f("lane_permutation", 6, 1, "The channel emulator can permute lanes (EMU_SOURCE)."),
            ], "Feature bits of this build."),
            plain("BUILD_ID", 0x008, Ro, 0, false, vec![], "Build identifier (set by the build flow)."),
            plain("CLOCK_HZ", 0x009, Ro, 0, false, vec![], "Link clock frequency in Hz (0 in simulation)."),
            // Control.
            plain("CTRL", 0x010, Rw, 0, false, vec![
                needs("internal_loopback", f("loopback", 0, 1, "1 = internal loopback (TX lanes feed RX lanes through the channel emulator).")),
                needs("auto_failover", f("auto_failover", 1, 1, "1 = move a down lane to a free spare automatically.")),
                needs("traffic", f("traffic_enable", 2, 1, "1 = the traffic generator feeds the link.")),
                // Only a link image can leave BERT mode: the BERT image reads 1.
                Field { absent: 1, ..needs("link", f("bert_enable", 3, 1, "1 = every lane sends and checks raw PRBS instead of blocks (always 1 in the BERT image).")) },
                Field { max: PrbsPattern::ALL.len() as u32 - 1, ..needs("bert", f("bert_pattern", 4, 3, "PRBS pattern: 0=PRBS7 1=PRBS9 2=PRBS15 3=PRBS23 4=PRBS31.")) },
                needs("link", f("link_reset", 8, 1, "1 = hold the link datapath in reset.")),
            ], "Link control."),
            plain("SNAPSHOT", 0x011, Wo, 0, false, vec![], "Any write: latch every counter (same as the SNAPSHOT command)."),
            plain("CLEAR", 0x012, Wo, 0, false, vec![f("clear", 0, 1, "Write 1: clear every counter.")], "Write 1: clear every counter."),
            plain("LINK_STATUS", 0x013, Ro, 0, false, vec![
                f("link_up", 0, 1, "All N logical lanes found, deskewed and aligned."),
                f("lanes_found", 16, 12, "Logical lanes with marker lock."),
            ], "Link status (live)."),
            plain("FAILOVER_THRESHOLD", 0x014, Rw, 4, false, vec![
                f("markers", 0, 8, "Markers with a BIP-8 mismatch per window that mark a data lane down (0: BIP never triggers)."),
            ], "Auto-failover BIP threshold (the link reads bits 7..0)."),
            plain("FAILOVER_WINDOW", 0x015, Rw, 8, false, vec![
                // A window of 0 periods would behave as 1: refuse it.
                Field { min: 1, ..f("periods", 0, 16, "Marker periods per BIP-error window (at least 1).") },
            ], "Auto-failover BIP window (the link reads bits 15..0)."),
            // Link counters (snapshot).
            plain("REALIGNS", 0x020, Ro, 0, true, vec![], "Times the deskew re-aligned the link."),
            plain("FAILOVERS", 0x021, Ro, 0, true, vec![], "Lanes moved to a spare by auto failover."),
            plain("TX_WORDS", 0x022, Ro, 0, true, vec![], "Stream words sent."),
            plain("RX_WORDS", 0x023, Ro, 0, true, vec![], "Stream words received."),
            plain("GOOD_FRAMES", 0x024, Ro, 0, true, vec![], "Traffic-checker frames with good CRC and sequence."),
            plain("BAD_FRAMES", 0x025, Ro, 0, true, vec![], "Traffic-checker frames with a bad CRC."),
            plain("LOST_FRAMES", 0x026, Ro, 0, true, vec![], "Frames missing by sequence number."),
            plain("UPTIME_BLOCKS", 0x027, Ro, 0, true, vec![], "Block times since reset (for rates)."),
            plain("RX_GAPS", 0x029, Ro, 0, true, vec![], "Gaps flagged on the receive stream (rx_gap strobes): rounds not delivered for an invalid sync header or a lost word, and link drops."),
            plain("BRIDGE_DROPPED", 0x028, Ro, 0, false, vec![], "Bridge frames dropped (bad CRC, opcode or count, timeout). Live."),
        ];
        let lane = |name, off: u16, access, counter, fields, doc| Register {
            name,
            addr: LANE_BASE + off,
            count: phys,
            stride: LANE_STRIDE,
            access,
            reset: 0,
            reset_index: false,
            counter,
            fields,
            doc,
            requires: None,
        };
        r.extend([
            Register {
                // Below OSR 3 there is no bit recovery to lock: bit_lock reads 1.
                reset: (p.osr < crate::phy::bit_recovery::MIN_ADAPTIVE_OSR) as u32,
                ..lane("LANE_STATUS", 0, Ro, false, vec![
                f("bit_lock", 0, 1, "Bit recovery locked (always 1 below OSR 3)."),
                f("block_lock", 1, 1, "Block lock (64 good sync headers)."),
                f("marker_lock", 2, 1, "Alignment markers seen on this lane."),
                f("prbs_lock", 3, 1, "BERT checker locked."),
                f("inverted", 4, 1, "Lane polarity found inverted and corrected."),
                f("logical_id", 16, 12, "Logical lane carried (valid with marker_lock)."),
            ], "Per physical lane: status (live).")
            },
            lane("LANE_SYNC_ERRORS", 1, Ro, true, vec![], "Per physical lane: invalid sync headers."),
            lane("LANE_LOCK_LOSSES", 2, Ro, true, vec![], "Per physical lane: block-lock losses."),
            lane("LANE_PRBS_ERRORS", 3, Ro, true, vec![], "Per physical lane: BERT bit errors (saturating)."),
            lane("LANE_BIP_ERRORS", 4, Ro, true, vec![], "Per physical lane: BIP-8 bit errors."),
            lane("LANE_SKEW", 5, Ro, false, vec![], "Per physical lane: clocks from the last TX marker round to this lane's marker (live; loopback latency, lanes differ by their skew)."),
            lane("LANE_BITS", 6, Ro, true, vec![], "Per physical lane: line bits checked (BERT denominator)."),
            lane("LANE_BAD_MARKERS", 7, Ro, true, vec![], "Per physical lane: bad alignment markers at the expected position (damaged, or another lane id); 4 in a row drop marker lock."),
            Register {
                name: "TX_MAP",
                addr: TXMAP_BASE,
                count: n,
                stride: 1,
                access: Rw,
                reset: 0,
                reset_index: true,
                counter: false,
                fields: vec![lane_field("physical", phys, "Physical lane (0..N+S-1).")],
                doc: "Per logical lane: physical lane that sends it (reset: identity). A write swaps: the logical lane that used that physical lane takes the old one, so the map stays a permutation.",
                requires: None,
            },
        ]);
        let emu = |name, off: u16, fields, doc| Register {
            name,
            addr: EMU_BASE + off,
            count: phys,
            stride: EMU_STRIDE,
            access: Rw,
            reset: 0,
            reset_index: false,
            counter: false,
            fields,
            doc,
            requires: Some("channel_emulator"),
        };
        r.extend([
            emu(
                "EMU_CTRL",
                0,
                vec![
                    f("stuck", 0, 1, "1 = lane stuck at `stuck_value` (dead lane)."),
                    f("stuck_value", 1, 1, "Level of a stuck lane."),
                    f("invert", 2, 1, "1 = invert polarity."),
                ],
                "Per physical lane: channel emulator impairments.",
            ),
            emu("EMU_DELAY", 1, vec![delay_field()], "Per physical lane: added delay in line bits."),
            emu("EMU_ERROR_RATE", 2, vec![], "Per physical lane: flip probability per bit, in units of 2^-32."),
            Register {
                requires: Some("lane_permutation"),
                reset_index: true,
                ..emu(
                    "EMU_SOURCE",
                    3,
                    vec![lane_field("tx_lane", phys, "Physical TX lane (0..N+S-1).")],
                    "Per physical RX lane: the physical TX lane it receives (permutation; reset: identity).",
                )
            },
        ]);
        for reg in r.iter_mut() {
            if reg.requires.is_none() {
                reg.requires = required_feature(reg.name);
            }
        }
        RegMap { version: MAP_VERSION, params: *p, registers: r }
    }

    /// The map of a build with `FEATURES` = `features`: registers whose
    /// feature is absent are left out.
    pub fn with_features(mut self, features: u32) -> RegMap {
        let bits = self.get("FEATURES").map(|r| r.fields.clone()).unwrap_or_default();
        self.registers.retain(|r| match r.requires {
            None => true,
            Some(name) => bits.iter().any(|f| f.name == name && features >> f.lsb & 1 == 1),
        });
        self
    }

    /// Whether `features` (a `FEATURES` value) has the named bit.
    pub fn has_feature(&self, features: u32, name: &str) -> bool {
        features & self.feature_bits(&[name]) != 0
    }

    /// The word of register `reg` with the named fields set (unknown names
    /// and values too wide for their field are a bug in the caller).
    pub fn word(&self, reg: &str, fields: &[(&str, u32)]) -> u32 {
        let r = self.get(reg).unwrap_or_else(|| panic!("no register {reg}"));
        fields.iter().fold(0, |w, (name, v)| {
            let f = r.field(name).unwrap_or_else(|| panic!("{reg} has no field {name}"));
            f.set(w, *v).unwrap_or_else(|| panic!("{reg}.{name} = {v} does not fit"))
        })
    }

    /// Field `field` of register `reg` (a name the map lacks is a bug in the
    /// caller: regmap.rs and the caller disagree).
    pub fn field(&self, reg: &str, field: &str) -> &Field {
        self.get(reg)
            .and_then(|r| r.field(field))
            .unwrap_or_else(|| panic!("register map has no {reg}.{field}: regmap.rs and the caller disagree"))
    }

    /// The word offset of per-lane register `reg` within its lane's block.
    pub fn lane_word(&self, reg: &str) -> u16 {
        let r = self.get(reg).unwrap_or_else(|| panic!("register map has no {reg}"));
        let base = if r.addr >= EMU_BASE { EMU_BASE } else { LANE_BASE };
        r.addr - base
    }

    /// `FEATURES` value with the named bits set (unknown names are a bug).
    pub fn feature_bits(&self, names: &[&str]) -> u32 {
        let fields = &self.get("FEATURES").expect("FEATURES is in every map").fields;
        names.iter().fold(0, |acc, n| {
            let f = fields.iter().find(|f| f.name == *n).unwrap_or_else(|| panic!("no FEATURES bit {n}"));
            acc | 1 << f.lsb
        })
    }

    /// The identity registers: read-only constants of the build, the map's
    /// first block (everything before `CTRL`).
    pub fn identity(&self) -> impl Iterator<Item = &Register> {
        let end = self.get("CTRL").map_or(0, |r| r.addr);
        self.registers.iter().filter(move |r| r.addr < end && r.count == 1 && r.access == Access::Ro && !r.counter)
    }

    /// Register by name.
    pub fn get(&self, name: &str) -> Option<&Register> {
        self.registers.iter().find(|r| r.name == name)
    }

    /// The register (and instance) at `addr`.
    pub fn decode(&self, addr: u16) -> Option<(&Register, usize)> {
        self.registers.iter().find_map(|r| {
            if addr < r.addr {
                return None;
            }
            let off = addr - r.addr;
            let i = (off / r.stride) as usize;
            (off.is_multiple_of(r.stride) && i < r.count as usize).then_some((r, i))
        })
    }
}

/// The feature a register belongs to (by name), for registers that are not
/// in every build. Kept in one table so the map above stays readable.
fn required_feature(name: &str) -> Option<&'static str> {
    Some(match name {
        "LINK_STATUS" | "REALIGNS" | "TX_WORDS" | "RX_WORDS" | "LANE_SYNC_ERRORS" | "LANE_LOCK_LOSSES"
        | "LANE_BIP_ERRORS" | "LANE_SKEW" | "TX_MAP" | "RX_GAPS" | "LANE_BAD_MARKERS" => "link",
        "FAILOVER_THRESHOLD" | "FAILOVER_WINDOW" | "FAILOVERS" => "auto_failover",
        "GOOD_FRAMES" | "BAD_FRAMES" | "LOST_FRAMES" => "traffic",
        "LANE_PRBS_ERRORS" | "LANE_BITS" => "bert",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_regs_tile_a_lanes_block_in_order() {
        let m = RegMap::new(&LinkParams::DEFAULT);
        let words: Vec<u16> = LANE_REGS.iter().map(|n| m.lane_word(n)).collect();
        assert_eq!(words, (0..LANE_STRIDE).collect::<Vec<_>>());
        assert!(LANE_REGS.iter().all(|n| m.get(n).is_some_and(|r| r.stride == LANE_STRIDE)));
    }

    #[test]
    fn no_two_registers_share_an_address() {
        let p = LinkParams { lanes: 400, spares: 2, osr: 8, ..LinkParams::DEFAULT };
        let m = RegMap::new(&p);
        let mut seen = std::collections::HashMap::new();
        for r in &m.registers {
            for i in 0..r.count as usize {
                let a = r.addr_of(i).unwrap();
                if let Some(prev) = seen.insert(a, (r.name, i)) {
                    panic!("{:#x}: {}[{}] and {:?}", a, r.name, i, prev);
                }
                assert_eq!(m.decode(a).map(|(x, j)| (x.name, j)), Some((r.name, i)));
            }
        }
    }

    #[test]
    fn option_ranges_come_from_the_fields() {
        let m = RegMap::new(&LinkParams::DEFAULT);
        let range = |r: &str, f: &str| m.get(r).unwrap().field(f).unwrap().range();
        assert_eq!(range("FAILOVER_THRESHOLD", "markers"), 0..=255);
        assert_eq!(range("FAILOVER_WINDOW", "periods"), 1..=65535);
        assert_eq!(range("EMU_DELAY", "bits"), 0..=crate::emu::lane::MAX_DELAY_BITS as u32);
        assert_eq!(m.get("EMU_DELAY").unwrap().field("bits").unwrap().width, 7);
        assert_eq!(range("CTRL", "bert_pattern"), 0..=PrbsPattern::ALL.len() as u32 - 1);
        assert_eq!(range("TX_MAP", "physical"), 0..=p_lanes(&m) - 1);
        assert_eq!(range("EMU_SOURCE", "tx_lane"), 0..=p_lanes(&m) - 1);
    }

    fn p_lanes(m: &RegMap) -> u32 {
        m.params.physical_lanes() as u32
    }

    #[test]
    fn pattern_codes_in_the_ctrl_doc_are_the_gateware_codes() {
        let m = RegMap::new(&LinkParams::DEFAULT);
        let doc = m.field("CTRL", "bert_pattern").doc;
        for p in PrbsPattern::ALL {
            assert!(doc.contains(&format!("{}={}", p.code(), p.name())), "{doc} lacks {}", p.name());
        }
    }

    #[test]
    fn fields_and_words_round_trip() {
        let m = RegMap::new(&LinkParams::DEFAULT);
        let w = m.word("CTRL", &[("loopback", 1), ("bert_pattern", 4), ("link_reset", 1)]);
        assert_eq!(w, 1 | 4 << 4 | 1 << 8);
        let ctrl = m.get("CTRL").unwrap();
        assert!(ctrl.accepts(w));
        assert!(!ctrl.accepts(m.word("CTRL", &[("bert_pattern", 5)])), "pattern 5 is no pattern");
        assert_eq!(m.field("LINK_STATUS", "lanes_found").get(0x0123_0001), 0x123);
        assert_eq!(m.get("TX_MAP").unwrap().reset_of(3), 3);
        assert_eq!(m.lane_word("LANE_BITS"), 6);
        assert_eq!(m.lane_word("EMU_SOURCE"), 3);
    }

    #[test]
    fn a_build_without_a_feature_has_no_registers_of_it() {
        let m = RegMap::new(&LinkParams::DEFAULT);
        let all = m.registers.len();
        let bert = m.feature_bits(&["bert", "channel_emulator", "internal_loopback"]);
        let b = m.clone().with_features(bert);
        for gone in ["LINK_STATUS", "TX_MAP", "GOOD_FRAMES", "FAILOVERS", "LANE_BIP_ERRORS", "EMU_SOURCE"] {
            assert!(b.get(gone).is_none(), "{gone}");
        }
        for kept in ["MAGIC", "CTRL", "SNAPSHOT", "UPTIME_BLOCKS", "LANE_STATUS", "LANE_PRBS_ERRORS", "EMU_DELAY"] {
            assert!(b.get(kept).is_some(), "{kept}");
        }
        assert_eq!(m.clone().with_features(u32::MAX).registers.len(), all);
        assert!(m.with_features(0).get("EMU_CTRL").is_none());
    }
}
