//! `mosaic build`: a board bitstream through the open toolchain (see
//! [crate::flow]); prints resource use and Fmax, fails on a timing miss.

use crate::boards;
use crate::flow::{self, BuildOptions, CoreKind, FlowError};
use std::io::Write;
use std::path::PathBuf;

/// Build a board bitstream (yosys, nextpnr, icepack / ecppack).
#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Board: icebreaker, alchitry-cu-v1, alchitry-cu-v2 or ulx3s (the Cu's
    /// revision matters: V2 moved LEDs and every connector pin).
    #[arg(long, short = 'b')]
    pub board: String,
    /// N: data lanes (default: the board's image of the core, see `--core`).
    #[arg(long)]
    pub lanes: Option<usize>,
    /// S: spare lanes (default: the board's image of the core).
    #[arg(long)]
    pub spares: Option<usize>,
    /// Clocks per line bit (default: the board's image of the core; 3 on
    /// the iCEBreaker, 4 elsewhere).
    #[arg(long)]
    pub osr: Option<usize>,
    /// Core: `link` (UART bridge + link core + emulator) or `bert` (UART
    /// bridge + per-lane PRBS BERT + emulator, no link). Default: the
    /// board's default image; with `--core`, the board's image of that core
    /// (the boards' images are listed in README, Boards).
    #[arg(long, value_parser = parse_core)]
    pub core: Option<CoreKind>,
    /// Lanes on header pins (default: as many as the board has; 0: none).
    /// The others are dark outside the FPGA and only run in internal
    /// loopback (`mosaic loopback on`).
    #[arg(long)]
    pub external: Option<usize>,
    /// UART baud rate (default: 3000000 where the board's USB UART and link
    /// clock allow it, else 2000000; the link clock must divide it into
    /// 4..=65535 clocks per bit, within 2%).
    #[arg(long, value_parser = super::common::parse_u32)]
    pub baud: Option<u32>,
    /// Link clock in MHz (default: the image's; within the PLL's range).
    #[arg(long, allow_negative_numbers = true)]
    pub freq: Option<f64>,
    /// Output directory (default: target/boards/<board>/ of the Cargo
    /// workspace you are in, else of the current folder; printed).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// nextpnr placement seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub(crate) fn parse_core(s: &str) -> Result<CoreKind, String> {
    match s {
        "link" => Ok(CoreKind::Link),
        "bert" => Ok(CoreKind::Bert),
        _ => Err(format!("'{s}' is not a core: use link or bert")),
    }
}

pub fn run(args: &BuildArgs, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let board = boards::board(&args.board)?;
    let image = board.image(args.core);
    let opts = BuildOptions {
        lanes: args.lanes.unwrap_or(image.lanes),
        spares: args.spares.unwrap_or(image.spares),
        osr: args.osr.unwrap_or(image.osr),
        link_mhz: args.freq.unwrap_or(image.link_mhz),
        external: args.external,
        baud: args.baud,
        out_dir: args.out.clone(),
        seed: args.seed,
        ..BuildOptions::for_image(board, image)
    };
    // Progress goes to stderr so that --json output stays parseable; on a
    // terminal a spinner shows the stage running and its elapsed time.
    let result = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let mut live = StageSpinner::new();
        let r = flow::build(&opts, &mut live);
        live.pb.finish_and_clear();
        r
    } else {
        flow::build(&opts, &mut std::io::stderr())
    };
    let report = match &result {
        Ok(r) => r,
        Err(FlowError::Timing { report, .. }) => report.as_ref(),
        Err(_) => return Err(result.unwrap_err().into()),
    };
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(report)?)?;
    } else {
        flow::write_summary(report, out)?;
    }
    result.map(|_| ()).map_err(Into::into)
}

/// Stage lines above a spinner that names the running stage and its time.
struct StageSpinner {
    pb: indicatif::ProgressBar,
    line: Vec<u8>,
}

impl StageSpinner {
    fn new() -> Self {
        let pb = indicatif::ProgressBar::new_spinner();
        let style = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed} in this stage)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        pb.set_style(style);
        pb.enable_steady_tick(std::time::Duration::from_millis(250));
        StageSpinner { pb, line: vec![] }
    }
}

impl Write for StageSpinner {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        while let Some(i) = self.line.iter().position(|&b| b == b'\n') {
            let l = String::from_utf8_lossy(&self.line[..i]).to_string();
            self.line.drain(..=i);
            self.pb.println(&l);
            // "[  12.3s] place (log: ...)": the stage is what follows the time.
            let stage = l.split_once("] ").map(|(_, s)| s).unwrap_or(&l);
            self.pb.set_message(stage.split(" (").next().unwrap_or(stage).to_string());
            self.pb.reset_elapsed();
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
