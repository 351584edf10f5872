//! `mosaic sim`: serve a board on a pseudo-terminal until Ctrl-C.

use super::common::{parse_u32, write_json, ConnectOpts};
use crate::fake_board::{FakeBoard, FakeOptions};
use anyhow::{anyhow, bail};
use mosaic_gateware::boards::CoreKind;
use mosaic_gateware::control::uart_tx::{MAX_DIVISOR, MIN_DIVISOR};
use mosaic_gateware::params::LinkParams;
use mosaic_sim::virtual_board::{bert_config, core_config, BoardOptions, Engine, Image};
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
    /// Clocks per line bit.
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.osr as u32)]
    pub osr: u32,
    /// Gateware image: `link` (the full link) or `bert` (the BERT image,
    /// as on the iCEBreaker).
    #[arg(long, value_parser = super::build::parse_core, default_value = "link", conflicts_with = "fake")]
    pub core: CoreKind,
    /// Simulated UART clocks per bit (small is fast; 4..=65535).
    #[arg(long, value_parser = parse_u32, default_value_t = DEFAULT_DIVISOR)]
    pub divisor: u32,
    /// Simulator of the gateware (default: verilator when installed, else rust-hdl).
    #[arg(long, value_enum, conflicts_with = "fake")]
    pub engine: Option<super::engine::EngineArg>,
}

/// UART clocks per bit of a virtual board: the fastest the bridge allows,
/// since simulated clocks, not the wire, are what costs wall time.
pub const DEFAULT_DIVISOR: u32 = 4;

/// Reply timeout for a simulated board: a transaction costs a few thousand
/// simulated clocks, and a loaded machine simulates a few thousand a second.
pub const SIM_TIMEOUT_MS: u32 = 30_000;

/// How `sim`, `serve` and the JSON name an engine.
pub fn engine_label(e: Engine) -> &'static str {
    match e {
        Engine::Verilator => "verilator",
        Engine::RustHdl => "rust-hdl",
    }
}

impl SimArgs {
    pub fn params(&self) -> anyhow::Result<LinkParams> {
        let p = LinkParams {
            lanes: self.lanes as usize,
            spares: self.spares as usize,
            osr: self.osr as usize,
            ..LinkParams::DEFAULT
        };
        p.validate()?;
        Ok(p)
    }

    fn core_name(&self) -> &'static str {
        match self.core {
            CoreKind::Link => "link",
            CoreKind::Bert => "bert",
        }
    }

    /// One line naming the board these options serve, e.g.
    /// `virtual board (16 + 2 lanes, osr 4, link image, verilator)`.
    pub fn describe(&self, p: &LinkParams, engine: &str) -> String {
        let image = if self.fake { String::new() } else { format!(", {} image, {engine}", self.core_name()) };
        format!("{} board ({} + {} lanes, osr {}{image})", self.kind(), p.lanes, p.spares, p.osr)
    }

    fn kind(&self) -> &'static str {
        if self.fake {
            "fake"
        } else {
            "virtual"
        }
    }

    /// Starts the board these options describe on a pty (`mosaic sim` and
    /// `mosaic serve --sim/--fake`); `baud` paces a fake board with --pace.
    pub fn spawn(&self, baud: u32) -> anyhow::Result<ServedBoard> {
        let p = self.params()?;
        if !(MIN_DIVISOR..=MAX_DIVISOR).contains(&self.divisor) {
            bail!("--divisor must be in {MIN_DIVISOR}..={MAX_DIVISOR} (UART clocks per bit), not {}", self.divisor);
        }
        let mut engine = "registers";
        let (keep, path): (Box<dyn std::any::Any>, String) = if self.fake {
            let b =
                FakeBoard::spawn(FakeOptions { params: p, baud: self.pace.then_some(baud), ..FakeOptions::default() })?;
            let path = b.path().to_string();
            (Box::new(b), path)
        } else {
            let image = match self.core {
                CoreKind::Link => Image::Link(core_config(p)),
                CoreKind::Bert => {
                    let cfg = bert_config(p);
                    cfg.check().map_err(|e| anyhow!("{e}"))?;
                    Image::Bert(cfg)
                }
            };
            let chosen = super::engine::choose(self.engine)?;
            let b = super::engine::spawn(image, BoardOptions::new(self.divisor), chosen)?;
            engine = engine_label(chosen);
            let path = b.path().to_string();
            (Box::new(b), path)
        };
        // The simulated gateware answers in seconds, not milliseconds.
        let timeout_ms = if self.fake { 1000 } else { SIM_TIMEOUT_MS };
        Ok(ServedBoard { _keep: keep, path, params: p, what: self.describe(&p, engine), timeout_ms, engine })
    }

    pub fn run(&self, conn: &ConnectOpts, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        // The board lives as long as this function: it never returns but on error.
        let b = self.spawn(conn.baud.unwrap_or(super::serve::PACE_BAUD))?;
        let (p, path) = (b.params, b.path.as_str());
        if json {
            let image = if self.fake { "registers" } else { self.core_name() };
            write_json(
                out,
                &json!({ "port": path, "kind": self.kind(), "image": image, "engine": b.engine, "params": p }),
            )?;
        } else {
            writeln!(out, "{} on {path}", b.what)?;
            writeln!(
                out,
                "try: export MOSAIC_PORT={path} MOSAIC_TIMEOUT={}; mosaic status   (Ctrl-C to stop)",
                b.timeout_ms
            )?;
        }
        out.flush()?;
        // Ctrl-C ends the process, and with it the board.
        loop {
            std::thread::park();
        }
    }
}

/// A board running on a pty; it stops when this is dropped.
pub struct ServedBoard {
    _keep: Box<dyn std::any::Any>,
    /// The pty to open.
    pub path: String,
    pub params: LinkParams,
    /// One line naming the board ([SimArgs::describe]).
    pub what: String,
    /// A reply timeout that suits this board, in ms.
    pub timeout_ms: u32,
    /// The simulator behind it ([engine_label]; "registers" for the fake).
    pub engine: &'static str,
}
