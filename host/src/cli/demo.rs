//! `mosaic demo`: a scripted walkthrough against an in-process board.
//!
//! Each step prints a heading and runs the same code as the subcommand of
//! that name, through a real serial path (the board's pty), so the demo
//! exercises exactly what a user would type.

use super::common::{parse_u32, write_json, ConnectOpts};
use super::sim::{DEFAULT_DIVISOR, SIM_TIMEOUT_MS};
use super::{bert, counters, info, inject, lanes, loopback, status};
use crate::client::Client;
use crate::fake_board::{FakeBoard, FakeOptions};
use crate::transport::SerialTransport;
use anyhow::Context;
use mosaic_gateware::params::LinkParams;
use mosaic_sim::virtual_board::{core_config, BoardOptions, Image};
use std::io::Write;

/// Scripted walkthrough against an in-process virtual board.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Run against the register-only fake board (no link behaviour) instead of the simulated gateware.
    #[arg(long)]
    pub fake: bool,
    /// Data lanes N of the demo board (small keeps the simulation quick).
    #[arg(long, value_parser = parse_u32, default_value_t = 8)]
    pub lanes: u32,
    /// Spare lanes S of the demo board.
    #[arg(long, value_parser = parse_u32, default_value_t = 2)]
    pub spares: u32,
    /// Simulator of the gateware (default: verilator when installed, else rust-hdl).
    #[arg(long, value_enum, conflicts_with = "fake")]
    pub engine: Option<super::engine::EngineArg>,
}

/// One scripted step: what it shows, and the command line a user would type.
struct Step {
    title: &'static str,
    command: &'static str,
    run: fn(&mut Client, &mut dyn Write) -> anyhow::Result<()>,
}

fn inject(lane: Option<u32>, skew: Option<u64>, kill: bool, permute: Option<&str>) -> inject::InjectArgs {
    inject::InjectArgs {
        lane,
        skew,
        ber: None,
        kill,
        revive: false,
        invert: false,
        uninvert: false,
        clear: false,
        permute: permute.map(str::to_string),
    }
}

/// Polls LINK_STATUS until the link is up (the simulated board needs a few
/// thousand clocks to lock, i.e. seconds of wall time).
fn wait_link_up(c: &mut Client, o: &mut dyn Write) -> anyhow::Result<()> {
    let t = std::time::Instant::now();
    while t.elapsed() < std::time::Duration::from_secs(300) {
        let st = c.read_reg("LINK_STATUS", 0)?;
        if st & 1 == 1 {
            writeln!(
                o,
                "link up ({} logical lanes found) after {:.1} s",
                (st >> 16) & 0xFFF,
                t.elapsed().as_secs_f64()
            )?;
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    anyhow::bail!("the link did not come up within 300 s")
}

fn steps() -> Vec<Step> {
    vec![
        Step { title: "Who is there", command: "mosaic info", run: |c, o| info::InfoArgs {}.run(c, false, o) },
        Step {
            title: "Close the loop inside the board",
            command: "mosaic loopback on",
            run: |c, o| loopback::LoopbackArgs { state: true }.run(c, false, o),
        },
        Step {
            title: "Raw bit-error-rate test on every lane",
            command: "mosaic bert --pattern prbs31 --duration 4",
            run: |c, o| bert::BertArgs { pattern: bert::Pattern(mosaic_gateware::phy::prbs::PrbsPattern::Prbs31), duration: 4.0, keep: false }.run(c, false, o),
        },
        Step {
            title: "Scramble the fiber: permute the lanes and skew two of them",
            command: "mosaic inject --permute 2,0,1,3,...; mosaic inject --lane 1 --skew 40; mosaic inject --lane 2 --skew 17",
            run: |c, o| {
                let phys = c.read_reg("PARAM_LANES", 0)? + c.read_reg("PARAM_SPARES", 0)?;
                let mut perm: Vec<String> = (0..phys).map(|i| i.to_string()).collect();
                perm[0] = "2".into();
                perm[1] = "0".into();
                perm[2] = "1".into();
                inject(None, None, false, Some(&perm.join(","))).run(c, false, o)?;
                inject(Some(1), Some(40), false, None).run(c, false, o)?;
                inject(Some(2), Some(17), false, None).run(c, false, o)
            },
        },
        Step {
            title: "Start traffic; the receiver discovers the lanes and deskews them",
            command: "mosaic write CTRL 0x5   (loopback + traffic generator)",
            run: |c, o| {
                c.write_field("CTRL", 0, "traffic_enable", 1)?;
                wait_link_up(c, o)
            },
        },
        Step { title: "Lanes found, in any order", command: "mosaic status", run: |c, o| status::StatusArgs::default().run(c, false, o) },
        Step {
            title: "Kill physical lane 3",
            command: "mosaic inject --lane 3 --kill",
            run: |c, o| inject(Some(3), None, true, None).run(c, false, o),
        },
        Step {
            title: "Move logical lane 3 onto a spare; the receiver follows by lane id",
            command: "mosaic lanes spare 3",
            run: |c, o| {
                lanes::LanesArgs { action: lanes::LanesAction::Spare { logical: 3, to: None } }.run(c, false, o)?;
                wait_link_up(c, o)
            },
        },
        Step {
            title: "Where every lane goes now",
            command: "mosaic lanes map",
            run: |c, o| lanes::LanesArgs { action: lanes::LanesAction::Map { set: vec![] } }.run(c, false, o),
        },
        Step { title: "The lane table", command: "mosaic status", run: |c, o| status::StatusArgs::default().run(c, false, o) },
        Step {
            title: "Summary: counters after the repair",
            command: "mosaic counters",
            run: |c, o| counters::CountersArgs { clear: false }.run(c, false, o),
        },
    ]
}

impl DemoArgs {
    pub fn run(&self, conn: &ConnectOpts, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        // The board is dropped (stopped) when the demo returns.
        let p = LinkParams { lanes: self.lanes as usize, spares: self.spares as usize, ..LinkParams::DEFAULT };
        p.validate()?;
        if p.lanes < 4 {
            anyhow::bail!("the demo needs at least 4 data lanes, not {}", p.lanes);
        }
        let (_board, path): (Box<dyn std::any::Any>, String) = if self.fake {
            let b = FakeBoard::spawn(FakeOptions { params: p, ..FakeOptions::default() })
                .context("cannot start the fake board")?;
            // The register-only fake has no link: report it up, all lanes found.
            b.regs().set_live("LINK_STATUS", 0, 1 | ((p.lanes as u32) << 16));
            let path = b.path().to_string();
            (Box::new(b), path)
        } else {
            let engine = super::engine::choose(self.engine)?;
            let image = Image::Link(core_config(p));
            let b = super::engine::spawn(image, BoardOptions::new(DEFAULT_DIVISOR), engine)?;
            let path = b.path().to_string();
            (Box::new(b), path)
        };
        if !json {
            writeln!(out, "{} board on {path}", if self.fake { "fake" } else { "virtual" })?;
        }
        // A pty: the rate is not used.
        let t = SerialTransport::open(&path, crate::boards::UART_BAUDS[0])?;
        let mut o = conn.client_options();
        if !self.fake {
            o.timeout = o.timeout.max(std::time::Duration::from_millis(SIM_TIMEOUT_MS as u64));
        }
        let mut c = Client::connect(t, o).context("board")?;
        let mut done = Vec::new();
        for (i, s) in steps().iter().enumerate() {
            if !json {
                writeln!(out, "\n== {}. {} ==\n$ {}", i + 1, s.title, s.command)?;
            }
            let mut buf = Vec::new();
            (s.run)(&mut c, &mut buf).with_context(|| format!("demo step {} ({})", i + 1, s.command))?;
            if json {
                done.push(serde_json::json!({ "step": s.title, "command": s.command,
                    "output": String::from_utf8_lossy(&buf) }));
            } else {
                out.write_all(&buf)?;
            }
        }
        if json {
            return write_json(out, &serde_json::json!({ "steps": done }));
        }
        writeln!(out, "\ndemo done ({} requests, {} retries)", c.stats().transactions, c.stats().retries)?;
        Ok(())
    }
}
