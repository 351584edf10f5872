//! Benchmark of the virtual board's engines, as a user meets them: the time
//! of `mosaic status` and of single register reads on the same board in
//! rust-hdl's simulator and in Verilator (after its one-time build, timed
//! apart), with their ratio; and the wire time of a status against the fake
//! board paced as a UART at 115200 and 3 Mbaud.
//!
//! `cargo run --release -p mosaic-host --bin board_bench [-- --big] [--verilator-only]`
//! (`--big` adds a 100 + 5 board on Verilator: a build of several minutes;
//! `--verilator-only` skips the rust-hdl runs). Each status also reports the
//! clocks it cost and the simulated clocks per second.

use mosaic_gateware::params::LinkParams;
use mosaic_host::cli::status::StatusArgs;
use mosaic_host::fake_board::{FakeBoard, FakeOptions};
use mosaic_host::{Client, ClientOptions, SerialTransport};
use mosaic_sim::virtual_board::{core_config, BoardOptions, Engine, Image, VirtualBoard};
use std::time::{Duration, Instant};

/// `mosaic status --json` as the CLI runs it.
fn status() -> StatusArgs {
    StatusArgs { map: false, colour: Default::default() }
}

fn connect(path: &str) -> Client {
    let t = SerialTransport::open(path, 115_200).expect("open the board's pty");
    let o = ClientOptions { timeout: Duration::from_secs(120), retries: 0, ..ClientOptions::default() };
    Client::connect(t, o).expect("identity")
}

/// (board start, status seconds, single reads per second).
fn measure(p: LinkParams, engine: Engine, reads: usize) -> (f64, f64, f64) {
    let (start, status, rate, _) = measure_clocks(p, engine, reads, true);
    (start, status, rate)
}

/// As [measure], with the clocks the status cost; `stream`: Verilator takes
/// host bytes while a batch runs (false: between one-byte batches, as before).
fn measure_clocks(p: LinkParams, engine: Engine, reads: usize, stream: bool) -> (f64, f64, f64, u64) {
    let t = Instant::now();
    let mut opts = BoardOptions { engine, idle_duty: 1.0, ..BoardOptions::new(4) };
    if !stream {
        opts.stream_batch = 0;
    }
    let board = VirtualBoard::spawn_image(Image::Link(core_config(p)), opts).expect("virtual board");
    let start = t.elapsed().as_secs_f64();
    let mut c = connect(board.path());
    let (t, c0) = (Instant::now(), board.cycles());
    status().run(&mut c, true, &mut Vec::new()).expect("status");
    let status = t.elapsed().as_secs_f64();
    let clocks = board.cycles() - c0;
    let t = Instant::now();
    for _ in 0..reads {
        c.read_reg("MAGIC", 0).expect("read");
    }
    let rate = reads as f64 / t.elapsed().as_secs_f64();
    (start, status, rate, clocks)
}

/// Verilator fed between one-byte batches (before) and while batches run
/// (now), on the same board, one after the other.
fn verilator_both(p: LinkParams, reads: usize) {
    let (n, s) = (p.lanes, p.spares);
    let mut status = [0.0; 2];
    for (k, stream) in [false, true].into_iter().enumerate() {
        let (start, st, rd, clk) = measure_clocks(p, Engine::Verilator, reads, stream);
        status[k] = st;
        println!(
            "  {n:>3} + {s}: status verilator {} {st:6.3} s, {clk} clocks ({:.0} clocks/s); {rd:.0} reads/s; start {start:.1} s (build or cache)",
            if stream { "streaming" } else { "batched  " },
            clk as f64 / st
        );
    }
    println!("  {n:>3} + {s}: streaming is {:.2}x faster", status[0] / status[1]);
}

fn main() {
    let big = std::env::args().any(|a| a == "--big");
    let only_v = std::env::args().any(|a| a == "--verilator-only");
    println!("virtual board: `mosaic status` and single reads, rust-hdl vs Verilator (UART divisor 4)");
    for (n, s, reads) in [(4, 1, 20), (16, 2, 5)] {
        if only_v {
            let p = LinkParams { lanes: n, spares: s, ..LinkParams::DEFAULT };
            verilator_both(p, reads * 20);
            continue;
        }
        let p = LinkParams { lanes: n, spares: s, ..LinkParams::DEFAULT };
        let (_, st_r, rd_r) = measure(p, Engine::RustHdl, reads);
        let (start_v, st_v, rd_v) = measure(p, Engine::Verilator, reads * 20);
        println!(
            "  {n:>3} + {s}: status rust-hdl {st_r:7.2} s, verilator {st_v:6.3} s ({:5.0}x); reads/s {rd_r:7.1} vs {rd_v:7.0} ({:5.0}x); verilator start {start_v:.1} s (build or cache)",
            st_r / st_v,
            rd_v / rd_r
        );
    }
    if big {
        let p = LinkParams { lanes: 100, spares: 5, osr: 2, ..LinkParams::DEFAULT };
        verilator_both(p, 20);
    }
    if only_v {
        return;
    }
    println!("wire time of `mosaic status` on a paced fake board (the bytes a real UART would carry)");
    // N = 100 needs OSR >= 2 (the gatherer visits one lane per clock).
    for (n, s, osr) in [(16, 2, 1), (100, 5, 2)] {
        let p = LinkParams { lanes: n, spares: s, osr, ..LinkParams::DEFAULT };
        let mut line = format!("  {n:>3} + {s}:");
        for baud in [115_200u32, 3_000_000] {
            let b = FakeBoard::spawn(FakeOptions { params: p, baud: Some(baud), ..FakeOptions::default() })
                .expect("fake board");
            let mut c = connect(b.path());
            let t = Instant::now();
            status().run(&mut c, true, &mut Vec::new()).expect("status");
            line += &format!(" {:>9} baud {:7.1} ms;", baud, 1e3 * t.elapsed().as_secs_f64());
        }
        println!("{line}");
    }
}
