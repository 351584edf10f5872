//! `mosaic flash`: program a board through openFPGALoader (iceprog for
//! iCE40 boards when openFPGALoader is missing).

use super::common::ConnectOpts;
use crate::boards;
use crate::flow;
use std::io::Write;
use std::path::PathBuf;

/// Program a board with the bitstream `mosaic build` made.
#[derive(clap::Args, Debug)]
pub struct FlashArgs {
    /// Board: icebreaker, alchitry-cu or ulx3s.
    #[arg(long, short = 'b')]
    pub board: String,
    /// Load into SRAM only (lost at power-off) instead of the SPI flash.
    #[arg(long)]
    pub sram: bool,
    /// Print the programming command instead of running it.
    #[arg(long)]
    pub dry_run: bool,
    /// Bitstream (default: target/boards/<board>/top.bin or top.bit).
    #[arg(long)]
    pub bitstream: Option<PathBuf>,
}

pub fn run(args: &FlashArgs, _conn: &ConnectOpts, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let board = boards::board(&args.board)?;
    let bitstream = args.bitstream.clone().unwrap_or_else(|| flow::default_bitstream(board));
    let cmd = flow::program_command(board, &bitstream, args.sram, None)?;
    if args.dry_run {
        if json {
            writeln!(out, "{}", serde_json::to_string(&cmd)?)?;
        } else {
            writeln!(out, "{}", cmd.display())?;
        }
        return Ok(());
    }
    if !bitstream.is_file() {
        anyhow::bail!("no bitstream at {}: run `mosaic build --board {}` first", bitstream.display(), board.name);
    }
    flow::program(board, &cmd, None)?;
    writeln!(out, "programmed {} ({})", board.title, if args.sram { "SRAM" } else { "flash" })?;
    Ok(())
}
