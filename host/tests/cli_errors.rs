//! Every bad input gives one line `error: ...` on stderr and exit code 1
//! (2 for command-line usage errors), never a panic.

use mosaic_host::fake_board::{FakeBoard, FakeOptions};
use std::process::Command;

fn mosaic(port: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mosaic"));
    cmd.env_remove("MOSAIC_PORT").env_remove("MOSAIC_TIMEOUT").args(["--timeout", "100", "--retries", "1"]);
    if let Some(p) = port {
        cmd.env("MOSAIC_PORT", p);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts a one-line error with this exit code and returns its text.
fn one_line_error(port: Option<&str>, args: &[&str], code: i32) -> String {
    let (c, out, err) = mosaic(port, args);
    assert_eq!(c, code, "{args:?}: stdout {out:?} stderr {err:?}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
    assert!(err.starts_with("error: "), "{err:?}");
    assert!(!err.contains("panicked"), "{err:?}");
    err.trim_end().to_string()
}

#[test]
fn missing_and_bad_ports() {
    assert_eq!(
        one_line_error(None, &["info"], 1),
        "error: no port given: use --port <path> or set MOSAIC_PORT (`mosaic sim` serves a virtual board)"
    );
    assert_eq!(
        one_line_error(None, &["--port", "/dev/ttyX", "status"], 1),
        "error: cannot open /dev/ttyX: no such device; check --port or MOSAIC_PORT"
    );
    assert_eq!(
        one_line_error(Some("/dev/null"), &["info"], 1),
        "error: cannot open /dev/null: not a serial port; check --port or MOSAIC_PORT"
    );
}

#[test]
fn silent_board_times_out() {
    let b = FakeBoard::spawn(FakeOptions { silent: true, ..FakeOptions::default() }).unwrap();
    let e = one_line_error(Some(b.path()), &["status"], 1);
    assert_eq!(
        e,
        format!(
            "error: board on {}: board did not answer BURST_READ at 0x0000 after 2 attempts (100 ms each); check the board, --port and --baud",
            b.path()
        )
    );
}

#[test]
fn wrong_board_is_refused() {
    let b = FakeBoard::spawn(FakeOptions { magic: 0xDEAD_BEEF, ..FakeOptions::default() }).unwrap();
    let e = one_line_error(Some(b.path()), &["info"], 1);
    assert!(e.ends_with("no mosaic-link board on this port: magic reads 0xdeadbeef, expected 0x4d534c4b (\"MSLK\")"), "{e}");
    let newer = mosaic_gateware::regmap::MAP_VERSION + 1;
    let b = FakeBoard::spawn(FakeOptions { map_version: newer, ..FakeOptions::default() }).unwrap();
    let e = one_line_error(Some(b.path()), &["status"], 1);
    let want = format!("board register map v{newer}, this host speaks v{}: update mosaic", newer - 1);
    assert!(e.ends_with(&want), "{e}");
}

#[test]
fn bad_values_on_a_good_board() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    let p = Some(b.path());
    let cases: &[(&[&str], &str)] = &[
        (&["inject", "--lane", "18", "--kill"], "error: lane 18 does not exist: the board has 18 physical lanes (0..=17)"),
        (&["inject", "--kill"], "error: --skew, --ber, --kill, --revive, --invert, --uninvert and --clear need --lane"),
        (&["inject", "--lane", "1", "--ber", "2"], "error: ber must be a probability in 0..=1, not 2"),
        (&["inject", "--permute", "0,1"], "error: permutation must list all 18 physical lanes, not 2"),
        (&["lanes", "spare", "16"], "error: logical lane 16 does not exist: the board has 16 data lanes (0..=15)"),
        (&["lanes", "spare", "0", "--to", "1"], "error: physical lane 1 already carries logical lane 1"),
        (&["lanes", "map", "--set", "3:4"], "error: '3:4' is not LOGICAL=PHYSICAL"),
        (&["read", "0x30"], "error: address 0x0030 is not in the board's register map"),
        (&["read", "0x10000"], "error: 0x10000 is past the last address 0xffff"),
        (&["read", "LANE_STATUS[18]"], "error: LANE_STATUS has 18 instances (0..=17), not 18"),
        (&["read", "BOGUS"], "error: no register named BOGUS (see `mosaic regs`)"),
        (&["write", "0x10", "zz"], "error: invalid value 'zz' for '<VALUES>...': 'zz' is not a number (decimal, 0x hex or 0b binary)"),
        (&["write", "0x10", "0x1_0000_0000"], "error: invalid value '0x1_0000_0000' for '<VALUES>...': 0x1_0000_0000 does not fit in 32 bits"),
        (&["bert", "--duration", "0"], "error: duration must be in (0, 86400] seconds, not 0"),
        (&["loopback", "maybe"], "error: invalid value 'maybe' for '<STATE>': 'maybe' is not on or off"),
    ];
    for (args, want) in cases {
        assert_eq!(one_line_error(p, args, 1), *want, "{args:?}");
    }
    // lanes spare 0 --to 1 must not have changed the map.
    assert_eq!(b.regs().live("TX_MAP", 0), 0);
}

#[test]
fn usage_errors_exit_2() {
    assert!(one_line_error(None, &["bogus"], 2).contains("unrecognized subcommand 'bogus'"));
    assert!(one_line_error(None, &["write", "0x10"], 2).contains("required"));
    assert!(one_line_error(None, &["bert", "--pattern", "prbs8"], 1).contains("prbs8"));
    let (c, out, _) = mosaic(None, &["--help"]);
    assert_eq!(c, 0);
    assert!(out.contains("Usage: mosaic"));
}

#[test]
fn gen_refuses_bad_shapes_and_paths() {
    assert_eq!(one_line_error(None, &["gen", "lane-tx", "--osr", "9"], 1), "error: osr must be in 1..=8, not 9");
    let e = one_line_error(None, &["gen", "prbs", "--out", "/nonexistent/dir/p.v"], 1);
    assert!(e.starts_with("error: cannot write /nonexistent/dir/p.v: "), "{e}");
    assert!(one_line_error(None, &["gen", "serdes"], 1).contains("'serdes'"));
}
