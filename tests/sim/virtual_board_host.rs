//! The host library's client against the virtual board: the host codec and
//! the gateware bridge (two independent implementations of protocol.rs)
//! agree, and the client's identity check passes on the simulated gateware.
//! Each test runs on both engines (rust-hdl, and Verilator on the top's
//! generated Verilog), which must behave the same.

use mosaic_gateware::control::regmap::{MAGIC, MAP_VERSION};
use mosaic_gateware::params::LinkParams;
use mosaic_host::{Client, ClientOptions, SerialTransport};
use mosaic_sim::virtual_board::{core_config, BoardOptions, Engine, VirtualBoard};
use std::time::Duration;

const ENGINES: [Engine; 2] = [Engine::RustHdl, Engine::Verilator];

#[test]
fn host_client_identifies_reads_and_writes_the_virtual_board() {
    for engine in ENGINES {
        host_client_on(engine);
    }
}

fn host_client_on(engine: Engine) {
    let p = LinkParams { lanes: 4, spares: 1, ..LinkParams::DEFAULT };
    let board = VirtualBoard::spawn_with(core_config(p), BoardOptions { engine, ..BoardOptions::new(4) }).unwrap();
    let t = SerialTransport::open(board.path(), 3_000_000).unwrap();
    // A simulated byte time is not wall time: wait long, never retry.
    let opts = ClientOptions { timeout: Duration::from_secs(30), retries: 0, ..ClientOptions::default() };
    let mut c = Client::connect(t, opts).unwrap();
    let id = c.identity().unwrap().clone();
    assert_eq!((id.magic, id.map_version, id.params), (MAGIC, MAP_VERSION, p));
    c.write_reg("FAILOVER_THRESHOLD", 0, 123).unwrap();
    assert_eq!(c.read_reg("FAILOVER_THRESHOLD", 0).unwrap(), 123);
    c.snapshot().unwrap();
    c.ping().unwrap();
    let stats = c.stats();
    assert_eq!((stats.retries, stats.stale_replies, stats.discarded_bytes), (0, 0, 0));
    assert_eq!(c.read_reg("BRIDGE_DROPPED", 0).unwrap(), 0);
    assert_eq!(board.failure(), None);
}

/// The link over the virtual board's pins (the loopback cable, not the
/// core's internal loopback) comes up and carries traffic without errors,
/// all observed through the host client on the pty.
#[test]
fn link_comes_up_over_the_virtual_pins() {
    let ups: Vec<u64> = ENGINES.iter().map(|&e| link_up_on(e)).collect();
    // Both engines simulate the same gateware: the link comes up alike (the
    // clock it is seen up at depends on when the host polls, so not exactly).
    eprintln!("link up at clocks {ups:?} (rust-hdl, verilator)");
}

fn link_up_on(engine: Engine) -> u64 {
    let p = LinkParams { lanes: 4, spares: 1, osr: 1, marker_period: 16, deskew_depth: 4 };
    let opts = BoardOptions { idle_duty: 1.0, engine, ..BoardOptions::new(4) };
    let board = VirtualBoard::spawn_with(core_config(p), opts).unwrap();
    let t = SerialTransport::open(board.path(), 3_000_000).unwrap();
    let opts = ClientOptions { timeout: Duration::from_secs(30), retries: 0, ..ClientOptions::default() };
    let mut c = Client::connect(t, opts).unwrap();
    c.write_field("CTRL", 0, "traffic_enable", 1).unwrap();
    let start = std::time::Instant::now();
    while c.read_field("LINK_STATUS", 0, "link_up").unwrap() == 0 {
        assert!(start.elapsed() < Duration::from_secs(240), "link not up after {} clocks", board.cycles());
    }
    let up_at = board.cycles();
    // Let some frames through, then read the counters atomically.
    while board.cycles() < up_at + 66 * 40 {
        std::thread::sleep(Duration::from_millis(20));
    }
    c.snapshot().unwrap();
    let good = c.read_reg("GOOD_FRAMES", 0).unwrap();
    let bad = c.read_reg("BAD_FRAMES", 0).unwrap();
    eprintln!("{engine:?}: link up after {up_at} clocks; {good} good frames, {bad} bad");
    assert!(good > 0, "{engine:?}: no good frames");
    assert_eq!(bad, 0, "{engine:?}");
    assert_eq!(c.read_field("LINK_STATUS", 0, "lanes_found").unwrap(), 4, "{engine:?}");
    assert_eq!(board.failure(), None);
    up_at
}

/// The BERT image (as on the iCEBreaker) on the virtual board, driven by the
/// CLI's own `bert` and `inject` code over the pty: a lane with injected
/// errors shows them, a killed lane loses lock, clean lanes count bits and
/// no errors, and link commands get a clear "not on this board" error.
#[test]
fn bert_image_measures_lanes_through_the_cli() {
    for engine in ENGINES {
        bert_image_on(engine);
    }
}

fn bert_image_on(engine: Engine) {
    use mosaic_host::cli::bert::{BertArgs, Pattern};
    use mosaic_host::cli::inject::InjectArgs;
    use mosaic_sim::virtual_board::{bert_config, Image};
    let p = LinkParams { lanes: 2, spares: 1, osr: 2, ..LinkParams::DEFAULT };
    let opts = BoardOptions { idle_duty: 1.0, engine, ..BoardOptions::new(4) };
    let board = VirtualBoard::spawn_image(Image::Bert(bert_config(p)), opts).unwrap();
    let t = SerialTransport::open(board.path(), 3_000_000).unwrap();
    let opts = ClientOptions { timeout: Duration::from_secs(30), retries: 0, ..ClientOptions::default() };
    let mut c = Client::connect(t, opts).unwrap();
    let features = c.identity().unwrap().features;
    let names: Vec<&str> =
        c.register("FEATURES").unwrap().fields.iter().filter(|f| features >> f.lsb & 1 == 1).map(|f| f.name).collect();
    assert_eq!(names, ["channel_emulator", "internal_loopback", "bert"]);
    // A link register is not on this board: the error says so.
    let e = c.read_reg("LINK_STATUS", 0).unwrap_err().to_string();
    assert_eq!(e, "LINK_STATUS is not on this board: its image has no link (`mosaic info` lists what it has)");

    c.write_field("CTRL", 0, "loopback", 1).unwrap();
    #[derive(clap::Parser)]
    struct Inject {
        #[command(flatten)]
        args: InjectArgs,
    }
    let try_inject = |c: &mut Client, args: &[&str]| {
        let a =
            <Inject as clap::Parser>::try_parse_from(std::iter::once("inject").chain(args.iter().copied())).unwrap();
        a.args.run(c, true, &mut Vec::new())
    };
    let inject = |c: &mut Client, args: &[&str]| try_inject(c, args).unwrap();
    // All lanes send the same pattern, so this image has no permutation.
    let e = try_inject(&mut c, &["--permute", "1,0,2"]).unwrap_err().to_string();
    assert_eq!(
        e,
        "EMU_SOURCE is not on this board: its image has no lane_permutation (`mosaic info` lists what it has)"
    );
    inject(&mut c, &["--lane", "0", "--ber", "0.01"]);
    inject(&mut c, &["--lane", "2", "--kill"]);
    let bert =
        BertArgs { pattern: Pattern(mosaic_gateware::phy::prbs::PrbsPattern::Prbs15), duration: 3.0, keep: false };
    let mut out = Vec::new();
    bert.run(&mut c, true, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    eprintln!("{v}");
    let lanes = v["lanes"].as_array().unwrap();
    let get = |i: usize, k: &str| lanes[i][k].as_u64().unwrap();
    assert_eq!(lanes.len(), 3);
    assert!(lanes[0]["prbs_lock"].as_bool().unwrap() && lanes[1]["prbs_lock"].as_bool().unwrap());
    assert!(!lanes[2]["prbs_lock"].as_bool().unwrap(), "killed lane locked");
    eprintln!("{engine:?}: {v}");
    assert!(get(0, "bits") > 1000 && get(0, "errors") > 0, "lane 0: {}", lanes[0]);
    assert!(get(1, "bits") > 1000 && get(1, "errors") == 0, "lane 1: {}", lanes[1]);
    assert_eq!((get(2, "bits"), get(2, "errors")), (0, 0));
    // `bert` restored CTRL (loopback still on, BERT mode is permanent here).
    assert_eq!(c.read_field("CTRL", 0, "loopback").unwrap(), 1);
    assert_eq!(board.failure(), None);
}
