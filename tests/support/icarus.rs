//! Runs rust-hdl's generated Verilog in Icarus Verilog, clock by clock, so
//! tests compare it with the rust-hdl simulation of the same block.

use mosaic_gateware::toolchain::run_logged;
use mosaic_gateware::verilog::scratch_dir;
use std::fmt::Write as _;
use std::process::Command;

/// Runs `verilog` (top module `top`, input `clock`) in Icarus Verilog: per
/// clock, applies `stim[t][i]` to `inputs[i]`, clocks, and records the
/// `outputs` (up to 64 bits wide) after the rising edge, `None` where an
/// output has an x or z bit. `pokes` are Verilog statements run before the
/// inputs of clock t are applied (e.g. to preload a register).
pub fn icarus(
    name: &str,
    verilog: &str,
    inputs: &[(&str, usize)],
    outputs: &[&str],
    stim: &[Vec<u64>],
    pokes: &[(usize, &str)],
) -> Vec<Vec<Option<u64>>> {
    let stim: Vec<Vec<String>> = stim.iter().map(|s| s.iter().map(|v| format!("{v:x}")).collect()).collect();
    let outputs: Vec<(&str, usize)> = outputs.iter().map(|p| (*p, 64)).collect();
    icarus_hex(name, verilog, inputs, &outputs, &stim, pokes)
        .iter()
        .map(|row| row.iter().map(|w| u64::from_str_radix(w, 16).ok()).collect())
        .collect()
}

/// [icarus]'s rows where every output must be defined (panics on an x or z).
pub fn defined(rows: Vec<Vec<Option<u64>>>) -> Vec<Vec<u64>> {
    rows.iter()
        .enumerate()
        .map(|(t, row)| {
            row.iter()
                .enumerate()
                .map(|(i, w)| w.unwrap_or_else(|| panic!("undefined output {i} (x or z) on clock {t}")))
                .collect()
        })
        .collect()
}

/// As [icarus], for ports of any width: (name, width) outputs, and values
/// as hex strings (outputs with `width / 4` digits, rounded up).
pub fn icarus_hex(
    name: &str,
    verilog: &str,
    inputs: &[(&str, usize)],
    outputs: &[(&str, usize)],
    stim: &[Vec<String>],
    pokes: &[(usize, &str)],
) -> Vec<Vec<String>> {
    let dir = scratch_dir("cosim", name).unwrap();
    let n = stim.len();
    let mut tb = String::from("`timescale 1ns/1ps\nmodule tb;\n  reg clock = 0;\n");
    for (i, (port, w)) in inputs.iter().enumerate() {
        writeln!(tb, "  reg [{}:0] {port};\n  reg [{}:0] mem_{port} [0:{}];", w - 1, w - 1, n - 1).unwrap();
        let hex: String = stim.iter().map(|s| format!("{}\n", s[i])).collect();
        std::fs::write(dir.join(format!("{port}.hex")), hex).unwrap();
    }
    for (port, w) in outputs {
        writeln!(tb, "  wire [{}:0] {port};", w - 1).unwrap();
    }
    let conns: Vec<String> = std::iter::once("clock".to_string())
        .chain(inputs.iter().map(|(p, _)| p.to_string()))
        .chain(outputs.iter().map(|(p, _)| p.to_string()))
        .map(|p| format!(".{p}({p})"))
        .collect();
    writeln!(tb, "  top dut({});\n  integer t;\n  initial begin", conns.join(", ")).unwrap();
    for (port, _) in inputs {
        writeln!(tb, "    $readmemh(\"{port}.hex\", mem_{port});").unwrap();
    }
    writeln!(tb, "    for (t = 0; t < {n}; t = t + 1) begin").unwrap();
    for (t, poke) in pokes {
        writeln!(tb, "      if (t == {t}) begin {poke} end").unwrap();
    }
    for (port, _) in inputs {
        writeln!(tb, "      {port} = mem_{port}[t];").unwrap();
    }
    let fmt = vec!["%h"; outputs.len()].join(" ");
    let names: Vec<&str> = outputs.iter().map(|(p, _)| *p).collect();
    writeln!(
        tb,
        "      #5 clock = 1;\n      #1 $display(\"{fmt}\", {});\n      #4 clock = 0;\n    end\n    $finish;\n  end\nendmodule",
        names.join(", ")
    )
    .unwrap();
    std::fs::write(dir.join("tb.v"), tb).unwrap();
    std::fs::write(dir.join("top.v"), verilog).unwrap();
    let run = |tool: &str, args: &[&str]| {
        run_logged(tool, Command::new(tool).args(args), &dir, None, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
    };
    run("iverilog", &["-o", "sim.vvp", "tb.v", "top.v"]);
    let text = run("vvp", &["-n", "sim.vvp"]);
    let rows: Vec<Vec<String>> = text
        .lines()
        // `%h` writes a digit with some x or z bits as X or Z.
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_hexdigit() || " xzXZ".contains(c)))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), n, "vvp output:\n{text}");
    rows
}
