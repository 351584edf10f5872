//! Every bad input gives one line `error: ...` on stderr and exit code 1
//! (2 for command-line usage errors), never a panic; every numeric option
//! out of its range is one of them (a property test over all of them).

use mosaic_gateware::control::regmap::RegMap;
use mosaic_gateware::control::uart_tx::{MAX_DIVISOR, MIN_DIVISOR};
use mosaic_gateware::params::MAX_PHYSICAL_LANES;
use mosaic_host::client::MAX_RETRIES;
use mosaic_host::fake_board::{FakeBoard, FakeOptions};
use proptest::prelude::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `mosaic` with a short timeout and one retry (a board that does
/// not answer fails fast).
fn mosaic(port: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--timeout", "100", "--retries", "1"];
    all.extend_from_slice(args);
    mosaic_raw(port, &all)
}

/// Runs `mosaic ARGS` as given; killed after 20 s (a value wrongly taken
/// as valid can start a server or a build).
fn mosaic_raw(port: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mosaic"));
    cmd.env_remove("MOSAIC_PORT").env_remove("MOSAIC_TIMEOUT");
    if let Some(p) = port {
        cmd.env("MOSAIC_PORT", p);
    }
    // Outside the workspace: a build that wrongly starts writes nothing here.
    cmd.current_dir(std::env::temp_dir());
    let mut child = cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("{args:?} still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts a one-line error with this exit code and returns its text.
fn one_line_error(port: Option<&str>, args: &[&str], code: i32) -> String {
    one_line_error_of(mosaic(port, args), args, code)
}

fn one_line_error_of((c, out, err): (i32, String, String), args: &[&str], code: i32) -> String {
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
    assert!(
        e.ends_with("no mosaic-link board on this port: magic reads 0xdeadbeef, expected 0x4d534c4b (\"MSLK\")"),
        "{e}"
    );
    let newer = mosaic_gateware::control::regmap::MAP_VERSION + 1;
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
        (
            &["inject", "--lane", "18", "--kill"],
            "error: lane 18 does not exist: the board has 18 physical lanes (0..=17)",
        ),
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
        (
            &["write", "0x10", "zz"],
            "error: invalid value 'zz' for '<VALUES>...': 'zz' is not a number (decimal, 0x hex or 0b binary)",
        ),
        (
            &["write", "0x10", "0x1_0000_0000"],
            "error: invalid value '0x1_0000_0000' for '<VALUES>...': 0x1_0000_0000 does not fit in 32 bits",
        ),
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

#[test]
fn numeric_options_are_checked_against_the_field_they_land_in() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    let p = Some(b.path());
    let cases: &[(&[&str], &str)] = &[
        (
            &["lanes", "auto-failover", "--threshold", "4294967295"],
            "error: --threshold must be in 0..=255 (FAILOVER_THRESHOLD.markers, 8 bits), not 4294967295",
        ),
        (
            &["lanes", "auto-failover", "--window", "0"],
            "error: --window must be in 1..=65535 (FAILOVER_WINDOW.periods, 16 bits), not 0",
        ),
        (
            &["lanes", "auto-failover", "--threshold", "5", "--window", "70000"],
            "error: --window must be in 1..=65535 (FAILOVER_WINDOW.periods, 16 bits), not 70000",
        ),
        (
            &["inject", "--lane", "1", "--skew", "100000"],
            "error: --skew must be in 0..=127 (EMU_DELAY.bits, 7 bits), not 100000",
        ),
        (
            &["inject", "--lane", "1", "--skew", "128"],
            "error: --skew must be in 0..=127 (EMU_DELAY.bits, 7 bits), not 128",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(one_line_error(p, args, 1), *want, "{args:?}");
    }
    // Nothing was written by the refused commands (threshold 5 was checked with the window).
    let regs = b.regs();
    assert_eq!((regs.live("FAILOVER_THRESHOLD", 0), regs.live("FAILOVER_WINDOW", 0)), (4, 8));
    drop(regs);
    assert_eq!(b.regs().live("EMU_DELAY", 1), 0);
    // The largest values are taken and read back as written.
    let (c, out, err) = mosaic(p, &["lanes", "auto-failover", "--threshold", "255", "--window", "65535"]);
    assert_eq!(c, 0, "{err}");
    assert!(out.contains("threshold 255 BIP errors per 65535 marker periods"), "{out}");
    let (c, _, err) = mosaic(p, &["inject", "--lane", "1", "--skew", "127"]);
    assert_eq!(c, 0, "{err}");
    assert_eq!(b.regs().live("EMU_DELAY", 1), 127);
}

#[test]
fn connection_options_are_range_checked() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--retries", "4294967295", "info"],
            "error: invalid value '4294967295' for '--retries <RETRIES>': must be in 0..=100, not 4294967295",
        ),
        (&["--timeout", "0", "info"], "error: invalid value '0' for '--timeout <TIMEOUT>': must be at least 1, not 0"),
        (
            &["sim", "--fake", "--pace", "--baud", "0"],
            "error: invalid value '0' for '--baud <BAUD>': must be at least 1, not 0",
        ),
        (&["sim", "--divisor", "3"], "error: --divisor must be in 4..=65535 (UART clocks per bit), not 3"),
    ];
    for (args, want) in cases {
        assert_eq!(one_line_error_of(mosaic_raw(None, args), args, 1), *want, "{args:?}");
    }
    // The library refuses a paced fake board at 0 baud instead of panicking in its thread.
    let e = FakeBoard::spawn(FakeOptions { baud: Some(0), ..FakeOptions::default() }).err().unwrap();
    assert_eq!(e.to_string(), "a paced fake board needs a baud rate of at least 1, not 0");
}

#[test]
fn build_refuses_baud_and_freq_outside_the_uart_and_pll() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["build", "--board", "icebreaker", "--baud", "0"],
            "error: --baud must be in 275..=4500000 at the 18 MHz link clock (the UART takes 4..=65535 clocks per bit), not 0",
        ),
        (
            &["build", "--board", "icebreaker", "--baud", "1"],
            "error: --baud must be in 275..=4500000 at the 18 MHz link clock (the UART takes 4..=65535 clocks per bit), not 1",
        ),
        (
            &["build", "--board", "alchitry-cu-v1", "--baud", "4294967295"],
            "error: --baud must be in 687..=11250000 at the 45 MHz link clock (the UART takes 4..=65535 clocks per bit), not 4294967295",
        ),
        (&["build", "--board", "ulx3s", "--freq", "inf"], "error: --freq must be in 3.125..=400 MHz (the ECP5 PLL's output range), not inf"),
        (&["build", "--board", "icebreaker", "--freq", "NaN"], "error: --freq must be in 16..=275 MHz (the iCE40 PLL's output range), not NaN"),
    ];
    for (args, want) in cases {
        assert_eq!(one_line_error(None, args, 1), *want, "{args:?}");
    }
}

#[test]
fn errors_name_the_unmapped_address_and_read_only_registers() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    let p = Some(b.path());
    // RX_GAPS (0x29) is mapped, 0x2a is not: the error names 0x2a.
    assert_eq!(
        one_line_error(p, &["read", "0x29", "-n", "2"], 1),
        "error: address 0x002a is not in the board's register map"
    );
    assert_eq!(one_line_error(p, &["write", "MAGIC", "5"], 1), "error: MAGIC is read only");
    assert_eq!(one_line_error(p, &["write", "0x100", "5"], 1), "error: LANE_STATUS[0] is read only");
    // The fake board refuses the write as the gateware does (an error reply).
    assert!(!b.regs().write(0x000, 5));
    assert_eq!(b.regs().read(0x000), Some(mosaic_gateware::control::regmap::MAGIC));
}

/// A numeric option, the command line it is given in (`{}` is the value),
/// its valid range, and whether it needs a board.
struct NumericOption {
    args: &'static [&'static str],
    valid: std::ops::RangeInclusive<u64>,
    board: bool,
}

/// Every numeric option of every subcommand, with its range from where the
/// CLI takes it (register map fields, link parameter rules, UART divisor).
fn numeric_options() -> Vec<NumericOption> {
    let map = RegMap::new(&mosaic_gateware::params::LinkParams::DEFAULT);
    let field = |r: &str, f: &str| {
        let r = map.get(r).unwrap().field(f).unwrap().range();
        *r.start() as u64..=*r.end() as u64
    };
    let phys = map.params.physical_lanes() as u64;
    let lanes = map.params.lanes as u64;
    let all_lanes = 1..=MAX_PHYSICAL_LANES as u64;
    let u32s = 0..=u32::MAX as u64;
    let o = |args: &'static [&'static str], valid: std::ops::RangeInclusive<u64>, board: bool| NumericOption {
        args,
        valid,
        board,
    };
    vec![
        o(&["--baud", "{}", "info"], 1..=u32::MAX as u64, false),
        o(&["--timeout", "{}", "info"], 1..=u32::MAX as u64, false),
        o(&["--retries", "{}", "info"], 0..=MAX_RETRIES as u64, false),
        o(&["lanes", "auto-failover", "--threshold", "{}"], field("FAILOVER_THRESHOLD", "markers"), true),
        o(&["lanes", "auto-failover", "--window", "{}"], field("FAILOVER_WINDOW", "periods"), true),
        o(&["lanes", "spare", "{}"], 0..=lanes - 1, true),
        o(&["lanes", "spare", "0", "--to", "{}"], 0..=phys - 1, true),
        o(&["lanes", "map", "--set", "{}=0"], 0..=lanes - 1, true),
        o(&["inject", "--lane", "1", "--skew", "{}"], field("EMU_DELAY", "bits"), true),
        o(&["inject", "--lane", "{}", "--kill"], 0..=phys - 1, true),
        o(&["read", "{}"], 0..=0xffff, true),
        o(&["read", "0", "-n", "{}"], 1..=0x1_0000, true),
        o(&["write", "CTRL", "{}"], u32s.clone(), true),
        o(&["sim", "--divisor", "{}"], MIN_DIVISOR as u64..=MAX_DIVISOR as u64, false),
        o(&["sim", "--osr", "{}"], 1..=mosaic_gateware::emu::lane::MAX_OSR as u64, false),
        o(&["sim", "--lanes", "{}"], all_lanes.clone(), false),
        o(&["regs", "--lanes", "{}"], all_lanes.clone(), false),
        o(&["demo", "--lanes", "{}"], all_lanes.clone(), false),
        o(&["gen", "lane-tx", "--osr", "{}"], 1..=mosaic_gateware::emu::lane::MAX_OSR as u64, false),
        o(&["build", "--board", "icebreaker", "--lanes", "{}"], all_lanes, false),
        o(&["build", "--board", "icebreaker", "--baud", "{}"], 275..=4_500_000, false),
        o(&["build", "--board", "icebreaker", "--seed", "{}"], 0..=u64::MAX, false),
    ]
}

/// A number outside `valid`: below it, just above it, or far above (past
/// u64 too, as text).
fn outside(valid: &std::ops::RangeInclusive<u64>, pick: u64, far: bool) -> Option<String> {
    let (lo, hi) = (*valid.start(), *valid.end());
    match (pick % 3, far) {
        (0, _) if lo > 0 => Some((pick % lo).to_string()),
        (1, false) if hi < u64::MAX => Some((hi + 1 + pick % 1000).to_string()),
        (1, true) if hi < u64::MAX => Some(hi.saturating_add(1).saturating_add(pick % (u64::MAX - hi)).to_string()),
        _ => Some(format!("{}{}", u64::MAX, pick % 10)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Every numeric option outside its range: exit 1 and one `error:`
    /// line, never a panic, a hang or a started server.
    #[test]
    fn every_numeric_option_out_of_range_is_one_error_line(which in any::<usize>(), pick in any::<u64>(), far in any::<bool>()) {
        let options = numeric_options();
        let opt = &options[which % options.len()];
        let value = outside(&opt.valid, pick, far).unwrap();
        let args: Vec<String> = opt.args.iter().map(|a| a.replace("{}", &value)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let board = opt.board.then(|| FakeBoard::spawn(FakeOptions::default()).unwrap());
        let port = board.as_ref().map(|b| b.path());
        // The short timeout and retry, unless those are the option under test.
        let (c, out, err) = if args[0].starts_with("--") { mosaic_raw(port, &args) } else { mosaic(port, &args) };
        prop_assert_eq!(c, 1, "{:?}: stdout {:?} stderr {:?}", args, out, err);
        prop_assert_eq!(err.lines().count(), 1, "{:?}: {:?}", args, err);
        prop_assert!(err.starts_with("error: ") && !err.contains("panicked"), "{:?}: {:?}", args, err);
    }
}

/// The real-valued options: command line, and the valid interval (open
/// at the low end where 0 is refused).
fn real_options() -> Vec<(&'static [&'static str], f64, f64, bool)> {
    let (ice_lo, ice_hi) = mosaic_gateware::boards::pll::ICE40_FOUT_MHZ;
    vec![
        (&["inject", "--lane", "1", "--ber", "{}"], 0.0, 1.0, true),
        (&["bert", "--duration", "{}"], 0.0, 86_400.0, true),
        (&["bench", "--seconds", "{}"], 0.0, 600.0, true),
        (&["build", "--board", "icebreaker", "--freq", "{}"], ice_lo, ice_hi, false),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Real-valued options below, above, infinite or not a number: one error line.
    #[test]
    fn every_real_option_out_of_range_is_one_error_line(which in any::<usize>(), below in any::<bool>(), by in 1e-3f64..1e6, odd in 0u8..4) {
        let options = real_options();
        let (template, lo, hi, board) = options[which % options.len()];
        let value = match odd {
            0 => "inf".to_string(),
            1 => "NaN".to_string(),
            _ if below => format!("{}", if lo == 0.0 { -by } else { lo - by.min(lo / 2.0) }),
            _ => format!("{}", hi + by),
        };
        let args: Vec<String> = template.iter().map(|a| a.replace("{}", &value)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let b = board.then(|| FakeBoard::spawn(FakeOptions::default()).unwrap());
        let (c, out, err) = mosaic(b.as_ref().map(|b| b.path()), &args);
        prop_assert_eq!(c, 1, "{:?}: stdout {:?} stderr {:?}", args, out, err);
        prop_assert!(err.lines().count() == 1 && err.starts_with("error: "), "{:?}: {:?}", args, err);
    }
}
