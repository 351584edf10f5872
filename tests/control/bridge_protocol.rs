//! The UART bridge driven through real UART bit timing (software line sender
//! and receiver at `divisor` clocks per bit) against a test register slave
//! with random ack latency (1..=16 clocks), unmapped addresses (ack with
//! error) and silent addresses (no ack: the bridge's 256-clock timeout,
//! [REG_ACK_TIMEOUT](mosaic_gateware::control::bridge::REG_ACK_TIMEOUT)).
//!
//! Expected behaviour comes from independent software models: the request
//! parser rules ([ParserModel]), a model of the slave, and the `crc` crate.

mod bridge_common;

use bridge_common::*;
use mosaic_gateware::control::protocol::{request_len, Opcode, Status, MAX_BURST, REQ_SOF};
use mosaic_gateware::control::regmap::{MAGIC, MAP_VERSION};
use mosaic_sim::bridge_model::{encode_raw, encode_request};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn every_opcode(divisor: u32) {
    let mut host = Host::new(divisor);
    let ok = Status::Ok as u8;
    let bad = Status::BadAddress as u8;
    let r = host.request(1, Opcode::Read, 0, 1, vec![]);
    assert_eq!((r.status, r.data.clone()), (ok, vec![MAGIC]));
    let r = host.request(2, Opcode::Read, 1, 1, vec![]);
    assert_eq!((r.status, r.data.clone()), (ok, vec![MAP_VERSION]));
    let words: Vec<u32> = (0..8).map(|i| 0x1111_1111u32.wrapping_mul(i + 1) ^ 0x8000_0001).collect();
    let r = host.request(3, Opcode::Write, SCRATCH_BASE, 8, words.clone());
    assert_eq!((r.status, r.data.len()), (ok, 0));
    let r = host.request(4, Opcode::BurstRead, SCRATCH_BASE, 8, vec![]);
    assert_eq!((r.status, r.data.clone()), (ok, words.clone()));
    let r = host.request(5, Opcode::Write, SCRATCH_BASE + 3, 1, vec![0xCAFE_F00D]);
    assert_eq!(r.status, ok);
    let r = host.request(6, Opcode::Read, SCRATCH_BASE + 3, 1, vec![]);
    assert_eq!(r.data, vec![0xCAFE_F00D]);
    // Unmapped (acked with error) and silent (never acked) addresses read 0.
    let r = host.request(7, Opcode::Read, 0x0200, 1, vec![]);
    assert_eq!((r.status, r.data.clone()), (bad, vec![0]));
    let r = host.request(8, Opcode::Read, SILENT_BASE, 1, vec![]);
    assert_eq!((r.status, r.data.clone()), (bad, vec![0]));
    let r = host.request(9, Opcode::BurstRead, SCRATCH_BASE + 6, 4, vec![]);
    assert_eq!((r.status, r.data.clone()), (bad, vec![words[6], words[7], 0, 0]));
    let r = host.request(10, Opcode::Snapshot, 0, 0, vec![]);
    assert_eq!((r.status, r.data.len()), (ok, 0));
    host.request(11, Opcode::Snapshot, 0, 0, vec![]);
    let r = host.request(12, Opcode::Read, SNAPSHOTS_ADDR, 1, vec![]);
    assert_eq!(r.data, vec![2]);
    let r = host.request(0xFF, Opcode::Ping, 0x1234, 0, vec![]);
    assert_eq!((r.tag, r.status, r.data.len()), (0xFF, ok, 0));
    // Longest burst both ways, partly outside the map.
    let long: Vec<u32> = (0..MAX_BURST as u32).map(|i| i * 0x0101_0101).collect();
    let r = host.request(13, Opcode::Write, SCRATCH_BASE, MAX_BURST as u8, long.clone());
    assert_eq!(r.status, bad);
    let r = host.request(14, Opcode::BurstRead, SCRATCH_BASE - 2, MAX_BURST as u8, vec![]);
    assert_eq!(r.status, bad);
    assert_eq!(&r.data[2..10], &long[..8]);
    // A burst that silently times out on its last word.
    let r = host.request(15, Opcode::BurstRead, SILENT_BASE - 2, 3, vec![]);
    assert_eq!((r.status, r.data.clone()), (bad, vec![0, 0, 0]));
    host.check();
    assert_eq!(host.model.dropped, 0);
}

#[test]
fn every_opcode_at_divisor_16() {
    every_opcode(16);
}

#[test]
fn every_opcode_at_divisor_4() {
    every_opcode(4);
}

/// Bad opcodes and counts are dropped at the count byte, bad CRCs at the
/// CRC, truncated frames at the inter-byte timeout: one count each, exactly.
#[test]
fn malformed_frames_are_dropped_and_counted_exactly() {
    let mut host = Host::new(8);
    let mut drops = 0;
    let cases: Vec<Vec<u8>> = vec![
        encode_raw(1, Opcode::Read as u8, 0, 2, &[]),
        encode_raw(1, Opcode::Read as u8, 0, 0, &[]),
        encode_raw(1, Opcode::BurstRead as u8, 0, 0, &[]),
        encode_raw(1, Opcode::BurstRead as u8, 0, MAX_BURST as u8 + 1, &[]),
        encode_raw(1, Opcode::Ping as u8, 0, 1, &[]),
        encode_raw(1, Opcode::Snapshot as u8, 0, 4, &[]),
        encode_raw(1, 0x00, 0, 1, &[]),
        encode_raw(1, 0x06, 0, 1, &[]),
        encode_raw(1, 0xFF, 0, 1, &[]),
    ];
    for bytes in cases {
        host.send(&bytes, true);
        drops += 1;
        assert_eq!(host.h.uut.bridge.dropped.val().to_u64(), drops);
    }
    // Bad CRC: a flipped bit in the CRC itself, and in the write data.
    let mut f = encode_raw(2, Opcode::Read as u8, 0, 1, &[]);
    *f.last_mut().unwrap() ^= 0x80;
    host.send(&f, true);
    let mut f = encode_raw(2, Opcode::Write as u8, SCRATCH_BASE, 2, &[5, 6]);
    f[8] ^= 1;
    host.send(&f, true);
    drops += 2;
    assert_eq!(host.h.uut.bridge.dropped.val().to_u64(), drops);
    // Truncated: just a SOF; a header; a write missing its last byte.
    host.send(&[REQ_SOF], true);
    host.send(&encode_raw(3, Opcode::Read as u8, 0, 1, &[])[..6], true);
    let f = encode_raw(3, Opcode::Write as u8, SCRATCH_BASE, 1, &[7]);
    host.send(&f[..f.len() - 1], true);
    drops += 3;
    assert_eq!(host.h.uut.bridge.dropped.val().to_u64(), drops);
    // Nothing was written, and the bridge still answers.
    let r = host.request(9, Opcode::BurstRead, SCRATCH_BASE, 2, vec![]);
    assert_eq!(r.data, vec![0, 0]);
    host.check();
    assert_eq!(host.model.dropped, drops);
}

/// Random garbage, truncated frames and corrupted frames (any bit of any
/// byte after the SOF) interleaved with valid requests: every valid request
/// is answered exactly as the slave model says, the drop count equals the
/// parser model's, and nothing else comes out of the bridge.
#[test]
fn garbage_truncation_and_corruption_interleaved_with_valid_requests() {
    let mut rng = ChaCha8Rng::seed_from_u64(0xB1D9E);
    let mut host = Host::new(8);
    let mut valid = 0;
    for i in 0..220 {
        let tag = i as u8;
        match rng.gen_range(0..8) {
            0..=3 => {
                let r = random_request(&mut rng, tag);
                host.request(r.tag, r.opcode, r.addr, r.count, r.data);
                valid += 1;
            }
            4 => {
                // Garbage, often with SOF bytes in it.
                let n = rng.gen_range(1..24);
                let g: Vec<u8> = (0..n).map(|_| if rng.gen_bool(0.2) { REQ_SOF } else { rng.gen() }).collect();
                host.send(&g, true);
            }
            5 => {
                let f = encode_request(&random_request(&mut rng, tag));
                let cut = rng.gen_range(1..f.len());
                host.send(&f[..cut], true);
            }
            _ => {
                let mut f = encode_request(&random_request(&mut rng, tag));
                let at = rng.gen_range(1..f.len());
                f[at] ^= 1 << rng.gen_range(0..8);
                host.send(&f, true);
            }
        }
        host.check();
    }
    assert!(valid > 80);
    assert!(host.model.dropped > 80, "only {} drops exercised", host.model.dropped);
    assert_eq!(request_len(0), 8);
    eprintln!("{valid} valid requests, {} drops, {} clocks", host.model.dropped, host.h.cycles());
}

/// 115200 baud at 48 MHz (divisor 417): a write and a burst read back.
#[test]
fn write_and_read_at_115200_baud_from_48_mhz() {
    let mut host = Host::new(417);
    let r = host.request(1, Opcode::Write, SCRATCH_BASE, 2, vec![0x1234_5678, 0x9ABC_DEF0]);
    assert_eq!(r.status, Status::Ok as u8);
    let r = host.request(2, Opcode::BurstRead, SCRATCH_BASE, 2, vec![]);
    assert_eq!(r.data, vec![0x1234_5678, 0x9ABC_DEF0]);
    host.check();
}
