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
    /// Board: icebreaker, alchitry-cu-v1, alchitry-cu-v2 or ulx3s.
    #[arg(long, short = 'b')]
    pub board: String,
    /// Load into SRAM only (lost at power-off) instead of the SPI flash.
    /// Only the ULX3S can as shipped: a stock iCEBreaker cannot (see
    /// --board-modified-for-sram), the Alchitry Cu never can.
    #[arg(long)]
    pub sram: bool,
    /// With --sram on an iCEBreaker: the board has been modified for SRAM
    /// loading (the traces on jumpers J15 and J16 cut, J18 removed).
    #[arg(long, requires = "sram")]
    pub board_modified_for_sram: bool,
    /// Print the programming command instead of running it.
    #[arg(long)]
    pub dry_run: bool,
    /// Bitstream (default: target/boards/<board>/top.bin or top.bit of the
    /// workspace or folder you are in, where `mosaic build` writes it).
    #[arg(long)]
    pub bitstream: Option<PathBuf>,
}

pub fn run(args: &FlashArgs, _conn: &ConnectOpts, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let board = boards::board(&args.board)?;
    if args.sram {
        flow::check_sram(board, args.board_modified_for_sram)?;
    }
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
        anyhow::bail!("no bitstream at {}: run `mosaic build --board {}` here first", bitstream.display(), board.name);
    }
    flow::program(board, &cmd, None)?;
    let target = if args.sram { "SRAM" } else { "flash" };
    writeln!(out, "programmed {} ({target}) with {}", board.title, bitstream.display())?;
    Ok(())
}
