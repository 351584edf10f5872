//! `mosaic gen <core>`: standalone Verilog of a gateware core.

use super::common::{parse_u32, write_json};
use anyhow::{bail, Context};
use mosaic_gateware::params::LinkParams;
use rust_hdl::prelude::{generate_verilog, Block};
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
}

fn verilog<B: Block>(mut b: B) -> String {
    b.connect_all();
    generate_verilog(&b)
}

/// A port of the generated top module.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct Port {
    pub dir: String,
    pub width: u32,
    pub name: String,
}

/// Ports of `module top` in rust-hdl's Verilog (`input wire [63:0] name,` style).
pub fn ports(verilog: &str) -> Vec<Port> {
    let Some(start) = verilog.find("module top") else { return vec![] };
    let body = &verilog[start..];
    let body = &body[..body.find(");").unwrap_or(body.len())];
    let mut out = Vec::new();
    for line in body.lines() {
        let t = line.trim().trim_end_matches([',', ';']);
        let mut words = t.split_whitespace().peekable();
        let dir = match words.next() {
            Some(d @ ("input" | "output" | "inout")) => d.to_string(),
            _ => continue,
        };
        let mut width = 1;
        let mut name = None;
        for w in words {
            if let Some(r) = w.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                if let Some((hi, lo)) = r.split_once(':') {
                    if let (Ok(h), Ok(l)) = (hi.trim().parse::<i64>(), lo.trim().parse::<i64>()) {
                        width = (h - l).unsigned_abs() as u32 + 1;
                    }
                }
            } else if !matches!(w, "wire" | "reg" | "signed") {
                name = Some(w.to_string());
            }
        }
        if let Some(name) = name {
            out.push(Port { dir, width, name });
        }
    }
    out
}

impl GenArgs {
    fn params(&self) -> anyhow::Result<LinkParams> {
        let p = LinkParams {
            lanes: self.lanes as usize,
            spares: self.spares as usize,
            osr: self.osr as usize,
            ..LinkParams::DEFAULT
        };
        p.validate()?;
        Ok(p)
    }

    fn source(&self) -> anyhow::Result<String> {
        let p = self.params()?;
        Ok(match self.core {
            Core::Prbs => verilog(mosaic_gateware::prbs::PrbsGen::new()),
            Core::PrbsCheck => verilog(mosaic_gateware::prbs::PrbsCheck::new()),
            Core::LaneRx => verilog(mosaic_gateware::lane_rx::LaneRx::new(p.osr)),
            Core::LaneTx | Core::Link => {
                bail!("core {:?} is not available yet in this build of mosaic-gateware", self.core)
            }
        })
    }

    pub fn run(&self, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let v = self.source()?;
        let ports = ports(&v);
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
        let summary: Vec<String> =
            ports.iter().map(|p| format!("  {:<6} {:>3}  {}", p.dir, p.width, p.name)).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_rust_hdl_header() {
        let v = "module top(clock,data,ok);\n\n// Module arguments\ninput wire  clock;\ninput wire  [63:0] data;\noutput reg  ok;\n";
        // rust-hdl declares arguments after the header; both styles are read.
        let p = ports(&v.replace(");\n\n// Module arguments", "\n// Module arguments"));
        assert!(p.iter().any(|p| p.name == "data" && p.width == 64 && p.dir == "input"));
    }
}
