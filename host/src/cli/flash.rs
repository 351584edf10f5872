//! `mosaic flash`: HOOK owned by engineer "boards", who replaces this file.
//!
//! Contract with `cli/mod.rs`: a clap `FlashArgs` and
//! `pub fn run(args: &FlashArgs, conn: &ConnectOpts, json: bool, out: &mut dyn Write) -> anyhow::Result<()>`.

use super::common::ConnectOpts;
use std::io::Write;

/// Program a board (not available yet).
#[derive(clap::Args, Debug)]
pub struct FlashArgs {}

pub fn run(_args: &FlashArgs, _conn: &ConnectOpts, _json: bool, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("`mosaic flash` is not available yet")
}
