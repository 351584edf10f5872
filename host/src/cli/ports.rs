//! `mosaic ports`: the USB serial ports and the board each probably is.

use super::common::{write_json, Table};
use crate::ports::{scan, PortInfo};
use std::io::Write;
use std::path::PathBuf;

/// List USB serial ports with their USB identity and the board each probably is.
#[derive(clap::Args, Debug)]
pub struct PortsArgs {
    /// Filesystem root to read sysfs and /dev from (for tests).
    #[arg(long, hide = true, default_value = "/")]
    pub root: PathBuf,
}

fn board_text(p: &PortInfo) -> String {
    match (p.boards.as_slice(), p.programmer_of.as_slice()) {
        ([], []) => "-".into(),
        ([], prog) => format!("programming channel of {} (not its UART)", prog.join(" or ")),
        (uart, _) => uart.join(" or "),
    }
}

impl PortsArgs {
    pub fn run(&self, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let ports = scan(&self.root);
        if json {
            return write_json(out, &serde_json::to_value(&ports)?);
        }
        if ports.is_empty() {
            writeln!(out, "no USB serial port found (is the board plugged in?)")?;
            return Ok(());
        }
        let mut t = Table::new(&["port", "usb id", "if", "product", "board"]);
        for p in &ports {
            t.row(vec![
                p.path.clone(),
                format!("{:04x}:{:04x}", p.vid, p.pid),
                p.interface.map_or("-".into(), |i| i.to_string()),
                p.product.clone().unwrap_or_else(|| "-".into()),
                board_text(p),
            ]);
        }
        t.write(out)?;
        if let Some(p) = ports.iter().find(|p| !p.boards.is_empty()) {
            writeln!(out, "use: mosaic --port {} info   (or export MOSAIC_PORT={})", p.path, p.path)?;
        }
        Ok(())
    }
}
