//! `mosaic build`: HOOK owned by engineer "boards", who replaces this file.
//!
//! Contract with `cli/mod.rs`: a clap `BuildArgs` and
//! `pub fn run(args: &BuildArgs, json: bool, out: &mut dyn Write) -> anyhow::Result<()>`.

use std::io::Write;

/// Build a board bitstream (not available yet).
#[derive(clap::Args, Debug)]
pub struct BuildArgs {}

pub fn run(_args: &BuildArgs, _json: bool, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("`mosaic build` is not available yet")
}
