//! `mosaic sim`: serve a board on a pseudo-terminal until Ctrl-C.

use super::common::{parse_u32, write_json, ConnectOpts};
use crate::fake_board::{FakeBoard, FakeOptions};
use anyhow::bail;
use mosaic_gateware::params::LinkParams;
use serde_json::json;
use std::io::Write;

/// Serve a virtual board on a pseudo-terminal until Ctrl-C.
#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// Serve the register-only fake board instead of the simulated gateware.
    #[arg(long)]
    pub fake: bool,
    /// Fake board only: pace replies as a UART at --baud would.
    #[arg(long, requires = "fake")]
    pub pace: bool,
    /// Data lanes N.
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.lanes as u32)]
    pub lanes: u32,
    /// Spare lanes S.
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.spares as u32)]
    pub spares: u32,
}

impl SimArgs {
    pub fn params(&self) -> anyhow::Result<LinkParams> {
        let p = LinkParams { lanes: self.lanes as usize, spares: self.spares as usize, ..LinkParams::DEFAULT };
        p.validate()?;
        Ok(p)
    }

    pub fn run(&self, conn: &ConnectOpts, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let p = self.params()?;
        if !self.fake {
            bail!("the virtual board is not available yet in this build (mosaic_sim::virtual_board); use --fake for a register-only fake board");
        }
        let board = FakeBoard::spawn(FakeOptions { params: p, baud: self.pace.then_some(conn.baud), ..FakeOptions::default() })?;
        if json {
            write_json(out, &json!({ "port": board.path(), "kind": "fake" }))?;
        } else {
            writeln!(out, "fake board ({} + {} lanes) on {}", p.lanes, p.spares, board.path())?;
            writeln!(out, "try: MOSAIC_PORT={} mosaic status   (Ctrl-C to stop)", board.path())?;
        }
        out.flush()?;
        // Ctrl-C ends the process, and with it the board.
        loop {
            std::thread::park();
        }
    }
}
