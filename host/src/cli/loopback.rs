//! `mosaic loopback on|off`: internal loopback through the channel emulator.

use super::common::{parse_on_off, write_json};
use crate::client::Client;
use serde_json::json;
use std::io::Write;

/// Internal loopback (TX lanes feed RX lanes through the channel emulator).
#[derive(clap::Args, Debug)]
pub struct LoopbackArgs {
    /// on or off
    #[arg(value_parser = parse_on_off, action = clap::ArgAction::Set)]
    pub state: bool,
}

impl LoopbackArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        c.write_field("CTRL", 0, "loopback", self.state as u32)?;
        let now = c.read_field("CTRL", 0, "loopback")? == 1;
        if now != self.state {
            anyhow::bail!("loopback did not change (this build may not have internal loopback)");
        }
        if json {
            return write_json(out, &json!({ "loopback": now }));
        }
        writeln!(out, "loopback {}", if now { "on" } else { "off" })?;
        Ok(())
    }
}
