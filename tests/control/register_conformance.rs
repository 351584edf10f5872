//! Both cores against the register map, register by register, instance by
//! instance: after reset every register reads what the map says (its reset
//! value, the build's identity, absent fields at their `absent` value);
//! every read/write register takes a word with each field at its largest
//! value and reads back exactly its fields; a word with a field out of range
//! (all ones, where a field's range is narrower than its bits) is refused
//! with the error bit and changes nothing; read-only registers refuse writes.

use mosaic_gateware::bert::core::{BertConfig, BertCore, BERT_FEATURES};
use mosaic_gateware::control::regmap::{Access, RegMap, Register};
use mosaic_gateware::link::core::{features, CoreConfig};
use mosaic_gateware::params::LinkParams;
use mosaic_link::link::{CorePorts, LinkSim};

/// The word with every field at its largest value (a register without
/// fields: all ones).
fn fields_at_max(r: &Register) -> u32 {
    if r.fields.is_empty() {
        return u32::MAX;
    }
    r.fields.iter().fold(0, |w, f| f.set(w, f.max).expect("max fits its field"))
}

/// What each register of the build reads right after reset.
fn expect_after_reset(map: &RegMap, features: u32, r: &Register, i: usize) -> u32 {
    match r.name {
        "FEATURES" => features,
        // Build constants of a simulation build; nothing dropped yet.
        "BUILD_ID" | "CLOCK_HZ" | "BRIDGE_DROPPED" => 0,
        _ if r.access == Access::Wo => 0,
        // No snapshot taken yet: every snapshot register holds 0.
        _ if r.counter => 0,
        _ => r.readback(map, features, r.reset_of(i)),
    }
}

fn check_core<C: CorePorts>(what: &str, mut s: LinkSim<C>, features: u32) {
    let full = s.map.clone();
    assert_eq!(s.read_reg("FEATURES", 0), features, "{what}: FEATURES");
    let map = full.clone().with_features(features);
    let mut checked = (0, 0);
    for r in &map.registers {
        for i in 0..r.count as usize {
            let a = r.addr_of(i).unwrap();
            let want = expect_after_reset(&full, features, r, i);
            assert_eq!(s.read(a), Ok(want), "{what}: {}[{i}] after reset", r.name);
            checked.0 += 1;
        }
    }
    for r in map.registers.iter().filter(|r| r.access == Access::Rw) {
        for i in 0..r.count as usize {
            let a = r.addr_of(i).unwrap();
            let reset = s.read(a).unwrap();
            let top = fields_at_max(r);
            assert!(r.accepts(top), "{}: the map's own largest values are in range", r.name);
            assert_eq!(s.write(a, top), Ok(()), "{what}: {}[{i}] = {top:#x} (every field at its max)", r.name);
            assert_eq!(s.read(a), Ok(r.readback(&full, features, top)), "{what}: {}[{i}] reads its fields", r.name);
            assert_eq!(s.write(a, reset), Ok(()), "{what}: {}[{i}] back to {reset:#x}", r.name);
            let ones = u32::MAX;
            if r.accepts(ones) {
                assert_eq!(s.write(a, ones), Ok(()), "{what}: {}[{i}] = all ones", r.name);
                assert_eq!(s.read(a), Ok(r.readback(&full, features, ones)), "{what}: {}[{i}] all ones", r.name);
                assert_eq!(s.write(a, reset), Ok(()));
            } else {
                assert_eq!(s.write(a, ones), Err(()), "{what}: {}[{i}] = all ones is out of range", r.name);
                assert_eq!(s.read(a), Ok(reset), "{what}: {}[{i}] unchanged by a refused write", r.name);
            }
            checked.1 += 1;
        }
    }
    for r in map.registers.iter().filter(|r| r.access == Access::Ro) {
        assert_eq!(s.write(r.addr, 0), Err(()), "{what}: {} is read only", r.name);
    }
    eprintln!("{what}: {} reads after reset, {} read/write instances", checked.0, checked.1);
    assert!(checked.1 >= 5, "{what}: the map has read/write registers to check");
}

#[test]
fn link_core_registers_conform_to_the_map() {
    // OSR 1 (bit_lock reads 1 from reset) and OSR 3 (bit recovery, which
    // has not locked on an idle line).
    for osr in [1, 3] {
        let p = LinkParams { lanes: 2, spares: 1, osr, marker_period: 8, deskew_depth: 2 };
        let f = features(&RegMap::new(&p));
        check_core(&format!("link core, OSR {osr}"), LinkSim::with_config(CoreConfig::new(p)), f);
    }
}

#[test]
fn bert_core_registers_conform_to_the_map() {
    let p = LinkParams { lanes: 3, spares: 1, osr: 4, ..LinkParams::DEFAULT };
    let f = RegMap::new(&p).feature_bits(&BERT_FEATURES);
    check_core("BERT core", LinkSim::with_core(BertCore::new(&BertConfig::new(p)), p), f);
}

/// The map's own rules, which the cores follow above: CTRL refuses a
/// pattern code that is no pattern, the lane maps a lane that does not
/// exist, FAILOVER_WINDOW a window of 0 periods.
#[test]
fn out_of_range_words_are_refused_on_the_link_core() {
    let p = LinkParams { lanes: 2, spares: 1, osr: 1, marker_period: 8, deskew_depth: 2 };
    let mut s = LinkSim::new(p);
    let map = s.map.clone();
    let pattern = map.field("CTRL", "bert_pattern");
    let bad = pattern.set(0, pattern.max + 1).unwrap();
    assert_eq!(s.write(s.addr("CTRL", 0), bad), Err(()), "pattern {}", pattern.max + 1);
    let phys = p.physical_lanes() as u32;
    assert_eq!(s.write(s.addr("TX_MAP", 1), phys), Err(()), "TX_MAP to lane {phys}");
    assert_eq!(s.write(s.addr("EMU_SOURCE", 0), phys), Err(()), "EMU_SOURCE lane {phys}");
    assert_eq!(s.write(s.addr("FAILOVER_WINDOW", 0), 0), Err(()), "a window of 0");
    assert_eq!(s.read_reg("CTRL", 0), 0);
    assert_eq!(s.read_reg("TX_MAP", 1), 1);
    assert_eq!(s.read_reg("EMU_SOURCE", 0), 0);
    assert_eq!(s.read_reg("FAILOVER_WINDOW", 0), map.get("FAILOVER_WINDOW").unwrap().reset);
}
