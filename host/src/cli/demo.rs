//! `mosaic demo`: a scripted walkthrough against an in-process board.
//!
//! Each step prints a heading and runs the same code as the subcommand of
//! that name, through a real serial path (the board's pty), so the demo
//! exercises exactly what a user would type.

use super::common::{parse_u32, write_json, ConnectOpts};
use super::{counters, info, inject, lanes, loopback, status};
use crate::client::Client;
use crate::fake_board::{FakeBoard, FakeOptions};
use crate::transport::SerialTransport;
use super::sim::{DEFAULT_DIVISOR, SIM_TIMEOUT_MS};
use anyhow::Context;
use mosaic_gateware::params::LinkParams;
use mosaic_sim::virtual_board::VirtualBoard;
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
}

/// One scripted step: what it shows, and the command line a user would type.
struct Step {
    title: &'static str,
    command: &'static str,
    run: fn(&mut Client, &mut dyn Write) -> anyhow::Result<()>,
}

fn steps() -> Vec<Step> {
    vec![
        Step { title: "Who is there", command: "mosaic info", run: |c, o| info::InfoArgs {}.run(c, false, o) },
        Step {
            title: "Close the loop inside the board",
            command: "mosaic loopback on",
            run: |c, o| loopback::LoopbackArgs { state: true }.run(c, false, o),
        },
        Step { title: "Lanes come up", command: "mosaic status", run: |c, o| status::StatusArgs {}.run(c, false, o) },
        Step {
            title: "Kill physical lane 3",
            command: "mosaic inject --lane 3 --kill",
            run: |c, o| {
                let a = inject::InjectArgs {
                    lane: Some(3),
                    skew: None,
                    ber: None,
                    kill: true,
                    revive: false,
                    invert: false,
                    uninvert: false,
                    clear: false,
                    permute: None,
                };
                a.run(c, false, o)
            },
        },
        Step {
            title: "Move logical lane 3 onto a spare",
            command: "mosaic lanes spare 3",
            run: |c, o| lanes::LanesArgs { action: lanes::LanesAction::Spare { logical: 3, to: None } }.run(c, false, o),
        },
        Step {
            title: "Where every lane goes now",
            command: "mosaic lanes map",
            run: |c, o| lanes::LanesArgs { action: lanes::LanesAction::Map { set: vec![] } }.run(c, false, o),
        },
        Step {
            title: "Counters after the repair",
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
            let path = b.path().to_string();
            (Box::new(b), path)
        } else {
            let b = VirtualBoard::spawn(p, DEFAULT_DIVISOR).context("cannot start the virtual board")?;
            let path = b.path().to_string();
            (Box::new(b), path)
        };
        if !json {
            writeln!(out, "{} board on {path}", if self.fake { "fake" } else { "virtual" })?;
        }
        let t = SerialTransport::open(&path, conn.baud)?;
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
