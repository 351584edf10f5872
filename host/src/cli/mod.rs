//! The `mosaic` command line: one file per subcommand, each with its own clap
//! struct and a `run` that writes to an `impl Write`, so every subcommand is
//! testable without a terminal. Board subcommands receive a connected
//! [Client]; the dispatcher connects (and checks identity) once.

use crate::client::Client;
use clap::{Parser, Subcommand};
use std::io::Write;

pub mod common;

pub mod bench;
pub mod bert;
pub mod counters;
pub mod demo;
pub mod engine;
pub mod gen;
pub mod info;
pub mod inject;
pub mod lanes;
pub mod loopback;
pub mod ports;
pub mod raw;
pub mod regs;
pub mod serve;
pub mod sim;
pub mod status;

// The lane snapshot's views (issue #17).
pub mod report;
pub mod watch;
pub mod watch_keys;

// Engineer "boards" owns these two (bitstream build and flash of board tops).
pub mod build;
pub mod flash;

use common::ConnectOpts;

/// Control and test mosaic-link boards (real or virtual) over their UART.
#[derive(Parser, Debug)]
#[command(name = "mosaic", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub conn: ConnectOpts,
    /// Machine-readable JSON output instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Board identity: magic, map version, link shape, features.
    Info(info::InfoArgs),
    /// Per-lane table: locks, logical id, skew, error counters, BER.
    Status(status::StatusArgs),
    /// Every counter (snapshot first); optionally clear them after reading.
    Counters(counters::CountersArgs),
    /// Lane map, spare lanes and automatic failover.
    Lanes(lanes::LanesArgs),
    /// Per-lane PRBS bit error rate test.
    Bert(bert::BertArgs),
    /// Internal loopback (TX lanes feed RX lanes through the channel emulator).
    Loopback(loopback::LoopbackArgs),
    /// Channel emulator: skew, bit errors, dead lanes, polarity, permutation.
    Inject(inject::InjectArgs),
    /// Register map documentation (no board needed).
    Regs(regs::RegsArgs),
    /// Read registers by address or name.
    Read(raw::ReadArgs),
    /// Write registers by address or name.
    Write(raw::WriteArgs),
    /// Register reads/s and burst throughput against the UART wire limit.
    Bench(bench::BenchArgs),
    /// Standalone Verilog of a core (no board needed).
    Gen(gen::GenArgs),
    /// Serve a virtual board on a pseudo-terminal until Ctrl-C.
    Sim(sim::SimArgs),
    /// Serve a board on TCP (loopback), one client at a time, until Ctrl-C.
    Serve(serve::ServeArgs),
    /// Scripted walkthrough against an in-process virtual board.
    Demo(demo::DemoArgs),
    /// Live terminal dashboard: lane grid, rates, events; keys kill, revive and skew lanes.
    Watch(watch::WatchArgs),
    /// Picture of one snapshot: lane heat map and BER bars (--out lanes.svg|png).
    Report(report::ReportArgs),
    /// Build a board bitstream.
    Build(build::BuildArgs),
    /// Program a board.
    Flash(flash::FlashArgs),
    /// USB serial ports and the board each probably is (no board needed).
    Ports(ports::PortsArgs),
}

/// Runs a parsed command line, writing its output to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> anyhow::Result<()> {
    let json = cli.json;
    let with_board = |f: &mut dyn FnMut(&mut Client) -> anyhow::Result<()>| -> anyhow::Result<()> {
        let mut c = cli.conn.connect()?;
        f(&mut c)
    };
    match &cli.command {
        Command::Info(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Status(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Counters(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Lanes(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Bert(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Loopback(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Inject(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Read(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Write(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Bench(a) => {
            let (mut c, baud) = cli.conn.connect_at()?;
            a.run(&mut c, baud, json, out)
        }
        Command::Regs(a) => a.run(json, out),
        Command::Gen(a) => a.run(json, out),
        Command::Sim(a) => a.run(&cli.conn, json, out),
        Command::Serve(a) => a.run(&cli.conn, json, out),
        Command::Demo(a) => a.run(&cli.conn, json, out),
        Command::Watch(a) => a.run(&cli.conn, json),
        Command::Report(a) => with_board(&mut |c| a.run(c, json, out)),
        Command::Build(a) => build::run(a, json, out),
        Command::Flash(a) => flash::run(a, &cli.conn, json, out),
        Command::Ports(a) => a.run(json, out),
    }
}
