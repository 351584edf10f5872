//! `mosaic serve`: a board (serial port, virtual or fake) behind a TCP server
//! on loopback, one client at a time; every command then takes
//! `--port tcp://HOST:PORT`. The server itself is [crate::serve].

use super::common::ConnectOpts;
use super::sim::SimArgs;
use crate::serve::{parse_listen, BoardOpener, Event, Server};
use crate::tcp_transport::TcpAddr;
use crate::transport::{SerialTransport, Transport};
use anyhow::{bail, Context};
use serde_json::json;
use std::io::Write;
use std::sync::mpsc;

/// Where `mosaic serve` listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7780";

/// Serve a board on TCP until Ctrl-C: `--port <serial path>`, `--sim` or `--fake`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT (port 0: pick a free one; it is printed).
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: String,
    /// Accept a non-loopback --listen address (the bridge has no authentication).
    #[arg(long)]
    pub allow_remote: bool,
    /// Serve a virtual board running the real gateware (image options as `mosaic sim`).
    #[arg(long, conflicts_with = "fake")]
    pub sim: bool,
    #[command(flatten)]
    pub board: SimArgs,
}

/// The board behind the server and how to reopen it.
struct Backend {
    opener: BoardOpener,
    what: String,
    timeout_ms: u32,
    // A virtual or fake board runs as long as this is held.
    _keep: Option<super::sim::ServedBoard>,
}

/// The UART a fake board's replies are paced as (`--pace`) when `--baud`
/// is not given: the classic rate, where pacing is visible.
pub const PACE_BAUD: u32 = 115_200;

fn serial_opener(path: String, baud: u32) -> BoardOpener {
    Box::new(move || {
        // Without the open error's --port hint: a client reading it cannot act on it.
        SerialTransport::open(&path, baud)
            .map(|t| Box::new(t) as Box<dyn Transport>)
            .map_err(|e| format!("cannot open {}: {}", e.port, e.reason))
    })
}

impl ServeArgs {
    fn backend(&self, conn: &ConnectOpts) -> anyhow::Result<Backend> {
        let port = conn.port.as_deref().map(str::trim).filter(|p| !p.is_empty());
        if self.sim || self.board.fake {
            // A tcp:// MOSAIC_PORT is where clients go, not a conflict.
            if let Some(p) = port.filter(|p| !TcpAddr::is_tcp(p)) {
                bail!("give --port {p} (a serial port to serve) or --sim/--fake, not both");
            }
            // The baud paces a fake board's replies (--pace); a pty has no rate.
            let baud = conn.baud.unwrap_or(PACE_BAUD);
            let b = self.board.spawn(baud)?;
            return Ok(Backend {
                opener: serial_opener(b.path.clone(), baud),
                what: b.what.clone(),
                timeout_ms: b.timeout_ms,
                _keep: Some(b),
            });
        }
        let Some(port) = port else {
            bail!("nothing to serve: give --port <serial path> of a board, --sim (the virtual board) or --fake");
        };
        if TcpAddr::is_tcp(port) {
            bail!("--port {port} is a tcp:// address: `mosaic serve` serves a serial port (--port <path>), --sim or --fake");
        }
        let baud = conn.line_rate(port)?;
        Ok(Backend {
            opener: serial_opener(port.to_string(), baud),
            what: format!("serial port {port} at {baud} baud"),
            timeout_ms: conn.timeout,
            _keep: None,
        })
    }

    pub fn run(&self, conn: &ConnectOpts, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        // Bind first: a taken port fails before a simulation is started.
        let server = Server::bind(parse_listen(&self.listen)?, self.allow_remote)?;
        // `_keep` holds a virtual or fake board alive until the server ends.
        let Backend { mut opener, what, timeout_ms, _keep } = self.backend(conn)?;
        let board = opener().map_err(anyhow::Error::msg).context("cannot open the board")?;
        let url = format!("tcp://{}", server.local_addr());
        if json {
            writeln!(out, "{}", json!({ "listen": url, "board": what, "timeout_ms": timeout_ms }))?;
        } else {
            writeln!(out, "serving {what} on {url}")?;
            writeln!(
                out,
                "try: export MOSAIC_PORT={url} MOSAIC_TIMEOUT={timeout_ms}; mosaic status   (Ctrl-C to stop)"
            )?;
        }
        out.flush()?;
        let (tx, events) = mpsc::channel();
        let server = std::thread::spawn(move || server.run(board, opener, what, tx));
        // The log ends when the server does (it runs until Ctrl-C).
        for e in events {
            if json {
                writeln!(out, "{}", event_json(&e))?;
            } else {
                writeln!(out, "{}", event_text(&e))?;
            }
            out.flush()?;
        }
        server.join().map_err(|_| anyhow::anyhow!("the server thread panicked"))??;
        Ok(())
    }
}

fn event_text(e: &Event) -> String {
    match e {
        Event::Connected(p) => format!("client {p} connected"),
        Event::Left { peer, mid_frame: false } => format!("client {peer} left"),
        Event::Left { peer, mid_frame: true } => {
            format!("client {peer} left inside a request: completed it with filler, the bridge hunts again")
        }
        Event::Refused { peer, reason } => format!("refused {peer}: {reason}"),
        Event::BoardLost(r) => format!("board lost: {r}; clients are told so until it reopens"),
        Event::BoardBack => "board reopened".into(),
    }
}

fn event_json(e: &Event) -> serde_json::Value {
    match e {
        Event::Connected(p) => json!({ "event": "connected", "peer": p.to_string() }),
        Event::Left { peer, mid_frame } => json!({ "event": "left", "peer": peer.to_string(), "mid_frame": mid_frame }),
        Event::Refused { peer, reason } => json!({ "event": "refused", "peer": peer.to_string(), "reason": reason }),
        Event::BoardLost(r) => json!({ "event": "board_lost", "reason": r }),
        Event::BoardBack => json!({ "event": "board_back" }),
    }
}
