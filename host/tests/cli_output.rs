//! Subcommand output, run in-process through `cli::run` into a buffer,
//! against the fake board (values set on the board, read back on screen).

use clap::Parser;
use mosaic_gateware::control::regmap::RegMap;
use mosaic_gateware::params::LinkParams;
use mosaic_host::cli::{run, Cli};
use mosaic_host::fake_board::{FakeBoard, FakeOptions};
use serde_json::Value;

/// A CTRL word of the fake board's (default) link, from the register map.
fn ctrl(fields: &[(&str, u32)]) -> u32 {
    RegMap::new(&LinkParams::DEFAULT).word("CTRL", fields)
}

fn mosaic(b: &FakeBoard, args: &[&str]) -> String {
    let mut argv = vec!["mosaic", "--port", b.path(), "--timeout", "200"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).unwrap();
    let mut out = Vec::new();
    run(&cli, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn json(b: &FakeBoard, args: &[&str]) -> Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    serde_json::from_str(&mosaic(b, &a)).unwrap()
}

/// LANE_STATUS word: bit, block and marker lock carrying logical lane `id`.
fn locked(id: u32) -> u32 {
    0b111 | (id << 16)
}

#[test]
fn status_shows_each_lane_from_one_snapshot() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    {
        let mut r = b.regs();
        for p in 0..16 {
            r.set_live("LANE_STATUS", p, locked(15 - p as u32));
        }
        r.set_live("LANE_BIP_ERRORS", 4, 33);
        r.set_live("LANE_SYNC_ERRORS", 4, 7);
        r.set_live("LANE_SKEW", 2, 3);
        r.set_live("UPTIME_BLOCKS", 0, 1_000_000);
        r.set_live("LINK_STATUS", 0, 1 | (16 << 16));
    }
    let j = json(&b, &["status"]);
    assert_eq!(j["link"]["link_up"], true);
    assert_eq!(j["link"]["lanes_found"], 16);
    let lanes = j["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 18);
    assert_eq!(lanes[0]["logical_id"], 15);
    assert_eq!(lanes[16]["logical_id"], Value::Null);
    assert_eq!(lanes[4]["bip_errors"], 33);
    assert_eq!(lanes[4]["sync_errors"], 7);
    assert_eq!(lanes[2]["skew_blocks"], 3);
    // BIP-based BER: 33 errors over 1e6 blocks of 66 bits.
    assert_eq!(lanes[4]["ber"].as_f64().unwrap(), 33.0 / 66e6);
    assert_eq!(lanes[4]["ber_source"], "bip");
    let text = mosaic(&b, &["status"]);
    assert!(text.starts_with("link UP  lanes found 16/16"), "{text}");
    let row4 = text.lines().find(|l| l.starts_with("4 ")).unwrap();
    assert!(row4.contains(" 33 ") && row4.ends_with("5.00e-7"), "{row4}");
    // The status took its counters from a snapshot it asked for.
    assert!(b.regs().snapshots >= 2);
}

#[test]
fn counters_clear_after_reading() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    b.regs().set_live("LANE_PRBS_ERRORS", 17, 5);
    b.regs().set_live("FAILOVERS", 0, 2);
    let j = json(&b, &["counters", "--clear"]);
    assert_eq!(j["lanes"][17]["LANE_PRBS_ERRORS"], 5);
    assert_eq!(j["link"]["FAILOVERS"], 2);
    assert_eq!(b.regs().live("LANE_PRBS_ERRORS", 17), 0);
    assert_eq!(b.regs().live("FAILOVERS", 0), 0);
}

#[test]
fn lanes_spare_moves_a_lane_to_the_first_free_spare() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    assert_eq!(mosaic(&b, &["lanes", "spare", "3"]), "logical lane 3: physical 3 -> 16\n");
    assert_eq!(b.regs().live("TX_MAP", 3), 16);
    let j = json(&b, &["lanes", "spare", "5"]);
    assert_eq!((j["from"].as_u64(), j["to"].as_u64()), (Some(5), Some(3)));
    let j = json(&b, &["lanes", "map", "--set", "0x0=17"]);
    assert_eq!(j["free_spares"], serde_json::json!([0, 5]));
    let t = mosaic(&b, &["lanes", "auto-failover", "on", "--threshold", "0x20", "--window", "4"]);
    assert_eq!(t, "auto-failover on  threshold 32 BIP errors per 4 marker periods  failovers so far 0\n");
    assert_eq!(b.regs().live("CTRL", 0), ctrl(&[("auto_failover", 1)]));
}

#[test]
fn inject_programs_the_channel_emulator() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    mosaic(&b, &["inject", "--lane", "7", "--skew", "120", "--ber", "1e-3", "--kill", "--invert"]);
    let r = b.regs();
    assert_eq!(r.live("EMU_DELAY", 7), 120);
    assert_eq!(r.live("EMU_ERROR_RATE", 7), (1e-3f64 * 4294967296.0).round() as u32);
    assert_eq!(r.live("EMU_CTRL", 7), 0b101);
    drop(r);
    mosaic(&b, &["inject", "--lane", "7", "--revive"]);
    assert_eq!(b.regs().live("EMU_CTRL", 7), 0b100);
    let perm: Vec<String> = (0..18).map(|i| ((i + 1) % 18).to_string()).collect();
    let j = json(&b, &["inject", "--permute", &perm.join(",")]);
    assert_eq!(b.regs().live("EMU_SOURCE", 17), 0);
    assert_eq!(j["emulator"].as_array().unwrap().len(), 18);
    mosaic(&b, &["inject", "--lane", "7", "--clear"]);
    assert_eq!(b.regs().live("EMU_CTRL", 7), 0);
}

#[test]
fn raw_read_write_by_address_and_name() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    assert_eq!(mosaic(&b, &["write", "CTRL", "0x31"]), "0x0010  CTRL                    <- 0x00000031\n");
    assert_eq!(mosaic(&b, &["read", "16"]), "0x0010  CTRL                    0x00000031  49\n");
    mosaic(&b, &["write", "0x1000", "5", "6", "7"]);
    let j = json(&b, &["read", "TX_MAP[0]", "-n", "3"]);
    assert_eq!(j[2]["value"], 7);
    assert_eq!(j[1]["name"], "TX_MAP[1]");
}

#[test]
fn loopback_and_bert_drive_ctrl() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    assert_eq!(mosaic(&b, &["loopback", "on"]), "loopback on\n");
    b.regs().set_live("LANE_BITS", 1, 1_000_000);
    b.regs().set_live("LANE_PRBS_ERRORS", 1, 4);
    let j = json(&b, &["bert", "--pattern", "prbs15", "--duration", "0.05", "--keep"]);
    // CLEAR zeroed the counters before the (fake) test ran: nothing counted.
    assert_eq!(j["total_bits"], 0);
    // --keep leaves BERT on with PRBS15 (code 2) and loopback still on.
    let on = ctrl(&[("loopback", 1), ("bert_enable", 1), ("bert_pattern", 2)]);
    assert_eq!(b.regs().live("CTRL", 0), on);
    json(&b, &["bert", "--duration", "0.05"]);
    assert_eq!(b.regs().live("CTRL", 0), on, "restored to what it was");
}

#[test]
fn regs_docs_need_no_board() {
    let cli = Cli::try_parse_from(["mosaic", "regs"]).unwrap();
    let mut out = Vec::new();
    run(&cli, &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(md.contains("| `0x0000` | MAGIC | 1 | ro | `0x4d534c4b` |"), "{md}");
    assert!(md.contains("| `0x0100 + 8*i` | LANE_STATUS | 18 | ro |"));
    assert!(md.contains("| 6:4 | bert_pattern |"));
    let cli = Cli::try_parse_from(["mosaic", "regs", "--format", "json", "--lanes", "100", "--spares", "4"]).unwrap();
    let mut out = Vec::new();
    run(&cli, &mut out).unwrap();
    let j: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(j["version"], mosaic_gateware::control::regmap::MAP_VERSION);
    let prbs = j["registers"].as_array().unwrap().iter().find(|r| r["name"] == "LANE_PRBS_ERRORS").unwrap();
    assert_eq!(prbs["requires"], "bert");
    assert!(md.contains("| LINK_STATUS | 1 | ro | `0x0` | Link status (live). Needs link. |"), "{md}");
    let lane_status = j["registers"].as_array().unwrap().iter().find(|r| r["name"] == "LANE_STATUS").unwrap();
    assert_eq!(lane_status["count"], 104);
}

#[test]
fn gen_writes_verilog_and_lists_ports() {
    let path = std::env::temp_dir().join(format!("mosaic-gen-{}.v", std::process::id()));
    let cli = Cli::try_parse_from(["mosaic", "--json", "gen", "prbs", "--out", path.to_str().unwrap()]).unwrap();
    let mut out = Vec::new();
    run(&cli, &mut out).unwrap();
    let j: Value = serde_json::from_slice(&out).unwrap();
    let v = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(v.contains("module top("));
    let ports: Vec<(String, u64)> = j["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["width"].as_u64().unwrap()))
        .collect();
    // Every listed port is declared in the Verilog with that width.
    assert!(ports.iter().any(|(n, _)| n == "clock"));
    for (n, w) in &ports {
        let decl = if *w == 1 { format!(" {n};") } else { format!("[{}:0] {n};", w - 1) };
        assert!(v.contains(&decl), "{n} {w}");
    }
}

#[test]
fn demo_skeleton_runs_every_step_on_the_fake_board() {
    let cli = Cli::try_parse_from(["mosaic", "--timeout", "500", "demo", "--fake"]).unwrap();
    let mut out = Vec::new();
    run(&cli, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("== 1. Who is there ==\n$ mosaic info\nmagic          0x4d534c4b (MSLK)"), "{text}");
    // 8 data lanes + 2 spares: logical 3 moves to the first spare, physical 8.
    assert!(text.contains("logical lane 3: physical 3 -> 8\n"), "{text}");
    assert!(text.contains("$ mosaic bert --pattern prbs31"), "{text}");
    assert!(text.contains("link up (8 logical lanes found)"), "{text}");
    assert!(text.contains("free physical lanes: 3, 9\n"), "{text}");
    assert!(text.trim_end().ends_with("retries)"), "{text}");
}
