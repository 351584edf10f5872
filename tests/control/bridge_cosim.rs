//! The generated Verilog of the bridge and of both UARTs behaves like their
//! rust-hdl simulation: a bridge session (valid requests of every opcode,
//! garbage, truncated and corrupted frames) is recorded clock by clock in
//! rust-hdl, each block's inputs are replayed into its Verilog in Icarus,
//! and every output is compared on every clock.

mod bridge_common;

use bridge_common::*;
use mosaic_gateware::control::bridge::Bridge;
use mosaic_gateware::control::protocol::REQ_SOF;
use mosaic_gateware::control::uart_rx::UartRx;
use mosaic_gateware::control::uart_tx::UartTx;
use mosaic_gateware::verilog::verilog_of;
use mosaic_link::icarus::icarus;
use mosaic_sim::bridge_model::encode_request;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DIVISOR: u32 = 4;

fn b(x: bool) -> u64 {
    x as u64
}

/// Bridge inputs (7), bridge outputs (9), UartRx outputs (4), UartTx
/// inputs (2) and outputs (2), in this order.
fn probe(u: &Bench) -> Vec<u64> {
    let g = &u.bridge;
    vec![
        0,
        g.rx_data.val().to_u64(),
        b(g.rx_valid.val()),
        b(g.tx_ready.val()),
        b(g.reg_bus.ack.val()),
        g.reg_bus.rdata.val().to_u64(),
        b(g.reg_bus.error.val()),
        g.tx_data.val().to_u64(),
        b(g.tx_valid.val()),
        g.reg_bus.addr.val().to_u64(),
        g.reg_bus.wdata.val().to_u64(),
        b(g.reg_bus.read.val()),
        b(g.reg_bus.write.val()),
        b(g.snapshot.val()),
        g.dropped.val().to_u64(),
        b(g.busy.val()),
        u.urx.rx_data.val().to_u64(),
        b(u.urx.rx_valid.val()),
        u.urx.false_starts.val().to_u64(),
        u.urx.framing_errors.val().to_u64(),
        u.utx.tx_data.val().to_u64(),
        b(u.utx.tx_valid.val()),
        b(u.utx.tx_ready.val()),
        b(u.utx.txd.val()),
    ]
}

/// Compares Verilog outputs with the recorded rust-hdl ones; `care(row, i)`
/// says whether output i matters on that clock (e.g. data only when valid).
fn compare(
    what: &str,
    names: &[&str],
    rust: &[Vec<u64>],
    ver: &[Vec<Option<u64>>],
    care: impl Fn(&[u64], usize) -> bool,
) {
    for (t, (r, v)) in rust.iter().zip(ver).enumerate() {
        for i in 0..names.len() {
            if care(r, i) {
                assert_eq!(
                    Some(r[i]),
                    v[i],
                    "{what}: clock {t}, output {}: rust-hdl {:#x} vs Verilog {:?}",
                    names[i],
                    r[i],
                    v[i]
                );
            }
        }
    }
}

/// A recorded session with some of everything.
fn session() -> Vec<(bool, Vec<u64>, Vec<u64>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(0xC051);
    let mut host = Host::new(DIVISOR);
    host.trace = Some((probe, vec![]));
    for i in 0..36u8 {
        match i % 4 {
            0 | 1 => {
                let r = random_request(&mut rng, i);
                host.request(r.tag, r.opcode, r.addr, r.count, r.data);
            }
            2 => {
                let g: Vec<u8> =
                    (0..rng.gen_range(1..12)).map(|_| if rng.gen_bool(0.3) { REQ_SOF } else { rng.gen() }).collect();
                host.send(&g, true);
            }
            _ => {
                let mut f = encode_request(&random_request(&mut rng, i));
                let at = rng.gen_range(1..f.len());
                f[at] ^= 1 << rng.gen_range(0..8);
                host.send(&f, true);
            }
        }
        host.check();
    }
    assert!(host.model.dropped >= 9 && host.expected.len() >= 18);
    host.trace.take().unwrap().1
}

#[test]
fn bridge_and_uart_verilog_match_rust_simulation() {
    let rows = session();
    eprintln!("co-simulating {} clocks", rows.len());

    // Bridge: inputs as they stood before each edge, outputs after it.
    let inputs = [
        ("reset", 1),
        ("rx_data", 8),
        ("rx_valid", 1),
        ("tx_ready", 1),
        ("reg_bus$ack", 1),
        ("reg_bus$rdata", 32),
        ("reg_bus$error", 1),
    ];
    let outputs = [
        "tx_data",
        "tx_valid",
        "reg_bus$addr",
        "reg_bus$wdata",
        "reg_bus$read",
        "reg_bus$write",
        "snapshot",
        "dropped",
        "busy",
    ];
    let stim: Vec<Vec<u64>> = rows.iter().map(|(_, before, _)| before[0..7].to_vec()).collect();
    let rust: Vec<Vec<u64>> = rows.iter().map(|(_, _, after)| after[7..16].to_vec()).collect();
    let ver = icarus("bridge", &verilog_of(&mut Bridge::new(DIVISOR)), &inputs, &outputs, &stim, &[]);
    // Data lines matter only with their strobe (the staging RAM starts undefined in Verilog).
    compare("bridge", &outputs, &rust, &ver, |r, i| match i {
        0 => r[1] == 1,
        3 => r[5] == 1,
        _ => true,
    });
    let strobes = rust.iter().filter(|r| r[4] == 1 || r[5] == 1).count();
    assert!(strobes > 15, "only {strobes} register accesses exercised");

    // UartRx: the line level of each clock.
    let stim: Vec<Vec<u64>> = rows.iter().map(|(level, _, _)| vec![0, *level as u64]).collect();
    let rust: Vec<Vec<u64>> = rows.iter().map(|(_, _, after)| after[16..20].to_vec()).collect();
    let outputs = ["rx_data", "rx_valid", "false_starts", "framing_errors"];
    let ver =
        icarus("uart_rx", &verilog_of(&mut UartRx::new(DIVISOR)), &[("reset", 1), ("rxd", 1)], &outputs, &stim, &[]);
    compare("uart_rx", &outputs, &rust, &ver, |_, _| true);

    // UartTx: the bridge's offer of each clock.
    let stim: Vec<Vec<u64>> = rows.iter().map(|(_, before, _)| vec![0, before[20], before[21]]).collect();
    let rust: Vec<Vec<u64>> = rows.iter().map(|(_, _, after)| after[22..24].to_vec()).collect();
    let outputs = ["tx_ready", "txd"];
    let ver = icarus(
        "uart_tx",
        &verilog_of(&mut UartTx::new(DIVISOR)),
        &[("reset", 1), ("tx_data", 8), ("tx_valid", 1)],
        &outputs,
        &stim,
        &[],
    );
    compare("uart_tx", &outputs, &rust, &ver, |_, _| true);
}
