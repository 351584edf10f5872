//! Verilog generation and checks with real tools (Verilator lint, yosys
//! synthesis), shared by tests, `mosaic gen` and the board flow.
//!
//! rust-hdl emits signal names verbatim; names that are SystemVerilog
//! keywords (`bit`, `logic`, `expect`, ...) break Verilator, which is why
//! every core is linted here, not just synthesized.

use crate::toolchain::{run_logged, ToolError, YosysStats, VERILATOR_WAIVERS};
use crate::verilog_settle::settle_comb_blocks;
use rust_hdl::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace `target/` directory (outputs never go in the source tree).
pub fn target_dir() -> PathBuf {
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t);
    }
    // gateware/ is one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target")
}

/// A fresh scratch directory under `target/<kind>/<name>`.
pub fn scratch_dir(kind: &str, name: &str) -> Result<PathBuf, ToolError> {
    // Absolute, because tools run with this directory as their working directory.
    let dir =
        std::path::absolute(target_dir().join(kind).join(name)).unwrap_or_else(|_| target_dir().join(kind).join(name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(ToolError::io(&dir))?;
    Ok(dir)
}

/// Verilog of a block, with its top module named `top`, its combinational
/// blocks settled for event-driven simulators ([settle_comb_blocks]).
pub fn verilog_of<B: Block>(uut: &mut B) -> String {
    uut.connect_all();
    settle_comb_blocks(&generate_verilog(uut))
}

/// `verilog` with module `top` renamed `name` and every submodule `top$..`
/// renamed `name$..`, so that several generated cores can live in one design.
/// `name` must be a plain Verilog identifier.
pub fn with_top_name(verilog: &str, name: &str) -> Result<String, String> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(format!(
            "the module name must be a Verilog identifier (letters, digits, _; not first a digit), not {name:?}"
        ));
    }
    let mut out = String::with_capacity(verilog.len());
    let mut last = 0;
    for (pos, tok) in crate::verilog_settle::tokens(verilog) {
        if tok == "top" || tok.starts_with("top$") {
            out.push_str(&verilog[last..pos]);
            out.push_str(name);
            last = pos + "top".len();
        }
    }
    out.push_str(&verilog[last..]);
    Ok(out)
}

/// A port of the generated top module.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct Port {
    pub dir: String,
    pub width: u32,
    pub name: String,
}

/// Ports of `module top` in rust-hdl's Verilog: the header names them, and
/// `input wire [63:0] name;` lines inside the module give direction and width.
pub fn ports(verilog: &str) -> Vec<Port> {
    let Some(start) = verilog.find("module top(") else { return vec![] };
    let module = &verilog[start..];
    let module = &module[..module.find("endmodule").unwrap_or(module.len())];
    let header = &module["module top(".len()..module.find(')').unwrap_or("module top(".len())];
    let names: Vec<&str> = header.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
    let mut decl = std::collections::HashMap::new();
    for line in module.lines() {
        let t = line.trim().trim_end_matches([',', ';']);
        let mut words = t.split_whitespace();
        let dir = match words.next() {
            Some(d @ ("input" | "output" | "inout")) => d,
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
        if let Some(n) = name {
            decl.insert(n, (dir.to_string(), width));
        }
    }
    names
        .iter()
        .filter_map(|n| decl.get(*n).map(|(d, w)| Port { dir: d.clone(), width: *w, name: n.to_string() }))
        .collect()
}

fn write(path: &Path, text: &str) -> Result<(), ToolError> {
    std::fs::write(path, text).map_err(ToolError::io(path))
}

/// `verilator --lint-only` with rust-hdl's by-construction warnings waived
/// ([VERILATOR_WAIVERS]); any `%Error` fails, its line the summary.
pub fn verilator_lint(name: &str, verilog: &str) -> Result<(), ToolError> {
    let dir = scratch_dir("lint", name)?;
    let file = format!("{name}.v");
    write(&dir.join(&file), verilog)?;
    let mut lint = Command::new("verilator");
    lint.args(["--lint-only", "--top-module", "top"]).args(VERILATOR_WAIVERS).arg(&file);
    let out = run_logged("verilator", &mut lint, &dir, None, &mut |_| {})?;
    // An implicit net is an identifier hdl_gen wrote but never declared (a
    // Rust constant used as an index, say): a bug, though only a warning.
    match out.lines().find(|l| l.contains("%Warning-IMPLICIT")) {
        Some(line) => Err(ToolError::Failed {
            tool: "verilator".into(),
            summary: line.trim().to_string(),
            log: dir.join("verilator.log"),
        }),
        None => Ok(()),
    }
}

/// Reads `verilog` in yosys with implicit nets refused (`default_nettype
/// none`): an identifier rust-hdl wrote but never declared (e.g. a Rust
/// constant used as a bit index) is an error here, where synthesis would
/// only warn and wire it to nothing.
pub fn yosys_read_strict(name: &str, verilog: &str) -> Result<(), ToolError> {
    let dir = scratch_dir("read_strict", name)?;
    write(&dir.join(format!("{name}.v")), verilog)?;
    let script = format!("read_verilog -noautowire {name}.v");
    run_logged("yosys", Command::new("yosys").args(["-q", "-p", &script]), &dir, None, &mut |_| {}).map(|_| ())
}

/// Synthesizes `verilog` with yosys `synth_ice40` and returns its resource use.
pub fn yosys_synth_ice40(name: &str, verilog: &str) -> Result<YosysStats, ToolError> {
    let dir = scratch_dir("synth", name)?;
    write(&dir.join(format!("{name}.v")), verilog)?;
    let script = format!("read_verilog {name}.v; synth_ice40 -top top; tee -q -o stat.txt stat");
    run_logged("yosys", Command::new("yosys").args(["-q", "-p", &script]), &dir, None, &mut |_| {})?;
    let stat = dir.join("stat.txt");
    Ok(YosysStats::parse(&std::fs::read_to_string(&stat).map_err(ToolError::io(&stat))?))
}

/// Synthesizes `verilog` with yosys `synth_ecp5` (for comparing blocks, not
/// for place and route) and returns its resource use.
pub fn yosys_synth_ecp5(name: &str, verilog: &str) -> Result<YosysStats, ToolError> {
    let dir = scratch_dir("synth_ecp5", name)?;
    write(&dir.join(format!("{name}.v")), verilog)?;
    let script = format!("read_verilog {name}.v; synth_ecp5 -top top; tee -q -o stat.txt stat");
    run_logged("yosys", Command::new("yosys").args(["-q", "-p", &script]), &dir, None, &mut |_| {})?;
    let stat = dir.join("stat.txt");
    Ok(YosysStats::parse(&std::fs::read_to_string(&stat).map_err(ToolError::io(&stat))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lint_refuses_an_implicit_net() {
        let v = "module sub(output o); assign o = 1'b1; endmodule\n\
                 module top(output y); sub u(.o(w)); assign y = w; endmodule\n";
        let e = verilator_lint("implicit_net", v).unwrap_err().to_string();
        assert!(e.contains("IMPLICIT") && e.contains("'w'"), "{e}");
        let ok = "module top(output y); wire w; assign w = 1'b1; assign y = w; endmodule\n";
        verilator_lint("declared_net", ok).unwrap();
        assert!(yosys_read_strict("implicit_net", v).is_err());
        yosys_read_strict("declared_net", ok).unwrap();
    }
}
