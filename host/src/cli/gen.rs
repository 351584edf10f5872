//! `mosaic gen <core>`: standalone Verilog of a gateware core.

use super::common::{parse_u32, write_json};
use anyhow::Context;
use mosaic_gateware::params::{CoreError, LinkParams};
use mosaic_gateware::verilog::verilog_of;
pub use mosaic_gateware::verilog::{ports, Port};
use rust_hdl::prelude::Block;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Core {
    /// PRBS generator (CTRL.bert_pattern polynomials).
    Prbs,
    /// PRBS checker with saturating error counter.
    PrbsCheck,
    /// Lane transmitter: scrambler, sync header, serializer.
    LaneTx,
    /// Lane receiver: bit recovery, block lock, descrambler, PRBS checker.
    LaneRx,
    /// The whole link core (TX, RX, register decode).
    Link,
}

/// Standalone Verilog of a core (no board needed).
#[derive(clap::Args, Debug)]
pub struct GenArgs {
    /// Core to generate.
    #[arg(value_enum)]
    pub core: Core,
    /// Write the Verilog here (default: stdout).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Clocks per line bit.
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.osr as u32)]
    pub osr: u32,
    /// Data lanes N (link core).
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.lanes as u32)]
    pub lanes: u32,
    /// Spare lanes S (link core).
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.spares as u32)]
    pub spares: u32,
    /// Stream width in bits (link core): one of 64, 128, 256, 512. The link
    /// itself stays 64 bits wide; wider streams are split and joined at the ports.
    #[arg(long, value_parser = parse_u32, default_value_t = 64)]
    pub width: u32,
    /// Blocks per alignment-marker period M (link core).
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.marker_period as u32)]
    pub marker_period: u32,
    /// Deskew FIFO depth D in blocks (link core): absorbs D - 1 blocks of skew.
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.deskew_depth as u32)]
    pub deskew_depth: u32,
    /// Name of the top module; submodules are named NAME$... (default: top),
    /// so that two generated cores can live in one design.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub no_board: NoBoard,
}

/// The board-connection options, taken and ignored: `gen` talks to no
/// board, so its help does not list them (clap lists a global option under
/// every subcommand that does not define it itself).
#[derive(clap::Args, Debug)]
pub struct NoBoard {
    #[arg(long, short = 'p', hide = true)]
    port: Option<String>,
    #[arg(long, hide = true, default_value_t = 115_200)]
    baud: u32,
    #[arg(long, hide = true, default_value_t = 1000)]
    timeout: u32,
    #[arg(long, hide = true, default_value_t = 2)]
    retries: u32,
}

/// Stream widths `mosaic gen link --width` builds (each is compiled in).
pub const LINK_WIDTHS: [u32; 4] = [64, 128, 256, 512];

fn verilog<B: Block>(mut b: B) -> String {
    verilog_of(&mut b)
}

/// A core's refusal of its configuration, as `mosaic gen` reports it.
fn refused(e: CoreError) -> anyhow::Error {
    anyhow::anyhow!("cannot build the core: {e}")
}

impl GenArgs {
    fn params(&self) -> anyhow::Result<LinkParams> {
        let p = LinkParams {
            lanes: self.lanes as usize,
            spares: self.spares as usize,
            osr: self.osr as usize,
            marker_period: self.marker_period as usize,
            deskew_depth: self.deskew_depth as usize,
        };
        p.validate()?;
        Ok(p)
    }

    fn source(&self) -> anyhow::Result<String> {
        let p = self.params()?;
        let osr = p.osr;
        if !LINK_WIDTHS.contains(&self.width) {
            let list: Vec<String> = LINK_WIDTHS.iter().map(|w| w.to_string()).collect();
            anyhow::bail!("--width must be one of {}, not {}", list.join(", "), self.width);
        }
        if self.width != 64 && self.core != Core::Link {
            anyhow::bail!("--width is for the link core only ({:?} has no stream)", self.core);
        }
        // The PHY blocks take any OSR that `params` accepted.
        Ok(match self.core {
            Core::Prbs => verilog(mosaic_gateware::phy::prbs::PrbsGen::new()),
            Core::PrbsCheck => verilog(mosaic_gateware::phy::prbs::PrbsCheck::new()),
            Core::LaneTx => verilog(mosaic_gateware::phy::lane_tx::LaneTx::new(osr)),
            Core::LaneRx => verilog(mosaic_gateware::phy::lane_rx::LaneRx::new(osr)),
            Core::Link => {
                use mosaic_gateware::link::core::{CoreConfig, LinkCore};
                use mosaic_gateware::link::core_wide::LinkCoreWide;
                let cfg = CoreConfig::new(p);
                // W is a type parameter: one arm per width in LINK_WIDTHS.
                // 64 is the link core itself (LinkCoreWide<64> behaves the same).
                match self.width {
                    128 => LinkCoreWide::<128>::try_new(&cfg).map(verilog),
                    256 => LinkCoreWide::<256>::try_new(&cfg).map(verilog),
                    512 => LinkCoreWide::<512>::try_new(&cfg).map(verilog),
                    _ => LinkCore::try_new(&cfg).map(verilog),
                }
                .map_err(refused)?
            }
        })
    }

    /// The Verilog with its module names, and the top's ports.
    fn named_source(&self) -> anyhow::Result<(String, Vec<Port>)> {
        let v = self.source()?;
        let ports = ports(&v);
        let v = match &self.name {
            Some(n) => mosaic_gateware::verilog::with_top_name(&v, n).map_err(|e| anyhow::anyhow!("--name: {e}"))?,
            None => v,
        };
        Ok((v, ports))
    }

    pub fn run(&self, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let (v, ports) = self.named_source()?;
        match &self.out {
            Some(path) => std::fs::write(path, &v).with_context(|| format!("cannot write {}", path.display()))?,
            None if !json => out.write_all(v.as_bytes())?,
            None => {}
        }
        if json {
            return write_json(
                out,
                &json!({ "core": format!("{:?}", self.core), "file": self.out, "ports": ports,
                         "verilog": if self.out.is_none() { Some(&v) } else { None } }),
            );
        }
        // The port summary goes to stderr when the Verilog itself is on stdout.
        let summary: Vec<String> = ports
            .iter()
            .map(|p| {
                let doc = if self.core == Core::Link { port_doc(&p.name) } else { "" };
                format!("  {:<6} {:>3}  {:<14} {doc}", p.dir, p.width, p.name).trim_end().to_string()
            })
            .collect();
        match &self.out {
            Some(path) => {
                writeln!(out, "wrote {} ({} lines), ports:", path.display(), v.lines().count())?;
                for s in summary {
                    writeln!(out, "{s}")?;
                }
            }
            None => {
                eprintln!("ports of {:?}:", self.core);
                for s in summary {
                    eprintln!("{s}");
                }
            }
        }
        Ok(())
    }
}

/// What a link-core port is for (from the core's own port table).
fn port_doc(name: &str) -> &'static str {
    use mosaic_gateware::link::core::PORT_DOCS;
    PORT_DOCS
        .iter()
        .find(|(n, _)| *n == name || (n.ends_with('$') && name.starts_with(n)))
        .map(|(_, d)| *d)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        gen: GenArgs,
    }

    fn gen(args: &[&str]) -> anyhow::Result<String> {
        let cmd = Cmd::try_parse_from(std::iter::once("gen").chain(args.iter().copied())).unwrap();
        cmd.gen.source()
    }

    #[test]
    fn link_width_sets_the_stream_ports() {
        // 4 lanes: a 256-bit word (4 link words) must fit one gearbox round.
        let small = |w: &str| gen(&["link", "--lanes", "4", "--spares", "1", "--width", w]);
        let width_of = |v: &str, name: &str| ports(v).iter().find(|p| p.name == name).map(|p| p.width);
        let v64 = small("64").unwrap();
        assert_eq!(gen(&["link", "--lanes", "4", "--spares", "1"]).unwrap(), v64, "64 is the default");
        assert_eq!((width_of(&v64, "tx_stream$data"), width_of(&v64, "rx_stream$data")), (Some(64), Some(64)));
        let v = small("256").unwrap();
        assert_eq!((width_of(&v, "tx_stream$data"), width_of(&v, "rx_stream$data")), (Some(256), Some(256)));
        // Every other port is the link core's (but `rx_sof`: a wide word is
        // whole, the round start is the join's business).
        let others = |v: &str| -> Vec<(String, u32)> {
            ports(v)
                .into_iter()
                .filter(|p| !p.name.ends_with("_stream$data") && p.name != "rx_sof")
                .map(|p| (p.name, p.width))
                .collect()
        };
        assert_eq!(others(&v), others(&v64));
    }

    #[test]
    fn a_link_the_core_refuses_is_an_error_line() {
        // A 512-bit word is 8 link words: it cannot travel on 4 lanes.
        let e = gen(&["link", "--lanes", "4", "--spares", "1", "--width", "512"]).unwrap_err().to_string();
        assert_eq!(
            e,
            "cannot build the core: LinkCoreWide: a 512-bit stream word travels in one gearbox round: \
             it needs N >= W/64 = 8 data lanes, not 4"
        );
    }

    #[test]
    fn link_width_outside_the_compiled_set_is_refused() {
        let e = gen(&["link", "--width", "192"]).unwrap_err().to_string();
        assert_eq!(e, "--width must be one of 64, 128, 256, 512, not 192");
        let e = gen(&["prbs", "--width", "128"]).unwrap_err().to_string();
        assert!(e.contains("link core only"), "{e}");
    }

    #[test]
    fn every_link_port_is_documented() {
        let v = gen(&["link", "--lanes", "2", "--spares", "1"]).unwrap();
        for p in ports(&v) {
            assert!(!port_doc(&p.name).is_empty(), "port {} has no documentation", p.name);
        }
        let v = gen(&["link", "--lanes", "2", "--spares", "1", "--width", "128"]).unwrap();
        let names: Vec<String> = ports(&v).into_iter().map(|p| p.name).collect();
        assert!(names.contains(&"rx_gap".to_string()), "{names:?}");
        for n in &names {
            assert!(!port_doc(n).is_empty(), "port {n} has no documentation");
        }
    }

    #[test]
    fn gen_takes_every_link_parameter() {
        let v =
            gen(&["link", "--lanes", "2", "--spares", "1", "--marker-period", "32", "--deskew-depth", "8"]).unwrap();
        let d = gen(&["link", "--lanes", "2", "--spares", "1"]).unwrap();
        assert_ne!(v, d, "M and D changed nothing");
        let e = gen(&["link", "--marker-period", "8", "--deskew-depth", "8"]).unwrap_err().to_string();
        assert!(e.contains("deskew_depth (D)"), "{e}");
    }

    #[test]
    fn two_named_cores_lint_in_one_design() {
        let named = |n: &str| {
            let cmd = Cmd::try_parse_from(["gen", "link", "--lanes", "2", "--spares", "1", "--name", n]).unwrap();
            cmd.gen.named_source().unwrap().0
        };
        let (a, b) = (named("link_a"), named("link_b"));
        assert!(a.contains("module link_a(") && a.contains("module link_a$") && !a.contains("top$"));
        // A design with both: a wrapper that instantiates each once.
        let ports = ports(&gen(&["link", "--lanes", "2", "--spares", "1"]).unwrap());
        let mut w = String::from("module top(");
        let ins: Vec<&Port> = ports.iter().filter(|p| p.dir == "input").collect();
        w += &ins.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(",");
        w += ", leds_a, leds_b);\n";
        for p in &ins {
            w += &format!("    input wire [{}:0] {};\n", p.width - 1, p.name);
        }
        w += "    output wire [7:0] leds_a;\n    output wire [7:0] leds_b;\n";
        for (inst, module, leds) in [("a", "link_a", "leds_a"), ("b", "link_b", "leds_b")] {
            let conns: Vec<String> = ports
                .iter()
                .filter(|p| p.dir == "input" || p.name == "leds")
                .map(|p| if p.name == "leds" { format!(".leds({leds})") } else { format!(".{0}({0})", p.name) })
                .collect();
            w += &format!("    {module} {inst}({});\n", conns.join(", "));
        }
        w += "endmodule\n";
        let design = format!("{a}\n{b}\n{w}");
        mosaic_gateware::verilog::verilator_lint("gen_two_cores", &design).unwrap();
    }

    #[test]
    fn gen_help_lists_only_what_gen_uses() {
        let e = crate::cli::Cli::try_parse_from(["mosaic", "gen", "--help"]).unwrap_err();
        let help = e.to_string();
        for used in ["--lanes", "--marker-period", "--deskew-depth", "--name", "--width"] {
            assert!(help.contains(used), "{used} missing from:\n{help}");
        }
        for unused in ["--port", "--baud", "--timeout", "--retries"] {
            assert!(!help.contains(unused), "{unused} listed in:\n{help}");
        }
        // Given anyway (e.g. from a script that sets them for every call), they are ignored.
        assert!(crate::cli::Cli::try_parse_from(["mosaic", "gen", "prbs", "--port", "/dev/null"]).is_ok());
    }

    #[test]
    fn a_name_that_is_not_an_identifier_is_refused() {
        let cmd = Cmd::try_parse_from(["gen", "link", "--name", "9x"]).unwrap();
        let e = cmd.gen.named_source().unwrap_err().to_string();
        assert!(e.starts_with("--name: the module name must be a Verilog identifier"), "{e}");
    }

    #[test]
    fn ports_parse_rust_hdl_header() {
        let v = "module top(clock,data,ok);\n    // Module arguments\n    input wire  clock;\n    input wire  [63:0] data;\n    output reg  ok;\nendmodule\nmodule sub(x);\n    input wire [7:0] x;\nendmodule\n";
        let p = ports(v);
        let got: Vec<_> = p.iter().map(|p| (p.dir.as_str(), p.width, p.name.as_str())).collect();
        assert_eq!(got, vec![("input", 1, "clock"), ("input", 64, "data"), ("output", 1, "ok")]);
    }
}
